"""Decisions at the decision points of an incident, behind one interface.

The engine asks; a policy answers. `AutomaticPolicy` answers from the scenario (and the dice already thrown
for the incident); a trainer's interactive policy can ask a person at a terminal instead, and the engine
cannot tell the difference. The engine knows `AutomaticPolicy`'s answers in advance and plays them without
asking; any other policy is asked at the moment each decision arises.

A drill (simulator.engine.session) plays a person's decisions through the same interface: a `LivePolicy`
(`live = True`) is posed each decision as a question (`pose`) when it arises, the clock stops until the person
has made it, and the policy then answers what the person chose. Every policy says whether it is live; the engine
reads nothing else of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from simulator.scenario.model import Scenario

if TYPE_CHECKING:
    from simulator.engine.world import Question


@dataclass(frozen=True, slots=True)
class Situation:
    """What a decision-maker knows about an incident at a decision point. `mode` is the scenario's name of the
    failure, which the scenario's own policy may go by (its mitigation order); responders do not know it until
    they have diagnosed the failure, and a drill never shows it to a trainee before then."""

    incident: int
    now: float
    mode: str
    severity: str
    channel: str
    offered: tuple[str, ...]
    tried: tuple[str, ...] = ()
    level: int = 0
    """The escalation level paged so far (0 for the first)."""


class Policy(Protocol):
    """The decisions of the lifecycle. Times are minutes."""

    live: ClassVar[bool]
    """Whether a person decides (then the policy is a `LivePolicy`): each decision waits for them."""

    def declare_after(self, situation: Situation, drawn: float) -> float:
        """How long after detection to declare the incident (`drawn` is the scenario's draw for it)."""

    def declare_severity(self, situation: Situation) -> str:
        """The severity to declare the incident at (`situation.severity` is the failure's own)."""

    def escalate_after(self, situation: Situation) -> float:
        """How long to wait for an acknowledgement at `situation.level` before notifying the next level."""

    def next_mitigation(self, situation: Situation) -> str:
        """Which mitigation to try next, given what has been tried; must be one of `situation.offered`."""

    def assign_roles(self, situation: Situation, candidates: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
        """Once the team has assembled, who takes each role besides the responder: role → one of
        `candidates[role]` (people free for it now). A role left out is held by the responder."""

    def update_after(self, situation: Situation, due: float, drawn: float) -> float:
        """How long after `due` the Incident Commander sends the stakeholder update due then (`drawn` is the
        scenario's draw); asked only when nobody else is Comms lead."""

    def work_alone_first(self, situation: Situation, drawn: bool) -> bool:
        """Whether the alerted engineer tries to fix it alone before declaring (`drawn`: the scenario's
        practices.declaration.alone_first, thrown for the incident)."""

    def confirm_with_data(self, situation: Situation, drawn: bool) -> bool:
        """Service is restored: confirm it is healthy with metrics and logs (True), or call it resolved on
        someone's word, faster but it may reopen (False)."""

    def clean_up(self, situation: Situation, drawn: str) -> str:
        """When to remove the temporary fixes: "now", "late" (put off) or "skip" (left in place)."""

    def action_items(self, situation: Situation, drawn: int) -> int:
        """How many action items the postmortem writes (`drawn`: practices.learning.action_items)."""


class LivePolicy(Policy, Protocol):
    """A policy a person plays (a drill's trainee): the engine pauses at each decision and poses it first; the
    person's choice is then answered through the `Policy` methods as the engine asks them."""

    @property
    def commands(self) -> bool:
        """Whether the person is the Incident Commander (a trainee's drill): then no responder takes that role,
        the responders take the others by name, and the updates the person sends are theirs. False when the
        scenario's policy plays the drill's other side, whose commander is the responder as in a simulation."""

    def pose(self, question: Question) -> None:
        """A decision has arisen: `question.event` is to be triggered (with the minute) once it is made."""


class AutomaticPolicy:
    """Plays the scenario's policy as written: declare after the drawn delay, escalate after each level's
    timeout, try mitigations in the configured order and debug live when nothing else is left; and the
    practices' choices as the scenario's dice throw them."""

    live: ClassVar[bool] = False

    def __init__(self, scenario: Scenario):
        self._scenario = scenario
        self._modes = {mode.name: mode for mode in scenario.failure_modes}
        self._after = tuple(level.after if level.after is not None else scenario.team.escalate_after
                            for level in scenario.team.levels)
        roles = scenario.team.roles
        self._role_severities = None if roles is None else {
            label: source.severities for label, source in (("Incident Commander", roles.incident_commander),
                                                           ("Comms lead", roles.comms_lead)) if source is not None}

    def declare_after(self, situation: Situation, drawn: float) -> float:
        return drawn

    def declare_severity(self, situation: Situation) -> str:
        return situation.severity

    def assign_roles(self, situation: Situation, candidates: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
        """With `team.roles`, the first free person of each role's rotation, for the severities it names;
        without, the Ops lead, Comms lead and Scribe join as people outside the pager."""
        chosen = {}
        for role, names in candidates.items():
            severities = None if self._role_severities is None else self._role_severities.get(role, ())
            if names and (severities is None or situation.severity in severities):
                chosen[role] = names[0]
        return chosen

    def update_after(self, situation: Situation, due: float, drawn: float) -> float:
        return drawn

    def escalate_after(self, situation: Situation) -> float:
        return self._after[situation.level]

    def next_mitigation(self, situation: Situation) -> str:
        for name in self._scenario.mitigation_order(self._modes[situation.mode]):
            if name in situation.offered and name not in situation.tried:
                return name
        return "debug"

    def work_alone_first(self, situation: Situation, drawn: bool) -> bool:
        return drawn

    def confirm_with_data(self, situation: Situation, drawn: bool) -> bool:
        return drawn

    def clean_up(self, situation: Situation, drawn: str) -> str:
        return drawn

    def action_items(self, situation: Situation, drawn: int) -> int:
        return drawn
