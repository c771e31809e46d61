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

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.engine import detection, learning, mitigation, resolution, response
from simulator.engine.cards import Card
from simulator.policy import AutomaticPolicy, Policy, Situation
from simulator.scenario.model import MITIGATIONS

if TYPE_CHECKING:
    import simpy

    from simulator.engine.responders import OnCallPool
    from simulator.scenario.model import Scenario

Record = tuple[float, int, int, str, str, str, "dict[str, Any] | None"]
"""An event of the log as a plain tuple, in the field order of events.Event (which it becomes on the way out)."""


@dataclass(slots=True)
class Incident:
    """A live incident: its number, its dice and the state it has reached."""

    number: int
    card: Card
    state: str = "failing"
    phase: str = "detection"
    responder: str = ""


class Rules:
    """What stays the same for every incident of a scenario under one policy, worked out once.

    A policy that is exactly `AutomaticPolicy` answers from the scenario alone (declare after the drawn delay,
    escalate after the team's timeout, try the offered mitigations in the configured order), so its answers
    are asked once per failure mode here instead of at every decision point. Any other policy is asked live,
    with the incident's situation, every time.
    """

    __slots__ = ("escalate_after", "postmortem_severities", "secondary", "sequences")

    def __init__(self, scenario: Scenario, policy: Policy):
        self.secondary = scenario.team.secondary.name
        self.postmortem_severities = frozenset(scenario.policy.postmortem.severities)
        self.escalate_after: float | None = None
        self.sequences: dict[str, tuple[str, ...]] | None = None
        if type(policy) is AutomaticPolicy:
            self.escalate_after = scenario.team.escalate_after
            self.sequences = {mode.name: _sequence(policy, mode) for mode in scenario.failure_modes}


def _sequence(policy: Policy, mode) -> tuple[str, ...]:
    """The mitigations `policy` tries on `mode`, in order, when each fails: ends with debug, which always works."""
    offered = tuple(name for name in MITIGATIONS if getattr(mode.mitigations, name) is not None)
    tried: list[str] = []
    while True:
        choice = policy.next_mitigation(Situation(0, 0.0, mode.name, "", "", offered, tuple(tried)))
        if choice not in offered or choice in tried:
            choice = "debug"
        tried.append(choice)
        if choice == "debug":
            return tuple(tried)


@dataclass(slots=True)
class Drill:
    """What every incident process of one replication shares: clock, log, pool, policy, people."""

    env: simpy.Environment
    scenario: Scenario
    policy: Policy
    pool: OnCallPool
    replication: int
    names: tuple[str, ...]
    log: Any = field(default_factory=list)
    """A list of Records, or anything else with `append`; a log with an `ignores` set of actions (such as
    metrics.IncidentRows) is not sent those actions at all."""
    rules: Rules | None = None
    ignores: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self):
        if self.rules is None:
            self.rules = Rules(self.scenario, self.policy)
        self.ignores = frozenset(getattr(self.log, "ignores", ()))

    def record(self, incident: Incident, action: str, actor: str = "system",
               detail: dict[str, Any] | None = None) -> None:
        if action in self.ignores:
            return
        self.log.append((self.env.now, self.replication, incident.number, incident.phase, action, actor, detail))

    # The three decisions: fixed answers when the rules have them, otherwise the policy is asked.

    def declare_after(self, incident: Incident) -> float:
        if self.rules.sequences is not None:
            return incident.card.declare_after
        return self.policy.declare_after(detection.situation(self, incident), incident.card.declare_after)

    def escalate_after(self, incident: Incident) -> float:
        fixed = self.rules.escalate_after
        return fixed if fixed is not None else self.policy.escalate_after(detection.situation(self, incident))

    def mitigations(self, incident: Incident) -> Iterator[str]:
        """The mitigations to try, one at a time; the next is chosen only once the previous one has failed."""
        sequences = self.rules.sequences
        if sequences is not None:
            return iter(sequences[incident.card.mode.name])
        return self._ask_mitigations(incident)

    def _ask_mitigations(self, incident: Incident) -> Iterator[str]:
        offered = incident.card.mitigation_time
        tried: list[str] = []
        while True:
            choice = self.policy.next_mitigation(detection.situation(self, incident, tried))
            if choice not in offered or choice in tried:
                choice = "debug"  # a policy that names nothing usable falls back on the option that always works
            yield choice
            tried.append(choice)


def lifecycle(env: simpy.Environment, drill: Drill, incident: Incident):
    """The runbook, top to bottom."""
    yield env.timeout(incident.card.onset - env.now)
    yield from detection.detect_and_declare(env, drill, incident)
    held = yield from response.respond(env, drill, incident)
    yield from mitigation.mitigate(env, drill, incident)
    yield from resolution.resolve(env, drill, incident, held)
    yield from learning.learn(env, drill, incident)
