"""Figures of comparisons: each variant's distribution overlaid, the paired differences with their intervals,
and the on-call load behind them. Every function returns a matplotlib Figure and never shows it. The sweep's
figures, in sweep_figures.py, share the on-call load panels defined here."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.analysis.compare import BETTER, WORSE, Comparison, signed_duration
from simulator.analysis.workload import Estimate, Workload
from simulator.report.comparison import verdict_text
from simulator.report.style import (
    GRID,
    INK,
    MUTED,
    duration_axis,
    heavy_tailed,
    line,
    log_duration_axis,
    new_figure,
    percent_axis,
    styled,
)
from simulator.results.metrics import METRICS, metric_values
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.results.runner import Results

HATCHES = ("", "////", "....", "xxxx", "\\\\\\\\", "++")
BAR = "#BDBDBD"
"""The fill of the first series of bars (the others take the line colours, each with its own hatch)."""
BASELINE_LINE = "#9A9A9A"
"""The baseline is drawn as a broad grey line under the variants, so that a variant equal to it shows on top."""


def _runs(runs: Comparison | Mapping[str, Results]) -> Mapping[str, Results]:
    return runs.results if isinstance(runs, Comparison) else runs


@styled
def ecdf_figure(runs: Comparison | Mapping[str, Results], metric: str = "mttr") -> Figure:
    """Each variant's distribution of one metric as an empirical CDF, overlaid, with its median marked. The
    first (the baseline) is a broad grey line underneath; a variant identical to it is said so in the legend."""
    results = _runs(runs)
    named = METRICS[metric]
    figure = new_figure(8.0, 5.0)
    ax = figure.subplots()
    every = [np.sort(metric_values(result.incidents, metric)[0]) for result in results.values()]
    pooled = np.concatenate(every) if every else np.array([])
    log = heavy_tailed(pooled)
    for number, (variant, values) in enumerate(zip(results, every, strict=True)):
        if len(values) == 0:
            continue
        x = values[values > 0] if log else values
        y = (np.arange(1, len(values) + 1) / len(values))[values > 0] if log else \
            np.arange(1, len(values) + 1) / len(values)
        median, mean = float(np.median(values)), float(values.mean())
        text = f"{variant}: median {format_duration(median)}, mean {format_duration(mean)}"
        if number == 0:
            ax.step(x, y, where="post", color=BASELINE_LINE, linewidth=4.5, solid_capstyle="butt", zorder=2,
                    label=text)
            ax.plot([median], [0.5], marker="o", color=BASELINE_LINE, markersize=10, linestyle="none", zorder=2)
            continue
        colour, dash, marker = line(number)
        if np.array_equal(values, every[0]):
            text += f" (identical to {next(iter(results))})"
        ax.step(x, y, where="post", color=colour, linestyle=dash, linewidth=1.5, zorder=3 + number, label=text)
        ax.plot([median], [0.5], marker=marker, color=colour, markersize=6, linestyle="none", zorder=3 + number,
                markerfacecolor="white")
    ax.axhline(0.5, color=MUTED, linewidth=0.6, linestyle=(0, (2, 3)), zorder=1)
    if log:
        words = log_duration_axis(ax, float(pooled[pooled > 0].min()), float(pooled.max()))
        ax.set_xlabel(f"{named.what} ({named.span}); log scale, {words}")
    else:
        duration_axis(ax.xaxis)
        ax.set_xlabel(f"{named.what} ({named.span})")
    ax.set_ylabel(f"share of {named.many} at or below")
    ax.set_ylim(0, 1.0)
    percent_axis(ax.yaxis)
    ax.grid(True, which="major", **GRID)
    figure.suptitle(f"{named.label} per variant, the same failures in each")
    ax.set_title("markers: each variant's median", loc="left", fontsize=8, fontweight="normal", color=MUTED)
    figure.legend(loc="outside lower center", ncols=1)
    return figure


@styled
def forest_figure(comparison: Comparison, metrics: Sequence[str] | None = None) -> Figure:
    """Paired differences from the baseline with their intervals: one row per metric and variant, the mean
    (filled circle) and the median (open square), as a share of the baseline's value. Every metric has its
    rows, also those no variant moved (their interval is then exactly zero)."""
    metrics = list(metrics or METRICS)
    rows = [(metric, name) for metric in metrics for name in comparison.variants]
    figure = new_figure(10.0, 1.6 + 0.5 * max(len(rows), 1))
    ax, notes = figure.subplots(1, 2, sharey=True, width_ratios=(1.5, 1.3))
    notes.axis("off")
    level = f"{comparison.level:.0%}"
    ends = [0.0]
    for y, (metric, name) in enumerate(rows):
        for offset, statistic, marker, face in ((-0.13, "mean", "o", INK), (0.13, "median", "s", "white")):
            d = comparison.difference(name, metric, statistic)
            if d.baseline == 0 or math.isnan(d.relative):
                continue
            centre, low, high = d.relative, d.low / d.baseline, d.high / d.baseline
            ends.extend(v for v in (low, high) if math.isfinite(v))
            ax.errorbar([centre], [y + offset], xerr=[[centre - low], [high - centre]], fmt=marker, color=INK,
                        markerfacecolor=face, markersize=6, capsize=3, linewidth=1.2, linestyle="none",
                        label=f"{statistic} ({level} CI)" if y == 0 else None)
        mean, median = comparison.difference(name, metric, "mean"), comparison.difference(name, metric, "median")
        identical = all(d.low == d.high == d.difference == 0 for d in (mean, median))
        notes.text(0.0, y, "identical in every replication" if identical else
                   f"mean {signed_duration(mean.difference)} ({mean.interval_text()})\n"
                   f"median {signed_duration(median.difference)} ({median.interval_text()})",
                   va="center", ha="left", fontsize=7.5, transform=notes.get_yaxis_transform(),
                   color=MUTED if identical else INK)
        notes.text(1.0, y, verdict_text(mean.verdict, median.verdict, compact=True), va="center", ha="right",
                   fontsize=7.5, fontweight="bold" if mean.verdict in (BETTER, WORSE) else "normal",
                   transform=notes.get_yaxis_transform())
    ax.axvline(0, color=MUTED, linewidth=0.9, linestyle="--", zorder=0)
    margin = max((max(ends) - min(ends)) * 0.12, 0.02)
    ax.set_xlim(min(ends) - margin, max(ends) + margin)
    ax.set_yticks(range(len(rows)), [f"{METRICS[m].label} · {n}" if len(comparison.variants) > 1 else METRICS[m].label
                                     for m, n in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    percent_axis(ax.xaxis)
    better = [METRICS[m] for m in metrics]
    lower = ", ".join(m.label for m in better if m.lower_is_better)
    higher = ", ".join(m.label for m in better if not m.lower_is_better)
    ax.set_xlabel(f"variant − {comparison.baseline}, as a share of {comparison.baseline}'s value\n"
                  f"lower is better for {lower}" + (f"; higher for {higher}" if higher else ""))
    ax.grid(True, axis="x", **GRID)
    if rows:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
    figure.suptitle(f"Paired differences from {comparison.baseline}\n{comparison.replications} replications with "
                    "common random numbers, bootstrap intervals", fontsize=10)
    return figure


# ── Why: the on-call load ──────────────────────────────────────────────────────────────────────────────────

LOAD_PANELS: tuple[tuple[str, str, Callable[[Workload], Estimate]], ...] = (
    ("pages that waited for a free responder", "share of pages", lambda load: load.waited_share),
    ("pages that escalated to the secondary", "share of pages", lambda load: load.escalated_share),
    ("responder-hours per {period}", "hours held by incidents", lambda load: load.responder_hours),
)
NONE = {"pages that waited for a free responder": "no page waited for a free responder",
        "pages that escalated to the secondary": "no page escalated"}


def load_axis(ax: Axes, title: str, unit: str, values: list[float], period: str) -> None:
    """Titles, units and grid of one on-call load panel; says so plainly when every value is zero."""
    ax.set_title(title.format(period=period), loc="left", fontsize=9)
    ax.set_ylabel(unit)
    if unit == "share of pages":
        percent_axis(ax.yaxis)
    ax.set_ylim(bottom=0)
    ax.set_axisbelow(True)
    ax.grid(True, axis="y", **GRID)
    if not any(math.isfinite(v) and v > 0 for v in values):
        ax.set_ylim(0, 0.05 if unit == "share of pages" else 1.0)
        ax.text(0.5, 0.5, NONE.get(title, "none") + "\nanywhere", transform=ax.transAxes, ha="center",
                va="center", color=MUTED, fontsize=9)


def _estimate_bars(ax: Axes, x: np.ndarray, estimates: list[Estimate], width: float, colour: str, hatch: str,
                   label: str | None = None) -> None:
    values = np.array([e.value for e in estimates], dtype=float)
    low = np.array([e.value - e.low if math.isfinite(e.low) else 0.0 for e in estimates])
    high = np.array([e.high - e.value if math.isfinite(e.high) else 0.0 for e in estimates])
    ax.bar(x, np.nan_to_num(values), width=width, color=colour, hatch=hatch, edgecolor=INK, linewidth=0.6,
           label=label)
    ax.errorbar(x, np.nan_to_num(values), yerr=[low, high], fmt="none", ecolor=INK, capsize=3, linewidth=1.0)


@styled
def workload_figure(comparison: Comparison) -> Figure:
    """Why the times moved: per variant, the share of pages that waited for a free responder, the share that
    escalated, and the responder-hours per period, each with its 95% interval."""
    period = format_duration(comparison.results[comparison.baseline].scenario.horizon)
    names = list(comparison.names)
    figure = new_figure(10.0, 3.2 + 0.12 * max(len(max(names, key=len)), 8))
    x = np.arange(len(names))
    for ax, (title, unit, pick) in zip(figure.subplots(1, 3), LOAD_PANELS, strict=True):
        estimates = [pick(comparison.workload(name)) for name in names]
        for number, estimate in enumerate(estimates):
            colour, _, _ = line(number)
            _estimate_bars(ax, x[number:number + 1], [estimate], 0.6, BAR if number == 0 else colour,
                           HATCHES[number % len(HATCHES)])
            if math.isfinite(estimate.value):
                text = f"{estimate.value:.1%}" if unit == "share of pages" else f"{estimate.value:,.1f} h"
                ax.annotate(text, (x[number], estimate.value), xytext=(4, 3), textcoords="offset points",
                            fontsize=7.5, ha="left", va="bottom")
        ax.set_xticks(x, names, rotation=30 if len(names) > 2 else 0, ha="right" if len(names) > 2 else "center")
        load_axis(ax, title, unit, [e.value for e in estimates], period)
    figure.suptitle("On-call load per variant: why the times moved (bars: 95% intervals over replications)")
    return figure
