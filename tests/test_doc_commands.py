"""Every drillsim command that the README and the documentation show in a shell block runs, as written, against
the bundled scenarios and examples, and ends with the status the text gives (0 unless it says otherwise).

A block's commands run in order in one scratch folder holding copies of scenarios/ and examples/, so a command
may read what an earlier one wrote (calibrate → gameday plan → score), as the reader's would. Lines that are not
drillsim (git, chaos, make) are the reader's own steps: the files they would bring are copies of the examples
(INPUTS). Command outputs shown as excerpts are checked by tests/test_docs.py; this checks the commands the pages
only tell the reader to type. No command is shortened (no -n): what runs is what the page shows.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator.cli import app

ROOT = Path(__file__).resolve().parents[1]
SHELLS = ("sh", "bash", "shell", "console")
INPUTS = {"incidents.csv": "examples/history.csv", "before.yaml": "examples/our-checkout.yaml"}
"""Files a page's reader brings (their history, the file on main), played by the shipped examples."""
NEEDS_A_TERMINAL = "drillsim drill needs a terminal"
SLOW = {"docs/guides/game-days.md:7", "docs/getting-started.md:51"}
"""Blocks that take most of a minute (a calibration with its bootstrap; a full run with its report): `make fuzz`
runs them, `make test` leaves them out."""


def shell_blocks() -> list[tuple[str, list[list[str]]]]:
    """(where, [drillsim arguments, ...]) of every fenced shell block of the README and docs/ that holds one."""
    out = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        fence: tuple[int, str] | None = None
        commands: list[list[str]] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            opening = re.match(r"^\s*```(\w*)", line)
            if opening and fence is None:
                fence, commands = (number, opening[1]), []
            elif opening:
                if fence[1] in SHELLS and commands:
                    out.append((f"{path.relative_to(ROOT)}:{fence[0]}", commands))
                fence = None
            elif fence is not None and re.match(r"^\s*(\$ )?drillsim\s", line):
                commands.append(shlex.split(line.strip().removeprefix("$ "), comments=True)[1:])
    return out


def _interactive(args: list[str]) -> bool:
    """A drill at a terminal: the one thing a test has not got."""
    return args[:1] == ["drill"] and not {"--answers", "-a", "--serve"} & set(args)


BLOCKS = shell_blocks()


def test_the_pages_show_the_commands_this_test_runs():
    where = {place.split(":")[0] for place, _ in BLOCKS}
    assert {"docs/getting-started.md", "docs/guides/compare-policies.md", "docs/guides/drills.md",
            "docs/guides/game-days.md"} <= where
    assert {place for place, _ in BLOCKS} >= SLOW, "a slow block moved: update SLOW"


@pytest.mark.parametrize("where, commands", [
    pytest.param(where, commands, id=where, marks=[pytest.mark.slow] if where in SLOW else [])
    for where, commands in BLOCKS])
def test_every_command_the_documentation_shows_runs(where, commands, tmp_path, monkeypatch):
    for folder in ("scenarios", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for name, source in INPUTS.items():
        shutil.copy(ROOT / source, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    served: list[str] = []

    def serve(team, out, *, host="127.0.0.1", port=8000, announce=None, events="full"):  # the server: test_drill_team
        served.append(host)
        return []

    monkeypatch.setattr("simulator.drill.server.serve", serve)
    for args in commands:
        result = CliRunner().invoke(app, args)
        typed = "drillsim " + shlex.join(args)
        if _interactive(args):  # everything before the terminal (scenario, --mode, --at, --seed) was accepted
            assert result.exit_code == 2 and NEEDS_A_TERMINAL in result.output, (where, typed, result.output)
            continue
        assert result.exception is None or isinstance(result.exception, SystemExit), (where, typed, result.output)
        assert result.exit_code == 0, (where, typed, result.output)
        if "--serve" in args:  # a team drill: everything up to the server was accepted, and it would have served
            assert served, (where, typed, result.output)
            served.clear()
