"""Two intervals of a mean that metrics.mean_ci spans with Student's t (see simulator.results.metrics): the
studentized bootstrap's of a ratio over replications, and Cox's for the mean of lognormal values."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

RESAMPLES_CI = 2000
_CI_SEED = 0x5EED_C1  # the bootstrap-t's own stream: the same data always give the same interval
_CI_CELLS = 50_000
"""Resampled cells drawn at a time (the draws do not depend on it: the same stream, in the same order). A block's
product with the five columns of sums (`weights @ columns`) is then at most 250,000 multiply-adds, which OpenBLAS
works on one thread (it splits a product between threads from 4 × 65,536): split, the same sums came out a few
times slower, their threads spinning against the run's workers, and with last bits that depended on how many
cores the machine had."""
BOOTSTRAP_GROUPS = 1000
"""From twice this many replications on, the bootstrap-t resamples this many groups of consecutive
replications (each group's totals and counts summed; their sizes differ by one at most) instead of single
replications. Replications are independent, so groups of them are too: the ratio keeps its meaning and its
standard error is still worked out from every replication, while a resample costs the same however long the
run (a million incidents' breakdowns took minutes of bootstrap, the run itself seconds)."""


def studentized_interval(totals: np.ndarray, counts: np.ndarray, level: float = 0.95,
                         resamples: int = RESAMPLES_CI) -> tuple[float, float]:
    """The studentized bootstrap (bootstrap-t) interval of the ratio Σ totals ÷ Σ counts, replications (the
    entries, silent ones included as zeros) resampled with replacement: the quantiles of (θ* − θ) ÷ se* give
    θ − q_high × se to θ − q_low × se. NaN when no resample has a spread."""
    replications = len(totals)
    mean = totals.sum() / counts.sum()
    # sums of products by numpy's own (pairwise) sum, not BLAS's dot: that splits a long vector between threads,
    # and its last bits then depend on the machine's cores
    squares = np.array([np.sum(totals * totals), np.sum(totals * counts), np.sum(counts * counts)])
    scale = replications / (replications - 1)
    se = math.sqrt(max(squares[0] - 2 * mean * squares[1] + mean**2 * squares[2], 0.0) * scale) / counts.sum()
    if not se > 0:
        return math.nan, math.nan
    if replications >= 2 * BOOTSTRAP_GROUPS:
        edges = np.arange(BOOTSTRAP_GROUPS) * replications // BOOTSTRAP_GROUPS
        totals, counts = np.add.reduceat(totals, edges), np.add.reduceat(counts, edges)
        replications = BOOTSTRAP_GROUPS
        scale = replications / (replications - 1)
    found = []
    columns = np.stack([totals, counts, totals * totals, totals * counts, counts * counts], axis=1)
    for weights in _resample_weights(replications, resamples):
        t, c, tt, tc, cc = (weights @ columns).T
        with np.errstate(invalid="ignore", divide="ignore"):
            star = t / c
            spread = np.sqrt(np.maximum(tt - 2 * star * tc + star**2 * cc, 0.0) * scale) / c
            found.append((star - mean) / spread)
    z = np.concatenate(found)
    z = z[np.isfinite(z)]
    if len(z) < resamples // 2:
        return math.nan, math.nan
    low, high = np.quantile(z, [(1 - level) / 2, (1 + level) / 2]).tolist()
    return mean - high * se, mean - low * se


_WEIGHTS: dict[tuple[int, int], list[np.ndarray]] = {}


def _resample_weights(replications: int, resamples: int) -> list[np.ndarray]:
    """How many times each of `replications` entries is drawn in each of `resamples` resamples with replacement
    (blocks of rows of counts), from the bootstrap-t's own stream. They depend on nothing else, so the last ones
    are kept (as floats, some 16 MB for BOOTSTRAP_GROUPS): a run's summary and breakdowns ask for the intervals of
    some hundred ratios over the same replications, and drawing them was most of the time of each."""
    key = (replications, resamples)
    found = _WEIGHTS.get(key)
    if found is None:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(_CI_SEED)))
        block = max(1, _CI_CELLS // replications)
        found = []
        for start in range(0, resamples, block):
            rows = min(block, resamples - start)
            drawn = rng.integers(0, replications, size=(rows, replications)) + (np.arange(rows) * replications)[:, None]
            weights = np.bincount(drawn.ravel(), minlength=rows * replications).reshape(rows, replications)
            found.append(weights.astype(np.float64))  # what `weights @ columns` made of them each time
        _WEIGHTS.clear()
        _WEIGHTS[key] = found
    return found


def weighted_sums(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Σ_j weights[..., j] × values[j]: each resample's (each row's) weighted sum of per-replication values.

    Summed by numpy's own loops (einsum), never by BLAS: OpenBLAS splits a long product between the machine's
    cores, and the last bits of what it returns then depend on how many there are, so that the same seed would
    give other digits on another machine."""
    return np.einsum("...j,j->...", weights, values)


LOGNORMAL_SKEW, LOGNORMAL_KURTOSIS = 0.5, 1.0
"""How far from a normal's shape the logarithms may be for durations to look lognormal (skewness, excess
kurtosis)."""


def lognormal_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Cox's interval for the mean of lognormal values (Land 1971; Zhou and Gao 1997), or NaN when the values do
    not look lognormal: some not positive, fewer than 30, all alike, or logarithms skewed or tailed beyond
    LOGNORMAL_SKEW and LOGNORMAL_KURTOSIS."""
    count = len(values)
    if count < 30 or float(values.min()) <= 0:
        return math.nan, math.nan
    logs = np.log(values)
    centred = logs - logs.mean()
    squares = float(np.sum(centred * centred))  # not BLAS's dot, whose last bits depend on the machine's cores
    variance = squares / (count - 1)
    if not variance > 0:
        return math.nan, math.nan
    spread = math.sqrt(squares / count)
    if _too_skewed_or_tailed(centred, spread):
        return math.nan, math.nan
    centre = float(logs.mean()) + variance / 2
    half = NormalDist().inv_cdf(0.5 + level / 2) * math.sqrt(variance / count + variance**2 / (2 * (count - 1)))
    return math.exp(centre - half), math.exp(centre + half)


def _too_skewed_or_tailed(centred: np.ndarray, spread: float) -> bool:
    """Whether the skewness or the excess kurtosis of `centred` (values less their mean, whose root mean square
    is `spread`) is beyond LOGNORMAL_SKEW or LOGNORMAL_KURTOSIS. The powers are products (np.power of 3 and 4
    takes some twenty times as long); where a product's rounding could put a moment on the other side of its
    bound, the moment is worked out with np.power as well, so that the answer is always np.power's."""
    count = len(centred)
    square = centred * centred
    cube = square * centred
    third, fourth = count * spread**3, count * spread**4
    skew = float(np.sum(cube)) / third
    if abs(abs(skew) - LOGNORMAL_SKEW) <= 1e-9 * float(np.sum(np.abs(cube))) / third:
        skew = float(np.sum(centred**3)) / count / spread**3
    kurtosis = float(np.sum(square * square)) / fourth - 3
    if abs(abs(kurtosis) - LOGNORMAL_KURTOSIS) <= 1e-9 * (kurtosis + 3):
        kurtosis = float(np.sum(centred**4)) / count / spread**4 - 3
    return abs(skew) > LOGNORMAL_SKEW or abs(kurtosis) > LOGNORMAL_KURTOSIS
