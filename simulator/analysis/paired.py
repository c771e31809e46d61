"""The one estimator behind every paired difference of durations (compare, sweep, maturity): censoring-aware
statistics, recomputed on bootstrap resamples of replications.

A duration the horizon cut short is a right-censored observation: it lasted at least its follow-up (horizon −
start). Leaving it out makes a variant whose incidents run past the horizon look fast. So every run's
durations of a metric are the ended ones and the cut-short ones together, and its statistics are:

    mean     the restricted mean up to τ, ∫₀^τ S(t) dt under the Kaplan–Meier estimate S: the mean of
             min(duration, τ). τ is common to all runs of one comparison: the shortest of the longest
             follow-ups of the runs whose longest observation was cut short (beyond it such a run is not
             observed at all); without such a run there is no restriction, and with nothing cut short the
             mean is the plain mean, Σ values ÷ Σ counts
    median   Kaplan–Meier's (the smallest time by which half have ended) when the metric was cut short in any
             run, otherwise numpy's median of the values

Each statistic is computed on each bootstrap resample of replication indices, the same resamples for every
run, so that the difference of two runs is paired replication by replication (common random numbers).

A run's statistic is *known* when what lies beyond τ cannot move it much: for the mean, when at most `TAIL`
of its incidents outlast τ (S(τ) ≤ TAIL); for the median, when it is reached before τ. A verdict is honest when
the run it calls faster is known (the slower one's true mean can only be larger than its restricted mean),
and a verdict of no difference needs both known. Otherwise the comparison has no honest answer: the horizon
cut too much short (compare exits with its own status then).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from simulator.results.metrics import follow_ups, metric_values

TAIL = 0.05
"""A run's restricted mean stands for its mean when at most this share of its incidents outlast τ."""
_CELLS = 1_000_000  # survival curves are computed in blocks of about this many numbers


def durations(table, metric: str, horizon: float, replications: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, ended, replication) of one duration metric: the durations that ended, then the follow-ups of
    those the horizon cut short."""
    values, reps, _ = metric_values(table, metric)
    cut, cut_reps = follow_ups(table, metric, horizon, replications)
    times = np.concatenate([values, cut]).astype(float)
    ended = np.concatenate([np.ones(len(values), bool), np.zeros(len(cut), bool)])
    return times, ended, np.concatenate([reps, cut_reps]).astype(np.int64)


def restriction(*samples: tuple[np.ndarray, np.ndarray]) -> float:
    """τ for (times, ended) of every run: the shortest longest follow-up among the runs whose longest observation
    was cut short (their Kaplan–Meier curve stops above zero there; a run whose longest observation ended is
    known at every time), or infinity when there is none."""
    taus = [float(times.max()) for times, ended in samples
            if len(times) and np.any(~ended[times == times.max()])]
    return min(taus) if taus else math.inf


class Durations:
    """One run's durations of one metric, arranged for resampling by replication."""

    def __init__(self, times: np.ndarray, ended: np.ndarray, replication: np.ndarray, replications: int,
                 tau: float = math.inf, survival: bool | None = None):
        """`survival` (default: when anything is cut short here) computes Kaplan–Meier statistics even when
        nothing is, so that all runs of a comparison use the same definitions."""
        order = np.lexsort((~ended, times))  # by time; at a tie, ended before cut short (still at risk then)
        self.times, self.ended, self.replication = times[order], ended[order], replication[order]
        self.replications, self.tau = replications, tau
        self.survival = bool(not ended.all()) if survival is None else survival
        capped = np.minimum(self.times, tau)
        self.steps = np.diff(np.concatenate(([0.0], capped)))
        self.rest = max(tau - capped[-1], 0.0) if len(capped) and math.isfinite(tau) else 0.0
        self.sums = np.bincount(self.replication, weights=capped, minlength=replications)
        self.counts = np.bincount(self.replication, minlength=replications).astype(float)
        whole = self.statistics(np.ones((1, replications)))
        self.mean, self.median, self.tail = (float(found[0]) for found in whole)
        self.whole = (self.mean, self.median)
        self.known = (self.known_mean, self.known_median)

    @property
    def cut_short(self) -> int:
        return int(np.count_nonzero(~self.ended))

    @property
    def known_mean(self) -> bool:
        return not math.isnan(self.mean) and self.tail <= TAIL

    @property
    def known_median(self) -> bool:
        return not math.isnan(self.median)

    def statistics(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(restricted means, medians, S(τ)) of each row of replication weights."""
        if not self.survival:
            from simulator.analysis.compare import weighted_quantiles

            with np.errstate(invalid="ignore", divide="ignore"):
                means = (weights @ self.sums) / (weights @ self.counts)
            medians = weighted_quantiles(self.times, self.replication, weights, 0.5)
            beyond = np.bincount(self.replication, weights=(self.times > self.tau).astype(float),
                                 minlength=self.replications)
            with np.errstate(invalid="ignore", divide="ignore"):
                tails = (weights @ beyond) / (weights @ self.counts)
            return means, medians, tails
        parts = [self._curves(block) for block in _blocks(weights, len(self.times))]
        return tuple(np.concatenate(found) for found in zip(*parts, strict=True))  # type: ignore[return-value]

    def _curves(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = weights.shape[0]
        if not len(self.times):
            nan = np.full(rows, np.nan)
            return nan, nan, nan
        w = weights[:, self.replication]
        at_risk = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(at_risk > 0, 1 - w * self.ended / at_risk, 1.0)
        del w, at_risk
        after = np.cumprod(factor, axis=1)  # S just after each observation (ties processed one by one)
        del factor
        before = np.concatenate([np.ones((rows, 1)), after[:, :-1]], axis=1)
        means = before @ self.steps + after[:, -1] * self.rest
        reached = after <= 0.5 + 1e-12
        first = np.argmax(reached, axis=1)
        medians = np.where(reached.any(axis=1), self.times[first], np.nan)
        inside = np.searchsorted(self.times, self.tau, side="right")  # observations at or before τ
        tails = after[:, inside - 1] if inside else np.ones(rows)
        empty = weights.sum(axis=1) == 0
        means[empty] = medians[empty] = np.nan
        return means, medians, tails


def _blocks(weights: np.ndarray, columns: int) -> Iterator[np.ndarray]:
    rows = max(1, _CELLS // max(columns, 1))
    for start in range(0, weights.shape[0], rows):
        yield weights[start:start + rows]


def honest(estimate: float, base_known: bool, other_known: bool, decided: bool) -> bool:
    """Whether a verdict can be given: when it names a lower run (`decided`, and the sign of other − base), that
    run's statistic must be known (the other's true value can only be higher than its restricted one); when it
    names none, both."""
    if not decided:
        return base_known and other_known
    other_lower = estimate < 0
    return other_known if other_lower else base_known
