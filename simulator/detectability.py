"""Detectability: would a real change show on an MTTR dashboard, given how few incidents a period holds?

A dashboard compares this period's MTTR with the last one's. Each is a statistic of a handful of heavy-tailed
durations, so their difference is mostly noise: the variance of a difference of two means of N incidents each
is 2σ²/N. This module measures that noise by simulation instead of trusting the formula:

1. Simulate the scenario (many replications) for the distribution of the metric; optionally a changed scenario
   (a variant) for the distribution after the change, or else "after" is "before" improved by a given share.
2. Draw pairs of periods of N incidents each, independently (periods of real history are not paired), and
   compute the statistic (mean, median, p90) of each period.
3. From the differences of the pairs:
     half-width      half the width of the central 95% of (period B − period A) when nothing changed: how
                     wide the confidence interval of a two-period difference is
     missed          how often the real change shows up as no improvement at all (B no better than A)
     false alarm     how often no change at all looks like an improvement of a given size
     power           how often the real change stands out of the no-change noise (beyond the half-width)
     needed          the incidents per period at which it stands out reliably (80% of the time), from the
                     normal approximation of the simulated spreads and checked by simulation at that size

Periods are drawn as N incidents from the simulated distribution, each independently: the count of
incidents per period is fixed, and incidents within a period do not share a queue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from statistics import NormalDist

import numpy as np

from simulator.analysis_streams import analysis_rng
from simulator.errors import DrillsimError
from simulator.metrics import METRICS, metric_key, metric_values
from simulator.scenario.model import Scenario

STATISTICS = {"mean": None, "median": 50.0, "p90": 90.0}
TRIALS = 4000
MAX_SIMULATED_INCIDENTS = 20_000  # beyond this many incidents per period, `needed` rests on the approximation
_CELLS = 2_000_000


@dataclass(frozen=True, eq=False)
class PeriodStatistic:
    """How one statistic of a period (mean, median or p90) behaves from period to period. Minutes."""

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

    @property
    def change(self) -> float:
        """The real change, relative to `before` (-0.2 for 20% lower)."""
        return self.after / self.before - 1 if self.before else math.nan

    @property
    def relative_half_width(self) -> float:
        return self.half_width / self.before if self.before else math.nan


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

    @property
    def lower_is_better(self) -> bool:
        return METRICS[self.metric].lower_is_better

    def __getitem__(self, statistic: str) -> PeriodStatistic:
        return self.statistics[statistic]

    def as_document(self) -> dict:
        """Everything but the simulated pairs, in minutes and shares (NaN → None), for JSON."""
        def plain(value):
            return None if isinstance(value, float) and math.isnan(value) else value

        return {
            "format": 1, "metric": self.metric, "incidents_per_period": self.incidents,
            "incidents_per_horizon": plain(self.incidents_per_horizon), "horizon_minutes": plain(self.horizon),
            "false_improvement": plain(self.false_improvement), "trials": self.trials, "level": self.level,
            "target_power": self.target_power, "sigma": plain(self.sigma), "units": "minutes",
            "statistics": {
                name: {"before": plain(s.before), "after": plain(s.after), "change": plain(s.change),
                       "half_width": plain(s.half_width), "normal_half_width": plain(s.normal_half_width),
                       "missed": s.missed, "false_alarm": s.false_alarm, "power": s.power, "needed": s.needed,
                       "needed_power": plain(s.needed_power)}
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


def _statistic(pool: np.ndarray, name: str) -> float:
    return float(pool.mean() if STATISTICS[name] is None else np.percentile(pool, STATISTICS[name]))


def detectability(before: np.ndarray, after: np.ndarray | None = None, *, incidents: int,
                  improvement: float = 0.2, false_improvement: float | None = None, metric: str = "mttr",
                  trials: int = TRIALS, level: float = 0.95, power: float = 0.8,
                  rng: np.random.Generator | None = None, find_needed: bool = True) -> Detectability:
    """Detectability from the metric's values before a change and after it (or `before` improved by
    `improvement`, a share: 0.2 for 20% better). `false_improvement` is the size of improvement that no change
    at all should rarely fake (default: the same as the real change). Without `find_needed`, the incidents
    needed are not searched for (`needed` is None)."""
    before = np.asarray(before, dtype=float)
    if len(before) < 2:
        raise DrillsimError("too few incidents simulated to judge detectability; run more replications")
    if incidents < 1:
        raise DrillsimError("a period needs at least one incident")
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
    stats = {}
    for name in STATISTICS:
        value_before = _statistic(before, name)
        value_after = _statistic(after_pool, name) * scale
        no_change = period_b[name] - period_a[name]
        with_change = period_c[name] - period_a[name]
        low, high = np.quantile(no_change, [(1 - level) / 2, (1 + level) / 2])
        half = float(high - low) / 2
        effect = value_after - value_before
        share = false_improvement if false_improvement is not None else abs(effect / value_before or 0)
        if lower:
            fake = np.mean(period_b[name] <= (1 - share) * period_a[name])
        else:
            fake = np.mean(period_b[name] >= (1 + share) * period_a[name])
        if effect == 0 or math.isnan(effect):
            missed, seen = 1.0, 0.0
        else:  # the real change's direction: an improvement, or (for a worse variant) a deterioration
            toward = -1 if effect < 0 else 1
            missed = float(np.mean(with_change * toward <= 0))
            seen = float(np.mean(with_change * toward > half))
        needed, needed_power = None, math.nan
        if find_needed:
            needed, needed_power = _needed(before, after_pool, scale, name, incidents, no_change, with_change,
                                           effect, level, power, trials, rng)
        stats[name] = PeriodStatistic(
            name, value_before, value_after, half,
            z * sigma * math.sqrt(2 / incidents) if name == "mean" else math.nan,
            missed, float(fake), seen, needed, needed_power, no_change, with_change)
    return Detectability(metric, incidents, false_improvement if false_improvement is not None else math.nan,
                         trials, level, power, sigma, stats)


def _needed(before, after, scale, name, incidents, no_change, with_change, effect, level, target, trials,
            rng) -> tuple[int | None, float]:
    """Incidents per period for the change to stand out of the no-change noise with probability `target`, and
    the probability achieved at that size by simulation (NaN when the size is too large to simulate).

    The spreads of both differences shrink as 1/√N; from those simulated at the current size, the normal
    approximation gives the size; a simulation at that size checks it and grows it while it falls short."""
    if effect == 0 or math.isnan(effect):
        return None, math.nan
    z, z_power = NormalDist().inv_cdf((1 + level) / 2), NormalDist().inv_cdf(target)
    spread_none = float(no_change.std(ddof=1)) * math.sqrt(incidents)
    spread_change = float(with_change.std(ddof=1)) * math.sqrt(incidents)
    n = max(2, math.ceil(((z * spread_none + z_power * spread_change) / abs(effect)) ** 2))
    toward = -1 if effect < 0 else 1
    checks = max(1000, trials // 2)
    achieved = math.nan
    for _ in range(4):
        if n > MAX_SIMULATED_INCIDENTS:
            return n, math.nan
        a = period_statistics(before, n, checks, rng)[name]
        b = period_statistics(before, n, checks, rng)[name]
        c = period_statistics(after, n, checks, rng, scale)[name]
        low, high = np.quantile(b - a, [(1 - level) / 2, (1 + level) / 2])
        achieved = float(np.mean((c - a) * toward > (high - low) / 2))
        if achieved >= target - 0.03:
            break
        n = math.ceil(n * 1.25)
    return n, achieved


def _simulate(scenario: Scenario, changed: Scenario | None, metric: str, replications: int | None, seed: int,
              run_options: dict) -> tuple[np.ndarray, np.ndarray | None, float]:
    metric = metric_key(metric)
    from simulator import runner  # imported here: the engine loads only when something runs

    options = {"keep_events": False, **run_options}
    result = runner.simulate(scenario, replications=replications, seed=seed, **options)
    before = metric_values(result.incidents, metric)[0]
    after = None
    if changed is not None:
        after = metric_values(runner.simulate(changed, replications=result.replications, seed=seed,
                                              **options).incidents, metric)[0]
    return before, after, len(before) / result.replications


def scenario_detectability(scenario: Scenario, changed: Scenario | None = None, *, metric: str = "mttr",
                           incidents_per_period: int | None = None, improvement: float = 0.2,
                           false_improvement: float | None = None, replications: int | None = None,
                           seed: int | None = None, trials: int = TRIALS, level: float = 0.95,
                           power: float = 0.8, rng: np.random.Generator | None = None,
                           **run_options) -> Detectability:
    """Detectability of a change to `scenario`: to `changed` (a variant, run with the same seed), or an
    improvement of `improvement` of the metric. A period holds `incidents_per_period` incidents, by default as
    many as the scenario's horizon holds on average. `run_options` go to runner.simulate."""
    seed = scenario.seed if seed is None else seed
    before, after, per_horizon = _simulate(scenario, changed, metric, replications, seed, run_options)
    incidents = incidents_per_period if incidents_per_period is not None else max(2, round(per_horizon))
    found = detectability(before, after, incidents=incidents, improvement=improvement,
                          false_improvement=false_improvement, metric=metric, trials=trials, level=level,
                          power=power, rng=rng if rng is not None else analysis_rng(seed, 1))
    return replace(found, incidents_per_horizon=per_horizon, horizon=scenario.horizon)


