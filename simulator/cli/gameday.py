"""`drillsim gameday plan`: a facilitator's plan for a game day."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import (
    Commands,
    Executor,
    ExecutorOpt,
    QuietOpt,
    ReplicationsOpt,
    SchedulerOpt,
    SeedOpt,
    TimezoneOpt,
    UnderLoadOpt,
    WorkersOpt,
    app,
    complete_mode,
    errors_exit,
    run_options,
)

gameday_app = typer.Typer(
    name="gameday",
    cls=Commands,
    help="Game days: plan a drill from a scenario (then score it with `drillsim score`).",
    no_args_is_help=True,
)
app.add_typer(gameday_app)

SeverityOpt = Annotated[
    str | None,
    typer.Option("--severity", metavar="SEV", show_default=False,
                 help="Only simulated incidents of this severity (default: all of the failure mode's)."),
]


@gameday_app.command("plan")
@errors_exit
def plan(
    scenario: Annotated[Path, typer.Argument(
        metavar="SCENARIO", help="Scenario YAML file (calibrated from your history, ideally).", show_default=False)],
    inject: Annotated[str, typer.Option("--inject", "-i", metavar="MODE", show_default=False,
                                        autocompletion=complete_mode,
                                        help="The failure mode to inject (a name from the scenario).")],
    at: Annotated[str | None, typer.Option(
        "--at", metavar="TIME", show_default=False,
        help="When to inject, ISO 8601 (2026-03-10T14:00+01:00, or local with --timezone): puts clock times "
        "in the plan.")] = None,
    timezone: TimezoneOpt = None,
    severity: SeverityOpt = None,
    under_load: UnderLoadOpt = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", file_okay=False, show_default=False,
        help="Folder for plan.md, plan.html, plan.png and drill.csv (default: gameday-MODE).")] = None,
    chaostoolkit: Annotated[Path | None, typer.Option(
        "--chaostoolkit", dir_okay=False, metavar="FILE", show_default=False,
        help="Also write a Chaos Toolkit experiment (JSON) that injects the failure: run it with `chaos run`, "
        "then score its journal.json with `drillsim score`.")] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Write a facilitator's plan: the failure to inject and when, who should be on call, the expected range
    of each phase, when to step in and when to abort, the roles, and a blank timeline for the Scribe.

    Writes plan.md, plan.html, plan.png, and drill.csv for the Scribe's times (score it afterwards with
    [bold]drillsim score[/bold]).

    Example: [bold]drillsim gameday plan ours.yaml --inject bad-deploy --at 2026-03-10T14:00+01:00[/bold]
    """
    from simulator import api
    from simulator.report.gameday import plan_lines

    done = api.plan_gameday(scenario, inject, at=at, timezone=timezone, severity=severity, under_load=under_load,
                            out=out, seed=seed, replications=replications, chaostoolkit=chaostoolkit,
                            **run_options(workers, executor, scheduler))
    if not quiet:
        for line in plan_lines(done.plan):
            typer.echo(line)
    files = [p for p in done.written if p.parent == done.written[0].parent]
    typer.echo(f"Wrote {', '.join(p.name for p in files)} to {done.written[0].parent}/")
    if chaostoolkit is not None:
        typer.echo(f"Wrote the Chaos Toolkit experiment to {done.written[-1]} (run it with: chaos run "
                   f"{done.written[-1]})")
