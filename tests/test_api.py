"""simulator.api covers every command with the command's arguments, so that a notebook or a script does what
the command line does in a call or two, and the commands hold no logic of their own."""

from __future__ import annotations

import inspect

import pytest
import typer.main

from simulator import api
from simulator.cli import app

COMMANDS = {"run": api.run, "compare": api.compare, "sweep": api.sweep, "report": api.report,
            "detectability": api.detectability}
PLURAL = {"variant": "variants", "set_": "sets", "incident": "incidents", "scenarios": "scenarios"}
"""A repeatable option is a list in the API, named in the plural."""
ELSEWHERE = {
    "out": {"run": api.write_results, "compare": api.write_comparison, "sweep": api.write_sweep,
            "detectability": api.write_detectability},
    "report": {"run": api.report},
    "by": {"run": api.breakdowns},
    "metric": {"compare": api.write_comparison, "sweep": api.write_sweep},
}
"""Options that choose what is written or printed, and the API call that does it."""
PRESENTATION = {"quiet"}


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_of_the_command_is_an_argument_of_its_api_call(name):
    command = typer.main.get_command(app).commands[name]
    accepted = inspect.signature(COMMANDS[name]).parameters
    missing = []
    for param in command.params:
        if param.name in PRESENTATION:
            continue
        if param.name in ELSEWHERE and param.name not in accepted:
            call = ELSEWHERE[param.name].get(name)
            if call is None or (param.name == "metric" and "metric" not in inspect.signature(call).parameters):
                missing.append(f"--{param.name} (no API call writes or prints it)")
            continue
        wanted = param.name if param.name in accepted else PLURAL.get(param.name, param.name)
        if wanted not in accepted:
            missing.append(f"{param.name} → {wanted}")
    assert not missing, f"api.{COMMANDS[name].__name__} lacks: {', '.join(missing)}"


def test_the_package_names_the_api():
    import simulator

    for name in simulator.__all__:
        assert getattr(simulator, name) is getattr(api, name)
    assert set(api.__all__) >= {"run", "compare", "sweep", "report", "breakdowns", "write_results",
                                "write_comparison", "write_sweep", "write_schema"}
