"""One incident as a SimPy process walking the four lifecycle phases, and the states it moves through.

The states of an incident and how it moves between them (each move is an event in the log):

    failing ──detected──▶ detected ──declared──▶ declared ──paged──▶ paged
      (waits for a channel)   (waits to declare)          (the pager notifies level after level; everyone
                                                           notified can still answer: page_delivered,
                                                           page_missed, escalated)
    paged ──acknowledged──▶ responding ──roles_assembled──▶ mitigating
    mitigating ──mitigation_failed──▶ mitigating (the next option) ──mitigated──▶ restored
    responding, mitigating or restored ──preempted──▶ preempted ──resumed──▶ as before (a SEV1 took the
                                                           responder; the work goes on where it stopped)
    responding, mitigating or restored ──handover──▶ the same state (a shift ended; the incoming person works on)
    restored ──resolved──▶ resolved ──cleaned_up──▶ cleaned up ──postmortem_held──▶ closed
                                                   (or postmortem_skipped at clean-up: closed at once)
    resolved ──reopened──▶ reopened ──resumed──▶ mitigating (resolved on anecdote, it was not healthy after all)
    resolved ──cleanup_skipped──▶ resolved (the temporary fixes stay in place; the postmortem closes it)

Along the way `status_update` events tell stakeholders how it goes (from declaration until restoration), and
`stood_down` events mark each person's release from the incident. An incident still short of `closed` when
the horizon comes is logged `open_at_horizon` with its state, so that every metric it has not reached yet is
counted as censored, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simpy.events import Process

    from simulator.dice import IncidentDice
    from simulator.engine.chain import Chain
    from simulator.engine.people import Page
    from simulator.engine.rules import ModeRules


class State(StrEnum):
    """Where an incident stands. The report reads these from `open_at_horizon` events."""

    FAILING = "failing"
    DETECTED = "detected"
    DECLARED = "declared"
    PAGED = "paged"
    RESPONDING = "responding"
    MITIGATING = "mitigating"
    PREEMPTED = "preempted"
    RESTORED = "restored"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLEANED_UP = "cleaned up"
    CLOSED = "closed"


STATE_AFTER = {
    "onset": State.FAILING, "detected": State.DETECTED, "declared": State.DECLARED, "paged": State.PAGED,
    "acknowledged": State.RESPONDING, "roles_assembled": State.MITIGATING, "mitigation_started": State.MITIGATING,
    "preempted": State.PREEMPTED, "resumed": State.MITIGATING, "mitigated": State.RESTORED,
    "resolved": State.RESOLVED, "reopened": State.REOPENED, "cleaned_up": State.CLEANED_UP,
    "postmortem_held": State.CLOSED, "postmortem_skipped": State.CLOSED,
}
"""The state each action leads to (actions not named here leave the state as it was)."""


@dataclass(slots=True, eq=False)
class Incident:
    """A live incident: its number, its failure mode, its dice and how far it has come."""

    number: int
    onset: float
    rules: ModeRules
    severity: str
    rank: int  # 1 for SEV1
    dice: IncidentDice
    state: State = State.FAILING
    declared: float = 0.0
    restored: float | None = None
    responder: int | None = None  # the person working it (index into the roster), once acknowledged
    level: int = 0  # the escalation level of the responder
    commander: int | None = None  # a separate Incident Commander, if one took the role
    comms: int | None = None  # a separate Comms lead, if one took the role
    abstract_roles: bool = True  # no `roles` in the scenario: Ops, Comms and Scribe join as unnamed people
    pages: int = 0  # pages opened (the first, then one per resumption)
    preemptible: bool = False  # its responder is at work on it, and may be taken by a more severe incident
    handovers: int = 0
    since: dict[int, float] = field(default_factory=dict)  # person → when they started working on it
    chain: Chain | None = None
    process: Process | None = None
    # In a drill (a person decides): the page under way, who sends the stakeholder updates once the roles are
    # in place (the Comms lead's name, or "" for the Incident Commander; None before), and how far
    # investigating has got (minutes spent, clues found).
    page: Page | None = None
    comms_by: str | None = None
    investigated: float = 0.0
    clues: int = 0

    @property
    def mode(self):
        return self.rules.mode
