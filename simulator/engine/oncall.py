"""Who is on call when: a scenario's escalation levels and role sources as stretches of simulated minutes.

A rotation's layer hands the pager from one person to the next every `shift`, at wall-clock handoff times in
its time zone; the first person named is on call at `start` (the rotation is anchored at the last handoff
before it). A layer restricted to `days` and `hours` has its people on call only then. Where layers overlap,
the later layer wins. A level or role of named people (or everyone) has them all on call all the time.

    roster = OnCall(scenario)
    roster.at(level, minute)        # the people (indices into roster.people) on call at that level, in order
    roster.turn_end(level, person, minute)   # when that person's stretch at that level ends (inf: never)

The periods of the day that change acknowledgement and mitigation speed (business hours, night, out of
hours) are worked out here too, per time zone, as `Membership`s.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from math import inf

from simulator.calendar import Calendar, Membership, Weekly, intersect, parse_handoff, parse_hours
from simulator.scenario.model import Scenario
from simulator.scenario.team import Layer, layers

ALWAYS = "always"


@dataclass(frozen=True, slots=True)
class Segments:
    """Stretches [starts[i], ends[i]) during which `people[i]` (a person index) is on call; gaps: nobody."""

    starts: list[float]
    ends: list[float]
    people: list[int]

    def at(self, t: float) -> int | None:
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return self.people[i]
        return None

    def end_of(self, t: float) -> float:
        """The end of the stretch holding t."""
        i = bisect_right(self.starts, t) - 1
        return self.ends[i] if i >= 0 and t < self.ends[i] else t

    def next_start(self, t: float) -> float:
        """The first stretch's start after t (inf when none)."""
        i = bisect_right(self.starts, t)
        return self.starts[i] if i < len(self.starts) else inf


def layer_turns(layer: Layer, calendar: Calendar, horizon: float, default_zone: str,
                index: dict[str, int]) -> list[tuple[float, float, int]]:
    """(start, end, person) of every turn of one layer within [0, horizon], restricted to its days and hours."""
    timezone = layer.timezone or default_zone
    weekday, clock = parse_handoff(layer.handoff)
    local_start = calendar.at(0, timezone).replace(tzinfo=None)
    anchor = datetime(local_start.year, local_start.month, local_start.day) + timedelta(minutes=clock)
    step_back = timedelta(days=7 if weekday is not None else 1)
    if weekday is not None:
        anchor -= timedelta(days=(anchor.weekday() - weekday) % 7)
    while anchor > local_start:
        anchor -= step_back
    shift = timedelta(minutes=layer.shift)
    people = [index[name] for name in layer.people]
    zone_of = calendar.zone if timezone == calendar.timezone else None
    turns: list[tuple[float, float, int]] = []
    turn = 0
    while True:
        a_local, b_local = anchor + turn * shift, anchor + (turn + 1) * shift
        a = _minute(calendar, a_local, timezone, zone_of)
        if a >= horizon:
            break
        b = _minute(calendar, b_local, timezone, zone_of)
        if b > 0:
            turns.append((max(a, 0.0), min(b, horizon), people[turn % len(people)]))
        turn += 1
    window = layer.window
    if window is None:
        return turns
    allowed = window.intervals(calendar, horizon, timezone)
    out = []
    for a, b, person in turns:
        out += [(x, y, person) for x, y in intersect([(a, b)], allowed)]
    return out


def _minute(calendar: Calendar, local: datetime, timezone: str, zone_of) -> float:
    from simulator.calendar import zone

    return calendar.minute(local.replace(tzinfo=zone_of or zone(timezone)))


def rotation_segments(rotation, calendar: Calendar, horizon: float, default_zone: str,
                      index: dict[str, int]) -> Segments:
    """The stretches of a rotation: its layers' turns, later layers winning where they overlap."""
    per_layer = [layer_turns(layer, calendar, horizon, default_zone, index) for layer in layers(rotation)]
    if len(per_layer) == 1:
        return _joined(per_layer[0])
    points = sorted({x for turns in per_layer for a, b, _ in turns for x in (a, b)})
    lookups = [Segments([a for a, _, _ in t], [b for _, b, _ in t], [p for _, _, p in t]) for t in per_layer]
    out = []
    for a, b in pairwise(points):
        middle = (a + b) / 2
        for lookup in reversed(lookups):
            person = lookup.at(middle)
            if person is not None:
                out.append((a, b, person))
                break
    return _joined(out)


