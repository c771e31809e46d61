"""Reports of comparisons, sweeps and detectability: terminal tables, plain sentences and figures.

Figure functions return a matplotlib Figure built outside pyplot (no window, no global state) and never show
it; matplotlib is imported inside them, so importing this module stays cheap. Every figure has a title, axis
labels with units and a legend, and stays legible in grey print: lines differ by dash and marker, not only by
colour, and colour maps run from dark to light.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text

from simulator.compare import BETTER, WORSE, Comparison, signed_duration
from simulator.detectability import MAX_SIMULATED_INCIDENTS, Detectability
from simulator.detectability import STATISTICS as PERIOD_STATISTICS
from simulator.metrics import METRICS, metric_values
from simulator.units import format_duration

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.runner import Results
    from simulator.sweep import Sweep

# Okabe–Ito colours with their own dash and marker each, so that grey print still tells lines apart.
LINES = (
    ("#000000", "-", "o"),
    ("#0072B2", "--", "s"),
    ("#D55E00", ":", "^"),
    ("#009E73", "-.", "D"),
    ("#CC79A7", (0, (6, 2, 1, 2, 1, 2)), "v"),
    ("#E69F00", (0, (1, 1)), "P"),
)
RC = {
    "font.size": 9, "axes.titlesize": 10, "axes.titleweight": "bold", "axes.labelsize": 9,
    "axes.spines.top": False, "axes.spines.right": False, "legend.fontsize": 8, "legend.frameon": False,
    "figure.titlesize": 11, "figure.titleweight": "bold", "svg.hashsalt": "drillsim",
}  # fmt: skip
VERDICT_STYLE = {BETTER: "bold green", WORSE: "bold red"}
_TICKS = (1 / 6, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080, 20160, 43200, 86400,
          129600, 259200, 525600)  # 10s … a year, in minutes


# ── Tables and sentences ───────────────────────────────────────────────────────────────────────────────────


def statistics_table(comparison: Comparison, metrics: Sequence[str] | None = None) -> Table:
    """Per metric and per variant, the statistics `drillsim run` prints."""
    table = Table(title="Statistics per variant (same failures in every variant)", title_justify="left",
                  header_style="bold")
    for column in ("metric", "variant", "mean", "95% CI of mean", "median", "p90", "p95", "p99", "n", "open"):
        table.add_column(column, justify="left" if column in ("metric", "variant") else "right", no_wrap=True)
    for metric in metrics or METRICS:
        for number, name in enumerate(comparison.names):
            s = comparison.summaries[name][metric]
            table.add_row(METRICS[metric].label if number == 0 else "", name, format_duration(s.mean),
                          f"{format_duration(s.ci_low)}–{format_duration(s.ci_high)}", format_duration(s.median),
                          format_duration(s.p90), format_duration(s.p95), format_duration(s.p99), str(s.count),
                          str(s.censored) if metric != "mtbf" else "", end_section=number == len(comparison.names) - 1)
    return table


def differences_table(comparison: Comparison, metrics: Sequence[str] | None = None, compact: bool = False) -> Table:
    """Each variant against the baseline: paired differences of the mean and the median, with intervals and
    the probability that the variant is better. `compact` stacks each difference over its interval, for
    narrow screens and notebooks."""
    level = f"{comparison.level:.0%}"
    table = Table(title=f"Paired differences from {comparison.baseline} ({level} bootstrap intervals over "
                        f"{comparison.replications} replications, {comparison.resamples} resamples)",
                  title_justify="left", header_style="bold")
    if compact:
        columns = ("metric", "variant", f"Δ mean, {level} CI, P(better)", f"Δ median, {level} CI, P(better)",
                   "verdict")
    else:
        columns = ("metric", "variant", "Δ mean", f"{level} CI", "Δ median", f"{level} CI", "P(better)", "verdict")
    for column in columns:
        table.add_column(column, justify="left" if column in ("metric", "variant", "verdict") else "right",
                         no_wrap=column != "variant")
    for metric in metrics or METRICS:
        for number, name in enumerate(comparison.variants):
            mean = comparison.difference(name, metric, "mean")
            median = comparison.difference(name, metric, "median")
            if compact:
                cells = [f"{signed_duration(d.difference)}\n{d.interval_text()}\n{d.p_better:.0%} better"
                         for d in (mean, median)]
            else:
                cells = [signed_duration(mean.difference), mean.interval_text(), signed_duration(median.difference),
                         median.interval_text(), f"{mean.p_better:.0%} / {median.p_better:.0%}"]
            table.add_row(
                METRICS[metric].label if number == 0 else "", name, *cells,
                Text(_verdict(mean.verdict, median.verdict, compact), style=VERDICT_STYLE.get(mean.verdict, "")),
                end_section=compact or number == len(comparison.variants) - 1,
            )
    return table


def _verdict(mean: str, median: str, compact: bool = False) -> str:
    if mean == median:
        return mean
    return f"{mean}\n(median: {median})" if compact else f"{mean} (median: {median})"


def verdict_lines(comparison: Comparison, metrics: Sequence[str] = ("mttr",)) -> list[str]:
    """The findings in plain sentences: for each variant and metric, the mean's and the median's."""
    out = []
    for name in comparison.variants:
        for metric in metrics:
            for statistic in ("mean", "median"):
                out.append(comparison.difference(name, metric, statistic).sentence(comparison.baseline))
    return out


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


def sweep_table(result: Sweep, metric: str = "mttr") -> Table:
    """One row per point: its parameter values and the metric's statistics."""
    table = Table(title=f"{METRICS[metric].title} per point ({result.replications} replications each, seed "
                        f"{result.seed}, same failures at every point)", title_justify="left",
                  header_style="bold")
    for parameter in result.parameters:
        table.add_column(parameter, no_wrap=True)
    for column in ("mean", "95% CI of mean", "median", "p90", "p95", "n", "open"):
        table.add_column(column, justify="right", no_wrap=True)
    for point in result.points:
        s = point.summary()[metric]
        table.add_row(*point.written.values(), format_duration(s.mean),
                      f"{format_duration(s.ci_low)}–{format_duration(s.ci_high)}", format_duration(s.median),
                      format_duration(s.p90), format_duration(s.p95), str(s.count),
                      str(s.censored) if metric != "mtbf" else "")
    return table


