"""Figures of sweeps: a metric against the swept parameters, its level at each point and its paired difference
from the baseline point (lines for numbers and durations, bars for categories, a heat map of the supported
differences for two parameters), and the on-call load across the sweep. Every function returns a matplotlib
Figure and never shows it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from simulator.analysis.compare import (
    BETTER,
    CUT_SHORT,
    NEGLIGIBLE,
    NO_DATA,
    UNCLEAR,
    UNSURE,
    WORSE,
    Difference,
    signed_duration,
)
from simulator.analysis.sweep import AS_WRITTEN
from simulator.analysis.workload import Estimate, Workload
from simulator.report.comparison_figures import BAR, HATCHES, LOAD_PANELS, load_axis
from simulator.report.style import GRID, INK, MUTED, duration_axis, line, new_figure, styled
from simulator.results.metrics import METRICS
from simulator.units import format_duration, parse_duration

if TYPE_CHECKING:
    from simulator.analysis.sweep import Point, Sweep


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
             default_label: str, open_when: Callable[[Point], bool] = lambda _: False,
             written: Estimate | None = None) -> bool:
    """Draw a quantity of each point against one parameter, one series per combination of the others: lines
    at the values for a numeric parameter, grouped bars for a categorical one. `open_when` draws a point's
    marker open (lines) or its bar unfilled (bars). `written`, the quantity of the scenario as written (played
    beside the grid, its diamond drawn by `_as_written`), is a point of the same curve where it has a place on
    the axis: the line passes through it. Returns whether the axis is categorical."""
    positions, categorical = _positions(result, parameter)
    groups = _series(result, parameter)
    on_curve = None  # (x, y) of the scenario as written, where the line passes through it
    if written is not None and math.isfinite(written.value):
        written_x = _written_x(result, parameter, categorical)
        on_curve = None if written_x is None else (written_x, written.value)
    width = 0.8 / max(len(groups), 1)
    for number, (key, points) in enumerate(groups.items()):
        colour, dash, marker = line(number)
        label = key or default_label
        estimates = [(point, value(point)) for point in points]
        found = [(point, e) for point, e in estimates if e is not None and math.isfinite(e.value)]
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
            order = np.argsort(x, kind="stable")  # the line runs along the axis, whatever order the values came in
            found = [found[i] for i in order]
            x, y, low, high = x[order], y[order], low[order], high[order]
            barred = np.ones(len(x), dtype=bool)
            if on_curve is not None:
                at = int(np.searchsorted(x, on_curve[0]))
                x, y = np.insert(x, at, on_curve[0]), np.insert(y, at, on_curve[1])
                low, high, barred = np.insert(low, at, 0.0), np.insert(high, at, 0.0), np.insert(barred, at, False)
            # errorevery takes a mask (NumPy fancy indexing, as matplotlib documents it in the code; its stubs
            # name only int and (int, int)): no bar at the scenario as written, whose diamond has its own
            ax.errorbar(x, y, yerr=[low, high], color=colour, linestyle=dash, marker="none", capsize=3,
                        linewidth=1.3, label=label, errorevery=barred)  # type: ignore[arg-type]
            for (point, _), xi, yi in zip(found, x[barred], y[barred], strict=True):
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


def _of_workload(pick: Callable[[Workload], Estimate]) -> Callable[[Point], Estimate]:
    """A load panel's figure of each point: `pick` of the point's workload."""
    return lambda point: pick(point.workload())


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
    vague = {point.index for point in result.points
             if (d := result.difference(point, metric, statistic)) is not None and d.verdict not in (BETTER, WORSE)}
    base_level = _level(result.base, metric, statistic)
    written = base_level if result.as_written is not None else None
    _against(top, result, parameter, lambda p: _level(p, metric, statistic), f"{statistic} {named.label}",
             written=written)
    top.set_ylabel(f"{statistic} {named.label}")
    duration_axis(top.yaxis)
    top.set_ylim(bottom=0)
    top.grid(True, axis="y", **GRID)
    top.set_title(f"{statistic.capitalize()} {named.label} at each point"
                  + (" (bars: 95% interval of the mean)" if statistic == "mean" else ""), loc="left", fontsize=9)
    categorical = _against(bottom, result, parameter, lambda p: _delta(result, p, metric, statistic),
                           f"Δ {statistic} {named.label}", open_when=lambda p: p.index in vague,
                           written=None if written is None else Estimate(0.0, 0.0, 0.0))
    bottom.axhline(0, color=INK, linewidth=0.9)
    _mark_baseline(result, parameter, categorical, top, bottom, base_level)
    ends = [0.0] + [v for point in result.points for e in [_delta(result, point, metric, statistic)]
                    for v in (e.low, e.high) if math.isfinite(v)]
    pad = max((max(ends) - min(ends)) * 0.08, 1 / 60)
    bottom.set_ylim(min(ends) - pad, max(ends) + pad)
    duration_axis(bottom.yaxis, signed=True)
    bottom.set_ylabel(f"Δ {statistic} {named.label} from baseline\n({'lower' if named.lower_is_better else 'higher'}"
                      " is better)")
    bottom.set_xlabel(parameter)
    bottom.grid(True, axis="y", **GRID)
    assert result.comparison is not None, "run_sweep compares every point with the baseline"
    bottom.set_title(f"Paired difference from the baseline, {result.comparison.level:.0%} bootstrap interval"
                     f"\nbaseline: {result.base_text()}", loc="left", fontsize=9)
    handles, labels = top.get_legend_handles_labels()
    handles.append(Patch(facecolor="white", edgecolor=INK) if categorical else
                   Line2D([], [], marker="o", color=INK, markerfacecolor="white", linestyle="none"))
    labels.append(f"hollow: not meaningfully better or worse (the interval includes zero or does not clear the "
                  f"{result.comparison.min_effect.text()} that matters)")
    figure.legend(handles, labels, loc="outside lower center", ncols=1 if result.as_written is not None else 2)
    figure.suptitle(f"{named.title} against {parameter}\n{result.replications:,} replications per point, the same "
                    "failures at every point", fontsize=11)
    return figure


def _written_x(result: Sweep, parameter: str, categorical: bool) -> float | None:
    """Where the scenario as written (played beside the grid) sits on a numeric axis of the one parameter swept,
    or None: no such run, a categorical axis, or more than one parameter swept."""
    if result.as_written is None or categorical or len(result.varied) != 1:
        return None
    return _number(result.as_written.values[parameter])


def _number(value: object) -> float | None:
    """A swept value as a position on a numeric axis (numbers, durations in minutes), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return parse_duration(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _mark_baseline(result: Sweep, parameter: str, categorical: bool, top: Axes, bottom: Axes,
                   level: Estimate) -> None:
    """Where the baseline sits: a grid point is labelled on the zero line; the scenario as written, played
    beside the grid, is drawn as its own black diamond at its value (one numeric parameter) or as a dashed
    level across the panel (otherwise)."""
    base = result.base
    if result.as_written is None:
        if not categorical:
            base_x = _positions(result, parameter)[0][base.written[parameter]]
            bottom.annotate("baseline", (base_x, 0), xytext=(6, -12), textcoords="offset points", ha="left",
                            fontsize=8, color=MUTED)
        return
    x = _as_written(top, result, parameter, categorical, level, f"{result.base_text()}: the baseline")
    if x is None:
        bottom.annotate(f"baseline: {AS_WRITTEN}", (0.01, 0), xycoords=("axes fraction", "data"), xytext=(0, 4),
                        textcoords="offset points", fontsize=8, color=MUTED)
        return
    bottom.plot([x], [0.0], marker="D", color=INK, markersize=7, linestyle="none")
    bottom.annotate(f"baseline ({AS_WRITTEN})", (x, 0), xytext=(8, -12), textcoords="offset points", ha="left",
                    fontsize=8, color=MUTED)


def _as_written(ax: Axes, result: Sweep, parameter: str, categorical: bool, level: Estimate,
                label: str) -> float | None:
    """Draw the scenario as written (played beside the grid): a black diamond with its interval at its value
    when one numeric parameter is swept (returns its x), else a dashed level across the panel (returns None)."""
    x = _written_x(result, parameter, categorical)
    if x is None or not math.isfinite(level.value):
        ax.axhline(level.value, color=INK, linestyle="--", linewidth=1.0, label=label)
        return None
    low = level.value - level.low if math.isfinite(level.low) else 0.0
    high = level.high - level.value if math.isfinite(level.high) else 0.0
    ax.errorbar([x], [level.value], yerr=[[low], [high]], color=INK, marker="D", markersize=7, capsize=3,
                linestyle="none", label=label)
    return x


CELL_WORDS = {BETTER: "better", WORSE: "worse", NEGLIGIBLE: "no difference\nthat matters",
              UNSURE: "unclear whether\nit matters", UNCLEAR: "no detectable\ndifference",
              CUT_SHORT: "no honest answer:\ntoo many cut short", NO_DATA: "not enough data"}
"""A heat map cell's verdict, in lines that fit a cell."""


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
        text[r, c] = f"{signed_duration(d.difference)}\n{CELL_WORDS.get(d.verdict, d.verdict)}"
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
    assert result.comparison is not None, "run_sweep compares every point with the baseline"
    level = format_duration(getattr(result.base.summary()[metric], statistic))
    beside = f",\nplayed beside the grid ({statistic} {named.label} {level})" if result.as_written is not None else ""
    ax.set_title(f"Paired difference of the {statistic} from the baseline:\n{result.base_text()}{beside}",
                 loc="left", fontsize=9, fontweight="normal")
    figure.legend(handles=[Patch(facecolor="#EFEFEF", edgecolor="#BBBBBB", hatch="////",
                             label=f"grey hatched: the {result.comparison.level:.0%} interval does not support a "
                                   f"difference of at least the {result.comparison.min_effect.text()} that "
                                   "matters\n(coloured cells: meaningfully better or worse)")],
                  loc="outside lower center", frameon=False, fontsize=8)
    figure.suptitle(f"{named.title} across the sweep\n{result.replications:,} replications per point, the same "
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
        written = pick(result.as_written.workload()) if result.as_written is not None else None
        categorical = _against(ax, result, parameter, _of_workload(pick), "all points", written=written)
        if written is not None:
            _as_written(ax, result, parameter, categorical, written, result.base_text())
        ax.set_xlabel(parameter)
        load_axis(ax, title, unit, [pick(p.workload()).value for p in result.played], period)
    handles, labels = axes[0].get_legend_handles_labels()
    if len(labels) > 1:
        figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3))
    figure.suptitle(f"On-call load against {parameter}: why the times moved (95% intervals over replications)")
    return figure
