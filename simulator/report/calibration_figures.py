"""Figures of a calibration: for each fitted quantity, the history's empirical distribution function against
the fit (censored incidents marked), and for each failure mode, its onsets against the fitted rate. Each
function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.report.style import INK, MUTED, log_duration_axis, new_figure, styled
from simulator.results.survival import distribution_steps
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.history.calibrate import Calibration
    from simulator.history.fit import Fit

FIT_LINE = {"colour": "#0072B2", "dash": "--"}
OTHER_LINE = {"colour": "#D55E00", "dash": ":"}


def _parameters(found: Fit) -> str:
    parts = []
    for key, value in found.params.items():
        parts.append(f"{key} {value:.3g}" if key in ("shape", "sigma") else f"{key} {format_duration(value)}")
    if found.shift:
        parts.append(f"after a lag of {format_duration(found.shift)}")
    return ", ".join(parts)


@styled
def fit_figure(found: Fit, title: str) -> Figure:
    """The history's distribution function of one quantity (Kaplan–Meier: the ECDF when nothing is censored),
    with incidents still open marked where they were censored, against the fitted distribution function, on
    a log axis of durations."""
    sample = found.sample
    figure = new_figure(7.5, 4.4)
    ax = figure.subplots()
    figure.suptitle(title)
    times, levels = distribution_steps(sample.values, sample.censored, sample.resolution)
    positive = sample.values[sample.values > 0]
    if len(times) == 0 or len(positive) == 0:
        ax.text(0.5, 0.5, found.reason, transform=ax.transAxes, ha="center", color=MUTED, wrap=True)
        ax.set_axis_off()
        return figure
    low = max(float(positive.min()) / 2, sample.resolution / 2)
    high = float(sample.values.max()) * 2
    estimate = "Kaplan–Meier" if sample.open else "ECDF"
    ax.step(np.concatenate([[low], np.maximum(times, low)]), np.concatenate([[0.0], levels]), where="post",
            color=INK, linewidth=1.6, label=f"history: {sample.closed} closed ({estimate})")
    if sample.open:
        at = sample.values[sample.censored]
        heights = np.interp(at, times, levels, left=0.0)
        ax.plot(np.maximum(at, low), heights, linestyle="none", marker="+", markersize=10, markeredgewidth=1.6,
                color="#D55E00", label=f"{sample.open} still open (censored: lasted at least this long)")
    grid = np.geomspace(low, high, 400)
    if found.fitted:
        ax.plot(grid, found.cdf(grid), color=FIT_LINE["colour"], linestyle=FIT_LINE["dash"], linewidth=1.8,
                label=f"fit: {found.family} ({_parameters(found)})")
        runner = next((c for c in found.candidates if c.family != found.family and c.absurd is None), None)
        if runner is not None:
            worse = runner.aic - found.candidates[0].aic
            ax.plot(grid, runner.dist().cdf(grid), color=OTHER_LINE["colour"], linestyle=OTHER_LINE["dash"],
                    linewidth=1.2, label=f"next best: {runner.label} (AIC +{worse:.1f})")
        quality = (f"Kolmogorov–Smirnov distance {found.ks:.3f}, p = {found.p_value:.2f} "
                   f"({found.bootstrap} bootstrap samples)")
    else:
        if found.family == "empirical" and found.best is not None and found.best.absurd is None:
            rejected = found.best
            ax.plot(grid, rejected.dist().cdf(grid), color=OTHER_LINE["colour"], linestyle=OTHER_LINE["dash"],
                    linewidth=1.2, label=f"best family, not used: {rejected.label}")
        if found.family == "empirical":
            values = np.sort(np.maximum(np.asarray(found.values), low))
            steps = np.arange(1, len(values) + 1) / len(values)
            ax.step(values, steps, where="post", color=FIT_LINE["colour"], linestyle=FIT_LINE["dash"],
                    linewidth=1.6, label=f"used: empirical, {len(values)} values")
        quality = found.reason
    ax.set_ylim(0, 1.02)
    ax.set_xlim(low, high)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("share of incidents at or below (%)")
    units = log_duration_axis(ax, low, high)
    ax.set_xlabel(f"{sample.phase.label} ({sample.phase.span}), log scale ({units})")
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    ax.legend(loc="upper left", title=f"{sample.count} incidents, {sample.open} open", title_fontsize=8)
    notes = [quality, *found.warnings]
    figure.supxlabel("\n".join(notes), fontsize=8, color=MUTED, x=0.01, ha="left")
    return figure


@styled
def arrivals_figure(onsets: np.ndarray, window: float, rate: float, interval: tuple[float, float], title: str,
                    gaps_p_value: float = math.nan) -> Figure:
    """Onsets counted over the observation window (minutes from its start) against the fitted rate's line
    and its 95% interval."""
    figure = new_figure(7.5, 3.8)
    ax = figure.subplots()
    figure.suptitle(title)
    days = np.sort(np.asarray(onsets, dtype=float)) / 1440
    counts = np.arange(1, len(days) + 1)
    end = window / 1440
    ax.step(np.concatenate([[0.0], days, [end]]), np.concatenate([[0], counts, [counts[-1] if len(counts) else 0]]),
            where="post", color=INK, linewidth=1.6, label=f"history: {len(days)} onsets")
    x = np.array([0.0, end])
    ax.plot(x, rate * 1440 * x, color=FIT_LINE["colour"], linestyle=FIT_LINE["dash"], linewidth=1.6,
            label=f"fit: one every {format_duration(1 / rate)}")
    ax.fill_between(x, interval[0] * 1440 * x, interval[1] * 1440 * x, color="#C6DBEF", hatch="////",
                    edgecolor="#6B8EBF", linewidth=0.0, label="95% interval of the rate")
    ax.set_xlim(0, end)
    ax.set_ylim(0, max(len(days), interval[1] * window) * 1.08 + 0.5)
    ax.set_xlabel("days since the start of the history's window")
    ax.set_ylabel("onsets so far (count)")
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    ax.legend(loc="upper left")
    if not math.isnan(gaps_p_value):
        figure.supxlabel(f"Gaps between onsets against an exponential (Poisson arrivals): Kolmogorov–Smirnov "
                         f"p = {gaps_p_value:.2f}", fontsize=8, color=MUTED, x=0.01, ha="left")
    return figure



def slug(text: str) -> str:
    """A name fit for a file: 'Payment provider (PSP)' → 'payment-provider-psp' (outputs.names.slug)."""
    from simulator.outputs.names import slug as file_slug

    return file_slug(text, "mode")


def calibration_figures(calibration: Calibration) -> dict[str, Figure]:
    """Every figure of a calibration by file stem: fit-MODE-detection, fit-MODE-mitigation, fit-MODE-arrivals,
    fit-team-acknowledgement, fit-policy-declaration, fit-policy-confirmation."""
    from simulator.outputs.names import unique_slugs
    from simulator.units import minutes_between

    out: dict[str, Figure] = {}
    names = unique_slugs((mode.name for mode in calibration.modes), "mode")  # 'DB down' and 'db-down' differ
    for mode in calibration.modes:
        name = names[mode.name]
        onsets = np.array([minutes_between(calibration.since, i.first) for i in mode.incidents])
        out[f"fit-{name}-arrivals"] = arrivals_figure(
            onsets, calibration.window, mode.rate.rate, mode.rate.interval,
            f"{mode.name}: onsets over the history's window", mode.rate.gaps_p_value)
        for key in ("detection", "mitigation"):
            found = getattr(mode, key)
            if found is not None:
                out[f"fit-{name}-{key}"] = fit_figure(found, f"{mode.name}: {found.sample.phase.label}")
    for key, scope in (("acknowledgement", "team"), ("declaration", "policy"), ("confirmation", "policy")):
        found = calibration.team.get(key)
        if found is not None:
            out[f"fit-{scope}-{key}"] = fit_figure(found, f"All modes: {found.sample.phase.label}")
    return out
