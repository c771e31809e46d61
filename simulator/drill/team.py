"""A team drill: one drill session (simulator.engine.session) played by several people, each at a seat:
Incident Commander, Ops lead, Comms lead, Scribe and Game Master (simulator.drill.seats). A seat decides only
what its role decides; the scenario's policy decides for every seat nobody has taken.

Every decision goes through the same two calls as a drill at a terminal or from an answers file
(`play.apply` for a timed decision, `play.answer` for a question asked at an instant), on the whole second
after the first alert, and is recorded with its seat as a line of the drill's answers file, the policy's for
an empty seat included: the file plays the team drill again, to the same bytes, with `drillsim drill
--answers`. What is not a decision (pausing, the speed) changes nothing in the log.

This module knows nothing of the web: simulator.drill.server carries a seat's messages here (`act`), and what
the seat sees back (simulator.drill.seat_view).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simulator.drill import seats
from simulator.drill.answers import MAX_NOTE, SEATS, Answers, Entry, roles_entry
from simulator.drill.hints import hint
from simulator.drill.play import Played, Setup, answer, apply, clock_target, run_clock, whole_second
from simulator.drill.seat_view import SPEEDS, unkeyed
from simulator.drill.seats import KIND_SEAT, SEAT_NAMES, VERB_SEAT
from simulator.engine.comms import UpdateText
from simulator.engine.session import automatic_answer
from simulator.engine.world import (
    ALONE,
    ANECDOTE,
    CLEANUP,
    CLEANUPS,
    CONFIRM,
    DATA,
    DECLARE,
    INSTANT_KINDS,
    INVESTIGATE,
    ITEMS,
    MITIGATE,
    ROLES,
    UPDATE,
    Question,
)
from simulator.errors import DrillsimError
from simulator.events import incident_label
from simulator.scenario.model import SEVERITIES

MAX_TEXT = MAX_NOTE
"""The most characters of any text a seat sends."""



class Refused(DrillsimError):
    """What a seat asked for cannot be done (not its decision, not now, or malformed); said to that seat."""


@dataclass
class Line:
    """A line of the team's feed: what a seat did, said to everyone."""

    seconds: int
    seat: str
    text: str


