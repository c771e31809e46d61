"""Detectability of simulated scenarios: the pool of a metric's durations played from a scenario (and a
changed one), or taken from a comparison's baseline and variant, and the dashboard periods drawn from it.

The statistics of two periods' difference (half-width, missed, false alarm, power, needed) are those of
simulator.analysis.detectability; this module supplies their durations, the pool's spread and its error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np

from simulator.analysis.detectability import (
    MIN_POOL,
    SIGMA_STREAM,
    TRIALS,
    Detectability,
    check_sizes,
    detectability,
    statistic_of,
)
from simulator.analysis.paired import durations
from simulator.analysis.streams import analysis_rng
from simulator.results.intervals import weighted_sums
from simulator.results.metrics import SPANS, metric_key, metric_values
from simulator.scenario.model import Scenario


def _sigma_error(values: np.ndarray, replication: np.ndarray, seed: int, resamples: int = 200) -> float:
    """The bootstrap standard error of the pool's standard deviation, resampling whole replications."""
    if len(values) < 2:
        return math.nan
    groups, index = np.unique(replication, return_inverse=True)
    count = np.bincount(index, minlength=len(groups)).astype(float)
    total = np.bincount(index, weights=values, minlength=len(groups))
    squares = np.bincount(index, weights=values**2, minlength=len(groups))
    rng = analysis_rng(seed, SIGMA_STREAM)
    estimates = []
    for _ in range(resamples):
        weights = rng.multinomial(len(groups), np.full(len(groups), 1 / len(groups)))
        n, s, q = (float(weighted_sums(weights, column)) for column in (count, total, squares))
        if n > 1:
            estimates.append(math.sqrt(max(q - s * s / n, 0.0) / (n - 1)))
    return float(np.std(estimates, ddof=1)) if len(estimates) > 1 else math.nan


def pool_replications(scenario: Scenario, replications: int | None) -> int:
    """The replications to simulate for a pool of at least MIN_POOL incidents (or those asked for)."""
    if replications is not None:
        return replications
    from simulator.results.runner import expected_incidents

    per_replication = max(expected_incidents(scenario), 1e-9)
    return max(scenario.replications, min(math.ceil(MIN_POOL / per_replication), 100_000))


@dataclass(frozen=True)
class _Pool:
    before: np.ndarray
    after: np.ndarray | None
    per_horizon: float
    sigma_error: float
    tail: float
    cut_short: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    """(still open at twice the horizon, started within the horizon) before and after the change: the incidents
    the pool leaves out, as Detectability.cut_short counts them ((0, 0) after when there is no variant)."""


def _followed(scenario: Scenario) -> Scenario:
    """The scenario played over twice its horizon, so that the incidents starting within the horizon are
    followed to their end (their durations are the pool; cutting them at the horizon would shorten its tail).
    Incidents are dealt their own dice, so those within the horizon are the ones the scenario itself has."""
    longer = 2 * scenario.horizon
    if scenario.start is not None:
        try:
            scenario.start + timedelta(minutes=longer)
        except OverflowError:
            return scenario
    return scenario.model_copy(update={"horizon": longer})


