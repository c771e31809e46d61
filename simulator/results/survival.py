"""Durations that the horizon cut short: Kaplan–Meier percentiles and the restricted mean.

An incident still open when its replication ends is right-censored: its time to restore is at least the
time it was followed (horizon − onset), not unknown and not to be dropped. Dropping it biases every statistic
down, because long incidents are the ones a horizon cuts. Here each duration is an observation that either
ended (`ended`) or was cut short at `times`:

    percentiles      Kaplan–Meier (as scipy.stats.ecdf of CensoredData): the smallest time by which the share
                     has ended; beyond the longest follow-up there is none to give (NaN)
    restricted mean  ∫₀^τ S(t) dt up to τ, the longest follow-up: the mean of min(duration, τ). It equals the
                     ordinary mean when nothing is censored, and is a lower bound of the mean when the
                     longest observation is still open (S(τ) > 0)
    its interval     from the restricted mean's exact influence function (its derivative with respect to each
                     observation's weight), summed per replication by metrics: replications are the
                     independent units, as for the ratio estimator's interval of the mean, which this
                     reproduces exactly when nothing is censored
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class KaplanMeier:
    """The Kaplan–Meier estimate of a duration's survival S(t) = P(duration > t).

    `times` are the distinct durations that ended, `survival` S just after each; `follow_up` is the longest
    duration observed (ended or cut short), beyond which nothing is known."""

    times: np.ndarray
    survival: np.ndarray
    follow_up: float

    def quantile(self, share: float) -> float:
        """The smallest time by which at least `share` of the durations have ended (NaN when the estimate
        never gets there: the percentile lies beyond the longest follow-up)."""
        reached = np.flatnonzero(self.survival <= 1 - share + 1e-12)
        return float(self.times[reached[0]]) if len(reached) else math.nan

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        """The share ended by `t`, 1 − S(t)."""
        index = np.searchsorted(self.times, t, side="right")
        return 1 - np.concatenate(([1.0], self.survival))[index]


def kaplan_meier(times: np.ndarray, ended: np.ndarray, order: np.ndarray | None = None) -> KaplanMeier:
    """The Kaplan–Meier estimate from durations, each ended or cut short (a duration cut short at t counts
    as still at risk at t): scipy.stats.ecdf's of CensoredData, worked out here with the same arithmetic (so
    the same bits) from one sort, without the copies of the whole sample scipy makes on the way. `order`: the
    durations' stable sort (`sorted_order`), when the caller has it already."""
    times = np.asarray(times, dtype=float)
    ended = np.asarray(ended, dtype=bool)
    if not ended.any():
        return KaplanMeier(np.zeros(0), np.zeros(0), float(times.max()) if len(times) else math.nan)
    if np.isnan(times).any():
        raise ValueError("durations must not be NaN")
    count = len(times)
    order = sorted_order(times) if order is None else order
    ordered = times[order]
    died = ended[order]
    del order
    first = np.flatnonzero(np.diff(ordered, prepend=-np.inf) > 0)  # each distinct time's first place
    distinct = ordered[first]
    del ordered
    deaths = np.add.reduceat(died.astype(np.int64), first)  # ends at each distinct time
    if died.all():  # nothing cut short: scipy's empirical survival function, 1 − ends so far ÷ n
        survival: np.ndarray = 1 - np.cumsum(deaths) / count
    else:  # the product over distinct times of (at risk − ends) ÷ at risk
        at_risk = count - first
        survival = np.cumprod((at_risk - deaths) / at_risk)
    reached = deaths > 0  # the times at which some duration ended
    return KaplanMeier(distinct[reached], survival[reached], float(times.max()))


@dataclass(frozen=True)
class RestrictedMean:
    """∫₀^τ S(t) dt, and each observation's influence on it; `restricted` when S(τ) > 0, that is when the
    longest observation is still open and the value is a lower bound of the mean."""

    mean: float
    tau: float
    restricted: bool
    influence: np.ndarray


