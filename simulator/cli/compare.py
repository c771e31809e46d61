"""`drillsim compare`: run policy variants with common random numbers and judge their paired differences."""

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

EXIT_WORSE = 1

# Options shared by compare, sweep and detectability.
VariantOpt = Annotated[
    list[str] | None,
    typer.Option("--variant", "-V", metavar="NAME",
                 help="A variant from the scenario's `variants:` (repeat for several; default: all of them).",
                 show_default=False),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="PATH=VALUE",
                 help="Change a field for one more variant, e.g. policy.mitigation=debug-first or "
                      "'team.names=[Ana, Ben, Cleo]' (repeat to change several fields of that variant).",
                 show_default=False),
]
MetricOpt = Annotated[
    str, typer.Option("--metric", "-m", help="mttd, mtta, mttr, mtbf or time_to_resolve.")
]


def _fail_if_worse(values: list[str]) -> list[tuple[str, str]]:
    from simulator.compare import STATISTICS
    from simulator.errors import DrillsimError
    from simulator.metrics import metric_key

    out = []
    for value in values:
        metric, _, statistic = value.partition(".")
        statistic = statistic or "mean"
        if statistic not in STATISTICS:
            raise DrillsimError(f"--fail-if-worse {value}: the statistic is mean or median (got {statistic!r})")
        out.append((metric_key(metric), statistic))
    return out


@app.command()
@errors_exit
def compare(
    scenario: ScenarioArg = None,
    variant: VariantOpt = None,
    set_: SetOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of the variant made by --set (default: the "
                                             "options themselves).", show_default=False)] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    metric: MetricOpt = "mttr",
    fail_if_worse: Annotated[
        list[str] | None,
        typer.Option("--fail-if-worse", metavar="METRIC[.median]",
                     help="Exit with status 1 when a variant is significantly worse than the baseline on this "
                          "metric's mean (or median: mttr.median). Repeatable.", show_default=False),
    ] = None,
    resamples: Annotated[int, typer.Option("--resamples", min=100, help="Bootstrap resamples.")] = 2000,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", file_okay=False, show_default=False,
        help="Folder for comparison.json, differences.csv and figures (ecdf-METRIC.png, differences.png).")] = None,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Compare policy variants with the baseline: paired differences with bootstrap intervals and a verdict.

    Every variant runs with the same seed and replications, so all meet the same failures at the same times.
    Exit status 0, or 1 with --fail-if-worse when a variant is significantly worse.

    Example: [bold]drillsim compare scenarios/default.yaml --set policy.mitigation=debug-first --name debug-first[/bold]
    """
    from rich.console import Console

    from simulator.compare import compare as run_comparison
    from simulator.compare import write_comparison
    from simulator.detectability import comparison_detectability
    from simulator.errors import DrillsimError
    from simulator.metrics import metric_key
    from simulator.report import comparison as report
    from simulator.report.detectability import dashboard_lines
    from simulator.scenario.variants import load_source
    from simulator.units import format_duration

    metric = metric_key(metric)
    gates = _fail_if_worse(fail_if_worse or [])
    source = load_source(scenario_path(scenario))
    scenarios = source.variants(variant, sets=set_ or (), set_name=name)
    if len(scenarios) < 2:
        raise DrillsimError("nothing to compare: the scenario has no `variants:`; name one with --set "
                            "PATH=VALUE (e.g. --set policy.mitigation=debug-first)")
    result = run_comparison(scenarios, replications=replications, seed=seed, resamples=resamples,
                            **run_options(workers, executor, scheduler))
    console = Console(width=None if sys.stdout.isatty() else 160)
    base = result.results[result.baseline]
    console.print(f"[bold]{source.scenario.name}[/bold]: {result.baseline} and {len(result.variants)} "
                  f"variant{'s' if len(result.variants) != 1 else ''}, each {result.replications} replications × "
                  f"{format_duration(base.scenario.horizon)} with seed {result.seed} (the same failures for all)")
    console.print(report.statistics_table(result))
    console.print(report.differences_table(result))
    console.print()
    for line in report.verdict_lines(result, (metric,)):
        console.print(line, highlight=False)
    if not quiet:
        console.print()
        console.print(f"[bold]Would it show on a dashboard?[/bold] Two {format_duration(base.scenario.horizon)} "
                      f"periods compared, each with the incidents the scenario brings:")
        for name_ in result.variants:
            found = comparison_detectability(result, name_, metric=metric, trials=2000)
            for line in dashboard_lines(found, name_, result.baseline):
                console.print(line, highlight=False)
    if out is not None:
        written = write_comparison(result, out)
        from simulator.report.comparison_figures import ecdf_figure, forest_figure
        from simulator.report.style import save_png

        written.append(save_png(ecdf_figure(result, metric), Path(out) / f"ecdf-{metric}.png"))
        written.append(save_png(forest_figure(result), Path(out) / "differences.png"))
        if not quiet:
            console.print(f"Wrote {', '.join(p.name for p in written)} to {out}/")
    worse = [(m, s, name_) for m, s in gates for name_ in result.worse(m, s)]
    if worse:
        for m, s, name_ in worse:
            typer.echo(f"{name_} is significantly worse than {result.baseline} on the {s} {m}.", err=True)
        raise typer.Exit(EXIT_WORSE)
