"""The `drillsim` command line. Each command lives in its own module, parses its options, calls the library
and prints; no logic lives here that a notebook would need."""

from __future__ import annotations

import importlib

from simulator.cli.common import Commands, app

# Command modules, in the order `drillsim --help` lists them. Importing one registers its command.
COMMANDS = ("run", "report", "compare", "sweep", "maturity", "detectability", "calibrate", "gameday", "score",
            "drill", "validate", "schema")

Commands.order = COMMANDS
for _name in COMMANDS:
    importlib.import_module(f"simulator.cli.{_name}")


def main() -> None:
    import sys

    from simulator.cli.common import EXIT_INTERRUPTED, interrupted

    try:
        app()
    except KeyboardInterrupt:  # before or after a command ran (a command's own is caught in errors_exit)
        interrupted()
        sys.exit(EXIT_INTERRUPTED)


__all__ = ["app", "main"]
