"""`drillsim compare`: run scenarios and policy variants with common random numbers and judge their paired
differences."""

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
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    app,
    errors_exit,
    run_options,
)
from simulator.limits import MAX_RESAMPLES

EXIT_WORSE = 1
EXIT_CUT_SHORT = 3
"""The horizon cut so many incidents short that a gated difference (or the --metric's mean) has no honest
answer: neither pass nor fail."""

VariantOpt = Annotated[
    list[str] | None,
    typer.Option("--variant", "-V", metavar="NAME",
                 help="A variant from the scenario's `variants:` (repeat for several; default: all of them).",
                 show_default=False),
]


@app.command()
@errors_exit
def compare(
    scenarios: Annotated[list[Path] | None, typer.Argument(
        metavar="SCENARIO", show_default=False,
        help="Scenario files; the first is the baseline (default: the bundled scenario). With one file, its "
             "`variants:` are compared with it; with several, the files themselves.")] = None,
    variant: VariantOpt = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="[NAME:]PATH=VALUE", show_default=False,
        help="Make a variant of the first scenario with this field changed, e.g. policy.mitigation=debug-first. "
             "Options without NAME: make one variant (named by --name); NAME:PATH=VALUE adds to variant NAME, so "
             "that one command line tries several.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of the variant made by the --set options "
                                             "without NAME: (default: the options themselves).",
                                             show_default=False)] = None,
    baseline: Annotated[str | None, typer.Option(
        "--baseline", metavar="NAME", show_default=False,
        help="Compare the others with this one (default: the first scenario as written).")] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    metric: MetricOpt = "mttr",
    fail_if_worse: Annotated[
        list[str] | None,
        typer.Option("--fail-if-worse", metavar="METRIC[.median]",
                     help="Exit with status 1 when a variant is meaningfully worse than the baseline on this "
                          "metric's mean (or median: mttr.median); 3 when the horizon leaves no honest answer. "
                          "Repeatable.", show_default=False),
    ] = None,
    min_effect: MinEffectOpt = "5%",
    resamples: Annotated[int, typer.Option("--resamples", min=100, max=MAX_RESAMPLES,
                                           help="Bootstrap resamples.")] = 2000,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", file_okay=False, show_default=False,
        help="Folder for comparison.md (for a pull-request comment), comparison.html, comparison.json, "
             "differences.csv and the figures.")] = None,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Compare scenarios or policy variants with a baseline: paired differences, verdicts and why.

    Every scenario runs with the same seed and replications, so all meet the same failures at the same times;
    each variant's paired differences from the baseline come with bootstrap intervals, a verdict, and the
    on-call load behind them; --min-effect says how large a difference must be to matter. Incidents the horizon
    cut short count as lasting at least until it (Kaplan–Meier means and medians). Exit status 0; 1 with
    --fail-if-worse when a variant is meaningfully worse; 3 when the horizon cut so many incidents short that
    a gated difference, or the --metric's mean, has no honest answer.

    Example: [bold]drillsim compare before.yaml after.yaml --fail-if-worse mttr --out compare/[/bold]

    Example: [bold]drillsim compare --set fast:policy.declare_after=0s --set three:team.responders=3
    --set 'three:team.names=[Ana, Ben, Cleo]'[/bold]
    """
    from simulator import api
    from simulator.report import comparison as report
    from simulator.units import format_duration

    metric = api.metric_key(metric)
    if out is not None:
        api.check_folder(out)  # an --out that cannot be written is refused before the run, not after
    result = api.compare(*(scenarios or ()), variants=variant, sets=set_ or (), name=name, baseline=baseline,
                         replications=replications, seed=seed, fail_if_worse=fail_if_worse or (),
                         resamples=resamples, min_effect=min_effect, **run_options(workers, executor, scheduler))
    console = common.console(markup=False)  # names are text, not markup
    base = result.results[result.baseline]
    count = len(result.variants)
    console.print(f"{base.scenario.name}: {result.baseline} and {count} variant{'s' if count != 1 else ''}"
                  f", each {result.replications} replications × {format_duration(base.scenario.horizon)} with seed "
                  f"{result.seed} (the same failures for all)", style="bold")
    for line in report.change_lines(result):
        console.print("".join(line.split("`")), highlight=False)  # code marks are for Markdown
    for note in result.notes:
        console.print(note, style="dim", highlight=False)
    console.print(report.statistics_table(result))
    console.print(report.differences_table(result))
    console.print()
    for line in report.verdict_lines(result, (metric,)):
        console.print(line, highlight=False)
    console.print()
    console.print(report.workload_table(result))
    for line in report.workload_lines(result):
        console.print(line, highlight=False)
    console.print(report.terminal(report.comms_rows(result)))
    console.print(report.terminal(report.reliability_rows(result)))
    for table in (report.people_rows(result), report.cost_rows(result)):
        if table is not None:
            console.print(report.terminal(table))
    console.print()
    heading, *lines = report.dashboard_lines(result, metric)  # -q removes progress only, not this
    console.print(heading, style="bold", highlight=False)
    for line in lines:
        console.print(line, highlight=False)
    if out is not None:
        written = api.write_comparison(result, out, metric)
        if not quiet:
            console.print(f"Wrote {', '.join(p.name for p in written)} to {out}/", highlight=False)
    for failure in result.failures():
        typer.echo(f"{failure.variant} is meaningfully worse than {result.baseline} on the {failure.statistic} "
                   f"{api.METRICS[failure.metric].label}.", err=True)
    if result.failures():
        raise typer.Exit(EXIT_WORSE)
    for found in result.undecided(metric):
        typer.echo(f"{found.variant} against {result.baseline} on the {found.statistic} "
                   f"{api.METRICS[found.metric].label}: no honest answer, the horizon cut too many incidents short "
                   "(run a longer horizon).", err=True)
    if result.undecided(metric):
        raise typer.Exit(EXIT_CUT_SHORT)
