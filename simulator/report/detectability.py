"""What `drillsim detectability` prints: how noisy a period's metric is on a dashboard, as a terminal table and
in sentences. The figures are in detectability_figures.py."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.table import Table

from simulator.analysis.compare import Comparison
from simulator.analysis.detectability import MAX_SIMULATED_INCIDENTS, Detectability, PeriodStatistic
from simulator.results.metrics import METRICS
from simulator.units import format_duration


def detectability_table(found: Detectability) -> Table:
    """How the mean, median and p90 of a period move from period to period, and what a change looks like;
    each rate with its Monte Carlo error (one standard error)."""
    name = METRICS[found.metric].label
    level = f"{found.level:.0%}"
    table = Table(title=f"{name} on a dashboard: two periods of {found.incidents:,} incidents each "
                        f"({found.trials:,} simulated pairs; ± one Monte Carlo standard error)",
                  title_justify="left", header_style="bold")
    columns = ("statistic", "now", "after", f"{level} noise", "normal approx.", "missed", "false alarm",
               "stands out", f"needed ({found.target_power:.0%})")
    for column in columns:
        table.add_column(column, justify="left" if column == "statistic" else "right")
    for statistic, s in found.statistics.items():
        table.add_row(
            statistic, format_duration(s.before), f"{format_duration(s.after)} ({change_text(s.change)})",
            f"±{format_duration(s.half_width)} (±{s.relative_half_width:.0%})",
            "" if math.isnan(s.normal_half_width) else f"±{format_duration(s.normal_half_width)}",
            rate_text(s.missed, s.missed_error), rate_text(s.false_alarm, s.false_alarm_error),
            rate_text(s.power, s.power_error), _needed(s),
        )
    return table


def rate_text(rate: float, error: float) -> str:
    """12% ±0.5%: a simulated rate and its Monte Carlo error."""
    if math.isnan(error) or error == 0:
        return f"{rate:.0%}"
    if error < 0.0005:
        return f"{rate:.0%} ±<0.1%"
    return f"{rate:.0%} ±{error:.1%}" if error < 0.01 else f"{rate:.0%} ±{error:.0%}"


def count_error(error: float) -> str:
    """±2 or ±<1: the Monte Carlo error of a count of incidents."""
    return "" if math.isnan(error) else "±<1" if error < 0.5 else f"±{error:,.0f}"


def direction(found: Detectability, s: PeriodStatistic) -> str:
    """'an improvement', 'a deterioration', or 'no change'."""
    if s.change == 0 or math.isnan(s.change):
        return "no change"
    return "an improvement" if (s.change < 0) == found.lower_is_better else "a deterioration"


def periods_text(found: Detectability) -> str:
    """What a period is: the incidents the scenario's horizon brings, or N incidents and how long the scenario
    takes to bring them."""
    if math.isnan(found.incidents_per_horizon):
        return f"periods of {found.incidents:,} incidents"
    if found.incidents == max(2, round(found.incidents_per_horizon)):
        return f"{format_duration(found.horizon)} periods ({found.incidents:,} incidents each, as the scenario brings)"
    return (f"periods of {found.incidents:,} incidents (about {format_duration(found.period_minutes, precision=1)} "
            "each at the scenario's rate)")


HEAVY_TAIL = 0.25
"""Above this share of the pool's spread in its longest 1% of durations, σ is said to be unsteady."""


