"""Playing a drill's decisions into a session: what a script does alone, and what the terminal app and a team
drill do as people act. All go through `apply` and `answer`, so that a drill saved from the terminal or the
browser plays again to the same bytes, and the two live drills move their clock through `run_clock`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from simulator.calendar import DAY_NAMES, parse_clock
from simulator.drill.answers import Answers, Entry, roles_answer
from simulator.engine.session import Session
from simulator.engine.world import CLEANUP, CONFIRM, INSTANT_KINDS, INVESTIGATE, ITEMS, MITIGATE, ROLES, Question
from simulator.errors import DrillsimError
from simulator.scenario.model import Scenario


@dataclass(frozen=True)
class Setup:
    """What a drill plays: the scenario, the seed, the failure mode (None: the first failure of any mode), the
    failure's onset (None: where the simulation put it) and the replication the search for it starts at."""

    scenario: Scenario
    seed: int
    mode: str | None = None
    at: str | None = None
    replication: int = 0
    team: str | None = None
    """A team drill's seats taken by people (the answers file's `team` setting), None for one person."""

    @property
    def onset(self) -> float | None:
        return None if self.at is None else onset_minute(self.at, self.scenario)

    def session(self, automatic: bool = False) -> Session:
        return Session(self.scenario, self.seed, mode=self.mode, at=self.onset, replication=self.replication,
                       automatic=automatic)

    def settings(self) -> dict[str, str]:
        out = {"seed": str(self.seed)}
        if self.mode is not None:
            out["mode"] = self.mode
        if self.at is not None:
            out["at"] = self.at
        if self.replication:
            out["replication"] = str(self.replication)
        if self.team:
            out["team"] = self.team
        return out


def setup(scenario: Scenario, answers: Answers | None = None, *, seed: int | None = None, mode: str | None = None,
          at: str | None = None) -> Setup:
    """The drill's setup from the command line's options and an answers file's settings, which must agree."""
    given = answers.settings if answers is not None else {}
    options = {"seed": None if seed is None else str(seed), "mode": mode, "at": at}
    for key, value in options.items():
        if answers is not None and value is not None and key in given and given[key] != value:
            raise DrillsimError(f"{answers.source}: the answers are for {key} {given[key]}, not {value}: leave "
                                f"--{key} out, or change the file")
    chosen = {key: value if value is not None else given.get(key) for key, value in options.items()}
    result = Setup(scenario, int(chosen["seed"]) if chosen["seed"] is not None else scenario.seed, chosen["mode"],
                   chosen["at"], int(given.get("replication", 0)), given.get("team"))
    if result.at is not None:
        result.onset  # noqa: B018 -- refuse a bad time before anything is played
    return result


def onset_minute(text: str, scenario: Scenario) -> float:
    """'03:00' or 'Tue 03:00': the first such local time from the scenario's start (day 1 at that time when the
    scenario has no start)."""
    parts = text.split()
    try:
        if len(parts) == 1:
            day, minute = None, parse_clock(parts[0])
        elif len(parts) == 2:
            key = parts[0][:3].capitalize()
            if key not in DAY_NAMES:
                raise ValueError(f"unknown day {parts[0]!r}; use Mon, Tue, Wed, Thu, Fri, Sat or Sun")
            day, minute = DAY_NAMES.index(key), parse_clock(parts[1])
        else:
            raise ValueError("write [DAY] HH:MM, e.g. 'Tue 03:00' or '03:00'")
    except ValueError as exc:
        raise DrillsimError(f"--at {text!r}: {exc}") from None
    calendar = scenario.calendar
    if calendar is None:
        if day is not None:
            raise DrillsimError(f"--at {text!r}: the scenario has no `start`, so no weekdays; give HH:MM (day 1)")
        return float(minute)
    start = calendar.start.replace(tzinfo=None)
    for offset in range(8):
        date = (start + timedelta(days=offset)).date()
        local = datetime(date.year, date.month, date.day) + timedelta(minutes=minute)
        if local >= start and (day is None or local.weekday() == day):
            at = calendar.minute(local)
            if at >= scenario.horizon:
                break
            return at
    raise DrillsimError(f"--at {text!r}: no such time within the scenario's horizon")