def _durations(result, metric: str, horizon: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The metric's durations (and their replications) of the incidents that started within `horizon`, and how
    many of those had begun the metric's span but not ended it when the run (twice the horizon) stopped: left
    out of the pool. For MTBF, every gap of the run (all closed)."""
    table = result.incidents
    if metric == "mtbf":
        return (*metric_values(table, metric)[:2], 0)
    start, end = SPANS[metric]
    begun, finished = getattr(table, start), getattr(table, end)
    values = finished - begun
    within = table.onset < horizon
    keep = within & ~np.isnan(values)
    cut = int(np.count_nonzero(within & ~np.isnan(begun) & np.isnan(finished)))
    return values[keep], table.replication[keep], cut


def tail_share(values: np.ndarray, share: float = 0.01) -> float:
    """How much of the spread (the sum of squared deviations) the largest `share` of values make up: near
    `share` for a light tail, most of it for a heavy one, whose σ then moves a lot between simulations."""
    if len(values) < 2:
        return math.nan
    deviations = np.sort((values - values.mean()) ** 2)
    total = float(deviations.sum())
    return float(deviations[-max(1, int(len(values) * share)):].sum() / total) if total else 0.0


def _simulate(scenario: Scenario, changed: Scenario | None, metric: str, replications: int | None, seed: int,
              run_options: dict) -> _Pool:
    metric = metric_key(metric)
    from simulator.results import runner

    options = {"keep_events": False, "oncall_load": False, **run_options}  # it reads the incidents alone
    count = pool_replications(scenario, replications)
    result = runner.simulate(_followed(scenario), replications=count, seed=seed, **options)
    before, replication, cut = _durations(result, metric, scenario.horizon)
    after, cut_short = None, ((cut, len(before) + cut), (0, 0))
    if changed is not None:
        played = runner.simulate(_followed(changed), replications=count, seed=seed, **options)
        after, _, cut_after = _durations(played, metric, changed.horizon)
        cut_short = (cut_short[0], (cut_after, len(after) + cut_after))
    per_horizon = int(np.count_nonzero(result.incidents.onset < scenario.horizon)) / count
    return _Pool(before, after, per_horizon, _sigma_error(before, replication, seed), tail_share(before), cut_short)


def scenario_detectability(scenario: Scenario, changed: Scenario | None = None, *, metric: str = "mttr",
                           incidents_per_period: int | None = None, improvement: float = 0.2,
                           false_improvement: float | None = None, replications: int | None = None,
                           seed: int | None = None, trials: int = TRIALS, level: float = 0.95,
                           power: float = 0.8, rng: np.random.Generator | None = None,
                           **run_options) -> Detectability:
    """Detectability of a change to `scenario`: to `changed` (a variant, run with the same seed), or an
    improvement of `improvement` of the metric. A period holds `incidents_per_period` incidents, by default as
    many as the scenario's horizon holds on average. The scenario is simulated for a pool of at least
    MIN_POOL incidents unless `replications` is given. `run_options` go to runner.simulate."""
    seed = scenario.seed if seed is None else seed
    if incidents_per_period is not None:
        check_sizes(incidents_per_period, trials)  # before the simulation, not after
    pool = _simulate(scenario, changed, metric, replications, seed, run_options)
    incidents = incidents_per_period if incidents_per_period is not None else max(2, round(pool.per_horizon))
    found = detectability(pool.before, pool.after, incidents=incidents, improvement=improvement,
                          false_improvement=false_improvement, metric=metric, trials=trials, level=level,
                          power=power, rng=rng if rng is not None else analysis_rng(seed, 1), search_seed=seed)
    return replace(found, incidents_per_horizon=pool.per_horizon, horizon=scenario.horizon,
                   sigma_error=pool.sigma_error, tail=pool.tail, cut_short=pool.cut_short)


def power_curve(scenario: Scenario, changed: Scenario | None = None, *, sizes: Sequence[int] | None = None,
                metric: str = "mttr", improvement: float = 0.2, replications: int | None = None,
                seed: int | None = None, trials: int = 1000, level: float = 0.95, power: float = 0.8,
                rng: np.random.Generator | None = None, **run_options) -> list[tuple[int, Detectability]]:
    """Detectability at several period sizes (incidents per period), from one simulation of the scenario:
    how the chance of seeing a real change grows with the incidents a period holds."""
    seed = scenario.seed if seed is None else seed
    pool = _simulate(scenario, changed, metric, replications, seed, run_options)
    if sizes is None:
        base = max(2, round(pool.per_horizon))
        sizes = sorted({max(2, round(base * factor)) for factor in (0.5, 1, 2, 4, 8, 16, 32, 64)})
    rng = rng if rng is not None else analysis_rng(seed, 2)
    return [(n, replace(detectability(pool.before, pool.after, incidents=n, improvement=improvement, metric=metric,
                                      trials=trials, level=level, power=power, rng=rng, find_needed=False),
                        incidents_per_horizon=pool.per_horizon, horizon=scenario.horizon,
                        sigma_error=pool.sigma_error, tail=pool.tail, cut_short=pool.cut_short))
            for n in sizes]


def comparison_detectability(comparison, variant: str, *, metric: str = "mttr",
                             incidents_per_period: int | None = None, trials: int = TRIALS, level: float = 0.95,
                             power: float = 0.8, rng: np.random.Generator | None = None) -> Detectability:
    """Would switching from a comparison's baseline to `variant` show on a dashboard? Uses the incidents the
    comparison already simulated; a period holds as many incidents as the baseline's horizon on average. The
    incidents the horizon cut short count, as everywhere in compare: each as lasting until the horizon (its
    follow-up, a lower bound; `cut_short` says how many)."""
    base, other = comparison.results[comparison.baseline], comparison.results[variant]
    cut_short = ((0, 0), (0, 0))
    if metric == "mtbf":  # the gaps between failures: none is left open
        before, replication, _ = metric_values(base.incidents, metric)
        after = metric_values(other.incidents, metric)[0]
    else:
        before, ended, replication = durations(base.incidents, metric, base.scenario.horizon, base.replications)
        after, ended_after, _ = durations(other.incidents, metric, other.scenario.horizon, other.replications)
        cut_short = ((int(np.count_nonzero(~ended)), len(ended)), (int(np.count_nonzero(~ended_after)), len(after)))
    per_horizon = len(before) / base.replications
    incidents = incidents_per_period if incidents_per_period is not None else max(2, round(per_horizon))
    found = detectability(before, after, incidents=incidents, metric=metric, trials=trials, level=level,
                          power=power, rng=rng if rng is not None else analysis_rng(comparison.seed, 3),
                          search_seed=comparison.seed)
    return replace(found, incidents_per_horizon=per_horizon, horizon=base.scenario.horizon,
                   sigma_error=_sigma_error(before, replication, comparison.seed), tail=tail_share(before),
                   cut_short=cut_short)


def per_period(results, metric: str = "mttr", statistic: str = "mean") -> np.ndarray:
    """What a dashboard would have shown: one replication is one period (the scenario's horizon), and its
    value is the statistic of that period's incidents (NaN for a period without any)."""
    values, replication, _ = metric_values(results.incidents, metric)
    out = np.full(results.replications, np.nan)
    for index in range(results.replications):
        chosen = values[replication == index]
        if len(chosen):
            out[index] = statistic_of(chosen, statistic)
    return out
