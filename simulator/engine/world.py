"""What every incident process of one replication shares: the clock, the log, the people, the policy."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol, cast

from simpy import Event

from simulator.engine.incident import STATE_AFTER, Incident, State
from simulator.engine.policy import AutomaticPolicy, LivePolicy, Policy, Situation
from simulator.events import ACTIONS, PHASE_OF

if TYPE_CHECKING:
    import simpy

    from simulator.engine.people import Person, Roster
    from simulator.engine.practice import PracticeState
    from simulator.engine.rules import Rules

_TIME = itemgetter(0)
"""A chain step's time."""
MAX_ACTION_ITEMS = 64
"""The most action items one postmortem writes (the dice address them)."""

PHASE_OF_STATE = {
    State.FAILING: "detection", State.DETECTED: "detection", State.DECLARED: "detection",
    State.RESOLVED: "resolution", State.REOPENED: "resolution", State.CLEANED_UP: "resolution",
    State.CLOSED: "learning",
}  # fmt: skip
"""The phase an incident is in, by its state (phase 2, "response", otherwise)."""


DECLARE, ROLES, MITIGATE, UPDATE = "declare", "roles", "mitigate", "update"
CONFIRM, CLEANUP, ITEMS = "confirm", "cleanup", "items"
"""The decisions a person makes in a drill, each at the moment it arises: declare (or work alone first), who
takes the roles, the next mitigation, a stakeholder update; and the practices' (simulator.engine.practice):
confirm restored service with data or call it resolved, when to clean up the temporary fixes, how many action
items the postmortem writes."""
INSTANT_KINDS = frozenset({ROLES, MITIGATE, CONFIRM, CLEANUP, ITEMS})
"""Decisions made at the instant they arise: a drill's clock waits for them."""
INVESTIGATE = "investigate"
"""In a drill, the answer to "which mitigation next?" that spends time finding the next clue instead."""
ALONE = "alone"
"""In a drill, the answer to "declare?" of the alerted engineer who tries to fix it alone first."""
DATA, ANECDOTE = "data", "anecdote"
"""The answers to "how is restored service confirmed?"."""
CLEANUPS = ("now", "late", "skip")
"""The answers to "when are the temporary fixes removed?": on time, put off, or left in place."""


@dataclass(eq=False)
class Question:
    """A decision waiting for a person in a drill: `event` happens when it is made, with the minute it was made.
    `facts` says what the decision is about (offered mitigations, candidates for a role, an update's due time);
    they include the scenario's draws that only an automatic player may read (`drawn`)."""

    kind: str
    incident: Incident
    asked: float
    event: Event
    facts: dict[str, Any] = field(default_factory=dict)


class Subject(Protocol):
    """What an event is logged against: an incident, or the deployment pipeline (incident 0)."""

    number: int
    state: Any  # an Incident's State


class Preempted(Exception):  # the cause of a SimPy interrupt, not an error
    """Why an incident's work stopped: `by` took its responder."""

    def __init__(self, by: Incident):
        super().__init__(by.number)
        self.by = by


def action_table(log: Any) -> dict[str, tuple]:
    """Per action: (the state it leads to, its phase, the function that takes the event or None). A log with
    `sinks()` (a reduction) is called with the event's fields, one function per action it reads; any other
    log (a list) is given each event as a tuple, through `append`, except the actions in its `ignores`."""
    if hasattr(log, "sinks"):
        sinks = log.sinks()
    else:
        ignores = frozenset(getattr(log, "ignores", ()))

        def append(*event, append=log.append):
            append(event)

        sinks = {action: append for action in ACTIONS if action not in ignores}
    return {action: (STATE_AFTER.get(action), PHASE_OF.get(action), sinks.get(action)) for action in ACTIONS}


