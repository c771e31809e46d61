"""Detectability: would a real change show on an MTTR dashboard, given how few incidents a period holds?

A dashboard compares this period's MTTR with the last one's. Each is a statistic of a handful of heavy-tailed
durations, so their difference is mostly noise: the variance of a difference of two means of N incidents each
is 2σ²/N. This module measures that noise by simulation instead of trusting the formula:

1. Simulate the scenario for a pool of the metric's durations (at least MIN_POOL of them, so that the pool's
   spread is stable: its standard deviation σ is given with its bootstrap error over replications);
   optionally a changed scenario (a variant) for the durations after the change, or else "after" is
   "before" improved by a given share.
2. Draw pairs of periods of N incidents each, independently (periods of real history are not paired), and
   compute the statistic (mean, median, p90) of each period.
3. From the differences of the pairs:
     half-width      half the width of the central 95% of (period B − period A) when nothing changed: how
                     wide the confidence interval of a two-period difference is
     missed          how often the real change shows up as no change at all, or the wrong way
     false alarm     how often no change at all looks like a change of a given size in the real change's
                     direction (an improvement, or for a worse variant a deterioration)
     power           how often the real change stands out of the no-change noise (beyond the half-width)
     needed          the fewest incidents per period at which it stands out reliably (80% of the time),
                     found by a search over N up and down, each N played with the same random numbers, so
                     that it does not depend on the N asked about

Every rate is an estimate from simulated pairs and comes with its Monte Carlo error (one standard error), as
does the half-width (by bootstrap) and `needed` (the power's error over the power curve's slope there).

Periods are drawn as N incidents from the simulated distribution, each independently: the count of
incidents per period is fixed, and incidents within a period do not share a queue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from simulator.analysis.streams import analysis_rng
from simulator.errors import DrillsimError
from simulator.limits import MAX_PERIOD_DRAWS, MAX_PERIOD_INCIDENTS, MAX_TRIALS
from simulator.results.metrics import METRICS

STATISTICS = {"mean": None, "median": 50.0, "p90": 90.0}
TRIALS = 4000
MIN_POOL = 20_000
"""Incidents the scenario is simulated for (replications are added up to this many, unless given)."""
MAX_SIMULATED_INCIDENTS = 20_000  # beyond this many incidents per period, `needed` rests on the approximation
SEARCH_TRIALS = 2000
"""Simulated pairs at each size the search for `needed` tries."""
_CELLS = 2_000_000
SEARCH_STREAM, SIGMA_STREAM, HALF_STREAM = 4, 5, 6  # purposes of the analysis streams (1 to 3 draw the periods)


def _plain(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def standard_error(rate: float, trials: int) -> float:
    """The Monte Carlo error (one standard error) of a rate estimated from `trials` independent trials."""
    return math.sqrt(rate * (1 - rate) / trials) if trials else math.nan


@dataclass(frozen=True, eq=False)
class PeriodStatistic:
    """How one statistic of a period (mean, median or p90) behaves from period to period. Minutes; each
    estimate with its Monte Carlo error (`*_error`, one standard error)."""

    statistic: str
    before: float
    after: float
    half_width: float
    normal_half_width: float
    missed: float
    false_alarm: float
    power: float
    needed: int | None
    needed_power: float
    no_change: np.ndarray = field(repr=False)
    with_change: np.ndarray = field(repr=False)
    trials: int = 0
    half_width_error: float = math.nan
    needed_error: float = math.nan
    false_share: float = math.nan

    @property
    def change(self) -> float:
        """The real change, relative to `before` (-0.2 for 20% lower)."""
        return self.after / self.before - 1 if self.before else math.nan

    @property
    def relative_half_width(self) -> float:
        return self.half_width / self.before if self.before else math.nan

    @property
    def missed_error(self) -> float:
        return standard_error(self.missed, self.trials)

    @property
    def false_alarm_error(self) -> float:
        return standard_error(self.false_alarm, self.trials)

    @property
    def power_error(self) -> float:
        return standard_error(self.power, self.trials)

    @property
    def needed_power_error(self) -> float:
        return math.nan if math.isnan(self.needed_power) else standard_error(self.needed_power, SEARCH_TRIALS)


@dataclass(frozen=True, eq=False)
class Detectability:
    """The period-to-period noise of one metric, and whether a given change would show through it."""

    metric: str
    incidents: int
    false_improvement: float
    trials: int
    level: float
    target_power: float
    sigma: float
    statistics: dict[str, PeriodStatistic]
    incidents_per_horizon: float = math.nan
    horizon: float = math.nan
    sigma_error: float = math.nan
    pool: int = 0
    tail: float = math.nan
    """The share of the pool's spread that its longest 1% of durations make up (see tail_share)."""
    cut_short: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    """(cut short, incidents) of the pool before and after the change. A comparison's runs: the incidents the
    horizon cut short, which the pool counts as lasting until it. A scenario's own pool follows every incident
    started within the horizon over a second horizon: those still open then, which it leaves out. (0, 0) after
    the change when there is no variant (an --improvement share of the same pool)."""

    @property
    def lower_is_better(self) -> bool:
        return METRICS[self.metric].lower_is_better

    @property
    def period_minutes(self) -> float:
        """How long a period of `incidents` incidents lasts at the scenario's rate (NaN when unknown)."""
        if math.isnan(self.horizon) or not self.incidents_per_horizon > 0:
            return math.nan
        return self.incidents / self.incidents_per_horizon * self.horizon

    def minutes_for(self, incidents: int) -> float:
        """How long the scenario takes to bring `incidents` incidents (NaN when unknown)."""
        if math.isnan(self.horizon) or not self.incidents_per_horizon > 0:
            return math.nan
        return incidents / self.incidents_per_horizon * self.horizon

    def __getitem__(self, statistic: str) -> PeriodStatistic:
        return self.statistics[statistic]

    def as_document(self) -> dict:
        """Everything but the simulated pairs, in minutes and shares (NaN → None), for JSON."""
        return {
            "format": 2, "metric": self.metric, "incidents_per_period": self.incidents,
            "incidents_per_horizon": _plain(self.incidents_per_horizon), "horizon_minutes": _plain(self.horizon),
            "false_improvement": _plain(self.false_improvement), "trials": self.trials, "level": self.level,
            "target_power": self.target_power, "sigma": _plain(self.sigma), "sigma_error": _plain(self.sigma_error),
            "pool": self.pool, "sigma_tail_share": _plain(self.tail), "units": "minutes",
            "cut_short": {side: {"cut_short": cut, "incidents": total}
                          for side, (cut, total) in zip(("before", "after"), self.cut_short, strict=True)},
            "statistics": {
                name: {"before": _plain(s.before), "after": _plain(s.after), "change": _plain(s.change),
                       "half_width": _plain(s.half_width), "half_width_error": _plain(s.half_width_error),
                       "normal_half_width": _plain(s.normal_half_width),
                       "missed": s.missed, "missed_error": _plain(s.missed_error),
                       "false_alarm": s.false_alarm, "false_alarm_error": _plain(s.false_alarm_error),
                       "false_alarm_share": _plain(s.false_share),
                       "power": s.power, "power_error": _plain(s.power_error),
                       "needed": s.needed, "needed_error": _plain(s.needed_error),
                       "needed_power": _plain(s.needed_power), "needed_power_error": _plain(s.needed_power_error)}
                for name, s in self.statistics.items()
            },
        }


