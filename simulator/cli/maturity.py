"""`drillsim maturity`: play a scenario at each level of the maturity ladder with the same failures, and say
what each step up is worth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli import common
from simulator.cli.common import (
    Executor,
    ExecutorOpt,
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


@app.command()
@errors_exit
def maturity(
    scenario: ScenarioArg = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Print what each level sets (every field, its value at each level, and its source) "
                          "and which of the scenario's own fields the levels replace; run nothing.")] = False,
    out: Annotated[Path, typer.Option(
        "--out", "-o", file_okay=False,
        help="Folder for maturity.png (the ladder figure), maturity.json and maturity.csv.")] = Path("maturity"),
    min_effect: MinEffectOpt = "5%",
    quiet: QuietOpt = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = Executor.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Play a scenario at every maturity level (Baseline, Intermediate, Advanced, Expert) and say what each step
    up is worth.

    Each level replaces the scenario's practices with the level's preset and keeps its system (failure modes,
    team, deployments, load, SLO). All levels meet the same failures (common random numbers); every step's
    difference comes with a paired bootstrap interval.

    Example: [bold]drillsim maturity scenarios/default.yaml -n 400 --out maturity/[/bold]

    Example: [bold]drillsim maturity --explain[/bold]
    """
    from rich.markup import escape

    from simulator import api
    from simulator.cli.common import scenario_path
    from simulator.report.maturity_table import (
        cost_lines,
        cut_short_warnings,
        ladder_table,
        legend,
        matters_text,
        preset_table,
    )
    from simulator.report.progress import RunProgress
    from simulator.units import format_duration

    console = common.console()
    path = scenario_path(scenario)
    source = api.read_source(path)  # read once: for --explain, or for the progress bar's total and the ladder
    if explain:
        name = Path(source.file or path).name
        found = api.explain_maturity(source)  # every level must build from this scenario: refused otherwise
        console.print(preset_table(title="What each maturity level sets (the incident lifecycle guide's checklist)"))
        if found:
            console.print(f"{name} gives these fields itself; each level's value replaces them:")
            for field, value in found:
                console.print(f"  {field}: {value}", highlight=False)
        else:
            console.print(f"{name} gives none of these fields: each level sets them all.")
        return
    api.check_folder(out)  # an --out that cannot be written is refused before the run, not after
    total = api.maturity_replications(source, replications)
    with RunProgress(total, enabled=not quiet) as progress:
        ladder = api.maturity(source, replications=replications, seed=seed, progress=progress,
                              min_effect=min_effect, **run_options(workers, executor, scheduler))
    written = api.write_maturity(ladder, out)  # the files first: a closed pipe cannot lose them
    first = ladder.results["baseline"].scenario
    console.print(f"[bold]{escape(first.name)}[/bold] at each maturity level: {ladder.replications} replications × "
                  f"{format_duration(first.horizon)} each, seed {ladder.seed} (the same failures at every level)",
                  highlight=False)
    console.print(ladder_table(ladder))
    if ladder.here is not None:
        console.print(ladder.here.text(), highlight=False, markup=False)
    for line in cost_lines(ladder):
        console.print(line, highlight=False, markup=False)
    for warning in cut_short_warnings(ladder):
        console.print(warning, style="yellow", highlight=False, markup=False)
    if not quiet:
        console.print(f"[dim]Each level: the mean (maturity.json holds its interval). Between levels: what the step "
                      f"up changes, paired replication by replication, with its 95% bootstrap interval: {legend()}; "
                      f"availability and the SLO chance in percentage points. {escape(matters_text(ladder))} "
                      "Drills are left out; `--explain` shows what each level sets.[/dim]")
        if ladder.replaced:
            fields = ", ".join(field for field, _ in ladder.replaced)
            console.print(f"[dim]The levels replace the scenario's own {fields}.[/dim]", highlight=False)
    if not quiet:
        console.print(f"Wrote {', '.join(p.name for p in written)} to {out}/", highlight=False)
