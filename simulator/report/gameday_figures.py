"""Figures of game days: the plan's expected timeline, and a drill's phases marked on the simulated
distributions. Each function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from simulator.report.calibration_figures import log_duration_axis
from simulator.report.style import INK, MUTED, PHASES, new_figure, styled
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.history.plan import Plan
    from simulator.history.score import Score

MILESTONE_FILLS = {"detected": "detect", "declared": "declare", "acknowledged": "acknowledge",
                   "mitigated": "mitigate", "resolved": "confirm"}
PHASE_FILLS = {"detection": "detect", "acknowledgement": "acknowledge", "mitigation": "mitigate",
               "restoration": "wait"}


def _clock_formatter(plan: Plan) -> FuncFormatter:
    at = plan.at
    if at is None:
        return FuncFormatter(lambda value, _: "T+" + format_duration(value, precision=2) if value > 0 else "T")
    from datetime import timedelta

    return FuncFormatter(lambda value, _: (at + timedelta(minutes=value)).strftime("%H:%M"))


@styled
def plan_figure(plan: Plan) -> Figure:
    """The Scribe's timeline as the scenario expects it: for each moment after the injection, the range 80% of
    simulated runs reach it in (10th to 90th percentile), the median, the cue to step in, and the abort."""
    milestones = [m for m in plan.milestones if not math.isnan(m.p90)]
    figure = new_figure(9, 1.6 + 0.55 * len(milestones))
    ax = figure.subplots()
    figure.suptitle(f"What to expect after injecting {plan.mode.name}")
    y = np.arange(len(milestones))[::-1]
    rows = {m.key: yi for yi, m in zip(y, milestones, strict=True)}
    for yi, m in zip(y, milestones, strict=True):
        fill = PHASES[MILESTONE_FILLS[m.key]]
        ax.barh(yi, m.p90 - m.p10, left=m.p10, height=0.5, color=fill.colour, hatch=fill.hatch, edgecolor=INK,
                linewidth=0.5)
        ax.plot([m.median], [yi], marker="o", color=INK, markerfacecolor="white", markersize=7, linestyle="none")
    right = max([m.p90 for m in milestones] + [c.after for c in plan.cues]) * 1.2
    cues = {"detection": "detected", "acknowledgement": "acknowledged", "mitigation": "mitigated"}
    for cue in plan.cues:
        row = rows.get(cues[cue.phase])
        if row is not None:
            ax.plot([cue.after], [row], marker="^", color=INK, markersize=8, linestyle="none")
            late = cue.after > 0.6 * right  # near the right edge: the words go to the left of the mark
            ax.annotate(f"step in if {cue.check}", (cue.after, row), xytext=(-7 if late else 7, -12 if late else -3),
                        textcoords="offset points", fontsize=7, color=MUTED, va="center",
                        ha="right" if late else "left")
    # The axis spans the expected timeline; an abort far beyond it is pointed at from the right edge.
    abort = f"abort: not restored by {format_duration(plan.abort_after)}"
    if plan.abort_after <= right * 1.4:
        right = max(right, plan.abort_after * 1.05)
        ax.axvline(plan.abort_after, color="#D55E00", linestyle="--", linewidth=1.4)
        ax.annotate(abort, (plan.abort_after, y[0] + 0.45), xytext=(-4, 0), textcoords="offset points",
                    ha="right", fontsize=8, color="#D55E00")
    else:
        ax.annotate(f"{abort} →", (right, y[0] + 0.45), xytext=(-4, 0), textcoords="offset points", ha="right",
                    fontsize=8, color="#D55E00")
    ax.set_yticks(y, [f"{m.label}" for m in milestones])
    ax.set_xlim(0, right)
    ax.set_ylim(-0.7, len(milestones) - 0.2)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=9, steps=[1, 1.5, 2, 3, 5, 6, 10]))
    ax.xaxis.set_major_formatter(_clock_formatter(plan))
    when = "clock time (injection at " + plan.at.strftime("%H:%M") + ")" if plan.at else "time since the injection T"
    ax.set_xlabel(when)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    handles = [Patch(facecolor="#DDDDDD", edgecolor=INK, linewidth=0.5, label="80% of simulated runs (p10–p90)"),
               Line2D([], [], marker="o", color=INK, markerfacecolor="white", linestyle="none", label="median"),
               Line2D([], [], marker="^", color=INK, linestyle="none", label="cue to step in (p95 of the phase)"),
               Line2D([], [], color="#D55E00", linestyle="--", label="abort")]
    figure.legend(handles=handles, loc="outside lower center", ncols=4)
    sim = plan.simulated
    ax.set_title("\n".join(textwrap.wrap(f"From {sim.incidents:,} simulated incidents: {sim.conditions.describe()}",
                                          90)), loc="left", fontsize=8, fontweight="normal", color=MUTED)
    return figure


@styled
def score_figure(score: Score, fail_above: float | None = None) -> Figure:
    """One panel per phase: the simulated distribution function (log axis of durations) with the drill's time
    marked at its percentile, and the simulated median; with `fail_above` (a percentile), the threshold as a
    horizontal line at that level and a vertical one at the duration it stands for."""
    phases = score.phases
    figure = new_figure(11, 3.2 * math.ceil(len(phases) / 2))
    axes = figure.subplots(math.ceil(len(phases) / 2), 2, squeeze=False).ravel()
    figure.suptitle(f"{score.incident} ({score.mode}) against {score.simulated.incidents:,} simulated incidents")
    for ax, phase in zip(axes, phases, strict=False):
        dist = score.simulated[phase.key]
        fill = PHASES[PHASE_FILLS[phase.key]]
        values = np.maximum(dist.times, 1 / 60)
        low = max(float(values[0]) if len(values) else 1.0, 1 / 60)
        limit = dist.quantile(fail_above / 100) if fail_above is not None else None
        reference = [v for v in (phase.minutes, dist.quantile(0.999), limit)
                     if v is not None and math.isfinite(v) and v > 0]
        high = max([float(values[-1]) if len(values) else 10.0, *reference]) * 1.3
        ax.step(np.concatenate([[low], values]), np.concatenate([[0.0], dist.levels]), where="post",
                color=INK, linewidth=1.4, label="simulated runs")
        ax.axvline(phase.median, color=MUTED, linestyle="--", linewidth=1.0,
                   label=f"simulated median {format_duration(phase.median)}")
        if fail_above is not None:
            ax.axhline(fail_above / 100, color="#CC0000", linestyle=":", linewidth=1.2)
            if limit is not None and math.isfinite(limit):
                ax.axvline(max(limit, low), color="#CC0000", linestyle=":", linewidth=1.2,
                           label=f"--fail-above p{fail_above:g}: {format_duration(limit)}")
        if phase.minutes is not None and phase.percentile is not None:  # a phase timed has its percentile
            shown = max(phase.minutes, low)
            ax.axvline(shown, color=fill.colour, linewidth=2.2)
            ax.plot([shown], [phase.percentile / 100], marker="D", markersize=9, color=fill.colour,
                    markeredgecolor=INK, linestyle="none",
                    label=f"drill {format_duration(phase.minutes)}: "
                    f"{'≥ ' if phase.lower_bound else ''}p{phase.percentile:.0f}")
        ax.set_title(f"{phase.label} ({phase.span})", loc="left")
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("simulated runs at or below (%)")
        units = log_duration_axis(ax, low, high)
        ax.set_xlim(low, high)
        ax.set_xlabel(f"{phase.label}, log scale ({units})")
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
        ax.legend(loc="upper left", fontsize=7)
    for ax in axes[len(phases):]:
        ax.set_axis_off()
    figure.supxlabel(f"Simulated: {score.simulated.conditions.describe()}.", fontsize=8, color=MUTED, x=0.01,
                     ha="left")
    return figure
