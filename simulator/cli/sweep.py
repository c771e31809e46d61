"""`drillsim sweep`: run the grid of every combination of some fields' values with common random numbers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import (
    Executor,
    ExecutorOpt,
    QuietOpt,
    ReplicationsOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    app,
    errors_exit,
    run_options,
    scenario_path,
)
from simulator.cli.compare import MetricOpt


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
    ] = ...,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    metric: MetricOpt = "mttr",
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", file_okay=False, show_default=False,
        help="Folder for sweep.csv (one row per point and replication), sweep_summary.csv (one row per point "
             "and metric) and sweep-METRIC.png.")] = None,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Run every combination of the given fields' values, each with the same seed and replications.

    Example: [bold]drillsim sweep --set team.escalate_after=5m,15m,30m --set policy.declare_after=0s,5m[/bold]
    """
    from rich.console import Console

    from simulator.metrics import metric_key
    from simulator.report import comparison as report
    from simulator.scenario.variants import load_source, sweep_values
    from simulator.sweep import sweep as run_sweep
    from simulator.sweep import write_sweep

    metric = metric_key(metric)
    source = load_source(scenario_path(scenario))
    axes = [sweep_values(text) for text in set_]
    result = run_sweep(source, axes, replications=replications, seed=seed,
                       **run_options(workers, executor, scheduler))
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(report.sweep_table(result, metric))
    if out is not None:
        written = write_sweep(result, out)
        from simulator.report.comparison_figures import sweep_figure
        from simulator.report.style import save_png

        written.append(save_png(sweep_figure(result, metric), Path(out) / f"sweep-{metric}.png"))
        if not quiet:
            console.print(f"Wrote {', '.join(p.name for p in written)} to {out}/")
    elif not quiet:
        console.print("[dim]Add --out DIR for sweep.csv (every point and replication), sweep_summary.csv and a "
                      "figure.[/dim]")
