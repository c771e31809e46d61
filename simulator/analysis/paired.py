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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.errors import DrillsimError
from simulator.results.intervals import weighted_sums
from simulator.results.metrics import CENSORED_WARNING, METRICS, follow_ups, metric_values
from simulator.units import format_duration

MIN_EFFECT = "5%"
BETTER, WORSE, UNCLEAR, NO_DATA = "better", "worse", "no detectable difference", "not enough data"
NEGLIGIBLE, UNSURE = "no difference that matters", "unclear whether it matters"
CUT_SHORT = "no honest answer: too many cut short"
"""The verdict when the horizon cut so many incidents short that the run it would call faster is not known."""
"""The default smallest difference that matters: 5% of the baseline's value."""
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
            with np.errstate(invalid="ignore", divide="ignore"):
                means = weighted_sums(weights, self.sums) / weighted_sums(weights, self.counts)
            medians = weighted_quantiles(self.times, self.replication, weights, 0.5)
            beyond = np.bincount(self.replication, weights=(self.times > self.tau).astype(float),
                                 minlength=self.replications)
            with np.errstate(invalid="ignore", divide="ignore"):
                tails = weighted_sums(weights, beyond) / weighted_sums(weights, self.counts)
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
        means = weighted_sums(before, self.steps) + after[:, -1] * self.rest
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


def verdict(difference: float, low: float, high: float, min_effect: float, lower_is_better: bool = True,
            known: tuple[bool, bool] = (True, True)) -> str:
    """The verdict on a paired difference (other − base) with its interval [low, high], `min_effect` the smallest
    difference that matters in the same unit, as compare, sweep (metrics and cost) and the maturity ladder give
    it: better or worse (meaningfully) when the interval excludes zero and the difference is at least
    `min_effect`; no difference that matters when the interval lies within ±`min_effect`; otherwise no
    detectable difference (the interval includes zero and reaches beyond) or unclear whether it matters (it
    excludes zero, the difference is smaller, the interval reaches beyond). No honest answer when the run the
    verdict would call lower is not known (`known`: base's and other's statistic; see honest)."""
    if math.isnan(low) or math.isnan(high):
        return NO_DATA
    decided = not low <= 0 <= high
    if not honest(difference if decided else 0.0, *known, decided):
        return CUT_SHORT
    if decided and abs(difference) >= min_effect:
        return BETTER if (high < 0) == lower_is_better else WORSE
    if -min_effect <= low and high <= min_effect:
        return NEGLIGIBLE
    return UNSURE if decided else UNCLEAR


def cut_short_notes(samples: Mapping[str, Mapping[str, Any]], restricted: Mapping[str, float]) -> tuple[str, ...]:
    """A sentence for each duration metric the horizon cut short: up to when its means are compared, and which
    runs had more than paired.TAIL of their incidents outlast that."""
    notes = []
    for metric in (key for key in METRICS if key != "mtbf"):
        tau = restricted.get(metric, math.inf)
        cut = [(name, found[metric]) for name, found in samples.items() if found[metric].cut_short]
        listed = ", ".join(f"{name} {sample.cut_short:,} of {len(sample.times):,}" for name, sample in cut)
        beyond = [f"{name} {sample.tail:.0%}" for name, found in samples.items()
                  for sample in [found[metric]] if not sample.known_mean]
        note = (f"{METRICS[metric].label}: the horizon cut short {listed} incidents' {METRICS[metric].what}; they "
                "count as lasting at least until the horizon: means and medians are Kaplan–Meier's"
                + (f", the means restricted to {format_duration(tau)} (the mean of min(duration, "
                   f"{format_duration(tau)}))." if math.isfinite(tau) else "."))
        if beyond:
            note += (f" Still open after {format_duration(tau)}: {', '.join(beyond)}: too many for that run's "
                     "mean to be known, so no verdict can call it the faster one.")
        if beyond or any(sample.cut_short > CENSORED_WARNING * len(sample.times) for _, sample in cut):
            notes.append(note)
    return tuple(notes)


@dataclass(frozen=True)
class MinEffect:
    """The smallest difference that matters: a share of the baseline's value ('5%') or a duration ('5m')."""

    share: float | None = 0.05
    minutes: float | None = None

    def threshold(self, baseline: float) -> float:
        """In minutes, for a statistic whose baseline value is `baseline`."""
        if self.minutes is not None:
            return self.minutes
        return abs(baseline) * (self.share or 0.0) if math.isfinite(baseline) else 0.0

    def text(self) -> str:
        return format_duration(self.minutes) if self.minutes is not None else f"{self.share or 0:.0%}"

    @property
    def figure_share(self) -> float:
        """The share that applies to a figure that is not a duration (users, money, counts, shares): this one's
        share, or the default's (MIN_EFFECT) when this one is a duration, which cannot apply to them."""
        if self.minutes is None:
            return self.share or 0.0
        return parse_min_effect(MIN_EFFECT).share or 0.0

    def figure_threshold(self, baseline: float) -> float:
        """For a figure that is not a duration: figure_share of the baseline's value."""
        return abs(baseline) * self.figure_share if math.isfinite(baseline) else 0.0

    def figure_text(self) -> str:
        """The rule for figures that are not durations, in words: 'a difference smaller than 5% of the baseline's
        value does not matter' (and that --min-effect applies to durations only, when it is one)."""
        said = f"a difference smaller than {self.figure_share:.0%} of the baseline's value does not matter"
        return said if self.minutes is None else f"{said}: --min-effect {self.text()} applies to durations only"


