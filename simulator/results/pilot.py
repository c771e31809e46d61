"""A short pilot of a scenario's first replications, to size a run before it starts: the incidents and events a
replication brings (simulator.outputs.folders.expected_bytes turns them into bytes on disk).

The failure modes' mean rates alone miss what moves the count: profiles by time of day, load peaks,
deployments and their change failure rate, practices whose action items lower the rates as a run goes on,
drills, and the deployment pipeline's own events. The bundled learning loop brings half the incidents its
rates say, the maturity ladder a seventh more. A pilot counts them as the run will, in a tenth of a second
for the default scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.scenario.model import Scenario

PILOT_INCIDENTS = 2_000
"""About how many incidents a pilot plays, in at most `PILOT_REPLICATIONS` replications and at least one."""
PILOT_REPLICATIONS = 20


@dataclass(frozen=True)
class Pilot:
    """Per replication, each an upper bound (the pilot's mean plus three standard errors; half as much again
    from a pilot of one replication): incidents, the events of incidents, and the deployment pipeline's events
    (incident 0's)."""

    incidents: float
    incident_events: float
    pipeline_events: float


_last: tuple[Scenario, int, Pilot] | None = None
"""The last pilot: a run sizes itself twice (its progress line, its check for free space)."""


def pilot(scenario: Scenario, replications: int) -> Pilot:
    """The pilot of a run of `replications` of `scenario`: its first replications, under the scenario's seed and
    automatic policy, no more of them than the run has."""
    global _last
    from simulator.engine.policy import AutomaticPolicy
    from simulator.results.runner import TABLE_EVENTS, expected_incidents, play_chunk

    count = max(1, min(replications, PILOT_REPLICATIONS,
                       math.ceil(PILOT_INCIDENTS / max(expected_incidents(scenario), 1.0))))
    if _last is not None and _last[0] is scenario and _last[1] == count:
        return _last[2]
    table, _, _, events = play_chunk(scenario, AutomaticPolicy, scenario.seed, 0, count, TABLE_EVENTS,
                                     oncall_load=False)
    logged = events.column("replication").to_numpy()
    of_pipeline = events.column("incident").to_numpy() == 0
    found = Pilot(_upper(np.bincount(table.replication, minlength=count)),
                  _upper(np.bincount(logged[~of_pipeline], minlength=count)),
                  _upper(np.bincount(logged[of_pipeline], minlength=count)))
    _last = (scenario, count, found)
    return found


def _upper(per_replication: np.ndarray) -> float:
    """The mean per replication plus three standard errors (half as much again as one replication's count)."""
    if len(per_replication) < 2:
        return 1.5 * float(per_replication.sum())
    return float(per_replication.mean() + 3 * per_replication.std(ddof=1) / math.sqrt(len(per_replication)))