def comparison_report(comparison: Comparison, metrics: Sequence[str] | None = None,
                      sentences: Sequence[str] = ("mttr",)) -> Group:
    """The tables `drillsim compare` prints (for `metrics`, default all) and the verdicts in sentences (for
    `sentences`), as one renderable for a console or a notebook."""
    return Group(statistics_table(comparison, metrics), Text(""), differences_table(comparison, metrics, True),
                 Text(""),
                 *[Text(line) for line in verdict_lines(comparison, sentences)])


# ── Figures ────────────────────────────────────────────────────────────────────────────────────────────────


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained", facecolor="white")


def _styled(draw):
    from functools import wraps

    @wraps(draw)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(RC):
            return draw(*args, **kwargs)

    return wrapper


def _duration_ticks(low: float, high: float, most: int = 8) -> list[float]:
    inside = [t for t in _TICKS if low <= t <= high]
    while len(inside) > most:
        inside = inside[::2]
    return inside


def _log_duration_axis(axis, low: float, high: float) -> None:
    """A log axis with ticks on round durations labelled '30m', '2h', '3d'."""
    from matplotlib.ticker import NullFormatter

    ticks = _duration_ticks(low, high)
    if len(ticks) >= 2:
        axis.set_ticks(ticks, [format_duration(t, precision=1) for t in ticks])
        axis.set_minor_formatter(NullFormatter())


_STEPS = (1 / 60, 5 / 60, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 43200)


def _duration_locator(most: int = 7):
    """Ticks on round durations (1m, 5m, 15m, 30m, 1h, 2h, 6h, 1d …) on a linear axis."""
    from matplotlib.ticker import Locator, MultipleLocator

    class DurationLocator(Locator):
        def __call__(self):
            low, high = sorted(self.axis.get_view_interval())
            span = max(high - low, 1e-9)
            step = next((s for s in _STEPS if span / s <= most), _STEPS[-1])
            return MultipleLocator(step).tick_values(low, high)

    return DurationLocator()


