"""A calibration in the terminal: one row per fitted quantity, in units people read."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.table import Table

from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.history.calibrate import Calibration


def calibration_table(calibration: Calibration) -> Table:
    """Scope, quantity, incidents (open), the distribution chosen, its median and p90, and the fit's p-value."""
    table = Table(title=f"Calibrated from {len(calibration.history.incidents)} incidents over "
                  f"{format_duration(calibration.window)}", title_justify="left", header_style="bold")
    for name, right in (("mode", False), ("quantity", False), ("n", True), ("open", True), ("distribution", False),
                        ("median", True), ("p90", True), ("fit p", True)):
        table.add_column(name, justify="right" if right else "left", no_wrap=True)
    for mode in calibration.modes:
        table.add_row(mode.name, "time between onsets", str(mode.rate.count), "", "exponential (Poisson)",
                      format_duration(math.log(2) / mode.rate.rate), format_duration(math.log(10) / mode.rate.rate),
                      "" if math.isnan(mode.rate.gaps_p_value)
                      else f"{mode.rate.gaps_p_value:.2f}")
    for scope, _, found in calibration.fits():
        p = "" if math.isnan(found.p_value) else f"{found.p_value:.2f}"
        family = found.family + (" + shift" if found.shift else "") + (" ⚠" if found.warnings else "")
        table.add_row(scope, found.sample.phase.label, str(found.sample.count), str(found.sample.open), family,
                      format_duration(found.quantile(0.5)), format_duration(found.quantile(0.9)), p)
    return table


def calibration_lines(calibration: Calibration) -> list[str]:
    """Warnings and notes worth reading, as sentences."""
    lines = [f"note: {note}" for note in calibration.notes]  # the history's own notes: cli.calibrate.report_skipped
    lines += [f"warning: {warning}" for warning in calibration.warnings]
    return lines
