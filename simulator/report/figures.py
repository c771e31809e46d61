"""Figures of the pooled results: each metric's distribution, where the time to restore goes, and how many
incidents each week brings. Every function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import math
import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

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
from simulator.results.metrics import METRICS, IncidentTable, Stats, exposure_ci, follow_ups, metric_values
from simulator.results.metrics import stats as summary_stats
from simulator.results.survival import KaplanMeier, kaplan_meier
from simulator.units import format_duration, format_share


@styled
def distribution_figure(values: np.ndarray, metric: str, *, replications: int, censored: int = 0,
                        mean: float | None = None, stats: Stats | None = None,
                        curve: KaplanMeier | None = None) -> Figure:
    """Histogram and ECDF of one metric's values (minutes), with the median, mean and p95 marked. `mean` is
    the metric's mean when it is not the values' own (MTBF's: simulated time ÷ failures). With the `curve` of
    durations some of which the horizon cut short, the right panel is its Kaplan–Meier estimate and the marks
    are those of `stats` (the restricted mean marked as a lower bound, a p95 beyond the follow-up left out)."""
    named = METRICS[metric]
    label, what, span = named.label, named.what, named.span
    noun, short = named.many, f"{named.one}s"
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    figure = new_figure(10, 5.0)
    hist, ecdf = figure.subplots(1, 2)
    figure.suptitle(f"{label}: {what} ({span})")
    log = heavy_tailed(values)
    unit, size = ("minutes", 1.0) if log else display_unit(values)
    for ax in (hist, ecdf):
        ax.set_xlabel(f"{what} ({unit})")
    hist.set_ylabel(f"number of {noun}")
    ecdf.set_ylabel(f"share of {short} at or below (%)")
    hist.set_title(f"Histogram: {len(values)} {short} from {replications} replications", loc="left")
    ecdf.set_title("Cumulative share (Kaplan–Meier)" if curve is not None else "Cumulative share (ECDF)",
                   loc="left")
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
    if curve is None:
        ecdf.ecdf(x, color=INK, linewidth=1.4, label="ECDF")
        median, p95 = np.percentile(values, [50, 95]).tolist()
        mean = float(values.mean()) if mean is None else mean
        marks = {"median": median, "mean": mean, "p95": p95}
    else:
        assert stats is not None, "a Kaplan–Meier curve comes with the stats it gives"
        ecdf.step(np.concatenate(([0.0], curve.times)) / size, np.concatenate(([0.0], 1 - curve.survival)),
                  where="post", color=INK, linewidth=1.4, label="Kaplan–Meier")
        marks = {name: value for name, value in (("median", stats.median), ("mean", stats.mean), ("p95", stats.p95))
                 if not math.isnan(value)}
    handles, shares = [], []
    for key, value in marks.items():
        mark = MARKS[key]
        bound = "≥ " if key == "mean" and stats is not None and stats.restricted else ""
        text = f"{mark.label} {bound}{format_duration(value)}"
        share = float(np.mean(values <= value)) if curve is None else float(curve.cdf(value))
        for ax in (hist, ecdf):
            ax.axvline(value / size, color=INK, linestyle=mark.linestyle, linewidth=1.1)
        ecdf.plot([value / size], [share], marker=mark.marker, color=INK, markerfacecolor="white",
                  markersize=7, linestyle="none", zorder=5)
        handles.append(Line2D([], [], color=INK, linestyle=mark.linestyle, marker=mark.marker,
                              markerfacecolor="white", label=text))
        shares.append(Line2D([], [], color=INK, linestyle="none", marker=mark.marker, markerfacecolor="white",
                             label=f"{text}: {share:.0%} at or below"))
    ratio = marks["mean"] / marks["median"] if marks.get("median", 0) > 0 and "mean" in marks else math.nan
    # Legends go under the axes, where they cover neither the bars nor the curve.
    below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "title_fontsize": 8}
    hist.legend(handles=[Patch(facecolor="#A6BDDB", edgecolor=INK, label=short), *handles], ncols=2,
                title=f"mean = {ratio:.1f} × median" if math.isfinite(ratio) else None, **below)
    ecdf.legend(handles=shares, title="share of " + short + " at or below each mark", **below)
    ecdf.yaxis.set_major_formatter(PercentFormatter(1.0))
    ecdf.set_ylim(0, 1.02)
    ecdf.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    notes = []
    if log:
        words = ""
        for ax in (hist, ecdf):
            words = log_duration_axis(ax, float(x.min()), float(x.max()))
            ax.set_xlabel(f"{what}, log scale")
        notes.append(f"Log scale: {words}.")
    if censored and curve is not None:
        notes.append(f"{censored} {named.one if censored == 1 else short} cut short by the horizon (censored) "
                     f"{'is' if censored == 1 else 'are'} not in the histogram; the curve counts "
                     f"{'it' if censored == 1 else 'each'} as lasting at least as long as it ran"
                     + (", and the mean is restricted to the longest follow-up (a lower bound)"
                        if stats is not None and stats.restricted else "")
                     + (f"; {' and '.join(stats.beyond_follow_up)} "
                        f"{'lies' if len(stats.beyond_follow_up) == 1 else 'lie'} beyond it"
                        if stats and stats.beyond_follow_up else "") + ".")
    elif censored:
        notes.append(f"{censored} {named.one if censored == 1 else short} cut short by the horizon "
                     f"{'is' if censored == 1 else 'are'} not shown (censored).")
    if notes:
        figure.supxlabel(textwrap.fill(" ".join(notes), 150), fontsize=8, color=MUTED, x=0.01, ha="left")
    return figure


def metric_figures(table: IncidentTable, replications: int, horizon: float | None = None) -> dict[str, Figure]:
    """The distribution figure of MTTD, MTTA, MTTR and MTBF. With the `horizon`, MTBF's mean is the one
    summary.json gives (simulated time ÷ failures), not the mean of the gaps that closed."""
    out = {}
    for metric in ("mttd", "mtta", "mttr", "mtbf"):
        values, reps, censored = metric_values(table, metric)
        mean = stats = curve = None
        if metric == "mtbf" and horizon is not None:
            mean = exposure_ci(reps, replications, horizon)[0]
        if horizon is not None:
            cut, cut_reps = follow_ups(table, metric, horizon, replications)
            if len(cut):  # the same Kaplan–Meier estimate and marks as summary.json's
                censored = len(cut)
                stats = summary_stats(values, reps, replications, censored, horizon if metric == "mtbf" else None,
                                      cut, cut_reps)
                curve = kaplan_meier(np.concatenate([values, cut]),
                                     np.concatenate([np.ones(len(values), bool), np.zeros(len(cut), bool)]))
        out[metric] = distribution_figure(values, metric, replications=replications, censored=censored, mean=mean,
                                          stats=stats, curve=curve)
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

    # Every phase says how much of the whole it is, so that one too thin to see in the bars is still read.
    _, _, _, shares, after = rows[0]
    amounts = {p: share_text(shares[p]) for p in RESTORE_PHASES}
    amounts |= {p: f"{format_duration(after[p])} on average" for p in AFTER_PHASES}
    handles = [Patch(facecolor=PHASES[p].colour, hatch=PHASES[p].hatch, edgecolor=INK, linewidth=0.5,
                     label=f"{PHASES[p].label}: {amounts[p]}") for p in (*RESTORE_PHASES, *AFTER_PHASES)]
    figure.legend(handles=handles, loc="outside lower center", ncols=3,
                  title="phases, with their share of all the time to restore (or mean time after it)",
                  title_fontsize=8)
    return figure


def share_text(share: float) -> str:
    """'15%', '0.4%', or 'none' for a phase that took no time at all."""
    return "none" if share == 0 else format_share(share)


# ── Incidents over the horizon ─────────────────────────────────────────────────────────────────────────────

HOUR, DAY, WEEK, MONTH = 60.0, 1440.0, 7 * 1440.0, 30 * 1440.0
POINTS = 240
"""Times at which the cumulative count is read, across the horizon."""


def cumulative_counts(table: IncidentTable, horizon: float, replications: int,
                      points: int = POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(times in minutes, incidents started by each time in each replication: replications × times)."""
    times = np.linspace(0.0, horizon, points + 1)
    started = np.zeros((replications, points + 1))
    step = np.searchsorted(times, table.onset, side="left")  # an onset at t counts from the first time ≥ t
    inside = step <= points
    np.add.at(started, (table.replication[inside], step[inside]), 1)
    return times, np.cumsum(started, axis=1)


def rate_text(per_minute: float) -> str:
    """'1.1 per week', '3.2 per day', '0.6 per month': the unit that keeps the number near or above one."""
    for name, size in (("hour", HOUR), ("day", DAY), ("week", WEEK)):
        if per_minute * size >= 1:
            return f"{per_minute * size:.1f} per {name}"
    return f"{per_minute * MONTH:.1f} per month"


@styled
def incidents_over_time_figure(table: IncidentTable, horizon: float, replications: int, clock: Clock) -> Figure:
    """Incidents started so far, across the horizon: the mean of the replications, the band that holds 80% of
    them, and the straight line of a steady rate (the run's overall rate), which the mean follows when
    failures arrive at a steady rate and leaves where they bunch."""
    times, counts = cumulative_counts(table, horizon, replications)
    rate = len(table) / max(replications, 1) / horizon
    low, high = np.percentile(counts, [10, 90], axis=0, method="inverted_cdf")
    mean = counts.mean(axis=0)
    figure = new_figure(10, 4.2)
    ax = figure.subplots()
    figure.suptitle(f"Incidents so far, across {replications} replications: {rate_text(rate)} on average")
    ax.fill_between(times, low, high, step="post", facecolor="#C6DBEF", hatch="////", edgecolor="#6B8EBF",
                    linewidth=0.0, label="the middle 80% of replications (10th–90th percentile)")
    ax.plot(times, mean, color=INK, linewidth=1.8, label="mean of replications")
    ax.plot([0, horizon], [0, rate * horizon], color=INK, linestyle="--", linewidth=1.0,
            label=f"a steady {rate_text(rate)}")
    ax.text(0.99, 0.04, f"By the end: {mean[-1]:.1f} incidents on average; 80% of replications saw "
                        f"{int(low[-1])} to {int(high[-1])}.", transform=ax.transAxes, ha="right", va="bottom",
            fontsize=8, color=INK, bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "none"})
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, max(float(high.max()), 1.0) * 1.08)
    ax.set_ylabel("incidents started so far")
    positions, labels = clock.ticks(0, horizon, most=10)
    ax.set_xticks(positions, labels)
    ax.set_xlabel("date" if clock.wall else "time since the start of the simulated period")
    ax.legend(loc="upper left")
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    return figure
