"""Figures of comparisons and sweeps: each variant's distribution overlaid, the paired differences with their
intervals, and a metric across a sweep. Every function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.compare import BETTER, WORSE, Comparison, signed_duration
from simulator.metrics import METRICS, metric_values
from simulator.report.comparison import verdict_text
from simulator.report.style import DurationLocator, duration_formatter, line, log_duration_axis, new_figure, styled
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.runner import Results
    from simulator.sweep import Sweep


def _runs(runs: Comparison | Mapping[str, Results]) -> Mapping[str, Results]:
    return runs.results if isinstance(runs, Comparison) else runs


@styled
def ecdf_figure(runs: Comparison | Mapping[str, Results], metric: str = "mttr") -> Figure:
    """Each variant's distribution of one metric as an empirical CDF, overlaid, with its median marked."""
    results = _runs(runs)
    fig = new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    name, what, span = METRICS[metric].label, METRICS[metric].what, METRICS[metric].span
    every = [metric_values(result.incidents, metric)[0] for result in results.values()]
    positive = np.concatenate([v[v > 0] for v in every]) if every else np.array([])
    log = len(positive) > 1 and positive.max() / positive.min() > 30
    for number, (variant, values) in enumerate(zip(results, every, strict=True)):
        colour, dash, marker = line(number)
        if len(values) == 0:
            continue
        x = np.sort(values)
        y = np.arange(1, len(x) + 1) / len(x)
        if log:
            keep = x > 0
            x, y = x[keep], y[keep]
        median, mean = float(np.median(values)), float(values.mean())
        ax.step(x, y, where="post", color=colour, linestyle=dash, linewidth=1.6,
                label=f"{variant}: median {format_duration(median)}, mean {format_duration(mean)}")
        ax.plot([median], [0.5], marker=marker, color=colour, markersize=7, linestyle="none",
                markerfacecolor="white" if number % 2 else colour)
    ax.axhline(0.5, color="#999999", linewidth=0.6, linestyle=(0, (2, 3)), zorder=0)
    if log:
        log_duration_axis(ax, float(positive.min()), float(positive.max()))
        ax.set_xlabel(f"{name}, {what} ({span}); log scale")
    else:
        ax.xaxis.set_major_formatter(duration_formatter())
        ax.set_xlabel(f"{name}, {what} ({span})")
    ax.set_ylabel("share of incidents at or below (ECDF)")
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"{name} per variant: every variant meets the same failures")
    ax.legend(loc="lower right")
    ax.grid(True, which="major", axis="both", color="#dddddd", linewidth=0.5)
    return fig


@styled
def forest_figure(comparison: Comparison, metrics: Sequence[str] | None = None) -> Figure:
    """Paired differences from the baseline with their intervals: one row per metric and variant, the mean
    (filled circle) and the median (open square), as a share of the baseline's value."""
    if metrics is None:
        metrics = [m for m in METRICS if m != "mtbf" or any(
            d.difference != 0 for d in comparison.differences if d.metric == "mtbf")]
    rows = [(metric, name) for metric in metrics for name in comparison.variants]
    height = 1.3 + 0.45 * max(len(rows), 1)
    fig = new_figure(9.0, height)
    grid = fig.add_gridspec(1, 2, width_ratios=(1.5, 1.3))
    ax = fig.add_subplot(grid[0, 0])
    notes = fig.add_subplot(grid[0, 1], sharey=ax)
    notes.axis("off")
    level = f"{comparison.level:.0%}"
    ends = [0.0]
    for y, (metric, name) in enumerate(rows):
        for offset, statistic, marker, face in ((-0.13, "mean", "o", "black"), (0.13, "median", "s", "white")):
            d = comparison.difference(name, metric, statistic)
            if d.baseline == 0 or math.isnan(d.relative):
                continue
            centre, low, high = d.relative, d.low / d.baseline, d.high / d.baseline
            ends.extend(v for v in (low, high) if math.isfinite(v))
            ax.errorbar([centre], [y + offset], xerr=[[centre - low], [high - centre]], fmt=marker,
                        color="black", markerfacecolor=face, markersize=6, capsize=3, linewidth=1.2,
                        linestyle="none", label=f"{statistic} ({level} CI)" if y == 0 else None)
        mean, median = comparison.difference(name, metric, "mean"), comparison.difference(name, metric, "median")
        notes.text(0.0, y, f"mean {signed_duration(mean.difference)} ({mean.interval_text()})\n"
                           f"median {signed_duration(median.difference)} ({median.interval_text()})",
                   va="center", ha="left", fontsize=7.5, transform=notes.get_yaxis_transform())
        notes.text(1.0, y, verdict_text(mean.verdict, median.verdict), va="center", ha="right", fontsize=7.5,
                   fontweight="bold" if mean.verdict in (BETTER, WORSE) else "normal",
                   transform=notes.get_yaxis_transform())
    ax.axvline(0, color="#555555", linewidth=0.9, linestyle="--", zorder=0)
    margin = max((max(ends) - min(ends)) * 0.12, 0.02)
    ax.set_xlim(min(ends) - margin, max(ends) + margin)
    ax.set_yticks(range(len(rows)), [f"{METRICS[m].label} · {n}" if len(comparison.variants) > 1 else METRICS[m].label
                                     for m, n in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"variant − {comparison.baseline}, as a share of {comparison.baseline}'s value\n"
                  "(lower is better for MTTD, MTTA, MTTR, time to resolve; higher for MTBF)")
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.5)
    if rows:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    fig.suptitle(f"Paired differences from {comparison.baseline}: {comparison.replications} replications with "
                 "common random numbers, bootstrap intervals")
    return fig


