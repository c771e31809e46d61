"""`drillsim score`: a drill's (or a real incident's) phases as percentiles of the simulated runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli import common
from simulator.cli.common import (
    Executor,
    ExecutorOpt,
    MapOpt,
    PresetOpt,
    QuietOpt,
    ReplicationsOpt,
    SchedulerOpt,
    SeedOpt,
    SeverityOpt,
    SkipBadOpt,
    TimezoneOpt,
    UnderLoadOpt,
    WorkersOpt,
    app,
    complete_mode,
    errors_exit,
    run_options,
)

EXIT_SLOWER = 1


@app.command()
@errors_exit
def score(
    drill: Annotated[list[Path], typer.Argument(metavar="DRILL",
        help="The drill's times: a history file (CSV or JSON Lines; one row per drill or incident), and/or a "
        "Chaos Toolkit journal.json whose run's start is the injection time.", show_default=False)],
    scenario: Annotated[Path, typer.Option("--scenario", "-S", show_default=False,
                                           help="The scenario to score against (the one the plan was made from).")],
    mode: Annotated[str | None, typer.Option(
        "--mode", "-m", metavar="MODE", show_default=False, autocompletion=complete_mode,
        help="The failure mode, when neither the file nor the journal names it.")] = None,
    fail_above: Annotated[float | None, typer.Option(
        "--fail-above", metavar="P", min=0, max=100, show_default=False,
        help="Exit with status 1 when a phase is slower than percentile P of the simulated runs.")] = None,
    under_load: UnderLoadOpt = False,
    preset: PresetOpt = None,
    map_: MapOpt = None,
    severity: SeverityOpt = None,
    timezone: TimezoneOpt = None,
    skip_bad: SkipBadOpt = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", file_okay=False, show_default=False,
        help="Folder for score.json, score.md and the figure (default: the drill file's folder).")] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Score a drill or a real incident: each phase's percentile among simulated runs of the same failure.

    Prints a verdict per phase ("acknowledgement slower than 85% of simulated runs") and the phase that cost the
    most against the simulated median; writes score.json, score.md and the drill's times on the simulated
    distributions. With --fail-above P, exits 1 when a phase is slower than percentile P.

    Example: [bold]drillsim score drill.csv journal.json --scenario ours.yaml --fail-above 90[/bold]
    """
    from simulator import api
    from simulator.report.gameday import score_lines, score_table

    done = api.score(drill, scenario, mode=mode, preset=preset, mapping=map_ or (), severities=severity or (),
                     timezone=timezone, skip_bad=skip_bad, under_load=under_load, fail_above=fail_above, out=out,
                     seed=seed, replications=replications, **run_options(workers, executor, scheduler))
    console = common.console(markup=False)  # ids are text, not markup
    for note in done.notes:
        typer.echo(f"note: {note}", err=True)
    console.print(score_table(done.scores))
    if not quiet:
        for line in score_lines(done.scores):
            console.print(line, highlight=False)
        console.print(f"Wrote {', '.join(p.name for p in done.written)} to {done.written[0].parent}/",
                      highlight=False)
    if done.failing:
        for found, phase in done.failing:
            typer.echo(f"{found.incident}: {phase.verdict}, above percentile {fail_above:g}", err=True)
        raise typer.Exit(EXIT_SLOWER)
