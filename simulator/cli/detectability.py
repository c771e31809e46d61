"""`drillsim detectability`: how noisy a period's MTTR is, and whether a real change would show through."""

from __future__ import annotations

import json
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
from simulator.cli.compare import MetricOpt, SetOpt


def share(text: str) -> float:
    """'20%' or '0.2' → 0.2."""
    from simulator.errors import DrillsimError

    value = text.strip()
    try:
        number = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise DrillsimError(f"expected a share such as 20% or 0.2 (got {text!r})") from None
    if not 0 < number < 1:
        raise DrillsimError(f"expected a share between 0% and 100% (got {text!r})")
    return number


@app.command()
@errors_exit
def detectability(
    scenario: ScenarioArg = None,
    metric: MetricOpt = "mttr",
    incidents_per_period: Annotated[int | None, typer.Option(
        "--incidents-per-period", "-N", min=1, show_default=False,
        help="Incidents a period holds (default: as many as the scenario's horizon brings on average).")] = None,
    improvement: Annotated[str, typer.Option(
        "--improvement", help="The real change to look for, as a share: 20% means 20% better.")] = "20%",
    false_improvement: Annotated[str | None, typer.Option(
        "--false-improvement", show_default=False,
        help="How often does no change at all look like an improvement of this size? (default: --improvement)")
    ] = None,
    variant: Annotated[str | None, typer.Option(
        "--variant", "-V", metavar="NAME", show_default=False,
        help="Look for the change this variant of the scenario brings instead of --improvement.")] = None,
    set_: SetOpt = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    trials: Annotated[int, typer.Option("--trials", min=100, help="Simulated pairs of periods.")] = 4000,
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
    from rich.console import Console

    from simulator.detectability import scenario_detectability
    from simulator.errors import DrillsimError
    from simulator.metrics import metric_key
    from simulator.report import detectability as report
    from simulator.scenario.variants import load_source

    metric = metric_key(metric)
    source = load_source(scenario_path(scenario))
    changed = None
    if variant is not None or set_:
        if variant is not None and set_:
            raise DrillsimError("give either --variant or --set, not both")
        chosen = source.variants([variant] if variant else [], sets=set_ or ())
        changed = list(chosen.values())[-1]
    found = scenario_detectability(
        source.scenario, changed, metric=metric, incidents_per_period=incidents_per_period,
        improvement=share(improvement),
        false_improvement=share(false_improvement) if false_improvement is not None else None,
        replications=replications, seed=seed, trials=trials, **run_options(workers, executor, scheduler))
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(report.detectability_table(found))
    if not quiet:
        console.print()
        for line in report.detectability_lines(found):
            console.print(line, highlight=False)
    if out is not None:
        from simulator.outputs import atomic_open

        path = Path(out) / "detectability.json"
        with atomic_open(path) as handle:
            json.dump(found.as_document(), handle, indent=2, allow_nan=False)
            handle.write("\n")
        from simulator.report.detectability_figures import detectability_figure
        from simulator.report.style import save_png

        figure = save_png(detectability_figure(found), Path(out) / f"detectability-{metric}.png")
        if not quiet:
            console.print(f"Wrote {path.name}, {figure.name} to {out}/")
