"""`drillsim calibrate`: fit a scenario to an incident history."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from simulator.cli import common
from simulator.cli.common import (
    MapOpt,
    PresetOpt,
    QuietOpt,
    SeverityOpt,
    SkipBadOpt,
    TimezoneOpt,
    app,
    errors_exit,
)
from simulator.limits import MAX_FIT_BOOTSTRAP, MAX_SEED


class Family(enum.StrEnum):
    auto = "auto"
    lognormal = "lognormal"
    gamma = "gamma"
    weibull = "weibull"
    exponential = "exponential"
    empirical = "empirical"


def report_skipped(history, echo=None) -> None:
    """Say on stderr which rows --skip-bad left out, and what else is worth knowing about the file."""
    echo = echo or (lambda text: typer.echo(text, err=True))
    for note in history.notes:
        echo(f"note: {note}")
    if history.skipped:
        for problem in history.skipped:
            echo(f"skipped: {problem}")
        lines = history.skipped_lines
        echo(f"Skipped {len(lines)} bad row{'s' if len(lines) != 1 else ''} of {history.rows} "
             f"(line{'s' if len(lines) != 1 else ''} {', '.join(map(str, lines))}).")


@app.command()
@errors_exit
def calibrate(
    history: Annotated[Path, typer.Argument(
        metavar="HISTORY", help="Incident history: CSV or JSON Lines, one incident a row (the game-day guide, "
        "docs/guides/game-days.md, lists its columns).", show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, show_default=False,
        help="Write the scenario here (and calibration.json with the figures into OUT-STEM-fits/); "
        "without it, the scenario is printed.")] = None,
    figures: Annotated[Path | None, typer.Option(
        "--figures", file_okay=False, show_default=False,
        help="Folder for calibration.json and a figure per fitted quantity (default with --out: beside it).")] = None,
    preset: PresetOpt = None,
    map_: MapOpt = None,
    severity: SeverityOpt = None,
    timezone: TimezoneOpt = None,
    skip_bad: SkipBadOpt = False,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="TIME", show_default=False,
        help="Start of the observation window, ISO 8601 (default: the first incident).")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="TIME", show_default=False,
        help="End of the window and time of the export, where open incidents are censored (default: the "
        "latest time in the file).")] = None,
    family: Annotated[Family, typer.Option(
        "--family", help="Distribution family for every duration: auto chooses by AIC.")] = Family.auto,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", min=20, max=MAX_FIT_BOOTSTRAP,
        help="Parametric bootstrap samples for intervals and goodness of fit.")] = 200,
    seed: Annotated[int, typer.Option(
        "--seed", "-s", min=0, max=MAX_SEED,
        help="Seed of the parametric bootstrap (a history has no seed: the same seed gives the same intervals "
        "and p-values).")] = 0,
    name: Annotated[str | None, typer.Option("--name", show_default=False,
                                             help="The scenario's name.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Fit a scenario to an incident history: rates, detection, acknowledgement and mitigation times.

    Per failure mode (or severity), by maximum likelihood over lognormal, gamma, Weibull and exponential,
    chosen by AIC, with open incidents as censored observations; a goodness-of-fit test and bootstrap intervals
    for each fit, which the scenario's comments give with the sample size.

    An export of PagerDuty, Opsgenie or incident.io is read as it is: its preset is chosen from its header
    (and said on stderr), or named with --preset.

    Example: [bold]drillsim calibrate incidents.csv --timezone Europe/Paris --out ours.yaml[/bold]
    """
    from simulator import api
    from simulator.report.calibration import calibration_lines, calibration_table

    done = api.calibrate(history, out=out, figures=figures, preset=preset, mapping=map_ or (),
                         severities=severity or (), timezone=timezone,
                         skip_bad=skip_bad, since=since, until=until, family=family.value, bootstrap=bootstrap,
                         seed=seed, name=name,
                         progress=None if quiet else lambda line: typer.echo(line, err=True))
    err = common.console(stderr=True, markup=False)  # names are text
    report_skipped(done.calibration.history)
    if out is None:
        sys.stdout.write(done.scenario)
        if not quiet:
            err.print(calibration_table(done.calibration))
            if done.written:
                err.print(f"Wrote calibration.json and {len(done.written) - 1} figures to {done.written[0].parent}/")
    else:
        console = common.console(markup=False)  # names are text, not markup
        console.print(calibration_table(done.calibration))
        if not quiet:
            console.print(f"Wrote {out}" + (f", and calibration.json with {len(done.written) - 2} figures to "
                                            f"{done.written[1].parent}/" if len(done.written) > 1 else ""))
    if not quiet:
        for line in calibration_lines(done.calibration):
            typer.echo(line, err=True)
    else:  # what the history could not calibrate is said even then
        for gap in done.calibration.gaps:
            typer.echo(f"warning: {gap}", err=True)
