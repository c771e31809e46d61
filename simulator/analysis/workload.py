"""What explains a change in the time metrics: pages that waited for a free responder, pages that escalated,
and the hours people spent held by incidents. Computed from the incident table, per replication.

    pages               incidents whose page someone acknowledged
    waited              pages whose answer had to wait for the person who gave it to be free (more than a
                        second); their share of the pages, and how long those waited on average
    escalated           pages that went past the first escalation level; their share of the pages
    responder-hours     per replication: the hours people spent working incidents, every role counted, from
                        taking an incident up to standing down (the `held` column); an incident still open at
                        the horizon holds its people until the horizon

Shares are ratio estimators over replications (Σ counts ÷ Σ pages), with the interval of `metrics.mean_ci`;
responder-hours per replication have Student's t interval over replications. "A third responder changes
nothing" reads right only beside "because no page waited": that is what these numbers are for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from simulator.results.metrics import IncidentTable, mean_ci

WAITED = 1 / 60
"""A page counts as having waited when it waited longer than this (minutes): a second."""


@dataclass(frozen=True)
class Estimate:
    """A value with its 95% interval (NaN where there is nothing to estimate from)."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, triple: tuple[float, float, float]) -> Estimate:
        return cls(*triple)

    @classmethod
    def share(cls, triple: tuple[float, float, float]) -> Estimate:
        """A share's estimate, its interval kept between 0 and 1."""
        value, low, high = triple
        return cls(value, low if math.isnan(low) else max(low, 0.0), high if math.isnan(high) else min(high, 1.0))


@dataclass(frozen=True)
class Workload:
    """The on-call load of one run."""

    replications: int
    horizon: float
    pages: int
    waited: int
    escalated: int
    waited_share: Estimate
    mean_wait: float  # minutes, over the pages that waited
    escalated_share: Estimate
    responder_hours: Estimate  # per replication

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Estimate):
                value = {"value": value.value, "low": value.low, "high": value.high}
                value = {k: None if math.isnan(v) else v for k, v in value.items()}
            elif isinstance(value, float) and math.isnan(value):
                value = None
            out[f.name] = value
        return out


def held_minutes(table: IncidentTable, horizon: float) -> np.ndarray:
    """Person-minutes people spent working each incident (0 when nobody took it up before the horizon)."""
    return np.nan_to_num(table.held, nan=0.0)


def workload(table: IncidentTable, replications: int, horizon: float) -> Workload:
    """The on-call load of a run of `replications` replications of `horizon` minutes each."""
    paged = ~np.isnan(table.waited)
    rep = table.replication[paged]
    waits = table.waited[paged]
    did_wait = waits > WAITED
    escalated = table.escalated[paged]
    hours = per_replication(table, replications, horizon)["responder_hours"]
    return Workload(
        replications=replications,
        horizon=horizon,
        pages=int(paged.sum()),
        waited=int(did_wait.sum()),
        escalated=int(escalated.sum()),
        waited_share=Estimate.share(mean_ci(did_wait.astype(float), rep, replications)),
        mean_wait=float(waits[did_wait].mean()) if did_wait.any() else math.nan,
        escalated_share=Estimate.share(mean_ci(escalated.astype(float), rep, replications)),
        # one sum per replication, not heavy-tailed durations: no lognormal interval
        responder_hours=Estimate.of(mean_ci(hours, np.arange(replications), replications, lognormal=False)),
    )


def per_replication(table: IncidentTable, replications: int, horizon: float) -> dict[str, np.ndarray]:
    """Each replication's pages, pages that waited, pages that escalated and responder-hours, for tidy rows."""
    paged = ~np.isnan(table.waited)

    def count(rows: np.ndarray) -> np.ndarray:
        return np.bincount(table.replication[rows], minlength=replications)[:replications]

    return {
        "pages": count(paged),
        "pages_waited": count(paged & (np.nan_to_num(table.waited) > WAITED)),
        "pages_escalated": count(paged & table.escalated),
        "responder_hours": np.bincount(table.replication, weights=held_minutes(table, horizon) / 60,
                                       minlength=replications)[:replications],
    }
