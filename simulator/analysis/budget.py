"""Availability, the error budget and reliability OKRs, from the incident table.

Each failure mode has an impact: the share of requests failing while one of its incidents is open, from onset
until service is restored (to the end of the period when it was not). Over a span of T minutes:

    bad minutes     ∫ the largest impact among the incidents open at t, over the span: incidents that overlap
                    count once, at the larger impact (requests fail or not; two failures at once do not fail
                    more than all of them), so that availability lies in [0, 1]
    availability    1 − bad minutes ÷ T
    error budget    (1 − objective) × T minutes of full outage
    consumed        bad minutes ÷ the budget                              (above 1: the SLO is missed)

Every figure is worked out per replication (one period, the horizon) and then described across replications:
the mean with its t interval, percentiles, and the share of replications meeting the SLO with its exact
binomial interval. Drills (incidents started on purpose) are left out; their own cost is reported apart.

A reliability OKR's key results are judged per period (okrs.period, default the horizon): each replication
gives floor(horizon ÷ period) periods, and a key result's chance of being met is the share of periods that meet
it (periods of one replication share a world that learns, so the interval is a little optimistic).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.results.incidents import IncidentTable
from simulator.results.metrics import t_quantile
from simulator.scenario.model import Scenario
from simulator.scenario.objectives import DURATION_METRICS, KeyResult, percent

LEVEL = 0.95
_SPANS = {"mttd": ("onset", "detected"), "mtta": ("detected", "acknowledged"), "mttr": ("onset", "mitigated"),
          "time_to_resolve": ("onset", "resolved")}


def impacts(scenario: Scenario) -> dict[str, float]:
    """Each failure mode's share of requests failing while it is open."""
    return {mode.name: mode.share_failing for mode in scenario.failure_modes}


def bad_minutes(table: IncidentTable, scenario: Scenario, spans: np.ndarray | None = None,
                rows: np.ndarray | None = None) -> np.ndarray:
    """Per replication (rows) and span (columns, [start, end) in minutes; default one span, the horizon): the
    minutes of the span weighted by the largest impact among the incidents open then (those where `rows`, a
    boolean mask, is true, when given)."""
    return open_minutes(table, impacts(scenario), scenario.horizon, spans, rows)


