"""`drillsim report`: turn a results folder into report.html, report.md and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import QuietOpt, app, errors_exit


@app.command()
@errors_exit
def report(
    results_dir: Annotated[Path, typer.Argument(metavar="RESULTS_DIR", help="Folder written by `drillsim run --out`.",
                                            show_default=False, file_okay=False)],
    incident: Annotated[list[str] | None, typer.Option(
        "--incident", "-i", help="Incident to tell, as REPLICATION:INCIDENT (e.g. 3:7 is INC-0007 of replication "
        "3); repeatable. Default: the median and the slowest incident.", show_default=False)] = None,
    replication: Annotated[int | None, typer.Option(
        "--replication", "-r", min=0, help="Replication of the timeline (default: the one with the busiest "
        "stretch).", show_default=False)] = None,
    quiet: QuietOpt = False,
) -> None:
    """Write report.html (self-contained), report.md and the figures as PNG files into a results folder.

    Example: [bold]drillsim report results/ --incident 3:7[/bold]
    """
    from simulator import api

    written = api.report(results_dir, incidents=incident or (), replication=replication)
    if not quiet:
        typer.echo(f"Wrote {', '.join(path.name for path in written)} to {results_dir}/")