@styled
def sweep_figure(result: Sweep, metric: str = "mttr", statistic: str = "mean", kind: str | None = None) -> Figure:
    """A metric's statistic against the swept parameters: a line for one parameter (or `kind="line"`: one line
    per combination of the others), a heatmap for two."""
    name = METRICS[metric].label
    values = {point.index: getattr(point.summary()[metric], statistic) for point in result.points}
    parameters = result.parameters
    kind = kind or ("heatmap" if len(parameters) == 2 else "line")
    if kind == "heatmap" and len(parameters) != 2:
        raise ValueError("a heatmap needs exactly two swept parameters")
    first = _levels(result, parameters[0])
    if kind == "heatmap":
        second = _levels(result, parameters[1])
        grid = np.full((len(second), len(first)), np.nan)
        for point in result.points:
            grid[second.index(point.written[parameters[1]]), first.index(point.written[parameters[0]])] = \
                values[point.index]
        fig = new_figure(max(5.5, 2.0 + 1.2 * len(first)), 1.8 + 0.6 * len(second))
        ax = fig.add_subplot()
        image = ax.imshow(grid, cmap="cividis_r", aspect="auto")
        finite = grid[np.isfinite(grid)]
        middle = float(np.median(finite)) if len(finite) else 0.0
        for (row, column), value in np.ndenumerate(grid):
            ax.text(column, row, format_duration(value), ha="center", va="center", fontsize=8,
                    color="white" if value > middle else "black")
        ax.set_xticks(range(len(first)), first)
        ax.set_yticks(range(len(second)), second)
        ax.set_xlabel(parameters[0])
        ax.set_ylabel(parameters[1])
        ax.spines[:].set_visible(False)
        bar = fig.colorbar(image, ax=ax, format=duration_formatter(), ticks=DurationLocator(6))
        bar.set_label(f"{statistic} {name}")
        ax.set_title(f"{statistic.capitalize()} {name} across the sweep\n({result.replications} replications "
                     "per point, the same failures at every point)")
        return fig
    fig = new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    others = [p for p in parameters[1:] if len(_levels(result, p)) > 1]
    groups: dict[tuple, list] = {}
    for point in result.points:
        groups.setdefault(tuple(point.written[p] for p in others), []).append(point)
    for number, (key, points) in enumerate(groups.items()):
        colour, dash, marker = line(number)
        x = [first.index(point.written[parameters[0]]) for point in points]
        y = [values[point.index] for point in points]
        text = ", ".join(f"{p}={v}" for p, v in zip(others, key, strict=True)) or f"{statistic} {name}"
        if statistic == "mean":
            stats = [point.summary()[metric] for point in points]
            low = [s.mean - s.ci_low for s in stats]
            high = [s.ci_high - s.mean for s in stats]
            ax.errorbar(x, y, yerr=[low, high], color=colour, linestyle=dash, marker=marker, capsize=3,
                        label=text + " (95% CI)")
        else:
            ax.plot(x, y, color=colour, linestyle=dash, marker=marker, label=text)
    ax.set_xticks(range(len(first)), first)
    ax.set_xlabel(parameters[0])
    ax.set_ylabel(f"{statistic} {name} ({METRICS[metric].what})")
    ax.yaxis.set_major_locator(DurationLocator())
    ax.yaxis.set_major_formatter(duration_formatter())
    ax.set_ylim(bottom=0)
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.5)
    ax.legend()
    ax.set_title(f"{statistic.capitalize()} {name} against {parameters[0]}\n({result.replications} replications "
                 "per point, the same failures at every point)")
    return fig


def _levels(result: Sweep, parameter: str) -> list[str]:
    out: list[str] = []
    for point in result.points:
        if point.written[parameter] not in out:
            out.append(point.written[parameter])
    return out