def _duration_formatter(signed: bool = False):
    from matplotlib.ticker import FuncFormatter

    if signed:
        return FuncFormatter(lambda value, _: signed_duration(value))
    return FuncFormatter(lambda value, _: format_duration(value, precision=2))


def _runs(runs: Comparison | Mapping[str, Results]) -> Mapping[str, Results]:
    return runs.results if isinstance(runs, Comparison) else runs


@_styled
def ecdf_figure(runs: Comparison | Mapping[str, Results], metric: str = "mttr") -> Figure:
    """Each variant's distribution of one metric as an empirical CDF, overlaid, with its median marked."""
    results = _runs(runs)
    fig = _new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    name, what, span = METRICS[metric].label, METRICS[metric].what, METRICS[metric].span
    every = [metric_values(result.incidents, metric)[0] for result in results.values()]
    positive = np.concatenate([v[v > 0] for v in every]) if every else np.array([])
    log = len(positive) > 1 and positive.max() / positive.min() > 30
    for number, (variant, values) in enumerate(zip(results, every, strict=True)):
        colour, dash, marker = LINES[number % len(LINES)]
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
        ax.set_xscale("log")
        _log_duration_axis(ax.xaxis, float(positive.min()), float(positive.max()))
        ax.set_xlabel(f"{name}, {what} ({span}); log scale")
    else:
        ax.xaxis.set_major_formatter(_duration_formatter())
        ax.set_xlabel(f"{name}, {what} ({span})")
    ax.set_ylabel("share of incidents at or below (ECDF)")
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_formatter(_percent())
    ax.set_title(f"{name} per variant: every variant meets the same failures")
    ax.legend(loc="lower right")
    ax.grid(True, which="major", axis="both", color="#dddddd", linewidth=0.5)
    return fig


def _percent(decimals: int = 0):
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=decimals)


@_styled
def forest_figure(comparison: Comparison, metrics: Sequence[str] | None = None) -> Figure:
    """Paired differences from the baseline with their intervals: one row per metric and variant, the mean
    (filled circle) and the median (open square), as a share of the baseline's value."""
    if metrics is None:
        metrics = [m for m in METRICS if m != "mtbf" or any(
            d.difference != 0 for d in comparison.differences if d.metric == "mtbf")]
    rows = [(metric, name) for metric in metrics for name in comparison.variants]
    height = 1.3 + 0.45 * max(len(rows), 1)
    fig = _new_figure(9.0, height)
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
        notes.text(1.0, y, _verdict(mean.verdict, median.verdict), va="center", ha="right", fontsize=7.5,
                   fontweight="bold" if mean.verdict in (BETTER, WORSE) else "normal",
                   transform=notes.get_yaxis_transform())
    ax.axvline(0, color="#555555", linewidth=0.9, linestyle="--", zorder=0)
    margin = max((max(ends) - min(ends)) * 0.12, 0.02)
    ax.set_xlim(min(ends) - margin, max(ends) + margin)
    ax.set_yticks(range(len(rows)), [f"{METRICS[m].label} · {n}" if len(comparison.variants) > 1 else METRICS[m].label
                                     for m, n in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(_percent())
    ax.set_xlabel(f"variant − {comparison.baseline}, as a share of {comparison.baseline}'s value\n"
                  "(lower is better for MTTD, MTTA, MTTR, time to resolve; higher for MTBF)")
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.5)
    if rows:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    fig.suptitle(f"Paired differences from {comparison.baseline}: {comparison.replications} replications with "
                 "common random numbers, bootstrap intervals")
    return fig


@_styled
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
        fig = _new_figure(max(5.5, 2.0 + 1.2 * len(first)), 1.8 + 0.6 * len(second))
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
        bar = fig.colorbar(image, ax=ax, format=_duration_formatter(), ticks=_duration_locator(6))
        bar.set_label(f"{statistic} {name}")
        ax.set_title(f"{statistic.capitalize()} {name} across the sweep\n({result.replications} replications "
                     "per point, the same failures at every point)")
        return fig
    fig = _new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    others = [p for p in parameters[1:] if len(_levels(result, p)) > 1]
    groups: dict[tuple, list] = {}
    for point in result.points:
        groups.setdefault(tuple(point.written[p] for p in others), []).append(point)
    for number, (key, points) in enumerate(groups.items()):
        colour, dash, marker = LINES[number % len(LINES)]
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
    ax.yaxis.set_major_locator(_duration_locator())
    ax.yaxis.set_major_formatter(_duration_formatter())
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


@_styled
def detectability_figure(found: Detectability, statistics: Sequence[str] = tuple(PERIOD_STATISTICS)) -> Figure:
    """What a dashboard shows from one period to the next: the difference between two periods' statistic
    when nothing changed (grey) and when the real change happened (hatched), with the noise band."""
    from matplotlib.patches import Patch

    fig = _new_figure(3.3 * len(statistics), 3.9)
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
        ax.xaxis.set_major_locator(_duration_locator(5))
        ax.xaxis.set_major_formatter(_duration_formatter(signed=True))
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


def _line(colour: str, dash: Any, text: str, marker: str | None = None):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, linestyle=dash, marker=marker, label=text)