def parse_min_effect(value: str | float | MinEffect | None) -> MinEffect:
    """'5%' or 0.05 (a share of the baseline's value), '5m' or '1h' (a duration), '0' (any difference)."""
    if isinstance(value, MinEffect):
        return value
    if value is None:
        return parse_min_effect(MIN_EFFECT)
    text = str(value).strip()
    if text in ("0", "0%", "0.0"):
        return MinEffect(0.0)
    from simulator.units import parse_duration, parse_share

    try:
        if text.endswith("%") or isinstance(value, float):
            return MinEffect(parse_share(value))
        return MinEffect(None, parse_duration(text))
    except ValueError as error:
        raise DrillsimError(f"--min-effect {value}: a share such as 5% or a duration such as 5m ({error})") from None


def weighted_quantiles(sorted_values: np.ndarray, groups: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Row by row, the q-quantile (linear interpolation, numpy's default) of `sorted_values` where each value
    counts as often as its group's weight in that row: value i appears weights[row, groups[i]] times.

    This is the quantile of the incidents of a bootstrap resample without building it. The sorted values are cut
    into chunks; a matrix product counts each resample's values per chunk, which finds the chunk holding each
    rank, and only that chunk is then counted value by value."""
    rows, n = weights.shape[0], len(sorted_values)
    if n == 0:
        return np.full(rows, np.nan)
    chunks = int(np.clip(math.sqrt(700 * n / max(weights.shape[1], 1)), 1, min(n, 1024)))
    bounds = np.linspace(0, n, chunks + 1).astype(int)
    chunk_of = np.repeat(np.arange(chunks), np.diff(bounds))
    per_chunk = np.bincount(groups * chunks + chunk_of, minlength=weights.shape[1] * chunks)
    # whole counts times whole weights: exact, in whatever order BLAS adds them
    cumulative = np.cumsum(weights @ per_chunk.reshape(-1, chunks).astype(weights.dtype), axis=1)
    total = cumulative[:, -1]
    position = np.maximum(total - 1, 0) * q
    below = np.floor(position)
    lower = _select(sorted_values, groups, weights, bounds, cumulative, below)
    upper = _select(sorted_values, groups, weights, bounds, cumulative, np.minimum(below + 1, np.maximum(total - 1, 0)))
    out = lower + (position - below) * (upper - lower)
    out[total == 0] = np.nan
    return out


def _select(sorted_values, groups, weights, bounds, cumulative, ranks) -> np.ndarray:
    """Per row, the value at position `ranks[row]` (from 0) of that row's repeated values."""
    last = len(bounds) - 2
    chunk = np.minimum(np.count_nonzero(cumulative <= ranks[:, None], axis=1), last)
    rows = np.arange(len(ranks))
    before = np.where(chunk > 0, cumulative[rows, np.maximum(chunk - 1, 0)], 0.0)
    within = ranks - before
    out = np.empty(len(ranks))
    for index in np.unique(chunk):
        chosen = np.flatnonzero(chunk == index)
        start, stop = bounds[index], bounds[index + 1]
        counts = np.cumsum(weights[np.ix_(chosen, groups[start:stop])], axis=1)
        found = np.count_nonzero(counts <= within[chosen, None], axis=1)
        out[chosen] = sorted_values[start + np.minimum(found, stop - start - 1)]
    return out


def run_samples(results: Mapping[str, Any], replications: int) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Every run's samples of every metric (paired.Durations for the durations, censoring-aware, with τ common
    to all runs; _Sample for MTBF), and τ of each duration metric that the horizon cut short somewhere."""
    samples: dict[str, dict[str, Any]] = {name: {} for name in results}
    restricted = {}
    for metric in METRICS:
        if metric == "mtbf":
            for name, result in results.items():
                samples[name][metric] = Exposure(*metric_values(result.incidents, metric)[:2], replications,
                                                result.scenario.horizon)
            continue
        found = {name: durations(result.incidents, metric, result.scenario.horizon, replications)
                 for name, result in results.items()}
        tau = restriction(*((times, ended) for times, ended, _ in found.values()))
        if math.isfinite(tau):
            restricted[metric] = tau
        survival = any(not ended.all() for _, ended, _ in found.values())
        for name, (times, ended, reps) in found.items():
            samples[name][metric] = Durations(times, ended, reps, replications, tau, survival=survival)
    return samples, restricted


class Exposure:
    """MTBF's gaps of one run, arranged for resampling by replication (its mean is simulated time ÷ failures)."""

    def __init__(self, values: np.ndarray, replication: np.ndarray, replications: int,
                 exposure: float | None = None):
        """With `exposure` (MTBF), each replication's total is the time it watched, not the sum of its closed
        gaps: the mean is simulated time ÷ failures, as the summary's, and the gap still open counts."""
        order = np.argsort(values, kind="stable")
        self.values = values[order]
        self.replication = replication[order]
        self.sums = (np.full(replications, float(exposure)) if exposure is not None
                     else np.bincount(replication, weights=values, minlength=replications))
        self.counts = np.bincount(replication, minlength=replications).astype(float)
        self.times, self.cut_short = self.values, 0
        whole = np.ones((1, replications))
        self.whole = (float(self.means(whole)[0]), float(self.quantiles(whole, 0.5)[0]))
        self.known = (True, True)

    def statistics(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.means(weights), self.quantiles(weights, 0.5), np.zeros(len(weights))

    def means(self, weights: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return weighted_sums(weights, self.sums) / weighted_sums(weights, self.counts)

    def quantiles(self, weights: np.ndarray, q: float) -> np.ndarray:
        """The q-quantile of each resample, exactly as np.percentile of the resampled incidents would give."""
        return weighted_quantiles(self.values, self.replication, weights, q)