# ── Decisions into a session ──────────────────────────────────────────────────────────────────────────────


def apply(session: Session, entry: Entry) -> str | None:
    """Take a timed decision (or a Game Master's inject) now; returns a line for the person, if any."""
    verb, args, number = entry.verb, entry.args, entry.incident
    if verb == "declare":
        session.declare(number, args[0])
    elif verb == "alone":
        session.work_alone(number)
    elif verb in ("escalate", "mobilise"):
        session.escalate(number, mobilise=verb == "mobilise")
    elif verb == "update":
        # a team drill's Comms lead writes as the Comms lead; the policy, for a Comms seat nobody took, as the IC
        session.update(number, entry.update_text(), by="Comms lead" if entry.seat == "comms" and not entry.policy
                       else None)
    elif verb == "inject":
        what = args[0]
        if what == "away":
            name = args[1] if len(args) > 1 and args[1].lower() != "secondary" else session.secondary()
            if name is None:
                raise DrillsimError("the team has no second level: name who is away, e.g. 'inject away Ben'")
            session.away(name)
            return f"{session.person(name).name} is on a plane: unreachable"
        if what == "failure":
            new = session.second_failure(args[1] if len(args) > 1 else None)
            return f"a second failure has started (INC-{new:04d})"
        session.customer_escalates(number)
        return f"a customer escalates about INC-{number:04d}: stakeholders want an update now"
    return None


def answer(session: Session, question: Question, entry: Entry) -> None:
    """Answer a question asked at an instant with a `roles`, `mitigate`, `investigate`, `confirm`, `cleanup` or
    `items` entry."""
    if question.kind == ROLES:
        session.choose(question, roles_answer(entry, question.facts["candidates"]))
    elif entry.verb == "investigate":
        session.choose(question, INVESTIGATE)
    elif question.kind == ITEMS:
        session.choose(question, int(entry.args[0]))
    else:
        session.choose(question, entry.args[0])


# ── The live clock: the terminal app's and a team drill's ─────────────────────────────────────────────────


def _nobody() -> None:
    """No question is answered for anyone: one person holds every seat."""


def skip_to(session: Session) -> float | None:
    """The minute of the next event when nothing needs anyone (every incident resolved, no decision waiting):
    the postmortem, days later, is skipped to. None when someone may act before it."""
    if session.quiet and session.next_event() < math.inf:
        return session.next_event()
    return None


def clock_target(session: Session, speed: float, real_seconds: float) -> tuple[float, bool]:
    """Where a live drill's clock goes in `real_seconds` of real time at `speed` (drill seconds a real second),
    and whether through that minute: straight to the next event when nothing needs anyone (`skip_to`)."""
    skipped = skip_to(session)
    if skipped is not None:
        return skipped, True
    return session.now + speed * real_seconds / 60, False


def run_clock(session: Session, until: float, take: Callable[[int, Entry], object], *, through: bool = False,
              planned: Callable[[], tuple[int, Entry] | None] = lambda: None,
              for_others: Callable[[], None] = _nobody) -> None:
    """Move a live drill's clock to minute `until` (and through it, with `through`). Each timed decision
    `planned` (the next one as (second, entry), or None: the Game Master's scripted injects, the policy's
    declarations and updates for a seat nobody took) is taken by `take` on its second; `for_others` answers
    the questions asked at an instant of seats nobody took. The clock stops where a person must decide."""
    while not session.finished:
        for_others()
        if session.blocked or session.finished:
            return
        due = planned()
        if due is not None and session.moment(due[0]) <= until:
            seconds, entry = due
            session.advance(session.moment(seconds))
            if not session.blocked and not session.finished:
                take(seconds, entry)
            continue
        if through:
            session.through(until)
        else:
            session.advance(until)
        if not session.blocked:
            return