class World:
    """One replication in play: what the incident processes share (the clock, the log, the people, the policy and
    the practices' changing state)."""

    __slots__ = ("_actions", "asker", "automatic", "env", "log", "mitigation_varies", "person_decides", "policy",
                 "practice", "practices_asked", "replication", "roster", "rules", "trainee_commands")

    def __init__(self, env: simpy.Environment, rules: Rules, policy: Policy, replication: int, log: Any,
                 actions: dict[str, tuple] | None = None):
        from simulator.engine.people import Roster
        from simulator.engine.practice import PracticeState

        self.env, self.rules, self.policy, self.replication = env, rules, policy, replication
        self.log = log
        if actions is None:
            actions = action_table(log)
        self._actions = actions
        """Per action: the state it leads to, its phase, and where to send it (None: nowhere): one look-up a
        record (see `action_table`)."""
        self.automatic = type(policy) is AutomaticPolicy
        """The policy's answers are known in advance (the scenario's): the engine plays them without asking."""
        self.person_decides = policy.live
        """A drill: a person decides, and each decision waits for them (`pause`, through `asker`)."""
        self.asker: LivePolicy | None = cast("LivePolicy", policy) if self.person_decides else None
        self.trainee_commands = self.asker is not None and bool(self.asker.commands)
        """A trainee's drill: the person is the Incident Commander. The responder who acknowledges is the Ops lead
        (not the commander), the other roles are offered to people by name, and an update the person sends is
        logged as the Incident Commander's (the actor "Incident Commander", as their escalations are)."""
        self.practices_asked = not self.automatic and (rules.practiced or not self.person_decides)
        """Whether the practices' decisions (work alone first, how to confirm, when to clean up, how many action
        items) go to the policy. A person is asked them only in a scenario that plays practices; the automatic
        policy's are the scenario's draws."""
        practice = rules.practice
        self.mitigation_varies = practice.load_mitigation is not None or (
            practice.improves_mitigation and (practice.action_items > 0 or self.practices_asked))
        """Whether the practices can make a mitigation longer or shorter: load, or action items that improve it
        (else `PracticeState.mitigation_factor` is always 1.0, and is not asked)."""
        self.roster: Roster = Roster(self)
        self.practice: PracticeState = PracticeState(self)
        """The world's changing state (simulator.engine.practice): neutral, changing nothing, in a scenario that
        plays no practices."""

    def stop(self) -> None:
        """The replication has ended (and its clock stopped, simulator.engine.clock.stop): let go of what refers
        back to the world, so that reference counting frees the replication at once (see Engine.play)."""
        self.roster.stop()
        del self.roster, self.practice

    # ── The Scribe ──

    def record(self, incident: Incident, action: str, actor: str = "system",
               detail: dict[str, Any] | None = None) -> None:
        """Log an event now and move the incident's state on."""
        self.record_at(self.env.now, incident, action, actor, detail)

    def record_at(self, time: float, incident: Subject, action: str, actor: str = "system",
                  detail: dict[str, Any] | None = None) -> None:
        """Log an event at `time` (now, or a moment of a chain the clock has passed) and move the state on."""
        state, phase, sink = self._actions[action]
        if state is not None:
            incident.state = state
        if sink is not None:
            if phase is None:
                phase = PHASE_OF_STATE.get(incident.state, "response")
            sink(time, self.replication, incident.number, phase, action, actor, detail)

    def record_steps(self, incident: Incident, steps: list[tuple[float, str, str, dict[str, Any] | None]], i: int,
                     t: float, inclusive: bool) -> int:
        """Log `steps` (time, action, actor, detail) from the i-th on, up to those at t (inclusive) or before it,
        as `record_at` does each (inline: a chain's steps are most of the events a run logs). Returns the index
        of the first step not logged."""
        actions, replication, number = self._actions, self.replication, incident.number
        last = steps[-1][0]
        if last < t or (inclusive and last == t):  # most often the chain has ended: every step is due
            end = len(steps)
        else:  # steps are in time order: the first one after t (or at t, when t itself is not played)
            end = (bisect_right if inclusive else bisect_left)(steps, t, i, key=_TIME)
        for time, action, actor, detail in islice(steps, i, end):
            state, phase, sink = actions[action]
            if state is not None:
                incident.state = state
            if sink is not None:
                if phase is None:
                    phase = PHASE_OF_STATE.get(incident.state, "response")
                sink(time, replication, number, phase, action, actor, detail)
        return end

    def stand_down(self, incident: Incident, person: Person, role: str = "") -> None:
        """`person` stops working on `incident` now; the roster frees them for the next page."""
        since = incident.since.pop(person.index)
        detail: dict[str, Any] = {"since": since}
        if role:
            detail["role"] = role
        self.record(incident, "stood_down", person.name, detail)
        self.roster.release(person)

    # ── Decisions: the automatic policy's answers are known; any other policy is asked ──

    def situation(self, incident: Incident, tried: tuple[str, ...] = (), level: int = 0,
                  channel: str = "") -> Situation:
        return Situation(incident=incident.number, now=self.env.now, mode=incident.mode.name,
                         severity=incident.severity, channel=channel, offered=tuple(incident.rules.mitigations),
                         tried=tried, level=level)

    def pause(self, incident: Incident, kind: str, **facts) -> Event:
        """A drill's decision point: an event that happens when the person has decided (the session triggers it
        with the minute of the decision). The policy is then asked as at any decision point."""
        event = Event(self.env)
        asker = self.asker
        if asker is None:
            raise RuntimeError(f"a {kind} decision paused for a policy nobody answers live")
        asker.pose(Question(kind, incident, self.env.now, event, facts))
        return event

    def declare_after(self, incident: Incident, drawn: float, channel: str) -> float:
        if self.automatic:
            return drawn
        return max(0.0, float(self.policy.declare_after(self.situation(incident, channel=channel), drawn)))

    def declare_severity(self, incident: Incident) -> str:
        """The severity the incident is declared at: the failure's own for the automatic policy."""
        if self.automatic:
            return incident.severity
        return self.policy.declare_severity(self.situation(incident))

    def assign_roles(self, incident: Incident, candidates: dict[str, tuple[str, ...]]) -> dict[str, str]:
        """Who takes each role besides the responder: role → one of the candidates (asked of a policy that is
        not the automatic one; response.assign_roles applies the automatic policy's rule directly)."""
        chosen = self.policy.assign_roles(self.situation(incident), candidates)
        return {role: name for role, name in chosen.items() if name in candidates.get(role, ())}

    def update_after(self, incident: Incident, due: float, drawn: float) -> float:
        """How late the Incident Commander sends the update due at `due` (the drawn slip, automatically)."""
        if self.automatic:
            return drawn
        return max(0.0, float(self.policy.update_after(self.situation(incident), due, drawn)))

    def escalate_after(self, incident: Incident, level: int) -> float:
        if self.automatic:
            return self.rules.levels[level].after
        return max(0.0, float(self.policy.escalate_after(self.situation(incident, level=level))))

    def offered(self, incident: Incident, tried: tuple[str, ...]) -> list[str]:
        """What may be tried next, after `tried`: the mitigations not tried yet, and debugging live, which is never
        used up (it always works in the end, so an incident that reopens after it may debug again); and, when a
        person decides, investigating while clues are left. Never empty."""
        options = [name for name in incident.rules.mitigations if name == "debug" or name not in tried]
        if self.person_decides and incident.clues < len(incident.mode.clues):
            options.append(INVESTIGATE)
        return options

    def next_mitigation(self, incident: Incident, tried: tuple[str, ...]) -> str:
        """The next mitigation to try: the scenario's order for the automatic policy, else the policy's choice
        if it is `offered` (debug when it names nothing usable)."""
        if self.automatic:
            for name in incident.rules.order:
                if name not in tried:
                    return name
            return "debug"
        choice = self.policy.next_mitigation(self.situation(incident, tried))
        return choice if choice in self.offered(incident, tried) else "debug"

    def work_alone_first(self, incident: Incident, drawn: bool, channel: str) -> bool:
        if not self.practices_asked:
            return drawn
        return bool(self.policy.work_alone_first(self.situation(incident, channel=channel), drawn))

    def confirm_with_data(self, incident: Incident, drawn: bool, tried: tuple[str, ...] = ()) -> bool:
        if not self.practices_asked:
            return drawn
        return bool(self.policy.confirm_with_data(self.situation(incident, tried), drawn))

    def clean_up(self, incident: Incident, drawn: str) -> str:
        """"now", "late" or "skip" (anything else a policy answers counts as now)."""
        if not self.practices_asked:
            return drawn
        choice = self.policy.clean_up(self.situation(incident), drawn)
        return choice if choice in CLEANUPS else "now"

    def action_items(self, incident: Incident, drawn: int) -> int:
        if not self.practices_asked:
            return drawn
        return max(0, min(int(self.policy.action_items(self.situation(incident), drawn)), MAX_ACTION_ITEMS))

    # ── Preemption ──

    def preempt(self, incident: Incident, person: Person, by: Incident) -> None:
        """`by` takes `person`, who was working `incident`: log what the work had reached, and stop it."""
        chain, process = incident.chain, incident.process
        assert chain is not None and process is not None  # it is preemptible: its process waits in work.run
        chain.log_until(self, incident, self.env.now)
        self.record(incident, "preempted", person.name, {"by": by.number})
        incident.preemptible = False
        incident.responder = None
        since = incident.since.pop(person.index)
        self.record(incident, "stood_down", person.name, {"since": since})
        person.working = None
        process.interrupt(Preempted(by))