def period_statistics(pool: np.ndarray, incidents: int, trials: int, rng: np.random.Generator,
                      scale: float = 1.0) -> dict[str, np.ndarray]:
    """The mean, median and p90 of `trials` periods of `incidents` durations drawn from `pool` (× scale)."""
    out: dict[str, list[np.ndarray]] = {name: [] for name in STATISTICS}
    block = max(1, _CELLS // incidents)
    done = 0
    while done < trials:
        rows = min(block, trials - done)
        periods = rng.choice(pool, size=(rows, incidents)) * scale
        out["mean"].append(periods.mean(axis=1))
        median, p90 = np.percentile(periods, [50, 90], axis=1)
        out["median"].append(median)
        out["p90"].append(p90)
        done += rows
    return {name: np.concatenate(parts) for name, parts in out.items()}


def statistic_of(pool: np.ndarray, name: str) -> float:
    percentile = STATISTICS[name]
    return float(pool.mean() if percentile is None else np.percentile(pool, percentile))


def check_sizes(incidents: int, trials: int) -> None:
    """Refuse (DrillsimError) periods or trials that would take the machine's memory or hours."""
    if incidents < 1:
        raise DrillsimError("a period needs at least one incident")
    if incidents > MAX_PERIOD_INCIDENTS:
        raise DrillsimError(f"{incidents:,} incidents per period is more than {MAX_PERIOD_INCIDENTS:,}; a "
                            "dashboard period holds far fewer")
    if not 1 <= trials <= MAX_TRIALS:
        raise DrillsimError(f"the simulated pairs of periods must be between 1 and {MAX_TRIALS:,} (got {trials:,})")
    if 3 * incidents * trials > MAX_PERIOD_DRAWS:
        raise DrillsimError(f"{trials:,} pairs of periods of {incidents:,} incidents would draw "
                            f"{3 * incidents * trials:,} durations (at most {MAX_PERIOD_DRAWS:,}): fewer --trials "
                            "or fewer incidents per period")


def detectability(before: np.ndarray, after: np.ndarray | None = None, *, incidents: int,
                  improvement: float = 0.2, false_improvement: float | None = None, metric: str = "mttr",
                  trials: int = TRIALS, level: float = 0.95, power: float = 0.8,
                  rng: np.random.Generator | None = None, find_needed: bool = True,
                  search_seed: int = 0) -> Detectability:
    """Detectability from the metric's values before a change and after it (or `before` improved by
    `improvement`, a share: 0.2 for 20% better). `false_improvement` is the size of change that no change at
    all should rarely fake (default: the size of the real change). Without `find_needed`, the incidents
    needed are not searched for (`needed` is None); the search draws from streams of `search_seed` alone."""
    before = np.asarray(before, dtype=float)
    if len(before) < 2:
        raise DrillsimError("too few incidents simulated to judge detectability; run more replications")
    check_sizes(incidents, trials)
    rng = rng if rng is not None else np.random.default_rng(0)
    lower = METRICS[metric].lower_is_better
    scale = 1.0
    if after is None:
        if not 0 < improvement < 1:
            raise DrillsimError(f"the improvement is a share between 0 and 1 (got {improvement})")
        scale = 1 - improvement if lower else 1 + improvement
        after_pool = before
    else:
        after_pool = np.asarray(after, dtype=float)
        if len(after_pool) < 2:
            raise DrillsimError("too few incidents simulated after the change; run more replications")
    period_a = period_statistics(before, incidents, trials, rng)
    period_b = period_statistics(before, incidents, trials, rng)
    period_c = period_statistics(after_pool, incidents, trials, rng, scale)
    z = NormalDist().inv_cdf((1 + level) / 2)
    sigma = float(before.std(ddof=1))
    values = {name: (statistic_of(before, name), statistic_of(after_pool, name) * scale) for name in STATISTICS}
    search = _Search(before, after_pool, scale, {name: a - b for name, (b, a) in values.items()}, level, search_seed)
    stats = {}
    for name in STATISTICS:
        value_before, value_after = values[name]
        no_change = period_b[name] - period_a[name]
        with_change = period_c[name] - period_a[name]
        half = _half_width(no_change, level)
        effect = value_after - value_before
        real = abs(effect / value_before) if value_before else 0.0
        share = false_improvement if false_improvement is not None else real
        # The real change's direction: up (+1) or down (-1); no change looks like one of that direction.
        toward = (-1 if lower else 1) if effect == 0 or math.isnan(effect) else (-1 if effect < 0 else 1)
        fake = _fakes(period_a[name], period_b[name], share, toward)
        if effect == 0 or math.isnan(effect):
            missed, seen = 1.0, 0.0
        else:
            missed = float(np.mean(with_change * toward <= 0))
            seen = float(np.mean(with_change * toward > half))
        needed = _Needed(None, math.nan, math.nan)
        if find_needed:
            needed = _needed(search, name, power)
        stats[name] = PeriodStatistic(
            name, value_before, value_after, half,
            z * sigma * math.sqrt(2 / incidents) if name == "mean" else math.nan,
            missed, fake, seen, needed.incidents, needed.power, no_change, with_change, trials,
            _half_width_error(no_change, level, search_seed), needed.error, share)
    return Detectability(metric, incidents, false_improvement if false_improvement is not None else math.nan,
                         trials, level, power, sigma, stats, pool=len(before))


def _half_width(differences: np.ndarray, level: float) -> float:
    low, high = np.quantile(differences, [(1 - level) / 2, (1 + level) / 2])
    return float(high - low) / 2


def _half_width_error(differences: np.ndarray, level: float, seed: int, resamples: int = 200) -> float:
    """The bootstrap standard error of the half-width estimated from `differences`."""
    rng = analysis_rng(seed, HALF_STREAM)
    estimates = [_half_width(differences[rng.integers(0, len(differences), len(differences))], level)
                 for _ in range(resamples)]
    return float(np.std(estimates, ddof=1))


def _fakes(a: np.ndarray, b: np.ndarray, share: float, toward: int) -> float:
    """How often period B, with nothing changed, is `share` or more beyond period A in the direction `toward`
    (a share of 1 or more downwards would mean a time below zero: never)."""
    if toward < 0:
        return float(np.mean(b <= (1 - share) * a)) if share < 1 else 0.0
    return float(np.mean(b >= (1 + share) * a))


@dataclass(frozen=True)
class _Needed:
    incidents: int | None
    power: float
    error: float


class _Search:
    """How often a change stands out at a given size, for every statistic at once, each size played from
    SEARCH_TRIALS pairs drawn with the same random numbers whatever the size (common random numbers: the
    power is then a smooth function of the size, and the search path depends on nothing else)."""

    def __init__(self, before, after, scale, effects: dict[str, float], level: float, seed: int):
        self.before, self.after, self.scale, self.effects = before, after, scale, effects
        self.level, self.seed = level, seed
        self.cache: dict[int, dict[str, float]] = {}

    def power(self, name: str, n: int) -> float:
        if n not in self.cache:
            rng = analysis_rng(self.seed, SEARCH_STREAM)
            a = period_statistics(self.before, n, SEARCH_TRIALS, rng)
            b = period_statistics(self.before, n, SEARCH_TRIALS, rng)
            c = period_statistics(self.after, n, SEARCH_TRIALS, rng, self.scale)
            self.cache[n] = {
                statistic: float(np.mean((c[statistic] - a[statistic]) * (-1 if effect < 0 else 1)
                                         > _half_width(b[statistic] - a[statistic], self.level)))
                for statistic, effect in self.effects.items() if effect != 0 and not math.isnan(effect)}
        return self.cache[n][name]

    def spreads(self, name: str, n: int) -> tuple[float, float]:
        """The spread of the statistic of a period of `n` incidents, before and after the change."""
        rng = analysis_rng(self.seed, SEARCH_STREAM)
        before, after = (float(np.std(period_statistics(pool, n, SEARCH_TRIALS, rng, factor)[name], ddof=1))
                         for pool, factor in ((self.before, 1.0), (self.after, self.scale)))
        return before, after


def _needed(search: _Search, name: str, target: float) -> _Needed:
    """The fewest incidents per period at which the change stands out with probability `target`.

    A pilot at a fixed size gives the normal approximation's answer; from there the search steps down while
    the power holds and up while it falls short, then bisects. Every size is played with the same random
    numbers, so the answer depends on the pools and the seed alone. Its error is the power's Monte Carlo
    error divided by the slope of the power curve around it."""
    effect = search.effects[name]
    if effect == 0 or math.isnan(effect):
        return _Needed(None, math.nan, math.nan)
    pilot = 30
    before, after = search.spreads(name, pilot)
    z, z_power = NormalDist().inv_cdf((1 + search.level) / 2), NormalDist().inv_cdf(target)
    guess = ((z * math.sqrt(2) * before + z_power * math.hypot(before, after)) * math.sqrt(pilot) / abs(effect)) ** 2
    n = int(min(max(2, math.ceil(guess)), MAX_SIMULATED_INCIDENTS + 1))
    if n > MAX_SIMULATED_INCIDENTS:
        return _Needed(n, math.nan, math.nan)
    low, high = None, None  # largest size known short of the target, smallest known to reach it
    while high is None:
        if search.power(name, n) >= target:
            high = n
        else:
            low = n
            if n >= MAX_SIMULATED_INCIDENTS:
                return _Needed(MAX_SIMULATED_INCIDENTS + 1, math.nan, math.nan)
            n = min(MAX_SIMULATED_INCIDENTS, max(n + 1, math.ceil(n * 1.5)))
    while low is None:
        n = max(2, math.floor(high / 1.5))
        if n >= high:  # two incidents already reach it
            low = 1
        elif search.power(name, n) >= target:
            high = n
        else:
            low = n
    while high - low > max(1, high // 100):
        middle = (low + high) // 2
        if search.power(name, middle) >= target:
            high = middle
        else:
            low = middle
    below, above = max(2, round(high * 0.85)), round(high * 1.15) + 1
    slope = (search.power(name, above) - search.power(name, below)) / (above - below) if above > below else 0.0
    error = standard_error(target, SEARCH_TRIALS) / slope if slope > 0 else math.nan
    return _Needed(high, search.power(name, high), error)
