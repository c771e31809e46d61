"""On-call load per person, from the event log: what carrying the pager cost each member of the team.

Per person and replication:

    pages               pages that reached them (page_delivered), answered or not
    out-of-hours pages  those outside their business hours (the night included), in their own time zone
    night pages         those at night
    hours held          hours spent working incidents, from taking one up to standing down (an incident still
                        open at the horizon counts up to the horizon)
    longest stretch     the longest run of work without a break, incidents back to back joined (hours)
    busiest 12 hours    the most incidents they took up in one 12-hour block of the period (blocks counted
                        from minute 0); the SRE book's guideline for a sustainable shift is at most two
    blocks over two     of the 12-hour blocks in which they took up any incident, the share with more than two
    sleep pages         pages that reached them in their sleeping hours (their own time zone; team.sleep, a
                        person's own `sleep`, default 22:00–07:00)
    sleep hours         hours of work on incidents within their sleeping hours
    interrupted nights  nights (one sleeping stretch each) with a page or any work in them
    shifts, hours on call   turns a rotation gave them and hours they were on call in the period (the same in
                        every replication; people named on a level directly are on call all the time only in a
                        team without rotations: the shorthand pool and its secondary)
    pay                 what on call paid them (team.pay): per shift × shifts + per hour × hours on call + per
                        page out of hours × out-of-hours pages

The sleep figures need the scenario's wall clock (`start`); without it they are zero. And for the whole team,
pages by hour of the week in the scenario's time zone (when it has a clock).

`LoadRows` reduces events as they come, like `IncidentRows`; `LoadTable` holds the per-replication figures of
a whole run (chunks of replications concatenate in order); `load_summary` makes the section of summary.json:
each figure's mean per replication, and its 95th percentile across replications.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import chain
from typing import Any

import numpy as np

from simulator.calendar import Calendar, Interval, Weekly, merge, parse_hours

FIGURES = ("pages", "out_of_hours_pages", "night_pages", "hours_held", "longest_stretch_hours",
           "busiest_12h", "blocks_over_two", "sleep_pages", "sleep_hours", "interrupted_nights", "shifts",
           "on_call_hours", "pay")
COST_FIGURES = ("sleep_pages", "sleep_hours", "interrupted_nights", "shifts", "on_call_hours", "pay")
"""The figures of what being on call cost each person: broken sleep, time on call, and pay."""
BLOCK = 720.0
"""Minutes of a block for the incidents-per-shift figure: 12 hours."""
SUSTAINABLE = 2
"""Incidents per 12-hour shift the SRE book's chapter on being on call calls sustainable."""
HOURS_OF_WEEK = 168


