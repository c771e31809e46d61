"""`drillsim sweep`: run the grid of every combination of some fields' values with common random numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli import common
from simulator.cli.common import (
    Executor,
    ExecutorOpt,
    MetricOpt,
    MinEffectOpt,
    QuietOpt,
    ReplicationsOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    app,
    errors_exit,
    run_options,
)
from simulator.limits import MAX_RESAMPLES


@app.command()
@errors_exit
def sweep(
    scenario: ScenarioArg = None,
    set_: Annotated[
        list[str],
        typer.Option("--set", metavar="PATH=V1,V2,...",
                     help="A field and the values to sweep it over, e.g. team.responders=1,2,3 or "
                          "'team.names=[A],[A, B]'. Repeat for more fields: every combination runs.",
                     show_default=False),
    ] = ...,  # type: ignore[assignment]  # Typer's mark of a required option after an optional argument
    baseline: Annotated[list[str] | None, typer.Option(
        "--baseline", metavar="PATH=VALUE", show_default=False,
        help="The point the others are compared with, by the value of a swept field (repeatable; fields not "
             "named take their first value). Default: the scenario as written, played as one more point "
             "when the grid does not hold it.")] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    metric: MetricOpt = "mttr",
    min_effect: MinEffectOpt = "5%",
    resamples: Annotated[int, typer.Option("--resamples", min=100, max=MAX_RESAMPLES,
                                           help="Bootstrap resamples.")] = 2000,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", file_okay=False, show_default=False,
        help="Folder for sweep.csv (one row per point and replication), sweep_summary.csv (one row per point "
             "and metric), sweep_differences.csv (each point against the baseline), sweep-METRIC.png and "
             "sweep-load.png.")] = None,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Run every combination of some fields' values and compare each point with a baseline.

    Every point runs with the same seed and replications, so all meet the same failures; each point's paired
    difference from the baseline point comes with a bootstrap interval and a verdict, beside the on-call load.

    Example: [bold]drillsim sweep --set team.escalate_after=5m,15m,30m --set policy.declare_after=0s,5m[/bold]
    """
    from simulator import api
    from simulator.report import comparison as report

    metric = api.metric_key(metric)
    if out is not None:
        api.check_folder(out)  # an --out that cannot be written is refused before the run, not after
    result = api.sweep(scenario, set_, baseline=baseline, replications=replications, seed=seed,
                       resamples=resamples, min_effect=min_effect, **run_options(workers, executor, scheduler))
    console = common.console(markup=False)  # names are text, not markup
    console.print(report.sweep_table(result, metric))
    console.print(result.best_sentence(metric), highlight=False)
    console.print(report.sweep_workload_table(result))
    cost = report.sweep_cost_rows(result)
    if cost is not None:
        console.print(report.terminal(cost))
    for note in result.comparison.notes if result.comparison is not None else ():  # the horizon cut many short
        console.print(f"warning: {note}", style="yellow", highlight=False)
    if out is not None:
        written = api.write_sweep(result, out, metric)
        if not quiet:
            console.print(f"Wrote {', '.join(p.name for p in written)} to {out}/", highlight=False)
    elif not quiet:
        console.print("Add --out DIR for sweep.csv (every point and replication), sweep_summary.csv, "
                      "sweep_differences.csv and figures.", style="dim")