def _joined(turns: list[tuple[float, float, int]]) -> Segments:
    """Adjacent stretches of the same person as one."""
    starts: list[float] = []
    ends: list[float] = []
    people: list[int] = []
    for a, b, person in sorted(turns):
        if b <= a:
            continue
        if people and people[-1] == person and starts and ends[-1] >= a:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
            people.append(person)
    return Segments(starts, ends, people)


class OnCall:
    """The people of a scenario and who is on call, at each escalation level and for each role, at any minute."""

    def __init__(self, scenario: Scenario):
        team = scenario.team
        self.scenario = scenario
        self.people = team.person_list
        self.names = tuple(p.name for p in self.people)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.calendar = scenario.calendar
        self.horizon = scenario.horizon
        self.levels = team.levels
        self._rotations: dict[str, Segments] = {}
        self.level_sources = [self._source(level) for level in self.levels]
        roles = team.roles
        self.role_sources = {}
        if roles is not None:
            for role in ("incident_commander", "comms_lead"):
                source = getattr(roles, role)
                if source is not None:
                    self.role_sources[role] = self._source(source)
        self._periods: dict[str, tuple[Membership, Membership]] = {}
        self._by_person = [self._membership(self.zone_of(i)) for i in range(len(self.people))] \
            if self.calendar is not None else []

    def _source(self, source) -> Segments | tuple[int, ...]:
        """A rotation's stretches, or the fixed people of a level or role (everyone for `everyone`)."""
        rotation = getattr(source, "rotation", None)
        if rotation is not None:
            if rotation not in self._rotations:
                self._rotations[rotation] = rotation_segments(
                    self.scenario.team.rotations[rotation], self.calendar, self.horizon, self.scenario.timezone,
                    self.index)
            return self._rotations[rotation]
        if getattr(source, "everyone", False):
            return tuple(range(len(self.people)))
        return tuple(self.index[name] for name in source.people)

    # ── Who is on call ──

    def at(self, level: int, t: float) -> tuple[int, ...]:
        """The people on call at escalation level `level` (from 0) at minute t, in the level's order."""
        return self._members(self.level_sources[level], t)

    def role_at(self, role: str, t: float) -> tuple[int, ...]:
        return self._members(self.role_sources[role], t)

    @staticmethod
    def _members(source, t: float) -> tuple[int, ...]:
        if isinstance(source, tuple):
            return source
        person = source.at(t)
        return () if person is None else (person,)

    def turn_end(self, level: int, person: int, t: float) -> float:
        """When `person`'s stretch on call at `level` that holds t ends; inf for a level of fixed people."""
        source = self.level_sources[level]
        if isinstance(source, tuple):
            return inf
        return source.end_of(t) if source.at(t) == person else t

    def next_change(self, level: int, t: float) -> float:
        """The next minute after t at which someone comes on call at `level` (inf: never, or fixed people)."""
        source = self.level_sources[level]
        return inf if isinstance(source, tuple) else source.next_start(t)

    def rotates(self, level: int) -> bool:
        return not isinstance(self.level_sources[level], tuple)

    # ── Periods of the day ──

    def zone_of(self, person: int) -> str:
        return self.people[person].timezone or self.scenario.timezone

    def period(self, person: int, t: float) -> str:
        """'business_hours', 'night' or 'out_of_hours' at minute t, in the person's local time ('business_hours'
        when the scenario has no wall clock)."""
        if self.calendar is None:
            return "business_hours"
        business, night = self._by_person[person]
        if t in night:
            return "night"
        return "business_hours" if t in business else "out_of_hours"

    def _membership(self, timezone: str) -> tuple[Membership, Membership]:
        found = self._periods.get(timezone)
        if found is None:
            team = self.scenario.team
            business = team.business_hours.weekly.intervals(self.calendar, self.horizon, timezone)
            start, end = parse_hours(team.night)
            night = Weekly(start=start, end=end).intervals(self.calendar, self.horizon, timezone)
            found = self._periods[timezone] = (Membership(business), Membership(night))
        return found


__all__ = ["ALWAYS", "OnCall", "Segments", "layer_turns", "rotation_segments"]
