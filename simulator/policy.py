"""Decisions at the decision points of an incident, behind one interface.

The engine asks; a policy answers. `AutomaticPolicy` answers from the scenario (and the dice already thrown
for the incident); a trainer's interactive policy can ask a person at a terminal instead, and the engine
cannot tell the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from simulator.scenario.model import MitigationName, Scenario


@dataclass(frozen=True, slots=True)
class Situation:
    """What a decision-maker knows about an incident at a decision point."""

    incident: int
    now: float
    mode: str
    severity: str
    channel: str
    offered: tuple[MitigationName, ...]
    tried: tuple[MitigationName, ...] = ()


class Policy(Protocol):
    """The three decisions of the lifecycle. Times are minutes."""

    def declare_after(self, situation: Situation, drawn: float) -> float:
        """How long after detection to declare the incident (`drawn` is the scenario's draw for it)."""

    def escalate_after(self, situation: Situation) -> float:
        """How long to wait for an acknowledgement before escalating the page."""

    def next_mitigation(self, situation: Situation) -> MitigationName:
        """Which mitigation to try next, given what has been tried; must be one of `situation.offered`."""


class AutomaticPolicy:
    """Plays the scenario's policy as written: declare after the drawn delay, escalate after the team's
    timeout, try mitigations in the configured order and debug live when nothing else is left."""

    def __init__(self, scenario: Scenario):
        self._order = scenario.policy.mitigation_order
        self._escalate_after = scenario.team.escalate_after

    def declare_after(self, situation: Situation, drawn: float) -> float:
        return drawn

    def escalate_after(self, situation: Situation) -> float:
        return self._escalate_after

    def next_mitigation(self, situation: Situation) -> MitigationName:
        for name in self._order:
            if name in situation.offered and name not in situation.tried:
                return name
        return "debug"
