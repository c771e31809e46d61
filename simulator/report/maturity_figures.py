"""The maturity ladder's figure: each figure at each level with its interval, and each step's paired
difference written between the levels (bold when its interval leaves out zero); the level the scenario stands
at today shaded ("you are here"), the SLO drawn on availability, every axis from zero but availability's (which
says where it starts). Returns a Figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from simulator.analysis.compare import signed_duration
from simulator.report.maturity_table import units_of
from simulator.report.style import GRID, INK, MUTED, duration_axis, line, new_figure, styled
from simulator.scenario.maturity import LEVELS
from simulator.units import format_period

if TYPE_CHECKING:
    from simulator.analysis.maturity import Ladder

TITLES = {"mttd": "MTTD (time to detect)", "mtta": "MTTA (time to acknowledge)", "mttr": "MTTR (time to restore)",
          "availability": "Availability", "incidents": "Incidents per quarter",
          "meets_slo": "Chance of meeting the SLO", "users_affected": "Users affected per {period}",
          "cost": "Cost of downtime per {period}"}
DURATIONS = ("mttd", "mtta", "mttr")
SHARES = ("availability", "meets_slo")
GOOD = "#009E73"
BAD = "#D55E00"
HERE = "#FCEFC7"
"""The shade behind the level the scenario stands at today."""


def step_text(figure: str, difference: float, unit: str | None = None) -> str:
    if figure in DURATIONS:
        return signed_duration(difference)
    if figure in SHARES:
        return f"{difference * 100:+.2f} pts" if figure == "availability" else f"{difference * 100:+.0f} pts"
    if figure in ("users_affected", "cost"):  # short enough for three side by side: -GBP 138k
        size = abs(difference)
        number = f"{size / 1000:,.0f}k" if size >= 10_000 else f"{size:,.0f}"
        return ("-" if difference < 0 else "+") + (f"{unit} {number}" if figure == "cost" and unit else number)
    return f"{difference:+.2f}"


def _tick(value: float, unit: str | None) -> str:
    """A money or users axis tick: 'GBP 150,000', '25,000'."""
    return f"{unit} {value:,.0f}" if unit else f"{value:,.0f}"





@styled
def ladder_figure(found: Ladder) -> Figure:
    figures = found.figures
    columns = 3
    rows = -(-len(figures) // columns)
    figure = new_figure(11.0, 3.3 * rows + 0.6)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    x = list(range(len(LEVELS)))
    colour, _dash, marker = line(1)
    units = units_of(found)
    period = format_period(found.results[LEVELS[0]].scenario.horizon)
    here = LEVELS.index(found.here.level) if found.here is not None else None
    for ax, name in zip(axes, figures, strict=False):
        values = [found.levels[level][name] for level in LEVELS]
        y = [v.value for v in values]
        low = [max(v.value - v.low, 0.0) for v in values]  # an interval is never drawn inside out
        high = [max(v.high - v.value, 0.0) for v in values]
        ax.errorbar(x, y, yerr=[low, high], color=colour, marker=marker, markersize=6, markerfacecolor="white",
                    capsize=4, linewidth=1.5, zorder=3)
        title = TITLES[name].format(period=period) + (f" ({units[name]})" if units.get(name) else "")
        ax.set_xticks(x, [level.capitalize() for level in LEVELS])
        ax.set_xlim(-0.4, len(LEVELS) - 0.6)
        ax.grid(axis="y", **GRID)
        if name in DURATIONS:
            duration_axis(ax.yaxis)
        top = max(v.high for v in values if v.high == v.high)
        bottom = min(v.low for v in values if v.low == v.low)
        if name == "availability":  # 99.2%–99.9%: from zero it would be a flat line at the top
            if found.slo is not None:
                ax.axhline(found.slo, color=INK, linestyle="--", linewidth=1.0, zorder=2)
                ax.annotate(f"SLO {found.slo * 100:g}%",
                            (len(LEVELS) - 0.6, found.slo), xytext=(-2, 3), textcoords="offset points",
                            ha="right", va="bottom", fontsize=8, color=INK)
                top, bottom = max(top, found.slo), min(bottom, found.slo)
            span = (top - bottom) or abs(top) or 1.0
            floor = bottom - 0.08 * span
            title += f"\naxis from {floor * 100:.2f}%, not zero"
        else:
            floor = 0.0
        ax.set_title(title, loc="left")
        if not top > floor:  # nothing above zero (no replication met the SLO): a scale all the same
            top = floor + (1.0 if name in SHARES else abs(floor) or 1.0)
        ax.set_ylim(floor, floor + (top - floor) / 0.84)  # the top sixth holds the steps' differences
        if name in SHARES:  # no tick above 100%
            ax.yaxis.set_major_formatter(FuncFormatter(
                lambda value, _, decimals=2 if name == "availability" else 0:
                "" if value > 1 + 1e-12 else f"{value * 100:.{decimals}f}%"))
        elif name in ("users_affected", "cost"):
            currency = units.get(name) if name == "cost" else None
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _, unit=currency: _tick(value, unit)))
        if here is not None:
            ax.axvspan(here - 0.4, here + 0.4, color=HERE, zorder=0, linewidth=0)
            ax.annotate("you are here" if found.here and found.here.exact else "nearest: you are here",
                        (here, 0.02), xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=8,
                        color=MUTED)
        for i in range(len(LEVELS) - 1):
            step = found.step(name, LEVELS[i])
            significant = step.verdict in ("better", "worse")
            tint = (GOOD if step.verdict == "better" else BAD) if significant else MUTED
            ax.annotate(step_text(name, step.difference, units.get(name)),
                        xy=((i + 0.5 + 0.4) / (len(LEVELS) - 0.2), 0.93),
                        xycoords="axes fraction", ha="center", va="center", fontsize=8, color=tint,
                        fontweight="bold" if significant else "normal")
    for ax in axes[len(figures):]:
        ax.set_visible(False)
    scenario = found.results[LEVELS[0]].scenario.name
    figure.suptitle(f"{scenario}: what each step up the maturity ladder is worth ({found.replications} paired "
                    f"replications, seed {found.seed})", color=INK)
    where = (f" Shaded: the level the scenario's practices {'match' if found.here.exact else 'come nearest'} "
             f"({found.here.matches} of {found.here.fields} preset fields)." if found.here is not None else "")
    figure.supxlabel("Points: each level's value and 95% interval. Between levels: the paired difference of the "
                     "step up; bold and coloured when its 95% interval leaves out zero (green better, orange "
                     f"worse).{where}" + (" Dashed: the SLO." if found.slo is not None else ""),
                     fontsize=8, color=MUTED, wrap=True)
    return figure


__all__ = ["ladder_figure"]