def open_minutes(table: IncidentTable, impact: dict[str, float], horizon: float,
                 spans: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
    """`bad_minutes` from each mode's impact and the horizon (what a results folder's summary.json holds)."""
    spans = np.array([[0.0, horizon]]) if spans is None else spans
    replication, start, mitigated = table.replication, table.onset, table.mitigated
    codes, modes = table.codes("mode")
    if rows is not None:  # the rows table.where(rows) would give, without a copy of every column
        replication, start, mitigated, codes = replication[rows], start[rows], mitigated[rows], codes[rows]
    replications = int(replication.max()) + 1 if len(replication) else 0
    out = np.zeros((replications, len(spans)))
    if not len(replication):
        return out
    share = np.array([impact.get(mode, 1.0) for mode in modes], dtype=float)[codes]  # by mode, not by incident
    end = np.where(np.isnan(mitigated), horizon, np.minimum(mitigated, horizon))
    # The largest impact open at t is Σ over impact levels v (highest first) of (v − the next level below) × 1{an
    # incident with impact ≥ v is open}: the union of those incidents' spans, once per level.
    levels = np.unique(share[share > 0])[::-1]
    steps = levels - np.append(levels[1:], 0.0)
    for j, (a, b) in enumerate(spans):
        low, high = np.maximum(start, a), np.minimum(end, b)
        for level, step in zip(levels, steps, strict=True):
            chosen = (share >= level) & (high > low)
            out[:, j] += step * union_minutes(replication[chosen], low[chosen], high[chosen], replications)
    return out


def union_minutes(replication: np.ndarray, start: np.ndarray, end: np.ndarray, replications: int) -> np.ndarray:
    """Per replication, the minutes covered by at least one of the [start, end) spans (overlaps once)."""
    out = np.zeros(replications)
    if not len(start):
        return out
    width = float(max(end.max(), 0.0) - min(start.min(), 0.0)) + 1.0
    shift = replication * width  # replications far apart on one line: one running maximum serves them all
    later = replication[1:] > replication[:-1]
    if np.all(later | ((replication[1:] == replication[:-1]) & (start[1:] >= start[:-1]))):
        # in order already (an incident table's rows come by replication, then by onset): the sort would leave
        # them as they are
        first, last = start + shift, end + shift
    else:
        order = np.lexsort((start, replication))
        first, last, replication = (start + shift)[order], (end + shift)[order], replication[order]
    del shift, later
    covered = np.empty_like(last)  # where the spans before each reached, then what each adds (in place: a
    covered[0] = -np.inf           # million incidents' arrays take 8 MB each)
    np.maximum.accumulate(last[:-1], out=covered[1:])
    np.maximum(first, covered, out=covered)
    del first
    np.subtract(last, covered, out=covered)
    np.clip(covered, 0.0, None, out=covered)
    return np.bincount(replication, covered, replications)  # each replication's spans added in their order


@dataclass(frozen=True)
class Spread:
    """A per-replication figure across replications: mean, its t interval, and percentiles."""

    mean: float
    ci_low: float
    ci_high: float
    p5: float
    median: float
    p95: float

    @classmethod
    def of(cls, values: np.ndarray, level: float = LEVEL, upper: float = math.inf) -> Spread:
        """The spread of `values`; the mean's interval stays within what the figure can be: never below 0 when
        no value is, never above `upper` (1 for an availability)."""
        n = len(values)
        mean = float(values.mean()) if n else math.nan
        half = t_quantile(0.5 + level / 2, n - 1) * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
        p5, median, p95 = (np.percentile(values, [5, 50, 95]).tolist() if n else [math.nan] * 3)
        low, high = mean - half, mean + half
        if n > 1:
            low = max(low, 0.0) if float(values.min()) >= 0 else low
            high = min(high, upper)
        return cls(mean, low, high, p5, median, p95)

    def as_dict(self) -> dict:
        return {key: (None if math.isnan(value) else value) for key, value in self.__dict__.items()}


@dataclass(frozen=True)
class Chance:
    """How often something held: successes of trials, and the exact (Clopper–Pearson) interval of the share."""

    met: int
    trials: int
    level: float = LEVEL

    @property
    def share(self) -> float:
        return self.met / self.trials if self.trials else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        if not self.trials:
            return math.nan, math.nan
        # The beta distribution's quantile (what scipy.stats.beta.ppf gives, the same function), from
        # scipy.special: here, not at import, and not scipy.stats, whose import costs a run some 0.3 CPU-s more.
        from scipy.special import betaincinv

        alpha = 1 - self.level
        low = betaincinv(self.met, self.trials - self.met + 1, alpha / 2) if self.met else 0.0
        high = betaincinv(self.met + 1, self.trials - self.met, 1 - alpha / 2) if self.met < self.trials else 1.0
        return float(low), float(high)

    def as_dict(self) -> dict:
        low, high = self.interval
        return {"share": self.share, "ci_low": low, "ci_high": high, "met": self.met, "of": self.trials}


def availability(table: IncidentTable, scenario: Scenario, replications: int) -> np.ndarray:
    """Each replication's availability over the horizon (organic incidents)."""
    bad = np.zeros(replications)
    found = bad_minutes(table, scenario)[:, 0]
    bad[:len(found)] = found
    return 1.0 - bad / scenario.horizon


def reliability_document(table: IncidentTable, scenario: Scenario, replications: int,
                         drills: IncidentTable | None = None) -> dict:
    """The availability section of summary.json: per replication over the horizon, described across them; the
    error budget and the chance of meeting the SLO when the scenario has one; each mode's share of the downtime."""
    horizon = scenario.horizon
    per = availability(table, scenario, replications)
    out = {"per": "replication", "period_minutes": horizon, "impact": impacts(scenario),
           "availability": Spread.of(per, upper=1.0).as_dict()}
    by_mode = {}
    for name in impacts(scenario):
        mine = table.mode == name if len(table) else None
        by_mode[name] = float(bad_minutes(table, scenario, rows=mine).sum() / (replications * horizon)) \
            if mine is not None and mine.any() else 0.0
    out["unavailability_by_mode"] = by_mode
    if scenario.slo is not None:
        objective = scenario.slo.objective
        budget = (1 - objective) * horizon
        out["slo"] = objective
        out["error_budget_minutes"] = budget
        out["budget_consumed"] = Spread.of((1 - per) * horizon / budget).as_dict()
        out["meets_slo"] = Chance(int(np.count_nonzero(per >= objective)), replications).as_dict()
        if drills is not None and len(drills):
            spent = np.zeros(replications)
            found = bad_minutes(drills, scenario)[:, 0]
            spent[:len(found)] = found
            out["drills_budget_consumed"] = Spread.of(spent / budget).as_dict()
    return out


# ── OKRs ─────────────────────────────────────────────────────────────────────────────────────────────────────


def periods(scenario: Scenario) -> np.ndarray:
    """The OKR periods of one replication: [start, end) rows."""
    assert scenario.okrs is not None, "only a scenario with OKRs has their periods"
    length = scenario.okrs.period or scenario.horizon
    count = max(1, int(scenario.horizon // length + 1e-9))
    return np.array([[j * length, (j + 1) * length] for j in range(count)])


def key_result_values(result: KeyResult, table: IncidentTable, scenario: Scenario, replications: int) -> np.ndarray:
    """The key result's metric per replication (rows) and period (columns); NaN where a duration statistic has
    no incident to describe."""
    spans = periods(scenario)
    length = spans[0, 1] - spans[0, 0]
    if result.metric in ("availability", "error_budget"):
        bad = np.zeros((replications, len(spans)))
        found = bad_minutes(table, scenario, spans)
        bad[:len(found)] = found
        if result.metric == "availability":
            return 1.0 - bad / length
        assert scenario.slo is not None, "an error budget key result needs the scenario's SLO (checked on reading)"
        return bad / ((1 - scenario.slo.objective) * length)
    keep = np.ones(len(table), dtype=bool)
    if result.severities is not None:
        keep &= np.isin(table.severity, result.severities)
    period = np.floor(table.onset / length).astype(int)
    keep &= period < len(spans)
    if result.metric == "incidents":
        out = np.zeros((replications, len(spans)))
        np.add.at(out, (table.replication[keep], period[keep]), 1)
        return out
    start, end = _SPANS[result.metric]
    values = getattr(table, end) - getattr(table, start)
    keep &= ~np.isnan(values)
    out = np.full((replications, len(spans)), math.nan)
    reps, slots, kept = table.replication[keep], period[keep], values[keep]
    for r, j in set(zip(reps.tolist(), slots.tolist(), strict=True)):
        chosen = kept[(reps == r) & (slots == j)]
        out[r, j] = _statistic(chosen, result.statistic)
    return out


def _statistic(values: np.ndarray, statistic: str) -> float:
    if statistic == "mean":
        return float(values.mean())
    if statistic == "max":
        return float(values.max())
    return float(np.percentile(values, {"median": 50, "p90": 90, "p95": 95, "p99": 99}[statistic]))


def met(result: KeyResult, values: np.ndarray) -> np.ndarray:
    """Whether each period met the key result (a duration statistic with no incident meets it)."""
    limit = result.limit
    with np.errstate(invalid="ignore"):
        ok = values <= limit if result.upper else values >= limit
    return ok | np.isnan(values)


def okr_document(table: IncidentTable, scenario: Scenario, replications: int) -> dict | None:
    """Each key result's chance of being met per period, and the chance that all are."""
    if scenario.okrs is None:
        return None
    spans = periods(scenario)
    results, every = [], np.ones((replications, len(spans)), dtype=bool)
    for result in scenario.okrs.key_results:
        values = key_result_values(result, table, scenario, replications)
        ok = met(result, values)
        every &= ok
        typical = float(np.nanmedian(values)) if np.isfinite(values).any() else math.nan
        results.append({"name": result.label, "metric": result.metric, "statistic": result.statistic
                        if result.metric in DURATION_METRICS else None, "limit": result.limit,
                        "bound": "at most" if result.upper else "at least",
                        "typical": None if math.isnan(typical) else typical,
                        **Chance(int(ok.sum()), ok.size).as_dict()})
    return {"period_minutes": float(spans[0, 1] - spans[0, 0]), "periods_per_replication": len(spans),
            "key_results": results, "all": Chance(int(every.sum()), every.size).as_dict()}


def describe_limit(result: dict) -> str:
    """A key result's limit as people write it."""
    from simulator.units import format_duration

    if result["metric"] in DURATION_METRICS:
        return format_duration(result["limit"])
    if result["metric"] in ("availability", "error_budget"):
        return percent(result["limit"])
    return f"{result['limit']:g}"


__all__ = ["Chance", "Spread", "availability", "bad_minutes", "describe_limit", "impacts", "key_result_values",
           "met", "okr_document", "open_minutes", "periods", "reliability_document", "union_minutes"]
