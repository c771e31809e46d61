"""Figures of dashboard noise: what two periods' difference looks like with and without a real change, how
often a change shows as periods grow, and a dashboard's history when nothing changed. Every function returns
a matplotlib Figure and never shows it."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter, PercentFormatter

from simulator.analysis.detectability import STATISTICS as PERIOD_STATISTICS
from simulator.analysis.detectability import Detectability
from simulator.report.style import DurationLocator, duration_formatter, line, new_figure, styled
from simulator.results.metrics import METRICS
from simulator.units import format_duration


@styled
def detectability_figure(found: Detectability, statistics: Sequence[str] = tuple(PERIOD_STATISTICS)) -> Figure:
    """What a dashboard shows from one period to the next: the difference between two periods' statistic
    when nothing changed (grey) and when the real change happened (hatched), with the noise band."""
    fig = new_figure(3.3 * len(statistics), 3.9)
    axes = fig.subplots(1, len(statistics), squeeze=False)[0]
    name = METRICS[found.metric].label
    for ax, statistic in zip(axes, statistics, strict=True):
        s = found.statistics[statistic]
        low, high = np.percentile(np.concatenate([s.no_change, s.with_change]), [0.5, 99.5])
        bins = np.linspace(low, high, 41)
        ax.axvspan(-s.half_width, s.half_width, color="#e8e8e8", zorder=0)
        ax.hist(s.no_change, bins=bins, color="#b0b0b0", edgecolor="#808080", linewidth=0.4)
        ax.hist(s.with_change, bins=bins, histtype="step", color="black", hatch="////", linewidth=1.0)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.axvline(s.after - s.before, color="black", linewidth=1.4, linestyle="--")
        ax.set_xlim(low, high)
        ax.xaxis.set_major_locator(DurationLocator(5))
        ax.xaxis.set_major_formatter(duration_formatter(signed=True))
        ax.tick_params(axis="x", labelrotation=30)
        ax.set_xlabel(f"{statistic} {name}: this period − last period")
        ax.set_ylabel("period pairs")
        ax.set_title(f"{statistic}: noise ±{format_duration(s.half_width)}\n"
                     f"change missed {s.missed:.0%}, stands out {s.power:.0%}")
    s = found.statistics[statistics[0]]
    handles = [Patch(facecolor="#b0b0b0", edgecolor="#808080", label="nothing changed"),
               Patch(facecolor="white", edgecolor="black", hatch="////", label=f"a real change of {s.change:+.0%}"),
               Patch(facecolor="#e8e8e8", label=f"noise band: {found.level:.0%} of pairs when nothing changed"),
               _line("black", "--", f"the real change ({s.change:+.0%})")]
    fig.legend(handles=handles, loc="outside lower center", ncol=4)
    fig.suptitle(f"{name} of two periods of {found.incidents} incidents each ({found.trials:,} simulated pairs)")
    return fig


def _line(colour: str, dash, text: str, marker: str | None = None) -> Line2D:
    return Line2D([], [], color=colour, linestyle=dash, marker=marker, label=text)


@styled
def power_figure(curve: Sequence[tuple[int, Detectability]], current: int | None = None) -> Figure:
    """How often a real change stands out of the noise (and how often it is missed altogether) against the
    incidents per period; `curve` is simulator.analysis.simulated_periods.power_curve's result."""
    fig = new_figure(7.0, 4.6)
    ax = fig.add_subplot()
    sizes = [n for n, _ in curve]
    for number, statistic in enumerate(PERIOD_STATISTICS):
        colour, dash, marker = line(number)
        ax.plot(sizes, [found.statistics[statistic].power for _, found in curve], color=colour, linestyle=dash,
                marker=marker, label=f"{statistic}: stands out of the noise")
        ax.plot(sizes, [found.statistics[statistic].missed for _, found in curve], color=colour, linestyle=dash,
                marker=marker, markerfacecolor="white", linewidth=0.8, alpha=0.8,
                label=f"{statistic}: missed altogether")
    target = curve[0][1].target_power if curve else 0.8
    ax.axhline(target, color="#555555", linewidth=0.8, linestyle=(0, (4, 2)))
    ax.text(sizes[0] if sizes else 1, target, f" reliably ({target:.0%})", va="bottom", fontsize=7.5)
    if current:
        ax.axvline(current, color="#555555", linewidth=0.8)
        ax.text(current, 0.98, f" your period:\n {current} incidents", va="top", ha="left", fontsize=7.5)
    ax.set_xscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("incidents per period (log scale)")
    ax.set_ylabel("share of period pairs")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    ax.grid(True, color="#dddddd", linewidth=0.5)
    metric = METRICS[curve[0][1].metric].label if curve else ""
    change = curve[0][1].statistics["mean"].change if curve else math.nan
    ax.set_title(f"Would a real {change:+.0%} change in {metric} show on a dashboard?")
    fig.legend(loc="outside lower center", ncol=3, fontsize=7)
    return fig


@styled
def dashboard_figure(values: Sequence[float] | np.ndarray, metric: str = "mttr", statistic: str = "mean",
                     period: str = "period", overall: float | None = None) -> Figure:
    """A dashboard's history: one bar per period (simulator.analysis.simulated_periods.per_period), with the long-run
    value and each period's change from the one before, when nothing at all changed between periods."""
    fig = new_figure(7.5, 3.8)
    ax = fig.add_subplot()
    name = METRICS[metric].label
    values = np.asarray(values, dtype=float)
    x = np.arange(1, len(values) + 1)
    ax.bar(x, values, color="#b0b0b0", edgecolor="#555555", linewidth=0.6, label=f"{statistic} {name} of the {period}")
    if overall is not None:
        ax.axhline(overall, color="black", linestyle="--", linewidth=1.0,
                   label=f"long-run {statistic}: {format_duration(overall)}")
    for i in range(1, len(values)):
        if values[i - 1] > 0 and np.isfinite(values[i]):
            change = values[i] / values[i - 1] - 1
            ax.text(x[i], values[i], f"{change:+.0%}", ha="center", va="bottom", fontsize=7.5,
                    fontweight="bold" if abs(change) >= 0.2 else "normal")
    ax.set_xticks(x, [f"{period} {i}" for i in x] if len(x) <= 12 else [str(i) for i in x],
                  rotation=0 if len(x) <= 8 else 45)
    ax.set_ylabel(f"{statistic} {name} ({METRICS[metric].what})")
    ax.yaxis.set_major_locator(DurationLocator())
    ax.yaxis.set_major_formatter(duration_formatter())
    ax.set_ylim(0, float(np.nanmax(values)) * 1.18 if len(values) else 1)
    ax.legend(loc="upper left", ncol=2)
    ax.set_title(f"{name} per {period} when nothing changed\n(labels: the change from the {period} before)")
    return fig

