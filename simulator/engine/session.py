"""A drill: the engine played step by step while a person makes the Incident Commander's decisions.

The session plays the incidents of a drill (one failure of a replication, with the dice the simulation gave
it, and the failures a Game Master adds) through the same lifecycle as `Engine.play`. The difference is the
policy: `Trainee` answers what the person chose. At each decision the engine pauses (`Drill.pause`) and the
session holds the decision as a `Question` until it is made:

- decisions made at an instant (who takes the roles, the next mitigation or an investigation; and the
  practices': how restored service is confirmed, when the temporary fixes are cleaned up, how many action items
  the postmortem writes) stop the clock: `advance` goes no further until `choose` answers them, at the minute
  they arose;
- decisions made when the person chooses (declare, or work alone first; send a stakeholder update) leave the
  clock running; the person makes them with `declare`, `work_alone` and `update` at the minute the clock has
  reached;
- actions that are not answers to the engine (escalate the page, mobilise every level) and a Game Master's
  injects (`away`, `second_failure`, `customer_escalates`) change the world at the minute they are taken.

The clock only moves through `advance`, which stops before the events of its target minute and moves the clock
exactly there (`clock.jump`), so a decision taken at a given minute gives the same log whether the clock got
there in many small steps (a person at a terminal) or in one (a script): same decisions at the same minutes,
same bytes. A scenario that plays practices (`Scenario.practiced`) has them played as `Engine.play` plays
them for a policy it asks, and its drills ask the practices' questions; a scenario without any is played as
it always was, and they are not asked.
With `automatic=True` the session makes every decision itself, as the scenario's policy does
(`AutomaticPolicy`); with the same injects this is the policy's own timeline of the drill, and without any
it is exactly what `Engine.play` logs for the same incident.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

from simulator.dice import ReplicationDice
from simulator.engine.clock import DECLARE as DECLARE_ORDER
from simulator.engine.clock import WORK, At, Clock, jump
from simulator.engine.comms import UpdateText, update_sender
from simulator.engine.incident import Incident, State
from simulator.engine.people import Person
from simulator.engine.policy import AutomaticPolicy, Situation
from simulator.engine.response import COMMANDER
from simulator.engine.rules import Rules
from simulator.engine.run import Engine, close, lifecycle
from simulator.engine.world import (
    ALONE,
    ANECDOTE,
    CLEANUP,
    CLEANUPS,
    CONFIRM,
    DATA,
    DECLARE,
    INSTANT_KINDS,
    ITEMS,
    MAX_ACTION_ITEMS,
    MITIGATE,
    ROLES,
    UPDATE,
    Question,
    World,
)
from simulator.errors import DrillsimError
from simulator.scenario.model import SEVERITIES, Scenario

INSTANT = INSTANT_KINDS
SEARCH = 10_000
"""Replications searched for a failure of the mode asked for, before giving up."""
_RESOLVED = frozenset({State.RESOLVED, State.CLEANED_UP, State.CLOSED})


class Trainee:
    """The policy of a drill: the person's choices, handed over by the session as each decision is made. What
    the person does not decide (the pager's timeouts) is the scenario's."""

    live: ClassVar[bool] = True

    @property
    def person(self) -> bool:
        """Whether a person decides (not the scenario's policy playing the drill's other side)."""
        return not self.session.automatic

    @property
    def commands(self) -> bool:
        """The person is the Incident Commander (LivePolicy.commands); the policy's side keeps its responder."""
        return not self.session.automatic

    def __init__(self, scenario: Scenario, session: Session):
        self.session = session
        self.automatic = AutomaticPolicy(scenario)
        self.choices: dict[tuple[int, str], Any] = {}

    def pose(self, question: Question) -> None:
        self.session._posed(question)

    def _choice(self, situation: Situation, kind: str):
        return self.choices.pop((situation.incident, kind))

    def declare_after(self, situation: Situation, drawn: float) -> float:
        return 0.0  # a drill declares at the minute the person does (the pause's), never asked

    def declare_severity(self, situation: Situation) -> str:
        return self._choice(situation, DECLARE)

    def escalate_after(self, situation: Situation) -> float:
        return self.automatic.escalate_after(situation)

    def next_mitigation(self, situation: Situation) -> str:
        return self._choice(situation, MITIGATE)

    def assign_roles(self, situation: Situation, candidates) -> dict[str, str]:
        return self._choice(situation, ROLES)

    def update_after(self, situation: Situation, due: float, drawn: float) -> float:
        return drawn  # never asked: a drill's updates are sent when the person sends them

    def work_alone_first(self, situation: Situation, drawn: bool) -> bool:
        key = (situation.incident, DECLARE)
        if self.choices[key] == ALONE:
            del self.choices[key]
            return True
        return False  # the person declared: `declare_severity` reads the severity

    def confirm_with_data(self, situation: Situation, drawn: bool) -> bool:
        return self._choice(situation, CONFIRM) == DATA

    def clean_up(self, situation: Situation, drawn: str) -> str:
        return self._choice(situation, CLEANUP)

    def action_items(self, situation: Situation, drawn: int) -> int:
        return self._choice(situation, ITEMS)


class Session:
    """One drill in play. `incidents` are the drill's incidents (numbered from 1), `log` its events so far (in
    the order they were logged), `questions` the decisions waiting for the person."""

    def __init__(self, scenario: Scenario, seed: int, *, mode: str | None = None, at: float | None = None,
                 replication: int = 0, automatic: bool = False):
        self.scenario, self.seed, self.automatic = scenario, seed, automatic
        self.engine = Engine(scenario)
        self.rules: Rules = self.engine.rules
        self.env = Clock()
        self.policy = Trainee(scenario, self)
        self.log: list[tuple] = []
        self.world = World(self.env, self.rules, self.policy, 0, self.log)
        self.questions: list[Question] = []
        self.incidents: list[Incident] = []
        self.used: set[tuple[int, str, int]] = set()
        self.origin: float | None = None
        """The minute of the first alert: what a person at the drill counts time from."""
        first, self.replication = self._pick(mode, replication)
        if at is not None:
            first.onset = at
        self._start(first)

    # ── The drill's failures ──

    def _pick(self, mode: str | None, replication: int) -> tuple[Incident, int]:
        """The first failure (of `mode`, if given) of the first replication from `replication` that has one."""
        names = [m.mode.name for m in self.rules.modes]
        if mode is not None and mode not in names:
            from simulator.scenario.validate import did_you_mean

            raise DrillsimError(f"the scenario has no failure mode {mode!r} (it has: {', '.join(names)})"
                                + did_you_mean(mode, names))
        if mode is not None and next(m for m in self.rules.modes if m.mode.name == mode).only_with_debt:
            raise DrillsimError(f"{mode!r} happens only while a temporary fix of an earlier incident is left in "
                                "place (only_with_debt), so a drill cannot start with it; choose another --mode")
        for r in range(replication, replication + SEARCH):
            for incident in self.engine.incidents(ReplicationDice(self.seed, r)):
                key = (r, incident.mode.name, incident.dice.k)
                if (mode is None or incident.mode.name == mode) and key not in self.used:
                    self.used.add(key)
                    return incident, r
        raise DrillsimError(f"no failure of {mode!r} in {SEARCH} replications of seed {self.seed}: it is too rare "
                            "to drill; choose another --mode")

    def _start(self, incident: Incident) -> None:
        incident.number = len(self.incidents) + 1
        self.incidents.append(incident)
        incident.process = self.env.process(lifecycle(self.env, self.world, incident))

    def incident(self, number: int) -> Incident:
        if not 1 <= number <= len(self.incidents):
            raise DrillsimError(f"the drill has no incident {number} (it has {len(self.incidents)})")
        return self.incidents[number - 1]

    # ── The clock ──

    @property
    def now(self) -> float:
        return self.env.now

    @property
    def blocked(self) -> bool:
        """A decision to be made at once is waiting: the clock does not move until it is made."""
        return any(q.kind in INSTANT for q in self.questions)

    @property
    def finished(self) -> bool:
        """Every incident of the drill has gone through its lifecycle."""
        return all(incident.process is None or not incident.process.is_alive for incident in self.incidents)

    @property
    def stalled(self) -> bool:
        """Nothing is scheduled and no decision waits: nothing more will happen unless the person or the Game
        Master acts (a simulation would leave the incidents where they are until its horizon)."""
        return not self.finished and not self.questions and self.env.peek() == math.inf

    @property
    def quiet(self) -> bool:
        """Nothing needs the person: no decision waits, and every incident is resolved (what comes next, such as
        the postmortem days later, may be skipped to)."""
        return not self.questions and all(incident.state in _RESOLVED for incident in self.incidents)

    def next_event(self) -> float:
        """The minute of the next thing scheduled (infinity when the drill waits for the person alone)."""
        return self.env.peek()

    def advance(self, until: float) -> None:
        """Play everything before minute `until` and move the clock there, unless a decision to be made at once
        comes up first (the clock then stays at its minute) or the drill ends."""
        env = self.env
        while not self.blocked and not self.finished and env.peek() < until:
            env.step()
            self._after_step()
        if not self.blocked and not self.finished and env.now < until < math.inf:
            jump(env, until)

    def through(self, until: float) -> None:
        """Play everything up to and including minute `until`: a turn of a drill played turn by turn."""
        self.advance(until)
        env = self.env
        while not self.blocked and not self.finished and env.peek() <= env.now:
            env.step()
            self._after_step()

    def until_first_alert(self) -> None:
        """Play the failure's start unseen, up to its first alert: the minute the drill begins for the person."""
        while self.origin is None and not self.finished:
            self.env.step()
            self._after_step()

    def _origin(self) -> float:
        """The minute of the first alert (once the drill has begun: `until_first_alert`)."""
        if self.origin is None:
            raise RuntimeError("the drill has not begun: no alert has fired yet")
        return self.origin

    def moment(self, seconds: int) -> float:
        """The minute `seconds` after the first alert: every decision of a drill is taken on a whole second."""
        return self._origin() + seconds / 60

    def seconds(self, minute: float) -> int:
        """The whole second after the first alert at or after `minute`."""
        seconds = math.ceil((minute - self._origin()) * 60 - 1e-6)
        while self.moment(seconds) < minute:
            seconds += 1
        return max(seconds, 0)

    def _after_step(self) -> None:
        if self.origin is None:
            for event in self.log:
                if event[4] == "detected":
                    self.origin = event[0]
                    break
        for question in list(self.questions):
            if question.kind == UPDATE and question.incident.restored is not None:
                self.questions.remove(question)  # service is back: stakeholders hear of it at the resolution
            elif question.kind == UPDATE and question.facts.get("routed") is None and \
                    question.incident.comms_by is not None:
                self._route_update(question)

    # ── Questions ──

    def _posed(self, question: Question) -> None:
        self.questions.append(question)
        if question.kind == UPDATE:
            self._route_update(question)
            return
        if not self.automatic:
            return
        if question.kind == DECLARE:
            after, answer = automatic_answer(self, question)
            self._at(question.asked + after, DECLARE_ORDER, question, lambda: self._answer(question, answer))
        else:
            self._answer(question, automatic_answer(self, question))

    def _at(self, at: float, order: int, question: Question, answer: Callable[[], None]) -> None:
        """Answer `question` at minute `at` (at once if that has passed), unless it has been answered by then or
        routed again since."""
        token = question.facts["token"] = question.facts.get("token", 0) + 1

        def fire(_event=None):
            if question in self.questions and question.facts["token"] == token:
                answer()

        if at <= self.env.now:
            fire()
        else:
            At(self.env, at, order, question.incident.number).callbacks.append(fire)

    def _route_update(self, question: Question) -> None:
        """Who sends an update, and when: a Comms lead when it falls due (once the roles are in place: then an
        update that fell due before goes out as due), the automatic policy's Incident Commander a drawn slip
        later; a person sends theirs with `update`."""
        incident, due = question.incident, question.facts["due"]
        if incident.comms_by is None:
            return  # the roles are not in place: whoever ends up with the Comms lead's work sends it
        question.facts["routed"] = True
        if incident.comms_by:
            self._at(due, WORK, question, lambda: self._answer(question, (due, due, None, None)))
        elif self.automatic:
            sent = due + self.policy.automatic.update_after(self.world.situation(incident), due,
                                                             question.facts["drawn"])
            self._at(sent, WORK, question, lambda: self._answer(question, (sent, due, None, None)))

    def _answer(self, question: Question, value: Any) -> None:
        self.questions.remove(question)
        if question.kind != UPDATE:
            self.policy.choices[(question.incident.number, question.kind)] = value
        question.event.succeed(value if question.kind == UPDATE else self.env.now)

    def pending(self, number: int | None = None, kind: str | None = None) -> list[Question]:
        return [q for q in self.questions if (number is None or q.incident.number == number)
                and (kind is None or q.kind == kind)]

    # ── The person's decisions ──

    def declare(self, number: int, severity: str) -> None:
        """Declare incident `number` now, at `severity`."""
        if severity not in SEVERITIES:
            raise DrillsimError(f"unknown severity {severity!r} (severities: {', '.join(SEVERITIES)})")
        question = self._one(number, DECLARE, "to declare: it is not alerting, or declared already")
        self._answer(question, severity)
        self.through(self.env.now)  # at once: the declaration, the page and the updates it starts are logged

    def work_alone(self, number: int) -> None:
        """The alerted engineer of incident `number` tries to fix it alone first, from now, instead of declaring:
        paged, no team, no stakeholder updates; they declare if service is not restored in their time alone."""
        question = self._one(number, DECLARE, "to decide on: it is not alerting, or declared already")
        if not self.world.practices_asked:
            raise DrillsimError("working alone first is not part of this scenario (it plays no practices): declare")
        self._answer(question, ALONE)
        self.through(self.env.now)

    def update(self, number: int, text: UpdateText | None = None, by: str | None = None) -> None:
        """Send a stakeholder update about incident `number` now, written by the Incident Commander (the person:
        the event's actor is "Incident Commander" in a trainee's drill). `text` is what it says (the impact,
        what is being done, the next update's time in minutes from now): logged in the event's detail as
        `impact`, `done` and `next`; None for an update sent without words (an older answers file). `by` names
        who wrote it when not the Incident Commander (a Comms lead's seat)."""
        question = self._one(number, UPDATE, "to send an update about: it is not declared, or service is back")
        if text is not None and text.invalid() is not None:
            raise DrillsimError(f"INC-{number:04d}: {text.invalid()}")
        sender = by if by is not None else COMMANDER if self.policy.commands else None
        self._answer(question, (self.env.now, question.facts["due"], sender, text))
        self.through(self.env.now)  # logged at once: a screen shows the update as it is sent

    def choose(self, question: Question, answer: Any) -> None:
        """Answer a decision to be made at once: the roles (role → name), the next mitigation (a name, or
        INVESTIGATE), how to confirm (DATA or ANECDOTE), when to clean up ("now", "late" or "skip") or how many
        action items the postmortem writes (a whole number)."""
        if question not in self.questions:
            raise DrillsimError("that decision has been made already")
        label = f"INC-{question.incident.number:04d}"
        if question.kind == CONFIRM and answer not in (DATA, ANECDOTE):
            raise DrillsimError(f"{label}: confirm with {DATA} or on {ANECDOTE}, not {answer!r}")
        if question.kind == CLEANUP and answer not in CLEANUPS:
            raise DrillsimError(f"{label}: clean up {', '.join(CLEANUPS[:-1])} or {CLEANUPS[-1]}, not {answer!r}")
        if question.kind == ITEMS and (type(answer) is not int or not 0 <= answer <= MAX_ACTION_ITEMS):
            raise DrillsimError(f"{label}: a postmortem writes 0 to {MAX_ACTION_ITEMS} action items, not {answer!r}")
        if question.kind == MITIGATE:
            offered = self.offered(question)
            if answer not in offered:
                raise DrillsimError(f"{answer!r} is not offered for INC-{question.incident.number:04d} (offered: "
                                    f"{', '.join(offered)})")
        elif question.kind == ROLES:
            candidates = question.facts["candidates"]
            for role, name in answer.items():
                if role not in candidates:
                    raise DrillsimError(f"no role {role!r} to assign (roles: {', '.join(candidates) or 'none'})")
                if name not in candidates[role]:
                    raise DrillsimError(f"{name!r} cannot take the {role} role now (free for it: "
                                        f"{', '.join(candidates[role]) or 'nobody'})")
        self._answer(question, answer)

    def offered(self, question: Question) -> list[str]:
        """The answers to a mitigation question, as the engine takes them (`World.offered`): the mitigations not
        tried yet, debugging live (always), and investigating while clues are left."""
        return self.world.offered(question.incident, question.facts["tried"])

    def escalate(self, number: int, mobilise: bool = False) -> None:
        """Escalate incident `number`'s unanswered page now: to the next level, or every level left."""
        incident = self.incident(number)
        if not self.world.roster.escalate(incident, mobilise):
            raise DrillsimError(f"INC-{number:04d} has no unanswered page with a level left to escalate to")

    def _one(self, number: int, kind: str, why: str) -> Question:
        found = self.pending(number, kind)
        if not found:
            self.incident(number)
            raise DrillsimError(f"INC-{number:04d} has nothing {why}")
        return found[0]

    # ── The Game Master's injects ──

    def away(self, name: str) -> None:
        """`name` cannot be reached from now on (on a plane): they miss every page."""
        person = self.person(name)
        if person.working is not None:
            raise DrillsimError(f"{name} is working on INC-{person.working.number:04d}; make someone away before "
                                "they are needed")
        self.world.roster.away(person)
        self.world.record(self.incidents[0], "unavailable", person.name)

    def second_failure(self, mode: str | None = None) -> int:
        """A failure of `mode` (default: another mode than the first's, if the scenario has one) starts now, with
        the dice of that mode's next failure in the simulation. Returns its incident number."""
        if mode is None:
            names = [m.mode.name for m in self.rules.modes]
            others = [name for name in names if name != self.incidents[0].mode.name]
            mode = (others or names)[0]
        incident, _ = self._pick(mode, self.replication)
        incident.onset = self.env.now
        self._start(incident)
        return incident.number

    def customer_escalates(self, number: int = 1) -> None:
        """A customer escalates about incident `number`: stakeholders want an update now."""
        incident = self.incident(number)
        if incident.state in (State.FAILING, State.DETECTED):
            raise DrillsimError(f"INC-{number:04d} is not declared yet: a customer escalation needs an incident to "
                                "ask about")
        self.world.record(incident, "customer_escalated", "customer")
        for question in self.pending(number, UPDATE):
            question.facts["due"] = min(question.facts["due"], self.env.now)
            question.facts.pop("routed", None)
            self._route_update(question)

    def person(self, name: str) -> Person:
        for person in self.world.roster.people:
            if person.name.lower() == name.lower():
                return person
        raise DrillsimError(f"nobody called {name!r} is on the team (people: "
                            f"{', '.join(p.name for p in self.world.roster.people)})")

    def secondary(self) -> str | None:
        """Who would be paged after the first level now: the first person on call at the second level."""
        if len(self.rules.levels) < 2:
            return None
        on_call = self.rules.oncall.at(1, self.env.now)
        return self.world.roster.people[on_call[0]].name if on_call else None

    # ── The end ──

    def finish(self, horizon: float | None = None) -> list[tuple]:
        """The drill's log in time order; incidents still open are logged open at `horizon` (default: the
        scenario's, when the drill has run its course or nothing more can happen; the minute it stopped
        otherwise)."""
        ran = self.finished or self.stalled  # the drill has run its course
        if horizon is None:
            horizon = self.rules.horizon if ran else self.env.now
        if ran and self.env.now < horizon:  # what the practices change later (an action item done) is logged at
            self.env.run(until=horizon)      # its time, as Engine.play logs it
        return close(self.world, self.incidents, horizon)


def automatic_answer(session: Session, question: Question) -> Any:
    """What the scenario's policy would decide: a hint, or the policy's side of a debrief. To "declare?" it is
    (how long after the question, the severity or ALONE)."""
    auto, facts = session.policy.automatic, question.facts
    situation = session.world.situation(question.incident, facts.get("tried", ()))
    if question.kind == ROLES:
        return auto.assign_roles(situation, facts["candidates"])
    if question.kind == MITIGATE:
        return auto.next_mitigation(situation)
    if question.kind == DECLARE:
        if auto.work_alone_first(situation, facts.get("alone", False)):
            return 0.0, ALONE
        return auto.declare_after(situation, facts["drawn"]), auto.declare_severity(situation)
    if question.kind == CONFIRM:
        return DATA if auto.confirm_with_data(situation, facts["drawn"]) else ANECDOTE
    if question.kind == CLEANUP:
        return auto.clean_up(situation, facts["drawn"])
    if question.kind == ITEMS:
        return auto.action_items(situation, facts["drawn"])
    return auto.update_after(situation, facts["due"], facts["drawn"])


__all__ = ["INSTANT", "Session", "Trainee", "UpdateText", "automatic_answer", "update_sender"]