class LoadRows:
    """An event log that keeps only what the on-call load needs, per replication and person."""

    __slots__ = ("_holds", "_pages", "_times")
    wants = frozenset({"page_delivered", "stood_down", "open_at_horizon"})

    def __init__(self):
        self._pages: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self._holds: dict[tuple[int, str], list[tuple[float, float, int]]] = defaultdict(list)
        self._times: dict[tuple[int, str], list[float]] = defaultdict(list)  # (replication, person) → page times

    def append(self, event) -> None:
        sink = self.sinks().get(event[4])
        if sink is not None:
            sink(*event)

    def sinks(self) -> dict:
        """Per action it reads: f(time, replication, incident, phase, action, actor, detail)."""
        return {"page_delivered": self._paged, "stood_down": self._stood_down, "open_at_horizon": self._open}

    def _paged(self, time, replication, incident, phase, action, actor, detail) -> None:
        key = (replication, actor)  # one key for both look-ups: this runs for every page of a run
        counts = self._pages[key]
        counts[0] += 1
        period = detail.get("period")
        if period == "out_of_hours":
            counts[1] += 1
        elif period == "night":
            counts[1] += 1
            counts[2] += 1
        self._times[key].append(time)

    def _stood_down(self, time, replication, incident, phase, action, actor, detail) -> None:
        self._holds[(replication, actor)].append((detail["since"], time, incident))

    def _open(self, time, replication, incident, phase, action, actor, detail) -> None:
        for person, since in (detail.get("working") or {}).items():
            self._holds[(replication, person)].append((since, time, incident))

    def extend(self, events: Iterable) -> None:
        for event in events:
            self.append(event)

    def table(self, people: tuple[str, ...], replications: range, calendar: Calendar | None,
              horizon: float, rota: Rota | None = None) -> LoadTable:
        """The per-replication figures of `people` over `replications` (those without events count zero); the
        sleep, time on call and pay figures from `rota` (zero without it).

        Every (replication, person) of the chunk is worked out at once, in arrays (`_Work`): a chunk has thousands
        of them with a handful of holds each, and a loop over them cost a tenth of playing the replications. A
        cell's sums add its terms in the order a loop over its holds would (np.bincount adds in the order of its
        input), so the figures are the same to the last bit."""
        index = {name: i for i, name in enumerate(people)}
        shape = (len(replications), len(people))
        figures = {name: np.zeros(shape) for name in FIGURES}
        first = replications.start
        for (replication, person), (pages, out_of_hours, night) in self._pages.items():
            if person in index:
                r, p = replication - first, index[person]
                figures["pages"][r, p] = pages
                figures["out_of_hours_pages"][r, p] = out_of_hours
                figures["night_pages"][r, p] = night
        work = _Work.of(self._holds, index, first, shape)
        cells = shape[0] * shape[1]
        times = np.fromiter(chain.from_iterable(self._times.values()), np.float64)  # every page's time
        if work is not None:
            flat = {name: figures[name].reshape(-1) for name in  # views: cell r·people + p
                    ("hours_held", "longest_stretch_hours", "busiest_12h", "blocks_over_two")}
            flat["hours_held"][:] = np.bincount(work.cell, work.end - work.since, cells) / 60
            np.maximum.at(flat["longest_stretch_hours"], work.stretch_cell, work.stretch_end - work.stretch_start)
            flat["longest_stretch_hours"] /= 60
            flat["busiest_12h"][:], flat["blocks_over_two"][:] = work.blocks(cells)
        if rota is not None:
            # the replication and person (-1: not one of `people`) each page reached
            lengths = [len(found) for found in self._times.values()]
            paged = np.repeat(np.array([(replication, index.get(person, -1)) for replication, person in self._times],
                                       dtype=np.int64).reshape(-1, 2), lengths, axis=0)
            self._rota_figures(figures, index, first, rota, work, times, paged)
        week = np.zeros(HOURS_OF_WEEK, dtype=np.int64)
        if calendar is not None:
            hours = hour_of_week(calendar.start, calendar.timezone, horizon)
            slots = hours[np.minimum((times // 60).astype(int), len(hours) - 1)]
            week += np.bincount(slots, minlength=HOURS_OF_WEEK)  # whole counts: the same whatever the grouping
        return LoadTable(people, figures, week, calendar is not None)

    @staticmethod
    def _rota_figures(figures: dict[str, np.ndarray], index: dict[str, int], first: int, rota: Rota,
                      work: _Work | None, times: np.ndarray, paged: np.ndarray) -> None:
        """Broken sleep from the pages (at `times`, each reaching the (replication, person) of its row of
        `paged`) and the holds; shifts, hours on call and pay from the rota."""
        for person, p in index.items():
            figures["shifts"][:, p] = rota.shifts.get(person, 0)
            figures["on_call_hours"][:, p] = rota.on_call_hours.get(person, 0.0)
        width, cells = len(index), figures["pay"].size
        night_cells, nights = [], []  # a page or some work in the night: (cell, index of the sleeping stretch)
        pieces = []  # (cell, stretch, night index, minutes asleep)
        for person, p in index.items():
            if not rota.sleep.get(person):
                continue
            starts, ends = rota.sleep_bounds(person)
            mine = paged[:, 1] == p
            cell, night = _paged_nights(times[mine], (paged[mine, 0] - first) * width + p, starts, ends)
            figures["sleep_pages"][:, p] += np.bincount(cell // width, minlength=len(figures["sleep_pages"]))
            night_cells.append(cell)
            nights.append(night)
            if work is not None:
                found = _asleep(work, p, width, starts, ends)
                pieces.append(found)
                night_cells.append(found[0])
                nights.append(found[2])
        if pieces:  # each cell's minutes asleep in the order of its stretches of work, then of the nights
            cell, stretch, night, minutes = (np.concatenate(column) for column in zip(*pieces, strict=True))
            order = np.lexsort((night, stretch))
            figures["sleep_hours"].reshape(-1)[:] = np.bincount(cell[order], minutes[order], cells) / 60
        if night_cells:
            cell, night = np.concatenate(night_cells), np.concatenate(nights)
            span = int(night.max(initial=0)) + 1  # (cell, night) as one number, to count each night once
            figures["interrupted_nights"].reshape(-1)[:] = np.bincount(np.unique(cell * span + night) // span,
                                                                       minlength=cells)
        pay = rota.pay
        if pay is not None:
            figures["pay"][:] = (pay.per_shift * figures["shifts"] + pay.per_hour * figures["on_call_hours"]
                                 + pay.per_page_out_of_hours * figures["out_of_hours_pages"])


class _Work:
    """The holds of a chunk's (replication, person) cells as arrays, each cell's in the order they were logged
    (`cell`, `since`, `end`, `incident`); and their stretches of work, holds that touch or overlap joined, in
    order of their start within each cell (`stretch_cell`, `stretch_start`, `stretch_end`)."""

    __slots__ = ("cell", "end", "incident", "since", "stretch_cell", "stretch_end", "stretch_start")

    def __init__(self, cell: np.ndarray, since: np.ndarray, end: np.ndarray, incident: np.ndarray):
        self.cell, self.since, self.end, self.incident = cell, since, end, incident
        # As calendar.merge does for each cell's (since, end) pairs: sorted, joined while the next starts at or
        # before the furthest end so far.
        order = np.lexsort((end, since, cell))
        cell, since, end = cell[order], since[order], end[order]
        group = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])  # where each cell's holds begin
        length = np.diff(np.r_[group, len(cell)])
        reach = end.copy()  # the furthest end of the cell's holds so far
        for j in range(1, int(length.max())):
            at = group[length > j] + j
            reach[at] = np.maximum(reach[at - 1], end[at])
        starts = np.flatnonzero(np.r_[True, (cell[1:] != cell[:-1]) | (since[1:] > reach[:-1])])
        self.stretch_cell, self.stretch_start = cell[starts], since[starts]
        self.stretch_end = reach[np.r_[starts[1:] - 1, len(cell) - 1]]

    @classmethod
    def of(cls, holds: dict[tuple[int, str], list[tuple[float, float, int]]], index: dict[str, int], first: int,
           shape: tuple[int, int]) -> _Work | None:
        """The holds of the people of `index`, in cells of `shape` (replications from `first`, people)."""
        keys = [(key, index[key[1]]) for key in holds if key[1] in index]
        if not keys:
            return None
        cell = np.repeat(np.array([(replication - first) * shape[1] + p for (replication, _), p in keys],
                                  dtype=np.int64), [len(holds[key]) for key, _ in keys])
        held = np.fromiter(chain.from_iterable(chain.from_iterable(holds[key] for key, _ in keys)),
                           np.float64).reshape(-1, 3)
        return cls(cell, held[:, 0], held[:, 1], held[:, 2])

    def blocks(self, cells: int) -> tuple[np.ndarray, np.ndarray]:
        """Per cell, the most incidents taken up in one 12-hour block, and the share of the blocks with any that
        had more than two. An incident taken up twice in a block (a resumption) counts once."""
        block = (self.since // BLOCK).astype(np.int64)
        order = np.lexsort((self.incident, block, self.cell))
        cell, block, incident = self.cell[order], block[order], self.incident[order]
        new_cell = np.r_[True, cell[1:] != cell[:-1]]
        distinct = new_cell | np.r_[True, (block[1:] != block[:-1]) | (incident[1:] != incident[:-1])]
        cell, block, new_cell = cell[distinct], block[distinct], new_cell[distinct]
        begins = new_cell | np.r_[True, block[1:] != block[:-1]]  # each (cell, block)'s first incident
        taken = np.bincount(np.cumsum(begins) - 1)  # incidents in each (cell, block)
        block_cell = cell[begins]
        busiest = np.zeros(cells)
        np.maximum.at(busiest, block_cell, taken)
        blocks = np.bincount(block_cell, minlength=cells)
        over = np.bincount(block_cell, taken > SUSTAINABLE, cells)
        return busiest, np.divide(over, blocks, out=np.zeros(cells), where=blocks > 0)


def _paged_nights(times: np.ndarray, cells: np.ndarray, starts: np.ndarray,
                  ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cell, night) of each page (at `times`, in `cells`) that fell in one of the sleeping stretches from
    `starts` to `ends` (sorted): its cell and the stretch's index."""
    night = np.searchsorted(starts, times, side="right") - 1  # the last stretch starting at or before
    inside = (night >= 0) & (times < ends[np.maximum(night, 0)])
    return cells[inside], night[inside]


def _asleep(work: _Work, p: int, width: int, starts: np.ndarray,
            ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Person p's stretches of work within their sleeping stretches (from `starts` to `ends`, sorted): (cell,
    stretch of work, sleeping stretch, minutes) of each piece, as calendar.intersect would give them. Each
    stretch of work is looked for from the last sleeping stretch that starts at or before it, and on through
    the next ones that start before it ends."""
    mine = np.flatnonzero(work.stretch_cell % width == p)
    since, end = work.stretch_start[mine], work.stretch_end[mine]
    first = np.maximum(np.searchsorted(starts, since, side="right") - 1, 0)
    found = []
    for j in range(len(starts)):
        night = first + j
        live = night < len(starts)
        live[live] = starts[night[live]] < end[live]
        if not live.any():
            break
        at = np.flatnonzero(live)
        x, y = np.maximum(since[at], starts[night[at]]), np.minimum(end[at], ends[night[at]])
        kept = y > x
        found.append((mine[at][kept], night[at][kept], y[kept] - x[kept]))
    stretch, night, minutes = (np.concatenate(column) for column in zip(*found, strict=True)) if found else (
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    return work.stretch_cell[stretch], stretch, night, minutes


@dataclass(frozen=True)
class Rota:
    """What the on-call cost figures need beyond the event log, per person by name: their sleeping stretches
    (simulated minutes, sorted), the shifts a rotation gave them and their hours on call, and the team's pay."""

    sleep: dict[str, list[Interval]]
    shifts: dict[str, int]
    on_call_hours: dict[str, float]
    pay: Any = None
    _bounds: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)

    def sleep_bounds(self, person: str) -> tuple[np.ndarray, np.ndarray]:
        """The starts and the ends of a person's sleeping stretches, as arrays (made once)."""
        bounds = self._bounds.get(person)
        if bounds is None:
            stretches = np.array(self.sleep[person], dtype=np.float64).reshape(-1, 2)
            bounds = self._bounds[person] = (stretches[:, 0].copy(), stretches[:, 1].copy())
        return bounds


_last_rota: tuple[Any, Any, Rota] | None = None
"""(scenario, oncall, their rota) of the last call: a run asks for it once per chunk."""


def rota(scenario, oncall) -> Rota:
    """The rota of a scenario whose on-call schedule is `oncall` (the engine's OnCall: its people, and for each
    level and role either a rotation's stretches, with `starts`, `ends` and `people`, or fixed people). Worked
    out once for the same two objects (nothing changes a scenario, an OnCall or a Rota)."""
    global _last_rota
    last = _last_rota
    if last is not None and last[0] is scenario and last[1] is oncall:
        return last[2]
    found = _rota(scenario, oncall)
    _last_rota = (scenario, oncall, found)
    return found


def _rota(scenario, oncall) -> Rota:
    team, calendar, horizon = scenario.team, scenario.calendar, scenario.horizon
    names = tuple(oncall.names)
    sleep: dict[str, list[Interval]] = {}
    if calendar is not None:
        for person in team.person_list:
            start, end = parse_hours(person.sleep or team.sleep)
            sleep[person.name] = Weekly(start=start, end=end).intervals(
                calendar, horizon, person.timezone or scenario.timezone)
    stretches: dict[int, list[Interval]] = defaultdict(list)
    shifts: dict[int, int] = defaultdict(int)
    sources = [*oncall.level_sources, *oncall.role_sources.values()]
    seen: set[int] = set()
    rotating = any(not isinstance(source, tuple) for source in sources)
    for source in sources:
        if isinstance(source, tuple):
            if not rotating:  # a team without rotations: everyone it pages is on call all the time
                for person in source:
                    stretches[person] = [(0.0, horizon)]
                    shifts[person] = 1
            continue
        if id(source) in seen:  # a rotation used by several levels or roles counts once
            continue
        seen.add(id(source))
        for a, b, person in zip(source.starts, source.ends, source.people, strict=True):
            stretches[person].append((a, b))
            shifts[person] += 1
    return Rota(sleep, {names[p]: count for p, count in shifts.items()},
                {names[p]: sum(b - a for a, b in merge(found)) / 60 for p, found in stretches.items()},
                team.pay)


@cache
def hour_of_week(start: datetime, timezone: str, horizon: float) -> np.ndarray:
    """For each hour since `start`, the local hour of the week in `timezone` (0 = Monday 00:00–01:00). The
    clock's offset is looked up once a day, and hour by hour only on the days it changes (daylight saving)."""
    calendar = Calendar(start, timezone)
    hours = math.ceil(horizon / 60) + 1
    out = np.empty(hours, dtype=np.int64)
    start = calendar.at(0)
    base = start.weekday() * 24 + start.hour  # minute 0's local hour of the week, before any change of offset
    offset0 = start.utcoffset()
    for day in range(0, hours, 24):
        stop = min(day + 24, hours)
        first, last = calendar.at(day * 60).utcoffset(), calendar.at((stop - 1) * 60).utcoffset()
        if first == last:
            assert first is not None and offset0 is not None, "Calendar.at gives aware times"
            shift = int((first - offset0).total_seconds() // 3600)
            out[day:stop] = (base + np.arange(day, stop) + shift) % HOURS_OF_WEEK
        else:
            for hour in range(day, stop):
                local = calendar.at(hour * 60)
                out[hour] = local.weekday() * 24 + local.hour
    return out


@dataclass(frozen=True)
class LoadTable:
    """Per replication (rows) and person (columns), each figure of FIGURES; and pages per hour of the week,
    summed over the replications (`week`, 168 counts, zeros when the scenario has no clock): only their mean per
    replication is reported, and a row of 168 hours for each replication took some 90 MB at a million
    incidents."""

    people: tuple[str, ...]
    figures: dict[str, np.ndarray]
    week: np.ndarray
    clocked: bool

    @classmethod
    def concat(cls, tables: list[LoadTable]) -> LoadTable:
        first = tables[0]
        return cls(first.people, {name: np.concatenate([t.figures[name] for t in tables]) for name in FIGURES},
                   np.asarray(np.sum([t.week for t in tables], axis=0, dtype=np.int64)), first.clocked)

    @property
    def replications(self) -> int:
        return len(self.figures[FIGURES[0]])

    def week_mean(self) -> np.ndarray:
        """Pages per hour of the week, mean per replication: exactly the mean of per-replication rows of counts
        (their float sums are whole numbers, exact in any order)."""
        return self.week.astype(np.float64) / self.replications


def load_summary(load: LoadTable, timezone: str, pay_currency: str | None = None) -> dict:
    """The on-call load section of summary.json: per person, each figure's mean per replication and its 95th
    percentile across replications; pages by hour of the week (mean per replication) when there is a clock."""
    people = {}
    for p, person in enumerate(load.people):
        people[person] = {name: {"mean": float(np.mean(load.figures[name][:, p])),
                                 "p95": float(np.percentile(load.figures[name][:, p], 95))}
                          for name in FIGURES}
    return {
        "per": "replication",
        "sustainable_incidents_per_12h": SUSTAINABLE,
        "pay_currency": pay_currency,
        "people": people,
        "pages_by_hour_of_week": {"timezone": timezone, "monday_first": True,
                                  "mean": np.round(load.week_mean(), 6).tolist()} if load.clocked else None,
    }
