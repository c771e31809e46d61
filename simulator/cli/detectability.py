"""`drillsim detectability`: how noisy a period's MTTR is, and whether a real change would show through."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli import common
from simulator.cli.common import (
    Executor,
    ExecutorOpt,
    MetricOpt,
    QuietOpt,
    ReplicationsOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    app,
    errors_exit,
    run_options,
)
from simulator.limits import MAX_PERIOD_INCIDENTS, MAX_TRIALS


@app.command()
@errors_exit
def detectability(
    scenario: ScenarioArg = None,
    metric: MetricOpt = "mttr",
    incidents_per_period: Annotated[int | None, typer.Option(
        "--incidents-per-period", "-N", min=1, max=MAX_PERIOD_INCIDENTS, show_default=False,
        help="Incidents a period holds (default: as many as the scenario's horizon brings on average).")] = None,
    improvement: Annotated[str, typer.Option(
        "--improvement", help="The real change to look for, as a share: 20% means 20% better.")] = "20%",
    false_improvement: Annotated[str | None, typer.Option(
        "--false-improvement", show_default=False,
        help="How often does no change at all look like a change of this size, in the real change's direction? "
             "(default: the size of the real change)")
    ] = None,
    variant: Annotated[str | None, typer.Option(
        "--variant", "-V", metavar="NAME", show_default=False,
        help="Look for the change this variant of the scenario brings instead of --improvement.")] = None,
    set_: SetOpt = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    trials: Annotated[int, typer.Option("--trials", min=100, max=MAX_TRIALS,
                                        help="Simulated pairs of periods.")] = 4000,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", file_okay=False, show_default=False,
        help="Folder for detectability.json and detectability-METRIC.png.")] = None,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """How noisy is a period's MTTR on a dashboard, and would a real change show through the noise?

    How wide the interval of the difference between two periods is, how often a real improvement would not
    show at all, how often no change would look like one, and how many incidents it takes to see it.
    Reported for the mean, the median and the p90. The change is --improvement (20% by default), or what a
    variant brings (--variant NAME, or --set PATH=VALUE).

    Example: [bold]drillsim detectability scenarios/default.yaml --improvement 20% --incidents-per-period 40[/bold]
    """
    from simulator import api
    from simulator.report import detectability as report

    if out is not None:
        api.check_folder(out)  # an --out that cannot be written is refused before the run, not after
    found = api.detectability(scenario, metric=metric, incidents_per_period=incidents_per_period,
                              improvement=improvement, false_improvement=false_improvement, variant=variant,
                              sets=set_ or (), replications=replications, seed=seed, trials=trials,
                              **run_options(workers, executor, scheduler))
    console = common.console(markup=False)  # names are text, not markup
    console.print(report.detectability_table(found))
    if not quiet:
        console.print()
        for line in report.detectability_lines(found):
            console.print(line, highlight=False)
    if out is not None:
        written = api.write_detectability(found, out)
        if not quiet:
            console.print(f"Wrote {', '.join(p.name for p in written)} to {out}/", highlight=False)
