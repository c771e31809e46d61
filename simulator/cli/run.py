"""`drillsim run`: simulate a scenario and print the metrics table."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from simulator.cli import common
from simulator.cli.common import (
    Executor,
    ExecutorOpt,
    OutOpt,
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


def _groupings(incomplete: str) -> list[str]:
    from simulator.analysis.breakdowns import By

    return [key.value for key in By if key.value.startswith(incomplete)]


@app.command()
@errors_exit
def run(
    scenario: ScenarioArg = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    out: OutOpt = None,
    report: Annotated[bool, typer.Option("--report", help="Also write report.html, report.md and figures into "
                                         "the --out folder (see `drillsim report`).")] = False,
    by: Annotated[list[str] | None, typer.Option(
        "--by", metavar="KEY", show_default=False, autocompletion=_groupings,
        help="Also print MTTD, MTTA and MTTR per failure mode, severity, detection channel or mitigation that "
             "worked: KEY is mode, severity, channel or mitigation (repeatable; summary.json holds them all).")
    ] = None,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Simulate a scenario and print MTTD, MTTA, MTTR, MTBF and time to resolve.

    Example: [bold]drillsim run scenarios/default.yaml -n 500 --seed 7 --out results/[/bold]
    """
    from simulator import api
    from simulator.outputs.folders import check_space, expected_bytes, results_folder
    from simulator.outputs.run import write_run
    from simulator.report.build import write_report
    from simulator.report.censoring import censoring_notes
    from simulator.report.progress import RunProgress
    from simulator.report.table import breakdown_table, load_table, metrics_table
    from simulator.units import format_duration

    if report and out is None:
        raise typer.BadParameter("--report needs --out FOLDER to write the report into", param_hint="--report")
    groupings = api.breakdown_keys(by or ())  # a bad --by is refused before the run, not after
    loaded = api.scenario_of(scenario)
    total = loaded.replications if replications is None else replications
    console = common.console(132, markup=False)
    written: list = []
    pages: list = []
    with contextlib.ExitStack() as stack:
        staging = None
        if out is not None:  # refused now, before the run, if the folder cannot be written
            staging = stack.enter_context(results_folder(out))
            check_space(staging, expected_bytes(loaded, total))
        with RunProgress(total, enabled=not quiet) as progress:
            results = api.run(loaded, replications=replications, seed=seed, progress=progress,
                              events_to=None if staging is None else staging / api.EVENTS,
                              **run_options(workers, executor, scheduler))
        if staging is not None:  # the results are written (and the folder put in place) before anything prints
            written = write_run(results, staging)
            pages = write_report(staging) if report else []
    stats = results.summary()
    open_count = stats["mttr"].censored
    heading = (
        f"{loaded.name}: {results.replications} replications × {format_duration(loaded.horizon)}, "
        f"seed {results.seed}; {len(results.incidents)} incidents"
        + (f", {open_count} not restored at the horizon" if open_count else "")
    )
    console.print(metrics_table(stats, title=heading, width=console.width))
    for warn, note in censoring_notes(stats):
        console.print(f"warning: {note}" if warn else note, style="yellow" if warn else "dim", highlight=False)
    for key, groups in api.breakdowns(results, groupings).items():
        console.print(breakdown_table(groups, key))
    if results.load is not None:
        from simulator.results.oncall_load import load_summary

        console.print(load_table(load_summary(results.load, loaded.timezone), format_duration(loaded.horizon),
                                 title="On-call load per person (mean per replication)"))
    from simulator.analysis.practice_summary import practice_sections
    from simulator.report.practice_table import practice_tables

    for table in practice_tables(practice_sections(results), format_duration(loaded.horizon)):
        console.print(table)
    if not quiet:
        console.print("Durations are heavy-tailed: compare the median with the mean. The interval is that of "
                      "the mean across replications.", style="dim")
    if out is not None and not quiet:
        console.print(f"Wrote {', '.join(p.name for p in written)} to {out}/", highlight=False)
        if pages:
            console.print(f"Wrote {pages[0].name}, {pages[1].name} and {len(pages) - 2} figures to {out}/",
                          highlight=False)
