"""What `drillsim detectability` prints: how noisy a period's metric is on a dashboard, as a terminal table and
in sentences. The figures are in detectability_figures.py."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.table import Table

from simulator.compare import Comparison
from simulator.detectability import MAX_SIMULATED_INCIDENTS, Detectability
from simulator.metrics import METRICS
from simulator.units import format_duration


def detectability_table(found: Detectability) -> Table:
    """How the mean, median and p90 of a period move from period to period, and what a change looks like."""
    name = METRICS[found.metric].label
    level = f"{found.level:.0%}"
    table = Table(title=f"{name} on a dashboard: two periods of {found.incidents} incidents each "
                        f"({found.trials} simulated pairs)", title_justify="left", header_style="bold")
    columns = ("statistic", "now", "after", f"{level} noise", "normal approx.", "missed", "false alarm",
               "stands out", f"needed ({found.target_power:.0%})")
    for column in columns:
        table.add_column(column, justify="left" if column == "statistic" else "right")
    for statistic, s in found.statistics.items():
        needed = _needed(s)
        table.add_row(
            statistic, format_duration(s.before), f"{format_duration(s.after)} ({_change(s.change)})",
            f"±{format_duration(s.half_width)} (±{s.relative_half_width:.0%})",
            "" if math.isnan(s.normal_half_width) else f"±{format_duration(s.normal_half_width)}",
            f"{s.missed:.0%}", f"{s.false_alarm:.0%}", f"{s.power:.0%}", needed,
        )
    return table


def detectability_lines(found: Detectability, statistics: Sequence[str] = ("mean", "median", "p90")) -> list[str]:
    """The detectability figures told in sentences."""
    name = METRICS[found.metric].label
    period = (f" per {format_duration(found.horizon)}" if not math.isnan(found.horizon) else " per period")
    false_share = found.false_improvement
    out = []
    for statistic in statistics:
        s = found.statistics[statistic]
        what = f"the {statistic} {name}" if statistic != "p90" else f"the p90 of {name}"
        out.append(f"With {found.incidents} incidents{period}, {what} of two periods differs by up to "
                   f"±{format_duration(s.half_width)} (±{s.relative_half_width:.0%}) from noise alone "
                   f"({found.level:.0%} of period pairs).")
        direction = "an improvement" if (s.after < s.before) == found.lower_is_better else "a deterioration"
        out.append(f"  A real change of {_change(s.change)} ({direction}) shows the wrong way or not at all in "
                   f"{s.missed:.0%} of period pairs, and stands out of the noise in {s.power:.0%}.")
        share = abs(s.change) if math.isnan(false_share) else false_share
        out.append(f"  No change at all looks like an improvement of {share:.0%} or more in "
                   f"{s.false_alarm:.0%} of period pairs.")
        if s.needed is None:
            out.append("  There is no change to see.")
        else:
            worth = ""
            if not math.isnan(found.incidents_per_horizon) and found.incidents_per_horizon > 0:
                periods = s.needed / found.incidents_per_horizon
                worth = f", about {periods:,.1f} × {format_duration(found.horizon)} of incidents"
            if math.isnan(s.needed_power):
                out.append(f"  To see it reliably ({found.target_power:.0%} of the time) would take over "
                           f"{MAX_SIMULATED_INCIDENTS:,} incidents per period: in practice, never.")
            else:
                out.append(f"  To see it reliably ({found.target_power:.0%} of the time) takes about {s.needed:,} "
                           f"incidents per period{worth}.")
    return out


def _change(share: float) -> str:
    return f"{share:+.1%}" if abs(share) < 0.01 else f"{share:+.0%}"


def _needed(s) -> str:
    if s.needed is None:
        return "never: nothing changes"
    if math.isnan(s.needed_power):
        return f"over {MAX_SIMULATED_INCIDENTS:,}"
    return f"{s.needed:,}"


def dashboard_lines(found: Detectability, variant: str, baseline: str,
                    statistics: Sequence[str] = ("mean", "median")) -> list[str]:
    """Would the switch from `baseline` to `variant` show on a dashboard comparing two periods?"""
    name = METRICS[found.metric].label
    period = f"{format_duration(found.horizon)}" if not math.isnan(found.horizon) else "period"
    out = []
    for statistic in statistics:
        s = found.statistics[statistic]
        if s.needed is None:
            out.append(f"{variant}: the {statistic} {name} does not change, so no dashboard would show a change.")
            continue
        needed = (f"from about {s.needed:,}" if not math.isnan(s.needed_power)
                  else f"only beyond {MAX_SIMULATED_INCIDENTS:,}")
        out.append(f"{variant}: a {_change(s.change)} change of the {statistic} {name}, seen on a dashboard of two "
                   f"{period} periods ({found.incidents} incidents each), shows the wrong way or not at all "
                   f"{s.missed:.0%} of the time and beyond the ±{format_duration(s.half_width)} noise "
                   f"{s.power:.0%} of the time; reliably ({found.target_power:.0%}) {needed} incidents per "
                   "period.")
    return out


def comparison_dashboard_lines(comparison: Comparison, metric: str = "mttr", trials: int = 2000) -> list[str]:
    """Would each variant's change show on a dashboard comparing two periods of the scenario's horizon? The
    lines `drillsim compare` prints, a heading first."""
    from simulator.detectability import comparison_detectability

    horizon = format_duration(comparison.results[comparison.baseline].scenario.horizon)
    out = [f"Would it show on a dashboard? Two {horizon} periods compared, each with the incidents the scenario "
           "brings:"]
    for name in comparison.variants:
        found = comparison_detectability(comparison, name, metric=metric, trials=trials)
        out += dashboard_lines(found, name, comparison.baseline)
    return out