def detectability_lines(found: Detectability, statistics: Sequence[str] = ("mean", "median", "p90")) -> list[str]:
    """The detectability figures told in sentences, each estimate with its Monte Carlo error."""
    name = METRICS[found.metric].label
    out = [f"The {name} of {found.pool:,} simulated incidents spreads with a standard deviation of "
           f"{format_duration(found.sigma)}"
           + (f" (±{format_duration(found.sigma_error)} by bootstrap over replications)."
              if not math.isnan(found.sigma_error) else ".")]
    left = [f"{cut:,} of {total:,}" + ("" if side == "before" else " after the change")
            for side, (cut, total) in zip(("before", "after"), found.cut_short, strict=True) if cut]
    if left:
        out.append(f"  Still open when the simulation stopped (twice the horizon), and left out: {', '.join(left)} "
                   "incidents (detectability.json's cut_short).")
    if found.tail >= HEAVY_TAIL:
        out.append(f"  Its longest 1% of incidents make up {found.tail:.0%} of that spread, so it moves from one "
                   "simulation to the next by more than that ± says (check with another --seed); the simulated "
                   "noise below rests on the same few long incidents.")
    for statistic in statistics:
        s = found.statistics[statistic]
        what = f"the {statistic} {name}" if statistic != "p90" else f"the p90 of {name}"
        out.append(f"With {periods_text(found)}, {what} of two periods differs by up to "
                   f"±{format_duration(s.half_width)} (±{s.relative_half_width:.0%}) from noise alone "
                   f"({found.level:.0%} of period pairs).")
        change = direction(found, s)
        if change == "no change":
            out.append("  The change makes no difference to it, so there is nothing to see.")
            if not math.isnan(found.false_improvement):
                out.append(f"  No change at all looks like an improvement of {found.false_improvement:.0%} or more "
                           f"in {rate_text(s.false_alarm, s.false_alarm_error)} of period pairs.")
            continue
        out.append(f"  A real change of {change_text(s.change)} ({change}) shows the wrong way or not at all in "
                   f"{rate_text(s.missed, s.missed_error)} of period pairs, and stands out of the noise in "
                   f"{rate_text(s.power, s.power_error)}.")
        kind = "an improvement" if change == "an improvement" else "a deterioration"
        out.append(f"  No change at all looks like {kind} of {s.false_share:.0%} or more in "
                   f"{rate_text(s.false_alarm, s.false_alarm_error)} of period pairs.")
        if math.isnan(s.needed_power):
            out.append(f"  To see it reliably ({found.target_power:.0%} of the time) would take over "
                       f"{MAX_SIMULATED_INCIDENTS:,} incidents per period: in practice, never.")
        else:
            error = f" ({count_error(s.needed_error)})" if not math.isnan(s.needed_error) else ""
            takes = found.minutes_for(s.needed) if s.needed is not None else math.nan
            worth = (f", which the scenario brings in about {format_duration(takes, precision=1)}"
                     if not math.isnan(takes) else "")
            out.append(f"  To see it reliably ({found.target_power:.0%} of the time) takes about {s.needed:,}"
                       f"{error} incidents per period{worth}.")
    return out


def change_text(share: float) -> str:
    if share == 0:
        return "±0%"
    return f"{share:+.1%}" if abs(share) < 0.01 else f"{share:+.0%}"


def _needed(s: PeriodStatistic) -> str:
    if s.needed is None:
        return "never: nothing changes"
    if math.isnan(s.needed_power):
        return f"over {MAX_SIMULATED_INCIDENTS:,}"
    return f"{s.needed:,}" + (f" {count_error(s.needed_error)}" if not math.isnan(s.needed_error) else "")


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
        needed = (f"from about {_needed(s)}" if not math.isnan(s.needed_power)
                  else f"only beyond {MAX_SIMULATED_INCIDENTS:,}")
        out.append(f"{variant}: a {change_text(s.change)} change of the {statistic} {name}, seen on a dashboard of "
                   f"two {period} periods ({found.incidents:,} incidents each), shows the wrong way or not at all "
                   f"{rate_text(s.missed, s.missed_error)} of the time and beyond the "
                   f"±{format_duration(s.half_width)} noise {rate_text(s.power, s.power_error)} of the time; "
                   f"reliably ({found.target_power:.0%}) {needed} incidents per period.")
    return out


def comparison_dashboard_lines(comparison: Comparison, metric: str = "mttr", trials: int = 2000) -> list[str]:
    """Would each variant's change show on a dashboard comparing two periods of the scenario's horizon? The
    lines `drillsim compare` prints, a heading first."""
    from simulator.analysis.simulated_periods import comparison_detectability

    horizon = format_duration(comparison.results[comparison.baseline].scenario.horizon)
    open_ = "" if metric == "mtbf" else (", every incident counted, those the horizon cut short as lasting until "
                                         "it")
    out = [f"Would it show on a dashboard? Two {horizon} periods compared, each with the incidents the scenario "
           f"brings{open_}:"]
    for name in comparison.variants:
        found = comparison_detectability(comparison, name, metric=metric, trials=trials)
        out += dashboard_lines(found, name, comparison.baseline)
        (cut, total), (cut_after, total_after) = found.cut_short
        if cut or cut_after:
            out.append(f"{name}: the horizon cut short {cut:,} of {comparison.baseline}'s {total:,} incidents and "
                       f"{cut_after:,} of {name}'s {total_after:,}; they count as lasting until it, so the "
                       f"{METRICS[metric].label} above is a lower bound where many were cut short.")
    return out