@_styled
def power_figure(curve: Sequence[tuple[int, Detectability]], current: int | None = None) -> Figure:
    """How often a real change stands out of the noise (and how often it is missed altogether) against the
    incidents per period; `curve` is simulator.detectability.power_curve's result."""
    fig = _new_figure(7.0, 4.6)
    ax = fig.add_subplot()
    sizes = [n for n, _ in curve]
    for number, statistic in enumerate(PERIOD_STATISTICS):
        colour, dash, marker = LINES[number % len(LINES)]
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
    ax.xaxis.set_minor_formatter(_null())
    ax.set_xlabel("incidents per period (log scale)")
    ax.set_ylabel("share of period pairs")
    ax.yaxis.set_major_formatter(_percent())
    ax.set_ylim(0, 1)
    ax.grid(True, color="#dddddd", linewidth=0.5)
    metric = METRICS[curve[0][1].metric].label if curve else ""
    change = curve[0][1].statistics["mean"].change if curve else math.nan
    ax.set_title(f"Would a real {change:+.0%} change in {metric} show on a dashboard?")
    fig.legend(loc="outside lower center", ncol=3, fontsize=7)
    return fig


@_styled
def dashboard_figure(values: Sequence[float], metric: str = "mttr", statistic: str = "mean",
                     period: str = "period", overall: float | None = None) -> Figure:
    """A dashboard's history: one bar per period (simulator.detectability.per_period), with the long-run
    value and each period's change from the one before, when nothing at all changed between periods."""
    fig = _new_figure(7.5, 3.8)
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
    ax.yaxis.set_major_locator(_duration_locator())
    ax.yaxis.set_major_formatter(_duration_formatter())
    ax.set_ylim(0, float(np.nanmax(values)) * 1.18 if len(values) else 1)
    ax.legend(loc="upper left", ncol=2)
    ax.set_title(f"{name} per {period} when nothing changed\n(labels: the change from the {period} before)")
    return fig


def _null():
    from matplotlib.ticker import NullFormatter

    return NullFormatter()


def save_png(figure: Figure, path: str | Path) -> Path:
    """Write a figure as PNG (no timestamp, so the same results give the same bytes)."""
    import matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(RC):
        figure.savefig(path, format="png", dpi=110, metadata={"Software": None}, facecolor="white")
    return path


__all__ = ["comparison_report", "dashboard_figure", "dashboard_lines", "detectability_figure", "detectability_lines",
           "detectability_table", "differences_table", "ecdf_figure", "forest_figure", "power_figure",
           "save_png", "statistics_table", "sweep_figure", "sweep_table", "verdict_lines"]
