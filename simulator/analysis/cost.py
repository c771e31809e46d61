"""What incidents cost the business: the users they affected and the cost of their downtime, from the incident
table and the scenario's `users` and `downtime_cost` (simulator.scenario.business).

Each incident is open from its onset until service is restored for good (its final restoration; to the end of
the period when it was not restored). Its failure mode fails a share `impact` of requests all along, so

    users affected   impact × ∫ users per hour ÷ 60 over the minutes it was open
    cost             impact × ∫ cost per minute of full outage over the minutes it was open

the rates taken at the time of day (and day of the week) the minutes fell. A constant-impact outage of known
duration at a constant rate costs exactly impact × duration × rate.

Each figure is described per incident (over the incidents of all replications) and per period (each
replication is one period, the horizon: its incidents' sum), as the mean with its 95% t interval (per period),
the median, and the 90th and 99th percentiles. Drills, started on purpose, are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.analysis import paired
from simulator.analysis.paired import MinEffect
from simulator.results.incidents import IncidentTable
from simulator.results.metrics import t_quantile
from simulator.scenario.model import Scenario

LEVEL = 0.95
FIGURES = ("users_affected", "cost")
LABELS = {"users_affected": "users affected", "cost": "cost of downtime"}


def priced(scenario: Scenario) -> bool:
    """Whether the scenario gives users or a cost of downtime, so that there is something to report."""
    return scenario.users is not None or scenario.downtime_cost is not None


def impacts(table: IncidentTable, scenario: Scenario) -> np.ndarray:
    """Each incident's share of requests failing (its failure mode's impact)."""
    shares = {mode.name: mode.share_failing for mode in scenario.failure_modes}
    codes, categories = table.codes("mode")
    lookup = np.array([shares.get(name, 1.0) for name in categories], dtype=float)
    return lookup[codes] if len(categories) else np.zeros(len(table))


def open_spans(table: IncidentTable, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """(onset, final restoration) of each incident in minutes; the horizon where it was not restored by then."""
    start = np.minimum(table.onset, horizon)
    end = np.where(np.isnan(table.mitigated), horizon, np.minimum(table.mitigated, horizon))
    return start, np.maximum(end, start)


def incident_figures(table: IncidentTable, scenario: Scenario) -> dict[str, np.ndarray]:
    """Per incident, each figure the scenario can give: users affected (with `users`) and cost (with
    `downtime_cost`)."""
    calendar, horizon = scenario.calendar, scenario.horizon
    start, end = open_spans(table, horizon)
    share = impacts(table, scenario)
    out = {}
    if scenario.users is not None:
        users = scenario.users.steps(calendar, horizon)
        out["users_affected"] = share * (users.cumulative(end) - users.cumulative(start)) / 60.0
    if scenario.downtime_cost is not None:
        cost = scenario.downtime_cost.steps(calendar, horizon)
        out["cost"] = share * (cost.cumulative(end) - cost.cumulative(start))
    return out


def per_period(values: np.ndarray, replication: np.ndarray, replications: int) -> np.ndarray:
    """Each replication's sum."""
    return np.bincount(replication, weights=values, minlength=replications)[:replications]


