"""Replications: play a scenario many times and reduce each replication's log to incident rows as it goes.

`simulate` returns a `Results`: the incident table of every replication (small), and the full event log only
when asked for (large). Replication r always uses the random streams of index r, so results do not depend
on how the work is split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from simulator.engine import play
from simulator.events import Event
from simulator.metrics import IncidentTable, Stats, incident_table, summarize
from simulator.policy import AutomaticPolicy
from simulator.scenario.model import Scenario

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Results:
    """What a simulation produced. `events` is None unless the run kept the event log."""

    scenario: Scenario
    seed: int
    replications: int
    incidents: IncidentTable
    events: tuple[Event, ...] | None

    def summary(self) -> dict[str, Stats]:
        return summarize(self.incidents, self.replications)


def replicate(scenario: Scenario, seed: int, first: int, stop: int,
              policy=AutomaticPolicy) -> Iterator[list[Event]]:
    """The event logs of replications first..stop-1, one list per replication."""
    for replication in range(first, stop):
        yield play(scenario, seed, replication, policy)


def simulate(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
             keep_events: bool = True, policy=AutomaticPolicy, progress: Progress | None = None) -> Results:
    """Play `scenario` `replications` times (default: the scenario's) from `seed` (default: the scenario's)."""
    replications = scenario.replications if replications is None else replications
    seed = scenario.seed if seed is None else seed
    tables, kept = [], []
    for done, log in enumerate(replicate(scenario, seed, 0, replications, policy), 1):
        tables.append(incident_table(log))
        if keep_events:
            kept.extend(log)
        if progress:
            progress(done)
    return Results(scenario, seed, replications, IncidentTable.concat(tables),
                   tuple(kept) if keep_events else None)