def sorted_order(times: np.ndarray) -> np.ndarray:
    """The order that sorts durations, ties in their own order: the one sort that `kaplan_meier` and
    `restricted_mean` of the same durations can share (at a million durations each sort is a tenth of a
    second of a run's statistics)."""
    return np.argsort(times, kind="stable")


def restricted_mean(times: np.ndarray, ended: np.ndarray, order: np.ndarray | None = None) -> RestrictedMean:
    """The restricted mean up to the longest follow-up τ, with the exact influence of each observation:
    the derivative of the Kaplan–Meier integral with respect to the observation's weight, so that the
    influences of a replication add up to its share of the estimate's error (without censoring, each is
    (value − mean) / n). `order`: as for `kaplan_meier`."""
    times = np.asarray(times, dtype=float)
    ended = np.asarray(ended, dtype=bool)
    count = len(times)
    if count == 0:
        return RestrictedMean(math.nan, math.nan, False, np.zeros(0))
    # Arrays are let go as soon as they have served: at a million durations each takes 8 MB.
    order = sorted_order(times) if order is None else order
    sorted_times = times[order]
    new = np.empty(count, dtype=bool)  # where a distinct time starts
    new[0] = True
    np.not_equal(sorted_times[1:], sorted_times[:-1], out=new[1:])
    first = np.flatnonzero(new)
    index = np.cumsum(new) - 1  # each duration's distinct time
    del new
    distinct = sorted_times[first]
    del sorted_times
    sorted_ended = ended[order]
    at_risk = (count - first).astype(float)  # Y_j: durations at least t_j
    deaths = np.add.reduceat(sorted_ended.astype(float), first)  # d_j: durations that ended at t_j
    del first
    survival = np.cumprod(1 - deaths / at_risk)  # S just after t_j
    before = np.concatenate(([1.0], survival[:-1]))
    mean = float(np.sum(before * np.diff(np.concatenate(([0.0], distinct)))))
    del before
    # dS(t)/dw_i = −S(t) Σ_{t_j ≤ min(t, T_i)} [δ_i 1{T_i = t_j} / (Y_j − d_j) − d_j / (Y_j (Y_j − d_j))];
    # integrated over [0, τ] with A(t_j) = ∫_{t_j}^τ S(t) dt, which is 0 where S has reached 0 (Y_j = d_j).
    area = np.concatenate((np.cumsum((survival[:-1] * np.diff(distinct))[::-1])[::-1], [0.0]))
    tau, restricted = float(distinct[-1]), bool(survival[-1] > 0)
    del survival, distinct
    left = at_risk - deaths
    open_ = left > 0
    safe = np.where(open_, left, 1.0)
    del left
    compensator = np.cumsum(np.where(open_, deaths * area / (at_risk * safe), 0.0))
    step = np.where(open_, area / safe, 0.0)
    del deaths, at_risk, area, safe, open_
    influence = np.empty(count)
    influence[order] = compensator[index] - sorted_ended * step[index]
    return RestrictedMean(mean, tau, restricted, influence)


def distribution_steps(values: np.ndarray, censored: np.ndarray, tick: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(times, F at each time) of the Kaplan–Meier estimate of a sample's distribution function (the ECDF
    when nothing is censored; `censored` marks durations cut short), with durations of 0 placed at half the
    tick (a history's clock resolution). The estimate stops at the last time."""
    values = np.where((values <= 0) & ~censored, tick / 2, values)
    closed, right = values[~censored], values[censored]
    if len(closed) == 0:
        return np.zeros(0), np.zeros(0)
    from scipy import stats

    data = stats.CensoredData(uncensored=closed, right=right) if len(right) else closed
    result = stats.ecdf(data).cdf
    return np.asarray(result.quantiles, dtype=float), np.asarray(result.probabilities, dtype=float)
