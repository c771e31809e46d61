"""Start-up: `drillsim --help` and `drillsim validate` answer quickly because they import little.

Each check runs in a fresh interpreter (the test process has imported everything already) and looks at
sys.modules after the command: matplotlib never, and for --help not even numpy or SimPy. (Typer itself
imports pydantic to parse a command's options, so a command's --help pays for that.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulator.scenario.bundled import default_scenario

PROBE = """
import json, sys
from simulator.cli import main
sys.argv = ["drillsim", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
heavy = ("matplotlib", "numpy", "simpy", "distributed")
print(json.dumps(sorted(name for name in heavy if name in sys.modules)), file=sys.stderr)
"""


def imported_by(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                          timeout=600, check=True)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("compare", "--help"), ("schema", "--help")])
def test_help_imports_no_numerical_library(args):
    assert imported_by(*args) == set()


def test_validate_imports_no_plotting_and_no_engine():
    imported = imported_by("validate", str(default_scenario()))
    assert "matplotlib" not in imported and "simpy" not in imported and "distributed" not in imported