class TeamDrill:
    """A drill played by a team. `joined` are the seats people have taken (a seat, once taken, stays a person's:
    whoever drops can rejoin); `entries` the drill's decisions so far, in the order they were made."""

    def __init__(self, drill: Setup, *, speed: int = 10, injects: Sequence[Entry] = (),
                 replications: int | None = None):
        self.setup, self.replications = drill, replications
        self.session = drill.session()
        self.session.until_first_alert()
        self.speed, self.paused = speed, True
        self.started = False
        self.joined: set[str] = set()
        self.entries: list[Entry] = []
        self.hints: list[Entry] = []
        self.feed: list[Line] = []
        self.scripted = sorted(injects, key=lambda e: e.due)
        self.planned: dict[int, tuple[int, Entry]] = {}
        self.ending = False
        self.version = 0

    # ── Seats ──

    def join(self, seat: str) -> None:
        if seat not in SEATS:
            raise Refused(f"no seat {seat!r}")
        if seat not in self.joined:
            self.joined.add(seat)
            self.planned.clear()  # what the policy planned for the seat is the person's now
            self.changed()

    def controller(self, seat: str) -> bool:
        """Whether `seat` runs the clock: the Game Master, or the Incident Commander while nobody is one."""
        return seat == "gm" or (seat == "ic" and "gm" not in self.joined)

    def changed(self) -> None:
        self.version += 1

    # ── The clock ──

    @property
    def over(self) -> bool:
        return self.session.finished

    def tick(self, real_seconds: float) -> None:
        """Run the clock for `real_seconds` of real time at the speed set (unless paused, or a person's decision
        is awaited)."""
        session = self.session
        if self.ending or self.paused or session.finished or session.blocked:
            return
        until, through = clock_target(session, self.speed, real_seconds)
        self.run_until(until, through)
        self.changed()

    def run_until(self, until: float, through: bool = False) -> None:
        """Move the clock to `until`, the policy deciding for the empty seats on its seconds, and stopping at a
        decision a person must make at once."""
        run_clock(self.session, until, self.take_planned, through=through, planned=self.next_planned,
                  for_others=self.answer_for_empty_seats)

    def take_planned(self, seconds: int, entry: Entry) -> None:
        if self.scripted and entry.verb == "inject" and seconds == self.scripted[0].due:
            self.scripted.pop(0)
        with contextlib.suppress(Refused):  # a scripted inject that cannot apply now is left out, as play.play has it
            self.take(entry)

    def now_seconds(self) -> int:
        """Move the clock to the next whole second after the first alert, where decisions are taken (the policy
        answering for the empty seats on the way); Refused when a person's decision came up first."""
        seconds = whole_second(self.session, self.answer_for_empty_seats)
        if seconds is None:
            raise Refused("something came up first: see the screen")
        return seconds

    # ── The policy at the empty seats ──

    def empty(self, seat: str) -> bool:
        return seat not in self.joined

    def answer_for_empty_seats(self) -> None:
        """Answer at once the questions of seats nobody has taken, as the scenario's policy would. Questions are
        answered in the order they were asked (as an answers file plays them), so a person's question waiting
        first holds the policy's back."""
        while (question := self.first_question()) is not None and self.empty(KIND_SEAT[question.kind]):
            self.answer_question(question, self.policy_entry(question), policy=True)

    def first_question(self) -> Question | None:
        return next((q for q in self.session.questions if q.kind in INSTANT_KINDS), None)

    def policy_entry(self, question: Question) -> Entry:
        choice = automatic_answer(self.session, question)
        if question.kind == ROLES:
            return roles_entry(self.roles_kept(choice), question.facts["candidates"])
        if question.kind == MITIGATE:
            return Entry("investigate") if choice == INVESTIGATE else Entry("mitigate", (choice,))
        verb = {CONFIRM: "confirm", CLEANUP: "cleanup", ITEMS: "items"}[question.kind]
        return Entry(verb, (str(choice),))

    def roles_kept(self, chosen: dict[str, str]) -> dict[str, str]:
        """A person at the Comms seat is the Comms lead: nobody simulated takes that role from them."""
        return {role: name for role, name in chosen.items()
                if not (role == "Comms lead" and not self.empty("comms"))}

    def next_planned(self) -> tuple[int, Entry] | None:
        """The next timed decision of an empty seat: the policy's declaration or update, or the Game Master's
        scripted inject; (second, entry)."""
        session, out = self.session, []
        if self.scripted:
            entry = self.scripted[0]
            out.append((entry.due, Entry(entry.verb, entry.args, entry.due, entry.incident, seat="gm",
                                         policy=self.empty("gm"))))
        for question in session.questions:
            seat = KIND_SEAT[question.kind]
            if question.kind not in (DECLARE, UPDATE) or not self.empty(seat):
                continue
            if question.kind == UPDATE and question.incident.comms_by != "":
                continue  # a simulated Comms lead sends it (or the roles are not in place yet)
            key = id(question)
            if key not in self.planned or self.planned[key][1].seconds is None:
                if question.kind == DECLARE:
                    after, severity = automatic_answer(session, question)
                    at = question.asked + after
                    verb, args = ("alone", ()) if severity == ALONE else ("declare", (severity,))
                else:
                    at = question.facts["due"] + automatic_answer(session, question)
                    verb, args = "update", ()
                seconds = max(session.seconds(at), session.seconds(session.now))
                self.planned[key] = (seconds, Entry(verb, args, seconds, question.incident.number, seat=seat,
                                                    policy=True))
            out.append(self.planned[key])
        return min(out, key=lambda p: p[0]) if out else None

    # ── Decisions ──

    def take(self, entry: Entry) -> str | None:
        """Take a timed decision now (`entry.seconds` set) through `play.apply`, and record it. A plan of the
        policy's that no longer applies is dropped."""
        try:
            said = apply(self.session, entry)
        except DrillsimError as exc:
            if entry.policy:
                self.planned = {k: v for k, v in self.planned.items() if v[1] is not entry}
                return None
            raise Refused(str(exc)) from None
        self.entries.append(entry)
        self.say(entry, said)
        self.changed()
        return said

    def answer_question(self, question: Question, entry: Entry, policy: bool = False) -> None:
        seat = KIND_SEAT[question.kind]
        entry = Entry(entry.verb, entry.args, None, question.incident.number, seat=seat, policy=policy)
        try:
            answer(self.session, question, entry)
        except DrillsimError as exc:
            raise Refused(str(exc)) from None
        self.session.through(self.session.now)  # what follows at once (the next question), as play.play does
        self.entries.append(entry)
        self.say(entry, None)
        self.changed()

    def say(self, entry: Entry, said: str | None) -> None:
        seconds = entry.seconds if entry.seconds is not None else self.session.seconds(self.session.now)
        who = SEAT_NAMES[entry.seat or "ic"] + (" (policy)" if entry.policy else "")
        words = said or seats.words(entry, self.joined)  # "Ops lead: tries failover"
        if entry.verb == "note":
            words = "note: " + " ".join(entry.args)
        self.feed.append(Line(seconds, entry.seat or "ic", f"{who}: {words} ({incident_label(entry.incident)})"))

    def act(self, seat: str, message: dict[str, Any]) -> str | None:
        """Do what a person at `seat` asked (a message from their browser); what to tell them, if anything.
        Refused when it is not the seat's to do, not possible now, or malformed."""
        if seat not in self.joined:
            raise Refused("join the drill first")
        do = message.get("do")
        if not isinstance(do, str):
            raise Refused("a message says what to do ('do')")
        if self.ending:
            raise Refused("the drill has ended")
        if do in ("pause", "resume", "speed", "end"):
            self.control(seat, do, message)
            return None
        owner = "ops" if do == "answer" and message.get("kind") in (MITIGATE, CONFIRM, CLEANUP) else \
            "ic" if do == "answer" else VERB_SEAT.get(do)
        if owner is None:
            raise Refused(f"unknown action {do!r}")
        if owner != seat:
            raise Refused(f"the {SEAT_NAMES[owner]} decides that, not the {SEAT_NAMES[seat]}")
        number = _number(message.get("incident", 1))
        self.session.incident(number)  # a known incident, or refused
        if do == "answer":
            self.answer_from(seat, number, message)
            self.answer_for_empty_seats()
            return None
        if do in ("hint", "note") and self.session.finished:
            raise Refused("the drill is over: its debrief is coming")
        if do == "hint":
            seconds = self.session.seconds(self.session.now)
            entry = Entry("hint", (), seconds, number, seat=seat)
            self.entries.append(entry)
            self.hints.append(entry)
            text = unkeyed(hint(self.session, number))
            self.feed.append(Line(seconds, seat, f"Hint from the Game Master: {text}"))
            self.changed()
            return text
        if do == "declare":
            severity = message.get("severity")
            if severity not in SEVERITIES:
                raise Refused(f"declare at a severity: {', '.join(SEVERITIES)}")
            args: tuple[str, ...] = (severity,)
        elif do == "note":
            args = tuple(_text(message.get("text"), "a note").replace("#", "＃").split())
            if not args:
                raise Refused("a note says something")
        elif do == "update":
            args = self.update_args(message)
        elif do == "inject":
            args = self.inject_args(message)
            if args[0] != "customer":
                number = 1
        else:
            args = ()
        # a note changes nothing but the timeline: it is written at once, even while the clock waits for a seat
        seconds = self.session.seconds(self.session.now) if do == "note" else self.now_seconds()
        return self.take(Entry(do, args, seconds, number, seat=seat))

    def update_args(self, message: dict[str, Any]) -> tuple[str, ...]:
        """A written update's parts as an answers file keeps them: impact, what is being done, the next update's
        time (a duration, or nothing)."""
        parts = [_text(message.get(key, ""), what) for key, what in (("impact", "the impact"),
                                                                   ("done", "what is being done"))]
        for part in parts:
            problem = UpdateText.problem(part)
            if problem is not None:
                raise Refused(problem)
        if not any(parts):
            raise Refused("an update says something: the impact on customers, what is being done")
        nxt = message.get("next")
        if nxt is None or nxt == "":
            return (*parts, "")
        if not isinstance(nxt, int) or isinstance(nxt, bool) or not 1 <= nxt <= 24 * 60:
            raise Refused("the next update comes in 1 to 1440 minutes (a whole number), or leave it empty")
        return (*parts, _duration(nxt))

    def inject_args(self, message: dict[str, Any]) -> tuple[str, ...]:
        what = message.get("what")
        if what == "away":
            who = message.get("who") or self.session.secondary()
            if not isinstance(who, str) or not who:
                raise Refused("the team has no second level: name who is away")
            return ("away", self.session.person(who).name)
        if what == "failure":
            mode = message.get("mode")
            names = [m.mode.name for m in self.session.rules.modes]
            if mode is not None and (not isinstance(mode, str) or mode not in names):
                raise Refused(f"no failure mode {str(mode)[:40]!r}")
            return ("failure", mode) if mode else ("failure",)
        if what == "customer":
            return ("customer",)
        raise Refused("inject away, failure or customer")

    def answer_from(self, seat: str, number: int, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        question = self.first_question()
        if question is None or question.kind != kind or question.incident.number != number:
            raise Refused(f"{incident_label(number)} asks no such question now")
        value = message.get("value")
        if kind == ROLES:
            if not isinstance(value, dict):
                raise Refused("the roles are a role → name mapping")
            candidates = question.facts["candidates"]
            chosen = {}
            for role, name in value.items():
                if role not in candidates:
                    raise Refused(f"no role {role!r} to hand out")
                if name:
                    if name not in candidates[role]:
                        raise Refused(f"{name!r} cannot take the {role} role now")
                    chosen[role] = name
            entry = roles_entry(self.roles_kept(chosen), candidates)
        elif kind == MITIGATE:
            if value not in self.session.offered(question):
                raise Refused(f"{value!r} is not offered now")
            entry = Entry("investigate") if value == INVESTIGATE else Entry("mitigate", (value,))
        elif kind == CONFIRM and value in (DATA, ANECDOTE):
            entry = Entry("confirm", (value,))
        elif kind == CLEANUP and value in CLEANUPS:
            entry = Entry("cleanup", (value,))
        elif kind == ITEMS and isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 8:
            entry = Entry("items", (str(value),))
        else:
            raise Refused(f"not an answer to {kind}: {value!r}")
        self.answer_question(question, entry)

    def control(self, seat: str, do: str, message: dict[str, Any]) -> None:
        if not self.controller(seat):
            raise Refused("the Game Master runs the clock")
        if do == "pause":
            self.paused = True
        elif do == "resume":
            self.paused, self.started = False, True
        elif do == "speed":
            value = message.get("value")
            if value not in SPEEDS:
                raise Refused(f"speeds: {', '.join(map(str, SPEEDS))}")
            self.speed = value
        else:
            self.stop()
        self.changed()

    def stop(self) -> None:
        """End the drill now: the stop of the answers file, at this second (or at the decision waiting)."""
        session = self.session
        if self.ending:
            return
        if not session.finished:
            seconds = session.seconds(session.now)
            session.advance(session.moment(seconds))
            self.entries.append(Entry("stop", (), seconds, seat="gm", policy=self.empty("gm")))
        self.ending = True
        self.changed()

    # ── The end ──

    def answers(self) -> Answers:
        settings = self.setup.settings()
        team = " ".join(s for s in SEATS if s in self.joined)
        if team:
            settings["team"] = team
        return Answers(settings, list(self.entries))

    def played(self) -> Played:
        return Played(self.session, hints=list(self.hints))

def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return " ".join([f"{hours}h"] * bool(hours) + [f"{rest}m"] * bool(rest))


def _number(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
        raise Refused("an incident is a number from 1")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise Refused(f"{what} is text")
    if len(value) > MAX_TEXT:
        raise Refused(f"{what} is at most {MAX_TEXT} characters (got {len(value)})")
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())
