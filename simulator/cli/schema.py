"""`drillsim schema`: print the JSON Schema of the scenario format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import app, errors_exit


@app.command()
@errors_exit
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.",
                                             dir_okay=False, show_default=False)] = None,
) -> None:
    """Print the JSON Schema of the scenario format (for editor completion and checks).

    Example: [bold]drillsim schema --out scenarios/schema.json[/bold]
    """
    from simulator import api

    if out is None:
        sys.stdout.write(api.schema_text())
        return

    typer.echo(f"Wrote the JSON Schema of the scenario format to {api.write_schema(out)}", err=True)
