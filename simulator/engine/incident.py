"""One incident as a SimPy process walking the four lifecycle phases.

The states of an incident and how it moves between them (each move is an event in the log):

    failing ──detected──▶ detected ──declared──▶ declared ──page_delivered──▶ paged
      (waits for a channel)     (waits to declare)        (waits for a free responder)
    paged ──acknowledged──▶ responding ──mitigated──▶ restored ──resolved──▶ resolved
      (page_missed/escalated on the way)   (mitigation_started / mitigation_failed repeat)
    resolved ──cleaned_up──▶ cleaned up ──postmortem_held / postmortem_skipped──▶ closed

An incident still short of `closed` when the horizon comes is logged `open_at_horizon` with its state, so
that every metric it has not reached yet is counted as censored, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.engine import detection, learning, mitigation, resolution, response
from simulator.engine.cards import Card
from simulator.events import Event
from simulator.policy import Policy

if TYPE_CHECKING:
    import simpy

    from simulator.scenario.model import Scenario


@dataclass(slots=True)
class Incident:
    """A live incident: its number, its dice and the state it has reached."""

    number: int
    card: Card
    state: str = "failing"
    phase: str = "detection"
    responder: str = ""


@dataclass(slots=True)
class Drill:
    """What every incident process of one replication shares: clock, log, pool, policy, people."""

    env: simpy.Environment
    scenario: Scenario
    policy: Policy
    pool: simpy.Store
    replication: int
    names: tuple[str, ...]
    log: list[Event] = field(default_factory=list)

    def record(self, incident: Incident, action: str, actor: str = "system",
               detail: dict[str, Any] | None = None) -> None:
        self.log.append(Event(self.env.now, self.replication, incident.number, incident.phase, action,
                              actor, detail))


def lifecycle(env: simpy.Environment, drill: Drill, incident: Incident):
    """The runbook, top to bottom."""
    yield env.timeout(incident.card.onset - env.now)
    yield from detection.detect_and_declare(env, drill, incident)
    held = yield from response.respond(env, drill, incident)
    yield from mitigation.mitigate(env, drill, incident)
    yield from resolution.resolve(env, drill, incident, held)
    yield from learning.learn(env, drill, incident)
