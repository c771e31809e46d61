"""The `drillsim` command line. Each command parses its options, calls the library and prints."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated

import typer

from simulator.errors import DrillsimError, ScenarioError

app = typer.Typer(
    name="drillsim",
    help="Rehearse incident response: play failure scenarios through the incident lifecycle and report "
    "MTTD, MTTA, MTTR and MTBF as distributions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

EXIT_INPUT = 2

# Options shared by several commands are defined once.
ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario YAML file. Without it, the bundled default scenario.", show_default=False),
]
ReplicationsOpt = Annotated[
    int | None,
    typer.Option("--replications", "-n", min=1, help="Replications to run (default: the scenario's).",
                 show_default=False),
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", "-s", min=0, help="Random seed (default: the scenario's).",
                             show_default=False)
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Folder for summary.json, incidents.csv and events.jsonl.",
                 show_default=False, file_okay=False),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the results, no progress.")]


def _errors_exit(command):
    """Turn drillsim's own errors into a clear message on stderr and exit status 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ScenarioError as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            count = len(exc.problems)
            typer.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
            raise typer.Exit(EXIT_INPUT) from None
        except DrillsimError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper


def _scenario_path(path: Path | None) -> Path:
    from simulator.scenario.bundled import default_scenario

    return path if path is not None else default_scenario()


@app.command()
@_errors_exit
def run(
    scenario: ScenarioArg = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    out: OutOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Simulate a scenario and print MTTD, MTTA, MTTR, MTBF and time to resolve.

    Example: [bold]drillsim run scenarios/default.yaml -n 500 --seed 7 --out results/[/bold]
    """
    from rich.console import Console

    from simulator import api
    from simulator.report.table import metrics_table
    from simulator.units import format_duration

    path = _scenario_path(scenario)
    loaded = api.load_scenario(path)
    results = api.simulate(loaded, replications=replications, seed=seed, keep_events=out is not None)
    stats = results.summary()
    console = Console(width=None if sys.stdout.isatty() else 132)
    open_count = stats["mttr"].censored
    heading = (
        f"{loaded.name}: {results.replications} replications × {format_duration(loaded.horizon)}, "
        f"seed {results.seed}; {len(results.incidents)} incidents"
        + (f", {open_count} not restored at the horizon" if open_count else "")
    )
    console.print(metrics_table(stats, title=heading))
    if not quiet:
        console.print(
            "[dim]Durations are heavy-tailed: compare the median with the mean. The interval is that of the "
            "mean across replications.[/dim]"
        )
    if out is not None:
        written = api.write_results(results, out)
        if not quiet:
            console.print(f"Wrote {', '.join(p.name for p in written)} to {out}/")


@app.command()
@_errors_exit
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.", show_default=False)],
) -> None:
    """Check scenario files and list every problem as FILE:LINE:COL: field: message.

    Exits with status 2 when any file has a problem. Example: [bold]drillsim validate scenarios/*.yaml[/bold]
    """
    from simulator.scenario import load_scenario

    failed = 0
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            continue
        modes = len(scenario.failure_modes)
        typer.echo(f"{path}: ok ({scenario.name}: {modes} failure mode{'s' if modes != 1 else ''})")
    if failed:
        typer.echo(f"{failed} of {len(files)} file{'s' if len(files) != 1 else ''} invalid.", err=True)
        raise typer.Exit(EXIT_INPUT)


@app.command()
@_errors_exit
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.",
                                             dir_okay=False, show_default=False)] = None,
) -> None:
    """Print the JSON Schema of the scenario format (for editor completion and checks).

    Example: [bold]drillsim schema --out scenarios/schema.json[/bold]
    """
    from simulator.scenario.schema import scenario_schema_text

    text = scenario_schema_text()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def main() -> None:
    app()
