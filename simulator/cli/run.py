"""`drillsim run`: simulate a scenario and print the metrics table."""

from __future__ import annotations

from typing import Annotated

import typer

from simulator.cli import common
from simulator.cli.common import (
    EventLog,
    EventsOpt,
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
    from simulator import api

    return [key.value for key in api.By if key.value.startswith(incomplete)]


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
    events: EventsOpt = EventLog.full,
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Simulate a scenario and print MTTD, MTTA, MTTR, MTBF and time to resolve.

    Example: [bold]drillsim run scenarios/default.yaml -n 500 --seed 7 --out results/[/bold]
    """
    from simulator import api
    from simulator.report.censoring import censoring_notes
    from simulator.report.practice_table import practice_tables
    from simulator.report.progress import RunProgress
    from simulator.report.table import breakdown_table, load_table, metrics_table, oncall_cost_table
    from simulator.units import format_duration

    if report and out is None:
        raise typer.BadParameter("--report needs --out FOLDER to write the report into", param_hint="--report")
    groupings = api.breakdown_keys(by or ())  # a bad --by is refused before the run, not after
    loaded = api.scenario_of(scenario)
    total = loaded.replications if replications is None else replications
    console = common.console(markup=False)
    size = api.expected_size(loaded, total, events.value) if out is not None else None
    with RunProgress(total, enabled=not quiet, size=size) as progress:
        done = api.run_into(loaded, out, report=report, events=events.value, replications=replications, seed=seed,
                            progress=progress, **run_options(workers, executor, scheduler))
    results = done.results
    stats = results.summary()
    open_count = stats["mttr"].censored
    heading = (
        f"{loaded.name}: {results.replications:,} replications × {format_duration(loaded.horizon)}, "
        f"seed {results.seed}; {len(results.incidents):,} incidents"
        + (f", {open_count:,} not restored at the horizon" if open_count else "")
    )
    console.print(metrics_table(stats, title=heading, width=console.width))
    for warn, note in censoring_notes(stats):
        console.print(f"warning: {note}" if warn else note, style="yellow" if warn else "dim", highlight=False)
    for key, groups in api.breakdowns(results, groupings).items():
        console.print(breakdown_table(groups, key))
    load = api.on_call_load(results)
    if load is not None:
        console.print(load_table(load, format_duration(loaded.horizon),
                                 title="On-call load per person (mean per replication)"))
        if loaded.calendar is not None or loaded.team.pay is not None:
            console.print(oncall_cost_table(load, format_duration(loaded.horizon)))
    for table in practice_tables(api.practice_sections(results), format_duration(loaded.horizon)):
        console.print(table)
    if not quiet:
        console.print("Durations are heavy-tailed: compare the median with the mean. The interval is that of "
                      "the mean across replications.", style="dim")
    if out is not None and not quiet:
        console.print(f"Wrote {', '.join(p.name for p in done.written)} to {out}/", highlight=False)
        if done.pages:
            console.print(f"Wrote {done.pages[0].name}, {done.pages[1].name} and {len(done.pages) - 2} figures to "
                          f"{out}/", highlight=False)