def whole_second(session: Session, for_others: Callable[[], None] = _nobody) -> int | None:
    """Move the clock to the next whole second after the first alert, where decisions are taken (`for_others`
    answering on the way, as in `run_clock`); None when a person's decision, or the drill's end, came first."""
    while True:
        for_others()
        if session.blocked or session.finished:
            return None
        seconds = session.seconds(session.now)
        target = session.moment(seconds)
        if session.now >= target:
            return seconds
        session.advance(target)


KIND_OF = {"roles": ROLES, "mitigate": MITIGATE, "investigate": MITIGATE, "confirm": CONFIRM, "cleanup": CLEANUP,
           "items": ITEMS}
ASKING = {ROLES: ("who takes the roles", "roles"),
          MITIGATE: ("which mitigation to try next (or to investigate)", "mitigate NAME"),
          CONFIRM: ("how restored service is confirmed", "confirm data|anecdote"),
          CLEANUP: ("when the temporary fixes are removed", "cleanup now|late|skip"),
          ITEMS: ("how many action items the postmortem writes", "items COUNT")}


@dataclass
class Played:
    """A drill played to its end: the session and the decisions that were not used."""

    session: Session
    unused: list[Entry] = field(default_factory=list)
    hints: list[Entry] = field(default_factory=list)


def play(drill: Setup, answers: Answers, *, automatic: bool = False) -> Played:
    """Play `answers` through the drill to its end, without a terminal. With `automatic`, the scenario's policy
    makes every decision and only the Game Master's injects are taken from `answers` (the policy's side of a
    debrief); an inject that cannot apply to the policy's drill (a customer escalating before the policy has
    declared) is left out. Problems are DrillsimError naming the answers file and line."""
    session = drill.session(automatic=automatic)
    session.until_first_alert()
    timed = [e for e in answers.entries if e.timed and (not automatic or e.verb == "inject")]
    asked = [] if automatic else [e for e in answers.entries if not e.timed]
    played = Played(session)
    for entry in [*timed, None]:
        target = math.inf if entry is None else session.moment(entry.due)
        while True:
            session.advance(target)
            if not session.blocked or (entry is not None and entry.verb == "stop"):
                break
            question = next(q for q in session.questions if q.kind in INSTANT_KINDS)
            found = next((e for e in asked if KIND_OF[e.verb] == question.kind
                          and e.incident == question.incident.number), None)
            if found is None:
                raise DrillsimError(
                    f"{answers.source}: INC-{question.incident.number:04d} asks {ASKING[question.kind][0]} at "
                    f"+{_since(session)}, and no answer is left for it: add a '{ASKING[question.kind][1]}' line")
            asked.remove(found)
            try:
                answer(session, question, found)
            except DrillsimError as exc:
                raise DrillsimError(f"{answers.where(found)}: {exc}") from None
            session.through(session.now)  # what follows at once (the next question), as at a terminal
        if entry is None:
            break
        if session.finished:
            raise DrillsimError(f"{answers.where(entry)}: the drill was over at +{_since(session)}, before "
                                f"+{entry.due // 60}m {entry.due % 60}s")
        if entry.verb == "stop":  # the drill was ended here
            played.unused = asked
            return played
        if entry.verb == "hint":
            played.hints.append(entry)
            continue
        try:
            apply(session, entry)
        except DrillsimError as exc:
            if automatic:
                continue
            raise DrillsimError(f"{answers.where(entry)}: {exc}") from None
    if not session.finished and not session.stalled:
        waiting = "; ".join(f"INC-{q.incident.number:04d} to be {'declared' if q.kind == 'declare' else q.kind}"
                            for q in session.questions)
        raise DrillsimError(f"{answers.source}: the answers run out at +{_since(session)} with the drill waiting "
                            f"for the person ({waiting}): add the decisions that follow")
    played.unused = asked
    return played


def _since(session: Session) -> str:
    seconds = session.seconds(session.now)
    return f"{seconds // 60}m {seconds % 60}s"