@dataclass(frozen=True)
class Spread:
    """A figure's distribution: the mean (with its t interval, over replications) and quantiles."""

    mean: float
    ci_low: float
    ci_high: float
    median: float
    p90: float
    p99: float

    @classmethod
    def of(cls, values: np.ndarray, interval: bool = True, level: float = LEVEL) -> Spread:
        n = len(values)
        if not n:
            return cls(*[math.nan] * 6)
        mean = float(values.mean())
        half = (t_quantile(0.5 + level / 2, n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
                if interval and n > 1 else math.nan)
        median, p90, p99 = np.percentile(values, [50, 90, 99]).tolist()
        return cls(mean, mean - half, mean + half, median, p90, p99)

    def as_dict(self) -> dict:
        return {key: (None if math.isnan(value) else value) for key, value in self.__dict__.items()}


def per_period_figures(table: IncidentTable, scenario: Scenario, replications: int) -> dict[str, np.ndarray]:
    """Per replication (one period, the horizon), each figure the scenario can give."""
    return {name: per_period(values, table.replication, replications)
            for name, values in incident_figures(table, scenario).items()}


@dataclass(frozen=True)
class Paired:
    """A figure per period of a variant against the baseline's, replication by replication (common random
    numbers): the difference of the means and its 95% t interval, judged as compare judges a metric
    (paired.verdict; lower is better) against `min_effect`, the smallest difference that matters in the figure's
    unit."""

    baseline: float
    value: float
    difference: float
    low: float
    high: float
    min_effect: float = 0.0

    @classmethod
    def of(cls, baseline: np.ndarray, other: np.ndarray, level: float = LEVEL,
           min_effect: MinEffect | None = None) -> Paired:
        """`min_effect`: its figure_threshold of the baseline's mean (none: any difference matters)."""
        delta = other - baseline
        n = len(delta)
        mean = float(delta.mean()) if n else math.nan
        half = t_quantile(0.5 + level / 2, n - 1) * float(delta.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
        base = float(baseline.mean()) if n else math.nan
        threshold = min_effect.figure_threshold(base) if min_effect is not None else 0.0
        return cls(base, float(other.mean()) if n else math.nan, mean, mean - half, mean + half, threshold)

    @property
    def verdict(self) -> str:
        return paired.verdict(self.difference, self.low, self.high, self.min_effect)

    def as_dict(self) -> dict:
        out = {key: (None if math.isnan(value) else value) for key, value in self.__dict__.items()}
        return {**out, "verdict": self.verdict}


def cost_document(table: IncidentTable, scenario: Scenario, replications: int) -> dict | None:
    """The cost section of summary.json (None when the scenario gives neither users nor a cost of downtime)."""
    if not priced(scenario):
        return None
    found = incident_figures(table, scenario)
    shares = {mode.name: mode.share_failing for mode in scenario.failure_modes}
    out: dict = {
        "per": "replication",
        "period_minutes": scenario.horizon,
        "counted": "impact × rate over each incident's onset → final restoration (to the horizon when not restored)",
        "users_unit": scenario.users.unit if scenario.users is not None else None,
        "currency": scenario.downtime_cost.currency if scenario.downtime_cost is not None else None,
        "impact": shares,
    }
    modes = table.mode if len(table) else np.array([], dtype=object)
    for name in FIGURES:
        values = found.get(name)
        if values is None:
            out[name] = None
            continue
        out[name] = {"per_period": Spread.of(per_period(values, table.replication, replications)).as_dict(),
                     "per_incident": Spread.of(values, interval=False).as_dict(),
                     "by_mode": {mode: float(values[modes == mode].sum() / replications) for mode in shares}}
    return out


def cost_comparison(results: dict, baseline: str, min_effect: MinEffect | None = None) -> dict | None:
    """Per variant, users affected and cost per period (distributions), and each variant's paired difference from
    the baseline (replication by replication: every variant met the same failures), judged against `min_effect`'s
    figure_threshold (default: MIN_EFFECT's), which `min_effect` names."""
    effect = min_effect if min_effect is not None else paired.parse_min_effect(None)
    base = results[baseline]
    if not priced(base.scenario):
        return None
    from simulator.results.incidents import organic

    per = {name: per_period_figures(organic(found.incidents), found.scenario, found.replications)
           for name, found in results.items()}
    figures = [name for name in FIGURES if name in per[baseline]]
    return {
        "per": "replication", "period_minutes": base.scenario.horizon,
        "users_unit": base.scenario.users.unit if base.scenario.users is not None else None,
        "currency": base.scenario.downtime_cost.currency if base.scenario.downtime_cost is not None else None,
        "variants": {name: {figure: Spread.of(found[figure]).as_dict() for figure in figures if figure in found}
                     for name, found in per.items()},
        "min_effect_share": effect.figure_share,
        "differences": {name: {figure: Paired.of(per[baseline][figure], found[figure], min_effect=effect).as_dict()
                               for figure in figures if figure in found}
                        for name, found in per.items() if name != baseline},
    }


PEOPLE_FIGURES = ("pages", "sleep_pages", "interrupted_nights", "hours_held", "pay")
"""What `compare` shows per person: pages, pages in their sleep, interrupted nights, hours held, on-call pay."""


def people_comparison(results: dict, baseline: str) -> dict:
    """Per person (everyone any variant pages) and variant: each of PEOPLE_FIGURES' mean per period, and the
    paired difference from the baseline (zero for a person a variant does not have)."""
    loads = {name: found.load for name, found in results.items() if found.load is not None}
    if baseline not in loads:
        return {}
    people: list[str] = []
    for load in loads.values():
        people += [person for person in load.people if person not in people]

    def column(load, figure: str, person: str) -> np.ndarray:
        if person not in load.people or figure not in load.figures:
            return np.zeros(load.replications)
        return load.figures[figure][:, load.people.index(person)]

    out: dict = {}
    for person in people:
        rows = {}
        for name, load in loads.items():
            row: dict[str, Any] = {}
            for figure in PEOPLE_FIGURES:
                values = column(load, figure, person)
                row[figure] = float(values.mean()) if len(values) else 0.0
                if name != baseline:
                    row[f"{figure}_difference"] = Paired.of(column(loads[baseline], figure, person),
                                                            values).as_dict()
            rows[name] = row
        out[person] = rows
    return out


__all__ = ["FIGURES", "LABELS", "PEOPLE_FIGURES", "Paired", "Spread", "cost_comparison", "cost_document", "impacts",
           "incident_figures", "open_spans", "people_comparison", "per_period", "per_period_figures", "priced"]
