"""`drillsim validate`: check scenario files and list every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import EXIT_INPUT, app, errors_exit, shown
from simulator.errors import ScenarioError


@app.command()
@errors_exit
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Scenario files to check.", show_default=False)],
) -> None:
    """Check scenario files (and their variants) and list every problem as FILE:LINE:COL: field: message.

    Exits with status 2 when any file has a problem. Example: [bold]drillsim validate scenarios/*.yaml[/bold]
    """
    from simulator import api

    failed = 0
    for path in files:
        try:
            source = api.read_source(path)
            source.variants()  # each variant's overrides are checked like the fields they change
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                typer.echo(shown(str(problem)), err=True)
            continue
        scenario = source.scenario
        modes, variants = len(scenario.failure_modes), len(scenario.variants)
        extra = f", {variants} variant{'s' if variants != 1 else ''}" if variants else ""
        named = source.file or path  # '<stdin>' for '-'
        typer.echo(shown(f"{named}: ok ({scenario.name}: {modes} failure mode{'s' if modes != 1 else ''}{extra})"))
    if failed:
        typer.echo(f"{failed} of {len(files)} file{'s' if len(files) != 1 else ''} invalid.", err=True)
        raise typer.Exit(EXIT_INPUT)
