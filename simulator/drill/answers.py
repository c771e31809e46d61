"""Answers files: a drill's decisions as text, one a line, for scripted play (`drillsim drill --answers FILE`)
and for playing a saved drill again.

    # Worked example: the first failure of seed 7, on a Tuesday at 03:00
    seed 7
    mode bad-deploy
    at Tue 03:00

    +2m 30s  declare SEV2          # TIME is since the first alert; the clock runs until then
             roles comms=yes       # asked at an instant: answers the next question of its kind, no time
             mitigate rollback
    +20m     update | checkout fails for some card payments | rolling back the 14:02 deploy | 30m
    +25m     inject customer       # the Game Master's injects are decisions of the drill too
             confirm data          # a scenario with practices also asks how restored service is confirmed,
             cleanup late          # when the temporary fixes are removed and how many action items the
             items 3               # postmortem writes; `+4m alone` works alone first instead of declaring

Settings come first: `seed`, `mode`, `at` ([DAY] HH:MM, the failure's onset), `replication` (where the search
for the failure starts). Decisions name their incident with `INC-2` (or `#2`) when the drill has more than one;
INC-1 otherwise. Every problem of a file is listed at once, each with its file and line.

A stakeholder update is written in three parts after `|`: the impact on customers, what is being done, and when
the next update comes (a duration from now, or nothing): `+20m update INC-2 | ... | ... | 30m`. The parts are
one line each, without '|' or '#'. A bare `update` (an older file) is an update sent without words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from simulator import inputs
from simulator.engine.comms import UpdateText
from simulator.engine.world import ANECDOTE, CLEANUPS, DATA, MAX_ACTION_ITEMS
from simulator.errors import DrillsimError
from simulator.limits import MAX_ANSWERS_BYTES, MAX_REPLICATIONS, MAX_SEED
from simulator.scenario.model import SEVERITIES
from simulator.units import parse_duration

TIMED = ("declare", "alone", "escalate", "mobilise", "update", "inject", "hint", "note", "stop")
"""Decisions taken when the person chooses: each at a time since the first alert (`alone`: the alerted engineer
tries to fix it alone first instead of declaring; `note`: a Scribe's note on the timeline, which changes nothing;
`stop`: the drill was ended there, before its incidents were resolved)."""
ASKED = ("roles", "mitigate", "investigate", "confirm", "cleanup", "items")
"""Answers to questions asked at an instant: no time, they answer the next question of their kind."""
SETTINGS = ("seed", "mode", "at", "replication", "team")
SEATS = ("ic", "ops", "comms", "scribe", "gm")
"""The seats of a team drill (`drillsim drill --serve`), as an answers file names them: a decision made at a seat
starts with the seat (`ops: mitigate rollback`), or with the seat in brackets when the scenario's policy made it
for a seat nobody took (`(ops): mitigate rollback`); the `team` setting lists the seats people took."""
MAX_NOTE = 500
"""The most characters of a Scribe's note."""
INJECTS = ("away", "failure", "customer")
ROLE_KEYS = {"ic": "Incident Commander", "comms": "Comms lead"}
_INCIDENT = re.compile(r"^(?:INC-|#)([0-9]{1,9})$", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]{1,20}")
"""A whole number as drillsim reads one: ASCII digits only ('²' and '٣' are digits to str.isdigit, not to int)."""
_SEAT = re.compile(r"^(\()?(" + "|".join(SEATS) + r")(?(1)\)):$", re.IGNORECASE)
"""A seat's mark before a decision: `ops:`, or `(ops):` when the scenario's policy made it for the seat."""
_TIME = re.compile(r"^\+\s*(\S.*?)\s+(?=[a-z(])", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One decision: `seconds` after the first alert (None for an answer to a question asked at an instant),
    what (`verb`, `args`) and about which incident; `line` is where it was read (0 when made at a terminal)."""

    verb: str
    args: tuple[str, ...] = ()
    seconds: int | None = None
    incident: int = 1
    line: int = 0
    source: str | None = field(default=None, compare=False)
    """The file it was read from when not the answers file itself (an injects file)."""
    seat: str | None = None
    """The seat of a team drill that made it (one of SEATS), None when one person plays every seat."""
    policy: bool = False
    """Made by the scenario's policy for a seat of a team drill that nobody took."""

    @property
    def timed(self) -> bool:
        return self.verb in TIMED

    @property
    def due(self) -> int:
        """When a timed entry happens: its seconds after the first alert (reading its time is an entry's check)."""
        if self.seconds is None:
            raise ValueError(f"{self.verb} answers a question when it is asked: it has no time")
        return self.seconds

    def text(self) -> str:
        """The entry as a line of an answers file."""
        when = f"+{_clock(self.seconds)}" if self.seconds is not None else ""
        tail = ""
        if self.verb == "note":  # free text: the incident before it, always
            words = [self.verb, f"INC-{self.incident}", *self.args]
        elif self.verb == "update" and self.args:  # a written update: its parts after '|'
            words = [self.verb] + ([f"INC-{self.incident}"] if self.incident != 1 else [])
            tail = f" | {' | '.join(self.args)}"
        else:
            words = [self.verb, *self.args] + ([f"INC-{self.incident}"] if self.incident != 1 else [])
        if self.seat is not None:
            words.insert(0, f"({self.seat}):" if self.policy else f"{self.seat}:")
        if tail:
            return f"{when:<12} {' '.join(words)}{tail}".rstrip()
        return f"{when:<12} {' '.join(words)}"

    def update_text(self) -> UpdateText | None:
        """What an `update` entry says (None when it was sent without words)."""
        if self.verb != "update" or not self.args:
            return None
        impact, done, nxt = self.args
        return UpdateText(impact, done, parse_duration(nxt) if nxt else None)


@dataclass
class Answers:
    """A drill's settings and decisions, in the order they were made."""

    settings: dict[str, str] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    source: str = "answers"

    def text(self, heading: str = "") -> str:
        lines = [f"# {line}" if line else "#" for line in heading.splitlines()]
        lines += [f"{key} {self.settings[key]}" for key in SETTINGS if key in self.settings]
        lines += [""] + [entry.text() for entry in self.entries]
        return "\n".join(lines).strip("\n") + "\n"

    def where(self, entry: Entry) -> str:
        source = entry.source or self.source
        return f"{source}:{entry.line}" if entry.line else source


def _clock(seconds: int) -> str:
    """Whole seconds as a duration an answers file reads back exactly: '12m 5s', '1h 2m', '0s'."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] * bool(hours) + [f"{minutes}m"] * bool(minutes) + [f"{secs}s"] * bool(secs)
    return " ".join(parts) or "0s"


def read_answers(path: str | Path) -> Answers:
    """Read an answers file through the guarded reader (simulator.inputs: a regular UTF-8 file of at most
    MAX_ANSWERS_BYTES); DrillsimError listing every problem (`file:line: ...`) if any."""
    text = inputs.read_text(path, MAX_ANSWERS_BYTES, "answers file")
    return parse_answers(text, str(path))


def read_injects(path: str | Path) -> Answers:
    """Read the Game Master's script: an answers file of `inject` lines only, at their times. A setting or a
    decision of any other kind is refused (with its line), never dropped."""
    injects = read_answers(path)
    problems = [f"{path}:{entry.line}: {entry.verb} is a decision of the trainee, not an inject: an injects file "
                "holds only lines such as '+20m inject customer' (put decisions in an answers file)"
                for entry in injects.entries if entry.verb != "inject"]
    if injects.settings:
        problems.insert(0, f"{path}: {', '.join(injects.settings)}: settings belong in the answers file, not in "
                           "an injects file")
    if problems:
        raise DrillsimError("\n".join(problems) + f"\n{len(problems)} problem{'s' * (len(problems) != 1)} found.")
    return injects


def with_injects(answers: Answers, injects: Answers) -> Answers:
    """The answers with the Game Master's injects taken at their times among the timed decisions (an inject at
    the same time as a decision comes after it). Each entry keeps the file and line it was read from."""
    timed = [e for e in answers.entries if e.timed]
    order = {id(entry): n for n, entry in enumerate(timed)}
    merged = sorted([*timed, *(replace(e, source=injects.source) for e in injects.entries)],
                    key=lambda e: (e.seconds, order.get(id(e), len(order))))
    out, queue = [], iter(merged)
    for entry in answers.entries:  # answers to questions keep their places among the timed decisions
        out.append(next(queue) if entry.timed else entry)
    out.extend(queue)
    return Answers(settings=dict(answers.settings), entries=out, source=answers.source)


def parse_answers(text: str, source: str = "answers") -> Answers:
    """Read an answers file; DrillsimError listing every problem (`source:line: ...`) if any."""
    answers = Answers(source=source)
    problems: list[str] = []
    last: tuple[int, int] | None = None  # (seconds, line) of the last timed decision
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw)
        if not line:
            continue
        try:
            entry = _entry(line, number, answers)
        except ValueError as exc:
            problems.append(f"{source}:{number}: {exc}")
            continue
        if entry is None:
            continue
        if entry.seconds is not None:
            if last is not None and entry.seconds < last[0]:
                problems.append(f"{source}:{number}: +{_clock(entry.seconds)} is in the past: line {last[1]} was "
                                f"at +{_clock(last[0])}; list decisions in the order they are made")
            last = (entry.seconds, number)
        answers.entries.append(entry)
    if problems:
        raise DrillsimError("\n".join(problems) + f"\n{len(problems)} problem{'s' * (len(problems) != 1)} found.")
    return answers


def _strip_comment(raw: str) -> str:
    """The line without its comment, keeping '#2' incident references (a '#' followed by digits)."""
    return re.sub(r"#(?!\d).*$", "", raw).strip()


def _entry(line: str, number: int, answers: Answers) -> Entry | None:
    seconds = None
    if line.startswith("+"):
        match = _TIME.match(line + " ")
        if not match:
            raise ValueError(f"cannot read {line!r}: write a time then a decision, e.g. '+4m declare SEV2'")
        try:
            minutes = parse_duration(match.group(1))
        except ValueError as exc:
            raise ValueError(f"time {match.group(1)!r}: {exc}") from None
        seconds = round(minutes * 60)
        if abs(seconds - minutes * 60) > 1e-6:
            raise ValueError(f"time {match.group(1)!r}: give whole seconds")
        line = line[match.end():].strip()
    seat, policy = None, False
    if by := _SEAT.match(line.split()[0]):  # a team drill's seat
        seat, policy = by.group(2).lower(), bool(by.group(1))
        line = line[by.end():].strip()
        if not line:
            raise ValueError(f"{seat}: what did the seat decide? e.g. '+4m ops: mitigate rollback'")
    parts = None
    if line.split()[0].lower() == "update" and "|" in line:  # a written update: its parts after '|'
        line, *parts = (part.strip() for part in line.split("|"))
    words = line.split()
    verb, args = words[0].lower(), words[1:]
    if seat is not None and verb in SETTINGS:
        raise ValueError(f"{verb} is a setting of the drill, not a seat's decision: give it no seat")
    if verb in SETTINGS:
        if seconds is not None:
            raise ValueError(f"{verb} is a setting, not a decision: give it no time")
        if answers.entries:
            raise ValueError(f"settings come before the first decision ({verb} after them)")
        if not args:
            raise ValueError(f"{verb} needs a value, e.g. '{_SETTING_EXAMPLES[verb]}'")
        value = " ".join(args)
        if verb == "team":
            unknown = [arg for arg in args if arg.lower() not in SEATS]
            if unknown or len(set(args)) != len(args):
                raise ValueError(f"team lists the seats people took, each once, among {', '.join(SEATS)} (got "
                                 f"{inputs.short(value, 60)})")
            value = " ".join(sorted((arg.lower() for arg in args), key=SEATS.index))
        if verb in ("seed", "replication"):
            most = MAX_SEED if verb == "seed" else MAX_REPLICATIONS - 1
            if not _DIGITS.fullmatch(value) or int(value) > most:
                raise ValueError(f"{verb} is a whole number from 0 to {most:,} (got {inputs.short(value, 40)})")
            value = str(int(value))
        answers.settings[verb] = value
        return None
    if verb not in TIMED + ASKED:
        from simulator.scenario.validate import did_you_mean

        raise ValueError(f"unknown decision {verb!r} (decisions: {', '.join(TIMED + ASKED)})"
                         + did_you_mean(verb, TIMED + ASKED + SETTINGS))
    if verb in TIMED and seconds is None:
        raise ValueError(f"{verb} happens when the person chooses: give its time since the first alert, e.g. "
                         f"'+5m {verb}'")
    if verb in ASKED and seconds is not None:
        raise ValueError(f"{verb} answers a question when it is asked: give it no time")
    incident = 1
    if verb == "note":
        if not args or not (numbered := _INCIDENT.match(args[0])) or len(args) < 2:
            raise ValueError("note takes its incident then its text, e.g. '+5m scribe: note INC-1 rollback "
                             "discussed'")
        text = " ".join(args[1:])
        if len(text) > MAX_NOTE:
            raise ValueError(f"a note is at most {MAX_NOTE} characters (got {len(text)})")
        if int(numbered.group(1)) < 1:
            raise ValueError("incidents are numbered from INC-1")
        return Entry(verb, tuple(args[1:]), seconds, int(numbered.group(1)), number, seat=seat, policy=policy)
    if args and (numbered := _INCIDENT.match(args[-1])):
        incident = int(numbered.group(1))
        args = args[:-1]
        if incident < 1:
            raise ValueError("incidents are numbered from INC-1")
    _check_args(verb, args)
    if parts is not None:
        args = update_parts(parts)
    return Entry(verb, tuple(args), seconds, incident, number, seat=seat, policy=policy)


def update_parts(parts: list[str]) -> list[str]:
    """The three parts of a written update (impact, what is being done, the next update's time), checked."""
    if len(parts) != 3:
        raise ValueError("a written update has three parts after '|': impact | what is being done | next update "
                         "(a duration, or nothing), e.g. 'update | checkout fails | rolling back | 30m'")
    for part in parts[:2]:
        problem = UpdateText.problem(part)
        if problem is not None:
            raise ValueError(problem)
    if parts[2]:
        try:
            minutes = parse_duration(parts[2])
        except ValueError as exc:
            raise ValueError(f"next update {parts[2]!r}: {exc}") from None
        if not 0 < minutes <= 24 * 60:
            raise ValueError(f"next update {parts[2]!r}: give a time from now above 0 and at most 24h")
    return parts


_SETTING_EXAMPLES = {"seed": "seed 7", "mode": "mode bad-deploy", "at": "at Tue 03:00", "replication": "replication 0",
                     "team": "team ic ops comms"}


def _check_args(verb: str, args: list[str]) -> None:
    if verb == "declare":
        if len(args) != 1 or args[0].upper() not in SEVERITIES:
            raise ValueError(f"declare takes a severity ({', '.join(SEVERITIES)}), e.g. 'declare SEV2'")
        args[0] = args[0].upper()
    elif verb in ("alone", "escalate", "mobilise", "update", "investigate", "hint", "stop"):
        if args:
            raise ValueError(f"{verb} takes nothing but an incident (got {' '.join(args)!r})")
    elif verb == "mitigate":
        if len(args) != 1:
            raise ValueError("mitigate takes one mitigation, e.g. 'mitigate rollback'")
    elif verb == "confirm":
        if len(args) != 1 or args[0].lower() not in (DATA, ANECDOTE):
            raise ValueError(f"confirm takes {DATA} or {ANECDOTE}, e.g. 'confirm {DATA}' (got {' '.join(args)!r})")
        args[0] = args[0].lower()
    elif verb == "cleanup":
        if len(args) != 1 or args[0].lower() not in CLEANUPS:
            raise ValueError(f"cleanup takes {', '.join(CLEANUPS[:-1])} or {CLEANUPS[-1]}, e.g. 'cleanup now' "
                             f"(got {' '.join(args)!r})")
        args[0] = args[0].lower()
    elif verb == "items":
        if len(args) != 1 or not _DIGITS.fullmatch(args[0]) or int(args[0]) > MAX_ACTION_ITEMS:
            raise ValueError(f"items takes how many action items the postmortem writes, a whole number from 0 to "
                             f"{MAX_ACTION_ITEMS}, e.g. 'items 3' (got {' '.join(args)!r})")
        args[0] = str(int(args[0]))
    elif verb == "roles":
        for arg in args:
            key, sep, value = arg.partition("=")
            if arg.lower() == "none":
                continue
            if not sep or key.lower() not in ROLE_KEYS or not value:
                raise ValueError(f"roles takes ROLE=NAME pairs with ROLE ic or comms and NAME a person, yes (the "
                                 f"first free) or no, e.g. 'roles ic=Priya comms=yes' (got {arg!r})")
    elif verb == "inject":
        if not args or args[0].lower() not in INJECTS:
            raise ValueError(f"inject what? {', '.join(INJECTS)} (e.g. 'inject away Ben', 'inject failure', "
                             "'inject customer')")
        args[0] = args[0].lower()
        if args[0] == "customer" and len(args) > 1:
            raise ValueError("inject customer takes nothing but an incident")
        if args[0] in ("away", "failure") and len(args) > 2:
            raise ValueError(f"inject {args[0]} takes one {'person' if args[0] == 'away' else 'failure mode'}")


def roles_answer(entry: Entry, candidates: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """A `roles` entry as role → name among the candidates (yes: the first of them; no: nobody)."""
    chosen = {}
    for arg in entry.args:
        if arg.lower() == "none":
            continue
        key, _, value = arg.partition("=")
        role = ROLE_KEYS[key.lower()]
        if value.lower() in ("no", "none"):
            continue
        names = candidates.get(role)
        if names is None:
            raise DrillsimError(f"there is no {role} role to assign (roles offered: "
                                f"{', '.join(candidates) or 'none'})")
        if value.lower() == "yes":
            if not names:
                raise DrillsimError(f"nobody is free to take the {role} role")
            chosen[role] = names[0]
        else:
            match = [name for name in names if name.lower() == value.lower()]
            if not match:
                raise DrillsimError(f"{value} cannot take the {role} role now (free for it: "
                                    f"{', '.join(names) or 'nobody'})")
            chosen[role] = match[0]
    return chosen


def roles_entry(chosen: dict[str, str], candidates: dict[str, tuple[str, ...]]) -> Entry:
    """The `roles` entry of a choice made at a terminal."""
    keys = {label: key for key, label in ROLE_KEYS.items()}
    args = []
    for role in candidates:
        name = chosen.get(role)
        if name is None:
            args.append(f"{keys[role]}=no")
        elif " " in name:  # an unnamed role (the Comms lead who joins): 'yes' names the first candidate
            args.append(f"{keys[role]}=yes")
        else:
            args.append(f"{keys[role]}={name}")
    return Entry("roles", tuple(args) or ("none",))


