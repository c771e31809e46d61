"""Figures of the pooled results: each metric's distribution, where the time to restore goes, and how many
incidents each week brings. Every function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from simulator.metrics import METRICS, IncidentTable, exposure_ci, metric_values
from simulator.report.clock import Clock
from simulator.report.style import (
    INK,
    MARKS,
    MUTED,
    PHASES,
    display_unit,
    heavy_tailed,
    log_duration_axis,
    new_figure,
    styled,
)
from simulator.units import format_duration


@styled
def distribution_figure(values: np.ndarray, metric: str, *, replications: int, censored: int = 0,
                        mean: float | None = None) -> Figure:
    """Histogram and ECDF of one metric's values (minutes), with the median, mean and p95 marked. `mean` is
    the metric's mean when it is not the values' own (MTBF's: simulated time ÷ failures)."""
    named = METRICS[metric]
    label, what, span = named.label, named.what, named.span
    noun, short = named.many, f"{named.one}s"
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    figure = new_figure(10, 4.2)
    hist, ecdf = figure.subplots(1, 2)
    figure.suptitle(f"{label}: {what} ({span})")
    log = heavy_tailed(values)
    unit, size = ("minutes", 1.0) if log else display_unit(values)
    for ax in (hist, ecdf):
        ax.set_xlabel(f"{what} ({unit})")
    hist.set_ylabel(f"number of {noun}")
    ecdf.set_ylabel(f"share of {short} at or below (%)")
    hist.set_title(f"Histogram: {len(values)} {short} from {replications} replications", loc="left")
    ecdf.set_title("Cumulative share (ECDF)", loc="left")
    if len(values) == 0:
        for ax in (hist, ecdf):
            ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", color=MUTED)
        return figure

    x = values / size
    if log:
        bins = np.geomspace(x.min(), x.max(), 41)
    else:
        bins = np.histogram_bin_edges(x, bins=min(40, max(10, int(math.sqrt(len(x))))))
    hist.hist(x, bins=bins, color="#A6BDDB", edgecolor=INK, linewidth=0.4, label=f"{short}")
    ecdf.ecdf(x, color=INK, linewidth=1.4, label="ECDF")

    median, p95 = np.percentile(values, [50, 95]).tolist()
    mean = float(values.mean()) if mean is None else mean
    marks = {"median": median, "mean": mean, "p95": p95}
    handles, shares = [], []
    for key, value in marks.items():
        mark = MARKS[key]
        text = f"{mark.label} {format_duration(value)}"
        share = float(np.mean(values <= value))
        for ax in (hist, ecdf):
            ax.axvline(value / size, color=INK, linestyle=mark.linestyle, linewidth=1.1)
        ecdf.plot([value / size], [share], marker=mark.marker, color=INK, markerfacecolor="white",
                  markersize=7, linestyle="none", zorder=5)
        handles.append(Line2D([], [], color=INK, linestyle=mark.linestyle, marker=mark.marker,
                              markerfacecolor="white", label=text))
        shares.append(Line2D([], [], color=INK, linestyle="none", marker=mark.marker, markerfacecolor="white",
                             label=f"{text}: {share:.0%} at or below"))
    ratio = mean / median if median > 0 else math.nan
    hist.legend(handles=[Patch(facecolor="#A6BDDB", edgecolor=INK, label=short), *handles],
                loc="best", title=f"mean = {ratio:.1f} × median" if math.isfinite(ratio) else None,
                title_fontsize=8)
    # The lower right of an ECDF is empty: the curve rises from the left and stays high on the right.
    ecdf.legend(handles=shares, loc="lower right", title="share of " + short + " at or below each mark",
                title_fontsize=8, framealpha=0.9, frameon=True, edgecolor="none")
    ecdf.yaxis.set_major_formatter(PercentFormatter(1.0))
    ecdf.set_ylim(0, 1.02)
    ecdf.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    for ax in (hist, ecdf):
        if log:
            words = log_duration_axis(ax, float(x.min()), float(x.max()))
            ax.set_xlabel(f"{what}, log scale ({words})")
    if censored:
        figure.supxlabel(f"{censored} {short} cut short by the horizon are not shown (censored).",
                         fontsize=8, color=MUTED, x=0.01, ha="left")
    return figure


def metric_figures(table: IncidentTable, replications: int, horizon: float | None = None) -> dict[str, Figure]:
    """The distribution figure of MTTD, MTTA, MTTR and MTBF. With the `horizon`, MTBF's mean is the one
    summary.json gives (simulated time ÷ failures), not the mean of the gaps that closed."""
    out = {}
    for metric in ("mttd", "mtta", "mttr", "mtbf"):
        values, reps, censored = metric_values(table, metric)
        mean = None
        if metric == "mtbf" and horizon is not None:
            mean = exposure_ci(reps, replications, horizon)[0]
        out[metric] = distribution_figure(values, metric, replications=replications, censored=censored, mean=mean)
    return out


# ── Where the time goes ────────────────────────────────────────────────────────────────────────────────────

RESTORE_PHASES = ("detect", "declare", "wait", "acknowledge", "mitigate")
AFTER_PHASES = ("confirm", "cleanup")


def phase_durations(table: IncidentTable) -> dict[str, np.ndarray]:
    """Minutes each incident spent in each stretch (NaN where it never got there)."""
    waited = np.nan_to_num(table.waited, nan=0.0)
    return {
        "detect": table.detected - table.onset,
        "declare": table.declared - table.detected,
        "wait": np.where(np.isnan(table.acknowledged), np.nan, waited),
        "acknowledge": table.acknowledged - table.declared - waited,
        "mitigate": table.mitigated - table.acknowledged,
        "confirm": table.resolved - table.mitigated,
        "cleanup": table.cleaned_up - table.resolved,
    }


def phase_shares(table: IncidentTable) -> list[tuple[str, int, float, dict[str, float], dict[str, float]]]:
    """Per severity (and 'all' first): (name, restored incidents, mean time to restore, share of each
    restore phase in the total time to restore, mean minutes of each phase after restoration)."""
    durations = phase_durations(table)
    groups = [("all", np.ones(len(table), dtype=bool))]
    groups += [(level, table.severity == level) for level in sorted(set(table.severity.tolist()))]
    rows = []
    for name, chosen in groups:
        restored = chosen & ~np.isnan(table.mitigated)
        total = float(np.sum(table.mitigated[restored] - table.onset[restored]))
        shares = {p: float(np.sum(durations[p][restored])) / total if total > 0 else 0.0 for p in RESTORE_PHASES}
        done = chosen & ~np.isnan(table.cleaned_up)
        after = {p: float(np.mean(durations[p][done])) if done.any() else 0.0 for p in AFTER_PHASES}
        count = int(restored.sum())
        rows.append((name, count, total / count if count else math.nan, shares, after))
    return rows


def _fill(ax, phase: str, y, left, width, **extra):
    style = PHASES[phase]
    return ax.barh(y, width, left=left, height=0.62, color=style.colour, hatch=style.hatch, edgecolor=INK,
                   linewidth=0.5, label=style.label, **extra)


@styled
def phase_share_figure(table: IncidentTable) -> Figure:
    """Stacked bars per severity: the share of each phase in the time to restore (left), and the mean time
    spent confirming and cleaning up after service was restored (right)."""
    rows = phase_shares(table)
    figure = new_figure(10, 1.2 + 0.62 * len(rows))
    left, right = figure.subplots(1, 2, sharey=True, width_ratios=(3, 1.2))
    figure.suptitle("Where the time goes: the phases of the time to restore, per severity")
    y = np.arange(len(rows))[::-1]
    labels = [f"{name}\n{count} restored, mean {format_duration(mean)}" for name, count, mean, _, _ in rows]
    start = np.zeros(len(rows))
    for phase in RESTORE_PHASES:
        width = np.array([shares[phase] for _, _, _, shares, _ in rows])
        _fill(left, phase, y, start, width)
        for yi, s0, w in zip(y, start, width, strict=True):
            if w >= 0.05:
                left.text(s0 + w / 2, yi, f"{w:.0%}", ha="center", va="center", fontsize=8, color=INK,
                          bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
        start += width
    left.set_xlim(0, 1)
    left.xaxis.set_major_formatter(PercentFormatter(1.0))
    left.set_xlabel("share of the total time to restore (onset → service restored, %)")
    left.set_yticks(y, labels)
    left.set_title("Until service is restored", loc="left")

    start = np.zeros(len(rows))
    for phase in AFTER_PHASES:
        hours = np.array([after[phase] / 60 for _, _, _, _, after in rows])
        _fill(right, phase, y, start, hours)
        start += hours
    for yi, total in zip(y, start, strict=True):
        right.text(total, yi, f" {format_duration(total * 60)}", va="center", fontsize=8)
    right.set_xlim(0, max(float(start.max()), 1e-9) * 1.35)
    right.set_xlabel("mean time after restoration (hours)")
    right.set_title("Then", loc="left")
    right.tick_params(axis="y", left=False)

    handles = [Patch(facecolor=PHASES[p].colour, hatch=PHASES[p].hatch, edgecolor=INK, linewidth=0.5,
                     label=PHASES[p].label) for p in (*RESTORE_PHASES, *AFTER_PHASES)]
    figure.legend(handles=handles, loc="outside lower center", ncols=4)
    return figure


# ── Incidents over the horizon ─────────────────────────────────────────────────────────────────────────────

DAY, WEEK, MONTH = 1440.0, 7 * 1440.0, 30 * 1440.0


def period_counts(table: IncidentTable, horizon: float, replications: int) -> tuple[str, np.ndarray, np.ndarray]:
    """(period name, bin edges in minutes, counts per replication × bin). Weeks, or 30-day months when a
    week would hold less than one incident on average over a long horizon; hours or days for short ones."""
    per_week = len(table) / max(replications, 1) / horizon * WEEK
    if horizon < 2 * DAY:
        name, size = "hour", 60.0
    elif horizon < 2 * WEEK:
        name, size = "day", DAY
    elif per_week >= 1 or horizon < 3 * MONTH:
        name, size = "week", WEEK
    else:
        name, size = "month", MONTH
    edges = np.arange(0.0, horizon, size)
    if horizon - edges[-1] >= size / 2 or len(edges) == 1:
        edges = np.append(edges, horizon)  # a last period at least half long is kept, shorter
    inside = table.onset < edges[-1]
    bins = np.searchsorted(edges, table.onset[inside], side="right") - 1
    counts = np.zeros((replications, len(edges) - 1))
    np.add.at(counts, (table.replication[inside], bins), 1)
    return name, edges, counts


@styled
def incidents_over_time_figure(table: IncidentTable, horizon: float, replications: int, clock: Clock) -> Figure:
    """Incidents started per week (or month) across replications: median, mean and the 10th–90th
    percentile band of the replications."""
    period, edges, counts = period_counts(table, horizon, replications)
    figure = new_figure(10, 3.6)
    ax = figure.subplots()
    figure.suptitle(f"Incidents per {period} over the horizon, across {replications} replications")
    low, median, high = np.percentile(counts, [10, 50, 90], axis=0, method="inverted_cdf")
    mean = counts.mean(axis=0)
    x = np.arange(len(edges))
    ax.fill_between(x, np.append(low, low[-1]), np.append(high, high[-1]), step="post", facecolor="#C6DBEF",
                    hatch="////", edgecolor="#6B8EBF", linewidth=0.0, label="10th–90th percentile of replications")
    ax.stairs(median, x, color=INK, linewidth=1.8, label="median")
    ax.plot(x[:-1] + 0.5, mean, color=INK, linestyle="--", marker="o", markersize=4, markerfacecolor="white",
            linewidth=1.0, label="mean")
    ax.set_xlim(0, len(edges) - 1)
    ax.set_ylim(0, max(float(high.max()), float(mean.max()), 1.0) * 1.15)
    ax.set_ylabel(f"incidents started per {period}")
    every = max(1, math.ceil((len(edges) - 1) / 14))
    ticks = list(range(0, len(edges) - 1, every))
    if clock.wall and period == "hour":
        ax.set_xticks(ticks, [clock.stamp(edges[i]) for i in ticks])
        ax.set_xlabel("hour starting (date and time)")
    elif clock.wall:
        ax.set_xticks(ticks, [clock.day(edges[i], long=False)[4:] for i in ticks])
        ax.set_xlabel(f"{period} starting (date)")
    else:
        ax.set_xticks([i + 0.5 for i in ticks], [str(i + 1) for i in ticks])
        ax.set_xlabel(f"{period} of the simulated period (number)")
    notes = []
    last = (edges[-1] - edges[-2]) / (edges[1] - edges[0])
    if last < 0.999:
        notes.append(f"The last {period} is {last:.0%} of a full one.")
    if edges[-1] < horizon:
        notes.append(f"The last {format_duration(horizon - edges[-1])} (less than half a {period}) are left out.")
    if notes:
        figure.supxlabel(" ".join(notes), fontsize=8, color=MUTED, x=0.01, ha="left")
    ax.legend(loc="upper left", ncols=3)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    return figure