def power_curve(scenario: Scenario, changed: Scenario | None = None, *, sizes: Sequence[int] | None = None,
                metric: str = "mttr", improvement: float = 0.2, replications: int | None = None,
                seed: int | None = None, trials: int = 1000, level: float = 0.95, power: float = 0.8,
                rng: np.random.Generator | None = None, **run_options) -> list[tuple[int, Detectability]]:
    """Detectability at several period sizes (incidents per period), from one simulation of the scenario:
    how the chance of seeing a real change grows with the incidents a period holds."""
    seed = scenario.seed if seed is None else seed
    before, after, per_horizon = _simulate(scenario, changed, metric, replications, seed, run_options)
    if sizes is None:
        base = max(2, round(per_horizon))
        sizes = sorted({max(2, round(base * factor)) for factor in (0.5, 1, 2, 4, 8, 16, 32, 64)})
    rng = rng if rng is not None else analysis_rng(seed, 2)
    return [(n, replace(detectability(before, after, incidents=n, improvement=improvement, metric=metric,
                                      trials=trials, level=level, power=power, rng=rng, find_needed=False),
                        incidents_per_horizon=per_horizon, horizon=scenario.horizon))
            for n in sizes]


def comparison_detectability(comparison, variant: str, *, metric: str = "mttr",
                             incidents_per_period: int | None = None, trials: int = TRIALS, level: float = 0.95,
                             power: float = 0.8, rng: np.random.Generator | None = None) -> Detectability:
    """Would switching from a comparison's baseline to `variant` show on a dashboard? Uses the incidents the
    comparison already simulated; a period holds as many incidents as the baseline's horizon on average."""
    base = comparison.results[comparison.baseline]
    before = metric_values(base.incidents, metric)[0]
    after = metric_values(comparison.results[variant].incidents, metric)[0]
    per_horizon = len(before) / base.replications
    incidents = incidents_per_period if incidents_per_period is not None else max(2, round(per_horizon))
    found = detectability(before, after, incidents=incidents, metric=metric, trials=trials, level=level,
                          power=power, rng=rng if rng is not None else analysis_rng(comparison.seed, 3))
    return replace(found, incidents_per_horizon=per_horizon, horizon=base.scenario.horizon)


def per_period(results, metric: str = "mttr", statistic: str = "mean") -> np.ndarray:
    """What a dashboard would have shown: one replication is one period (the scenario's horizon), and its
    value is the statistic of that period's incidents (NaN for a period without any)."""
    values, replication, _ = metric_values(results.incidents, metric)
    out = np.full(results.replications, np.nan)
    for index in range(results.replications):
        chosen = values[replication == index]
        if len(chosen):
            out[index] = _statistic(chosen, statistic)
    return out
