"""Figures of availability and of the learning loop: each replication's availability against the SLO, where the
downtime comes from, incidents per quarter with the loop and without it, and the reliability debt over time.
Every function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulator.report.style import GRID, INK, MUTED, line, new_figure, styled


def _percent(decimals: int) -> FuncFormatter:
    return FuncFormatter(lambda value, _: f"{value * 100:.{decimals}f}%")


@styled
def availability_figure(per_replication: np.ndarray, by_mode: dict[str, float], slo: float | None,
                        period: str) -> Figure:
    """Left: each replication's availability (a histogram), the SLO and the mean. Right: each failure mode's
    share of the downtime (impact × minutes open)."""
    figure = new_figure(10.0, 4.8)
    hist, bars = figure.subplots(1, 2, width_ratios=(3, 2))
    values = np.asarray(per_replication, dtype=float)
    low = float(np.percentile(values, 2))  # a few disastrous replications would squeeze the rest into a line
    if slo is not None:
        low = min(low, slo - 0.5 * (1 - slo))
    low = min(low, float(np.median(values)))
    below = int(np.count_nonzero(values < low))
    bins = np.linspace(low - 1e-6, min(1.0, values.max()) + 1e-6, 31)
    hist.hist(np.maximum(values, low), bins=bins, color="#A6BDDB", edgecolor=INK, linewidth=0.4,
              label=f"{below} replication{'s' if below != 1 else ''} below the axis, counted in the first bar"
              if below else None)
    mean = float(values.mean())
    hist.axvline(mean, color=INK, linewidth=1.2, label=f"mean {mean * 100:.3f}%")
    if slo is not None:
        met = float(np.mean(values >= slo))
        hist.axvline(slo, color="#D55E00", linewidth=1.6, linestyle="--",
                     label=f"SLO {slo * 100:g}%: met in {met:.0%} of replications")
    hist.xaxis.set_major_formatter(_percent(2))
    hist.xaxis.set_major_locator(MaxNLocator(6))
    hist.set_xlabel(f"availability over the {period} (1 − Σ impact × minutes open ÷ minutes)")
    hist.set_ylabel("replications")
    hist.set_title(f"Availability per replication ({len(values)})", loc="left")
    hist.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=1)
    names = sorted(by_mode, key=lambda name: by_mode[name])
    total = sum(by_mode.values()) or 1.0
    shares = [by_mode[name] / total for name in names]
    bars.barh(names, shares, color="#0072B2", edgecolor=INK, linewidth=0.4)
    for y, value in enumerate(shares):
        bars.text(value, y, f" {value:.0%}", va="center", fontsize=8, color=INK)
    bars.xaxis.set_major_formatter(_percent(0))
    bars.set_xlim(0, max([*shares, 0.01]) * 1.25)
    bars.set_xlabel("share of the downtime")
    bars.set_title("Where the downtime comes from", loc="left")
    bars.grid(axis="x", **GRID)
    return figure


@styled
def learning_figure(learning: dict) -> Figure:
    """Left: organic incidents per quarter, with the learning loop and without it (the same runs with no action
    items), each with its 95% interval (the two series a little apart, so that both show). Right: action items
    written and not done, and temporary fixes left in place past their cleanup, over the horizon (mean of the
    replications)."""
    figure = new_figure(10.0, 4.2)
    trend, debt = figure.subplots(1, 2)
    series = [("with the learning loop", learning["incidents_per_quarter"])]
    if learning.get("incidents_per_quarter_without_learning"):
        series.append(("without it (no action items)", learning["incidents_per_quarter_without_learning"]))
    quarters = len(series[0][1])
    for number, (label, points) in enumerate(series):
        colour, dash, marker = line(number + 1)
        x = np.array([p["quarter"] for p in points]) + (number - (len(series) - 1) / 2) * 0.08
        mean = np.array([p["mean"] for p in points])
        error = [mean - [p["ci_low"] for p in points], [p["ci_high"] for p in points] - mean]
        trend.errorbar(x, mean, yerr=error, color=colour, linestyle=dash, marker=marker, markerfacecolor="white",
                       capsize=3, label=label)
    trend.set_xlabel("quarter (90 days) of the simulated period")
    trend.set_ylabel("organic incidents per quarter (mean)")
    trend.set_xlim(0.5, quarters + 0.5)
    trend.set_xticks(range(1, quarters + 1))
    trend.set_ylim(bottom=0)
    trend.set_title("Incidents per quarter", loc="left")
    trend.legend(loc="lower left")
    trend.grid(axis="y", **GRID)
    over = learning["over_time"]
    days = np.asarray(over["minutes"]) / 1440
    debt.plot(days, over["open_action_items"], color=line(1).colour, linestyle=line(1).dash,
              label="action items written, not done")
    debt.plot(days, over["fixes_left_in_place"], color=line(2).colour, linestyle=line(2).dash,
              label="temporary fixes left in place")
    debt.xaxis.set_major_locator(MaxNLocator(8, integer=True))
    debt.set_xlim(0, days[-1])
    debt.set_xlabel("days since the start of the period")
    debt.set_ylabel("open at that moment (mean of replications)")
    debt.set_ylim(bottom=0)
    debt.set_title("Reliability debt", loc="left")
    debt.legend(loc="upper left")
    debt.grid(axis="y", **GRID)
    figure.suptitle("The learning loop", color=INK)
    figure.supxlabel("Bars: 95% intervals of the mean. Both runs meet the same failures (common random numbers).",
                     fontsize=8, color=MUTED)
    return figure


__all__ = ["availability_figure", "learning_figure"]
