"""Figures of comparisons and sweeps: each variant's distribution overlaid, the paired differences with their
intervals, the on-call load behind them, and a metric across a sweep (its level and its paired difference
from the baseline point). Every function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from simulator.compare import BETTER, UNCLEAR, WORSE, Comparison, Difference, signed_duration
from simulator.metrics import METRICS, metric_values
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
from simulator.units import format_duration, parse_duration
from simulator.workload import Estimate, Workload

if TYPE_CHECKING:
    from simulator.runner import Results
    from simulator.sweep import Point, Sweep

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


def _load_axis(ax: Axes, title: str, unit: str, values: list[float], period: str) -> None:
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
        _load_axis(ax, title, unit, [e.value for e in estimates], period)
    figure.suptitle("On-call load per variant: why the times moved (bars: 95% intervals over replications)")
    return figure


# ── Sweeps ─────────────────────────────────────────────────────────────────────────────────────────────────


def _positions(result: Sweep, parameter: str) -> tuple[dict[str, float], bool]:
    """Where each value of a parameter sits on the x axis, and whether the axis is categorical (bars) rather
    than numeric (lines at the values themselves: numbers, or durations in minutes)."""
    values = result.values(parameter)
    read = {point.written[parameter]: point.values[parameter] for point in result.points}
    numbers = {}
    for text in values:
        value = read[text]
        if isinstance(value, bool):
            break
        if isinstance(value, int | float):
            numbers[text] = float(value)
            continue
        try:
            numbers[text] = parse_duration(value)
        except ValueError:
            break
    if len(numbers) == len(values) and len(values) > 1:
        return numbers, False
    return {text: float(i) for i, text in enumerate(values)}, True


def _series(result: Sweep, parameter: str) -> dict[str, list[Point]]:
    """The points grouped by the values of the other varied parameters: one line (or bar colour) each."""
    others = [p for p in result.varied if p != parameter]
    groups: dict[str, list[Point]] = {}
    for point in result.points:
        key = ", ".join(f"{p}={point.written[p]}" for p in others)
        groups.setdefault(key, []).append(point)
    return groups


def _against(ax: Axes, result: Sweep, parameter: str, value: Callable[[Point], Estimate | None],
             default_label: str, open_when: Callable[[Point], bool] = lambda _: False) -> bool:
    """Draw a quantity of each point against one parameter, one series per combination of the others: lines
    at the values for a numeric parameter, grouped bars for a categorical one. `open_when` draws a point's
    marker open (lines) or its bar unfilled (bars). Returns whether the axis is categorical."""
    positions, categorical = _positions(result, parameter)
    groups = _series(result, parameter)
    width = 0.8 / max(len(groups), 1)
    for number, (key, points) in enumerate(groups.items()):
        colour, dash, marker = line(number)
        label = key or default_label
        found = [(point, value(point)) for point in points]
        found = [(point, e) for point, e in found if e is not None and math.isfinite(e.value)]
        if not found:
            continue
        x = np.array([positions[point.written[parameter]] for point, _ in found])
        y = np.array([e.value for _, e in found])
        low = np.array([e.value - e.low if math.isfinite(e.low) else 0.0 for _, e in found])
        high = np.array([e.high - e.value if math.isfinite(e.high) else 0.0 for _, e in found])
        if categorical:
            shift = (number - (len(groups) - 1) / 2) * width
            fill = BAR if number == 0 else colour
            faces = ["white" if open_when(point) else fill for point, _ in found]
            ax.bar(x + shift, y, width=width * 0.92, color=faces, hatch=HATCHES[number % len(HATCHES)],
                   edgecolor=INK, linewidth=0.8, label=label)
            ax.errorbar(x + shift, y, yerr=[low, high], fmt="none", ecolor=INK, capsize=3, linewidth=1.0)
        else:
            ax.errorbar(x, y, yerr=[low, high], color=colour, linestyle=dash, marker="none", capsize=3,
                        linewidth=1.3, label=label)
            for (point, _), xi, yi in zip(found, x, y, strict=True):
                ax.plot([xi], [yi], marker=marker, color=colour, markersize=6, linestyle="none",
                        markerfacecolor="white" if open_when(point) else colour)
    ticks = result.values(parameter)
    ax.set_xticks([positions[t] for t in ticks], ticks)
    if categorical:
        ax.set_xlim(-0.6, len(ticks) - 0.4)
    return categorical


def _level(point: Point, metric: str, statistic: str) -> Estimate:
    s = point.summary()[metric]
    value = getattr(s, statistic)
    if statistic == "mean":
        return Estimate(value, s.ci_low, s.ci_high)
    return Estimate(value, math.nan, math.nan)


def _delta(result: Sweep, point: Point, metric: str, statistic: str) -> Estimate:
    d: Difference | None = result.difference(point, metric, statistic)
    return Estimate(0.0, 0.0, 0.0) if d is None else Estimate(d.difference, d.low, d.high)


@styled
def sweep_figure(result: Sweep, metric: str = "mttr", statistic: str = "mean", kind: str | None = None) -> Figure:
    """A metric's statistic across a sweep. Against one parameter (or `kind="line"`): above, its value at each
    point (with the 95% interval of the mean); below, each point's paired difference from the baseline point
    with its bootstrap interval, hollow where the interval includes zero. Lines for numbers and durations,
    bars for categories. Two varied parameters make a heat map of the differences instead (`kind="heatmap"`),
    coloured only where the interval supports them."""
    kind = kind or ("heatmap" if len(result.varied) == 2 else "line")
    if kind == "heatmap":
        if len(result.varied) != 2:
            raise ValueError("a heat map needs exactly two parameters swept over more than one value")
        return _heatmap(result, metric, statistic)
    named = METRICS[metric]
    parameter = result.varied[0]
    figure = new_figure(8.5, 7.0)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(1, 1))
    unclear = {point.index for point in result.points
               if (d := result.difference(point, metric, statistic)) is not None and d.verdict == UNCLEAR}
    _against(top, result, parameter, lambda p: _level(p, metric, statistic), f"{statistic} {named.label}")
    top.set_ylabel(f"{statistic} {named.label}")
    duration_axis(top.yaxis)
    top.set_ylim(bottom=0)
    top.grid(True, axis="y", **GRID)
    top.set_title(f"{statistic.capitalize()} {named.label} at each point"
                  + (" (bars: 95% interval of the mean)" if statistic == "mean" else ""), loc="left", fontsize=9)
    categorical = _against(bottom, result, parameter, lambda p: _delta(result, p, metric, statistic),
                           f"Δ {statistic} {named.label}", open_when=lambda p: p.index in unclear)
    bottom.axhline(0, color=INK, linewidth=0.9)
    if not categorical:
        base_x = _positions(result, parameter)[0][result.base.written[parameter]]
        bottom.annotate("baseline", (base_x, 0), xytext=(6, -12), textcoords="offset points", ha="left",
                        fontsize=8, color=MUTED)
    ends = [0.0] + [v for point in result.points for e in [_delta(result, point, metric, statistic)]
                    for v in (e.low, e.high) if math.isfinite(v)]
    pad = max((max(ends) - min(ends)) * 0.08, 1 / 60)
    bottom.set_ylim(min(ends) - pad, max(ends) + pad)
    duration_axis(bottom.yaxis, signed=True)
    bottom.set_ylabel(f"Δ {statistic} {named.label} from baseline\n({'lower' if named.lower_is_better else 'higher'}"
                      " is better)")
    bottom.set_xlabel(parameter)
    bottom.grid(True, axis="y", **GRID)
    bottom.set_title(f"Paired difference from the baseline point, {result.comparison.level:.0%} bootstrap interval"
                     f"\nbaseline: {result.label(result.base)}", loc="left", fontsize=9)
    handles, labels = top.get_legend_handles_labels()
    handles.append(Patch(facecolor="white", edgecolor=INK) if categorical else
                   Line2D([], [], marker="o", color=INK, markerfacecolor="white", linestyle="none"))
    labels.append("hollow: the interval includes zero (no detectable difference)")
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3))
    figure.suptitle(f"{named.title} against {parameter}\n{result.replications} replications per point, the same "
                    "failures at every point", fontsize=11)
    return figure


def _heatmap(result: Sweep, metric: str, statistic: str) -> Figure:
    named = METRICS[metric]
    across, down = result.varied
    columns, rows = result.values(across), result.values(down)
    delta = np.full((len(rows), len(columns)), np.nan)
    shown = np.full(delta.shape, np.nan)
    text = np.full(delta.shape, "", dtype=object)
    for point in result.points:
        r, c = rows.index(point.written[down]), columns.index(point.written[across])
        d = result.difference(point, metric, statistic)
        value = getattr(point.summary()[metric], statistic)
        if d is None:
            text[r, c] = f"baseline\n{format_duration(value)}"
            continue
        delta[r, c] = d.difference
        if d.verdict in (BETTER, WORSE):
            shown[r, c] = d.difference
            text[r, c] = f"{signed_duration(d.difference)}\n{d.verdict}"
        else:
            text[r, c] = f"{signed_duration(d.difference)}\nno detectable\ndifference"
    figure = new_figure(max(7.5, 3.5 + 1.5 * len(columns)), 2.8 + 0.85 * len(rows))
    ax = figure.subplots()
    finite = shown[np.isfinite(shown)]
    reach = float(np.max(np.abs(finite))) if len(finite) else 1.0
    # Better is blue and worse red, whichever way the metric improves; unsupported cells stay uncoloured.
    colours = "RdBu_r" if named.lower_is_better else "RdBu"
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=colours, aspect="auto", norm=TwoSlopeNorm(0.0, -reach, reach))
    for (r, c), words in np.ndenumerate(text):
        if not np.isfinite(shown[r, c]):
            base = words.startswith("baseline")
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="white" if base else "#EFEFEF",
                                   edgecolor=INK if base else "#BBBBBB", hatch="" if base else "////",
                                   linewidth=1.2 if base else 0.0))
        strong = np.isfinite(shown[r, c]) and abs(shown[r, c]) > 0.6 * reach
        ax.text(c, r, words, ha="center", va="center", fontsize=8, color="white" if strong else INK,
                fontweight="bold" if words.startswith("baseline") else "normal",
                bbox=None if strong or np.isfinite(shown[r, c]) else
                {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel(across)
    ax.set_ylabel(down)
    ax.spines[:].set_visible(False)
    if len(finite):
        bar = figure.colorbar(image, ax=ax)
        duration_axis(bar.ax.yaxis, most=6, signed=True)
        bar.set_label(f"Δ {statistic} {named.label}: blue better, red worse")
    ax.set_title(f"Paired difference of the {statistic} from the baseline point\ngrey hatched: the interval "
                 "includes zero (no detectable difference)", loc="left", fontsize=9, fontweight="normal")
    figure.suptitle(f"{named.title} across the sweep\n{result.replications} replications per point, the same "
                    "failures at every point", fontsize=11)
    return figure



@styled
def sweep_workload_figure(result: Sweep) -> Figure:
    """The on-call load across a sweep, against its first varied parameter: the share of pages that waited for
    a free responder, the share that escalated, and the responder-hours per period, with 95% intervals."""
    period = format_duration(result.base.results.scenario.horizon)
    parameter = result.varied[0]
    figure = new_figure(11.0, 4.2)
    axes = figure.subplots(1, 3)
    for ax, (title, unit, pick) in zip(axes, LOAD_PANELS, strict=True):
        _against(ax, result, parameter, lambda p, pick=pick: pick(p.workload()), "all points")
        ax.set_xlabel(parameter)
        _load_axis(ax, title, unit, [pick(p.workload()).value for p in result.points], period)
    handles, labels = axes[0].get_legend_handles_labels()
    if len(labels) > 1:
        figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3))
    figure.suptitle(f"On-call load against {parameter}: why the times moved (95% intervals over replications)")
    return figure
