"""Metrics, computed from the event log and nothing else.

Per incident (minutes since the start of its replication): onset, detected, declared, acknowledged,
mitigated (service restored), resolved (health confirmed) and cleaned_up; NaN where not reached before the
horizon (censored). From them:

    TTD  time to detect       = detected − onset
    TTA  time to acknowledge  = acknowledged − detected
    TTR  time to restore      = mitigated − onset
    TBF  time between failures = onset − previous onset in the same replication
    time to resolve           = resolved − onset

Statistics per metric pool the incidents of every replication. The 95% confidence interval of the mean
treats replications as the independent units (incidents within one replication share a queue): it is the
ratio estimator's interval, Σ values / Σ counts over replications, with Student's t on R − 1 degrees of
freedom.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from statistics import NormalDist

import numpy as np

from simulator.events import Event

TIMES = ("onset", "detected", "declared", "acknowledged", "mitigated", "resolved", "cleaned_up")
_ACTION_COLUMN = {"onset": "onset", "detected": "detected", "declared": "declared",
                  "acknowledged": "acknowledged", "mitigated": "mitigated", "resolved": "resolved",
                  "cleaned_up": "cleaned_up"}

METRICS = {
    "mttd": ("MTTD", "time to detect", "onset → first alert"),
    "mtta": ("MTTA", "time to acknowledge", "alert → a responder acknowledges"),
    "mttr": ("MTTR", "time to restore", "onset → service restored"),
    "mtbf": ("MTBF", "time between failures", "onset → next onset"),
    "time_to_resolve": ("Time to resolve", "time to resolve", "onset → health confirmed"),
}
"""Metric key → (label, what it is, from → to)."""


@dataclass(frozen=True)
class IncidentTable:
    """One row per incident per replication, as columns (numpy arrays of equal length)."""

    replication: np.ndarray
    incident: np.ndarray
    mode: np.ndarray
    cause: np.ndarray
    severity: np.ndarray
    channel: np.ndarray
    responder: np.ndarray
    mitigation: np.ndarray
    escalated: np.ndarray
    waited: np.ndarray
    onset: np.ndarray
    detected: np.ndarray
    declared: np.ndarray
    acknowledged: np.ndarray
    mitigated: np.ndarray
    resolved: np.ndarray
    cleaned_up: np.ndarray

    def __len__(self) -> int:
        return len(self.replication)

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def concat(cls, tables: Iterable[IncidentTable]) -> IncidentTable:
        tables = list(tables)
        if not tables:
            return incident_table([])
        return cls(**{name: np.concatenate([getattr(t, name) for t in tables]) for name in cls.columns()})

    def rows(self) -> Iterable[dict]:
        cols = {name: getattr(self, name).tolist() for name in self.columns()}
        for i in range(len(self)):
            yield {name: values[i] for name, values in cols.items()}


_TEXT = ("mode", "cause", "severity", "channel", "responder", "mitigation")


def incident_table(events: Iterable[Event]) -> IncidentTable:
    """Reduce an event log (of any number of replications) to one row per incident."""
    rows: dict[tuple[int, int], dict] = {}
    for event in events:
        key = (event.replication, event.incident)
        row = rows.get(key)
        if row is None:
            row = rows[key] = {"replication": event.replication, "incident": event.incident,
                               "escalated": False, "waited": math.nan, "responder": "", "mitigation": "",
                               "channel": "", "mode": "", "cause": "", "severity": ""}
        action = event.action
        column = _ACTION_COLUMN.get(action)
        if column:
            row[column] = event.time
        if action == "onset":
            row.update(mode=event.detail["mode"], cause=event.detail["cause"], severity=event.detail["severity"])
        elif action == "detected":
            row["channel"] = event.detail["channel"]
        elif action == "page_delivered":
            row["waited"] = event.detail["waited"]
        elif action == "escalated":
            row["escalated"] = True
        elif action == "acknowledged":
            row["responder"] = event.actor
        elif action == "mitigated":
            row["mitigation"] = event.detail["mitigation"]
    ordered = [rows[key] for key in sorted(rows)]
    data = {}
    for name in IncidentTable.columns():
        if name in _TEXT:
            data[name] = np.array([r[name] for r in ordered], dtype=object)
        elif name in ("replication", "incident"):
            data[name] = np.array([r[name] for r in ordered], dtype=np.int64)
        elif name == "escalated":
            data[name] = np.array([r[name] for r in ordered], dtype=bool)
        else:
            data[name] = np.array([r.get(name, math.nan) for r in ordered], dtype=float)
    return IncidentTable(**data)


def metric_values(table: IncidentTable, metric: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(values, their replication numbers, how many incidents are censored) for one metric."""
    if metric == "mtbf":
        order = np.lexsort((table.onset, table.replication))
        rep, onset = table.replication[order], table.onset[order]
        same = rep[1:] == rep[:-1]
        return (onset[1:] - onset[:-1])[same], rep[1:][same], 0
    start, end = {"mttd": ("onset", "detected"), "mtta": ("detected", "acknowledged"),
                  "mttr": ("onset", "mitigated"), "time_to_resolve": ("onset", "resolved")}[metric]
    values = getattr(table, end) - getattr(table, start)
    reached = ~np.isnan(values)
    return values[reached], table.replication[reached], int(np.count_nonzero(~reached))


@dataclass(frozen=True)
class Stats:
    """Statistics of one metric in minutes (NaN where there are no values)."""

    count: int
    censored: int
    mean: float
    median: float
    p90: float
    p95: float
    p99: float
    max: float
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict:
        return {f.name: (None if isinstance(v, float) and math.isnan(v) else v)
                for f in fields(self) for v in [getattr(self, f.name)]}


def t_quantile(p: float, dof: int) -> float:
    """Student's t quantile (exact for 1 and 2 degrees of freedom, Cornish–Fisher beyond: error < 1e-4)."""
    if dof <= 0:
        return math.nan
    if dof == 1:
        return math.tan(math.pi * (p - 0.5))
    if dof == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / dof + g2 / dof**2 + g3 / dof**3 + g4 / dof**4


def mean_ci(values: np.ndarray, replication: np.ndarray, replications: int,
            level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): pooled mean with the ratio estimator's interval over `replications` replications."""
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if replications < 2:
        return mean, math.nan, math.nan
    _, index = np.unique(replication, return_inverse=True)
    totals = np.bincount(index, weights=values)
    counts = np.bincount(index).astype(float)
    residual = totals - mean * counts  # replications without values contribute zero residuals
    mean_count = len(values) / replications
    variance = float(np.sum(residual**2)) / (replications * (replications - 1)) / mean_count**2
    half = t_quantile(0.5 + level / 2, replications - 1) * math.sqrt(variance)
    return mean, mean - half, mean + half


def stats(values: np.ndarray, replication: np.ndarray, replications: int, censored: int = 0) -> Stats:
    if len(values) == 0:
        nan = math.nan
        return Stats(0, censored, nan, nan, nan, nan, nan, nan, nan, nan)
    mean, low, high = mean_ci(values, replication, replications)
    p50, p90, p95, p99 = np.percentile(values, [50, 90, 95, 99]).tolist()
    return Stats(len(values), censored, mean, p50, p90, p95, p99, float(values.max()), low, high)


def summarize(table: IncidentTable, replications: int) -> dict[str, Stats]:
    """Statistics of every metric, keyed as in METRICS."""
    out = {}
    for metric in METRICS:
        values, reps, censored = metric_values(table, metric)
        out[metric] = stats(values, reps, replications, censored)
    return out
