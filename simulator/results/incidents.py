"""The incident table: the event log reduced to one row per incident, as columns.

Per incident (minutes since the start of its replication): onset, detected, declared, acknowledged,
mitigated (service restored), resolved (health confirmed) and cleaned_up, NaN where not reached before the
horizon (censored); what it was (mode, cause, severity, and whether a drill started it on purpose), how it
went (the channel that detected it, who acknowledged it and at which escalation level, the mitigation that
worked, how long the page waited for a free person, whether it escalated, preemptions, handovers, reopenings)
and how stakeholders heard of it (updates sent, those sent late, and the longest silence between declaration,
updates and restoration).

An incident that reopens (resolved on anecdote, wrongly) is restored when it is restored again: `mitigated`,
`resolved` and `cleaned_up` are those after its last reopening, NaN if the horizon came first.

`IncidentRows` reduces events as they come (the engine can log straight into it); `incident_table` reduces a
whole log; both give an `IncidentTable`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import pairwise
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple, overload

import numpy as np

from simulator.collector import paused
from simulator.events import ACTIONS, Event

TIMES = ("onset", "detected", "declared", "acknowledged", "mitigated", "resolved", "cleaned_up")
TEXT = ("mode", "cause", "severity", "channel", "responder", "mitigation")
COUNTS = ("level", "preempted", "handovers", "updates", "updates_late", "reopened")
FLAGS = ("escalated", "drill")
COLUMNS = ("replication", "incident", *TEXT, *FLAGS, *COUNTS, "waited", "held", "longest_silence", *TIMES)
NUMBERS = ("waited", "held", "longest_silence", *TIMES)
_DTYPES = {"replication": np.int32, "incident": np.int32, **dict.fromkeys(FLAGS, bool),
           **dict.fromkeys(COUNTS, np.int16)}
OPTIONAL = {"drill": False, "reopened": 0}
"""Columns that practices brought (simulator.engine.practice), and their value where nothing set them: tables
built by hand and results folders written before them need not give them."""


class Coded(NamedTuple):
    """A text column as integer codes into a sorted tuple of distinct strings: categories[codes[i]] is row i's."""

    codes: np.ndarray
    categories: tuple[str, ...]


class Column(property):
    """A column of the incident table: a plain property (as fast to read), whose value mypy knows is an array."""

    if TYPE_CHECKING:
        @overload
        def __get__(self, table: None, owner: type, /) -> Column: ...
        @overload
        def __get__(self, table: IncidentTable, owner: type | None = None, /) -> np.ndarray: ...
        def __get__(self, table: IncidentTable | None, owner: type | None = None, /) -> Column | np.ndarray: ...


def _number_column(name: str) -> Column:
    return Column(lambda self: self._numbers[name], doc=f"the {name} column")


def _text_column(name: str) -> Column:
    def decode(self: IncidentTable) -> np.ndarray:
        codes, categories = self._codes[name]
        strings = np.empty(len(categories), dtype=object)
        strings[:] = categories
        return strings[codes]

    return Column(decode, doc=f"the {name} column, as strings")


class IncidentTable:
    """One row per incident per replication, as columns of equal length, in (replication, incident) order.

        replication, incident   int32 arrays
        mode, cause, severity,  text, stored compactly as a `Coded` column (one small integer a row) and read
        channel, responder,     as object arrays of strings, so that `table.severity == "SEV1"` works as on
        mitigation              any array; `table.codes("mode")` gives the codes themselves
        escalated, drill        bool arrays: the page went past the first level; a drill started it
        level, preempted,       int16 arrays: the escalation level that acknowledged (1 for the first, 0 when
        handovers, updates,     nobody did), preemptions, handovers at shift ends, stakeholder updates sent,
        updates_late, reopened  those sent late, and reopenings
        waited, held,           float64 arrays in minutes (NaN where not reached): `held` is the person-minutes
        longest_silence         people spent working on it (every role, handovers counted twice while they
        and the TIMES           last; to the horizon when it was still open)

    Build one from every column by name (text as strings or `Coded`), as `incident_table` and `concat` do; the
    columns of OPTIONAL may be left out (every row then has the default).
    """

    __slots__ = ("_codes", "_numbers")
    _codes: dict[str, Coded]
    _numbers: dict[str, np.ndarray]

    # the columns, read straight from the arrays (text decoded from its codes)
    replication = _number_column("replication")
    incident = _number_column("incident")
    mode = _text_column("mode")
    cause = _text_column("cause")
    severity = _text_column("severity")
    channel = _text_column("channel")
    responder = _text_column("responder")
    mitigation = _text_column("mitigation")
    escalated = _number_column("escalated")
    drill = _number_column("drill")
    level = _number_column("level")
    preempted = _number_column("preempted")
    handovers = _number_column("handovers")
    updates = _number_column("updates")
    updates_late = _number_column("updates_late")
    reopened = _number_column("reopened")
    waited = _number_column("waited")
    held = _number_column("held")
    longest_silence = _number_column("longest_silence")
    onset = _number_column("onset")
    detected = _number_column("detected")
    declared = _number_column("declared")
    acknowledged = _number_column("acknowledged")
    mitigated = _number_column("mitigated")
    resolved = _number_column("resolved")
    cleaned_up = _number_column("cleaned_up")

    def __init__(self, **columns):
        for name, default in OPTIONAL.items():
            if name not in columns and "replication" in columns:
                columns[name] = np.full(len(columns["replication"]), default, dtype=_DTYPES[name])
        missing = [name for name in COLUMNS if name not in columns]
        extra = [name for name in columns if name not in COLUMNS]
        if missing or extra:
            raise TypeError(f"incident table columns: missing {missing}, unknown {extra}")
        self._codes = {name: columns[name] if isinstance(columns[name], Coded) else encode(columns[name])
                       for name in TEXT}
        self._numbers = {name: np.asarray(columns[name], dtype=_DTYPES.get(name, float))
                         for name in COLUMNS if name not in TEXT}
        lengths = {len(v) for v in self._numbers.values()} | {len(c.codes) for c in self._codes.values()}
        if len(lengths) > 1:
            raise ValueError(f"incident table columns of different lengths: {sorted(lengths)}")

    def __len__(self) -> int:
        return len(self._numbers["replication"])

    def __repr__(self) -> str:
        return f"<IncidentTable: {len(self)} incidents>"

    def __getstate__(self):
        return self._codes, self._numbers

    def __setstate__(self, state):
        self._codes, self._numbers = state

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return COLUMNS

    def codes(self, name: str) -> Coded:
        """A text column as codes and categories, without building its strings."""
        return self._codes[name]

    @property
    def nbytes(self) -> int:
        return (sum(v.nbytes for v in self._numbers.values())
                + sum(c.codes.nbytes for c in self._codes.values()))

    @classmethod
    def concat(cls, tables: Iterable[IncidentTable]) -> IncidentTable:
        """The rows of `tables`, one after the other (text categories merged and re-coded)."""
        tables = list(tables)
        if not tables:
            return incident_table([])
        return cls(**{name: concat_coded([t._codes[name] for t in tables]) if name in TEXT
                      else np.concatenate([t._numbers[name] for t in tables]) for name in COLUMNS})

    def where(self, rows: np.ndarray) -> IncidentTable:
        """The rows where `rows` (a boolean mask) is true, in the same order."""
        return IncidentTable(**{name: Coded(self._codes[name].codes[rows], self._codes[name].categories)
                                if name in TEXT else self._numbers[name][rows] for name in COLUMNS})

    def rows(self) -> Iterable[dict]:
        cols = {name: getattr(self, name).tolist() for name in COLUMNS}
        for i in range(len(self)):
            yield {name: values[i] for name, values in cols.items()}


assert [name for name, value in vars(IncidentTable).items() if isinstance(value, Column)] == list(COLUMNS), \
    "IncidentTable declares a property for every column of COLUMNS, in that order"


def code_dtype(categories: int) -> type:
    return np.uint8 if categories <= 1 << 8 else np.uint16 if categories <= 1 << 16 else np.int32


def encode(values) -> Coded:
    """Strings as codes into their sorted distinct values."""
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    categories = sorted(set(values))
    index = {value: code for code, value in enumerate(categories)}
    return Coded(np.array([index[v] for v in values], dtype=code_dtype(len(categories))), tuple(categories))


def concat_coded(parts: list[Coded]) -> Coded:
    """Coded columns one after the other, re-coded into the sorted union of their categories."""
    categories = sorted(set().union(*(part.categories for part in parts)))
    index = {value: code for code, value in enumerate(categories)}
    dtype = code_dtype(len(categories))
    recoded = [np.array([index[c] for c in part.categories], dtype=dtype)[part.codes] if part.categories
               else part.codes.astype(dtype) for part in parts]
    return Coded(np.concatenate(recoded) if recoded else np.zeros(0, dtype), tuple(categories))


class Row:
    """One incident while its events come in."""

    __slots__ = ("acknowledged", "cause", "channel", "cleaned_up", "declared", "detected", "end", "escalated",
                 "handovers", "held", "level", "mitigated", "mitigation", "mode", "onset", "preempted", "resolved",
                 "responder", "said", "severity", "updates", "updates_late", "waited")

    def __init__(self):
        nan = math.nan
        self.onset = self.detected = self.declared = self.acknowledged = nan
        self.mitigated = self.resolved = self.cleaned_up = self.waited = self.end = nan
        self.mode = self.cause = self.severity = self.channel = self.responder = self.mitigation = ""
        self.escalated = False
        self.held = 0.0
        self.level = self.preempted = self.handovers = self.updates = self.updates_late = 0
        self.said: list[float] | None = None  # times of the stakeholder updates

    def longest_silence(self) -> float:
        """The longest stretch without news for stakeholders: between declaration, each update, and
        restoration (or the horizon)."""
        if math.isnan(self.declared):
            return math.nan
        end = self.mitigated if not math.isnan(self.mitigated) else self.end
        if math.isnan(end):
            return math.nan
        if self.said is None:  # no update sent (most incidents): one stretch
            return end - self.declared
        moments = [self.declared, *sorted(self.said), end]
        return max(b - a for a, b in pairwise(moments))


def _onset(row: Row, time, actor, detail):
    row.onset = time
    row.mode, row.cause, row.severity = detail["mode"], detail["cause"], detail["severity"]


def _detected(row: Row, time, actor, detail):
    row.detected, row.channel = time, detail["channel"]


def _declared(row: Row, time, actor, detail):
    row.declared = time


def _acknowledged(row: Row, time, actor, detail):
    row.acknowledged, row.responder = time, actor
    row.level, row.waited = detail["level"], detail["waited"]


def _mitigated(row: Row, time, actor, detail):
    row.mitigated, row.mitigation = time, detail["mitigation"]  # a reopened incident's second restoration comes last


def _resolved(row: Row, time, actor, detail):
    row.resolved = time


def _cleaned_up(row: Row, time, actor, detail):
    row.cleaned_up = time


def _escalated(row: Row, time, actor, detail):
    row.escalated = True


def _preempted(row: Row, time, actor, detail):
    row.preempted += 1


def _handover(row: Row, time, actor, detail):
    row.handovers += 1


def _status_update(row: Row, time, actor, detail):
    row.updates += 1
    if not detail["on_time"]:
        row.updates_late += 1
    if row.said is None:
        row.said = []
    row.said.append(time)


def _stood_down(row: Row, time, actor, detail):
    row.held += time - detail["since"]


def _open_at_horizon(row: Row, time, actor, detail):
    row.end = time
    for since in (detail.get("working") or {}).values():
        row.held += time - since


_MARKS = frozenset({"injected", "reopened"})
"""Actions kept aside from the rows (IncidentRows._mark)."""

_READERS = {
    "onset": _onset, "detected": _detected, "declared": _declared, "acknowledged": _acknowledged,
    "mitigated": _mitigated, "resolved": _resolved, "cleaned_up": _cleaned_up, "escalated": _escalated,
    "preempted": _preempted, "handover": _handover, "status_update": _status_update,
    "stood_down": _stood_down, "open_at_horizon": _open_at_horizon,
}  # fmt: skip
"""The actions that set something in an incident's row, and how."""


class IncidentRows:
    """An event log that keeps only what the metrics need: one row per incident, updated as each event is
    appended. It is the streaming form of `incident_table`, and the engine can log into it directly, so that
    a run reduces its events as they happen instead of holding them. Events may come in any order.

        rows = IncidentRows()
        rows.append(event)      # an Event, or a plain tuple in Event's field order
        rows.table()            # the IncidentTable of everything appended so far

    A row starts with an incident's first event (incident 0, the deployment pipeline, has none); the actions in
    `ignores` change nothing in a row, so a log may leave them out. `also` is another reduction (with a `wants`
    set of actions and `sinks`) that the same log feeds, such as simulator.results.oncall_load.LoadRows: its actions are
    passed on, and not ignored.

    `sinks()` gives, per action it reads, a function taking the event's fields as arguments: what the engine
    calls instead of `append`, so that no event tuple is made.
    """

    __slots__ = ("_also", "_by_replication", "_current", "_drills", "_reopens", "_replication", "_wants", "ignores")

    def __init__(self, also=None):
        self._by_replication: dict[int, dict[int, Row]] = {}
        self._replication, self._current = None, {}
        self._also = also
        self._wants = also.wants if also is not None else frozenset()
        self._drills: set[tuple[int, int]] = set()  # (replication, incident) of the drills
        self._reopens: dict[tuple[int, int], list] = {}  # (replication, incident) → [reopenings, the last one's time]
        self.ignores = frozenset(ACTIONS) - set(_READERS) - _MARKS - self._wants

    def append(self, event) -> None:
        time, replication, incident, _phase, action, actor, detail = event
        if not incident:  # the deployment pipeline's events belong to no incident
            if action in self._wants:
                self._also.append(event)
            return
        if action in _MARKS:
            self._mark(time, replication, incident, action)
        row = self._row(replication, incident)
        reader = _READERS.get(action)
        if reader is not None:
            reader(row, time, actor, detail)
        if action in self._wants:
            self._also.append(event)

    def _row(self, replication: int, incident: int) -> Row:
        if replication != self._replication:
            self._current = self._by_replication.setdefault(replication, {})
            self._replication = replication
        row = self._current.get(incident)
        if row is None:
            row = self._current[incident] = Row()
        return row

    def sinks(self) -> dict:
        """Per action this log (or the one it feeds) reads: f(time, replication, incident, phase, action, actor,
        detail), which does what `append` does with that event."""
        also = self._also.sinks() if self._also is not None else {}
        sinks = {action: self._sink(reader, also.get(action)) for action, reader in _READERS.items()}
        for action, sink in also.items():  # read by the other reduction alone: straight to it
            sinks.setdefault(action, sink)
        for action in _MARKS:
            sinks[action] = self._mark_sink(also.get(action))
        return sinks

    def _mark(self, time, replication, incident, action) -> None:
        """Drills and reopenings, rare: kept aside rather than in every row."""
        key = (replication, incident)
        if action == "injected":
            self._drills.add(key)
        else:
            found = self._reopens.setdefault(key, [0, -math.inf])
            found[0] += 1
            found[1] = max(found[1], time)

    def _mark_sink(self, passed_on):
        def sink(time, replication, incident, phase, action, actor, detail):
            self._mark(time, replication, incident, action)
            self._row(replication, incident)
            if passed_on is not None:
                passed_on(time, replication, incident, phase, action, actor, detail)

        return sink

    def _sink(self, reader, passed_on):
        """The sink of an action this log reads (and the other reduction too, if `passed_on`). The row is found
        inline, as in `_row`: this runs for nearly every event a run logs."""
        def sink(time, replication, incident, phase, action, actor, detail):
            if replication != self._replication:
                self._current = self._by_replication.setdefault(replication, {})
                self._replication = replication
            row = self._current.get(incident)
            if row is None:
                row = self._current[incident] = Row()
            reader(row, time, actor, detail)

        def shared(time, replication, incident, phase, action, actor, detail):  # sink's body again, one call less
            if replication != self._replication:
                self._current = self._by_replication.setdefault(replication, {})
                self._replication = replication
            row = self._current.get(incident)
            if row is None:
                row = self._current[incident] = Row()
            reader(row, time, actor, detail)
            passed_on(time, replication, incident, phase, action, actor, detail)

        return sink if passed_on is None else shared

    def extend(self, events: Iterable) -> None:
        append = self.append
        for event in events:
            append(event)

    def __len__(self) -> int:
        return sum(len(incidents) for incidents in self._by_replication.values())

    @paused()  # tens of thousands of tuples, all living until the columns are made (simulator.collector)
    def table(self) -> IncidentTable:
        replications: list[int] = []
        numbers: list[int] = []
        rows: list[Row] = []
        for replication in sorted(self._by_replication):
            incidents = self._by_replication[replication]
            found = sorted(incidents)
            replications += [replication] * len(found)
            numbers += found
            rows += map(incidents.__getitem__, found)
        # One attrgetter call a row gives its fields, and zip turns those tuples into columns
        columns = dict(zip(_ROW_FIELDS, zip(*map(_row_fields, rows), strict=True), strict=True)) if rows else \
            dict.fromkeys(_ROW_FIELDS, ())

        def floats(name):
            return np.array(columns[name], dtype=float)

        def counts(name):
            return np.array(columns[name], dtype=np.int16)

        drill = np.zeros(len(rows), dtype=bool)
        reopened = np.zeros(len(rows), dtype=np.int16)
        mitigated, resolved, cleaned_up = floats("mitigated"), floats("resolved"), floats("cleaned_up")
        mitigation = list(columns["mitigation"])
        silence = np.array([row.longest_silence() for row in rows], dtype=float)
        if self._drills or self._reopens:
            index = {key: i for i, key in enumerate(zip(replications, numbers, strict=True))}
            for key in self._drills:
                drill[index[key]] = True
            for key, (count, last) in self._reopens.items():
                i = index[key]
                reopened[i] = count
                for column in (mitigated, resolved, cleaned_up):  # not restored again before the horizon
                    if not column[i] > last:
                        column[i] = math.nan
                if math.isnan(mitigated[i]):  # what restored service first did not hold: stakeholders wait on
                    row = rows[i]
                    row.mitigated, mitigation[i] = math.nan, ""
                    silence[i] = row.longest_silence()
        return IncidentTable(
            replication=np.array(replications, dtype=np.int32), incident=np.array(numbers, dtype=np.int32),
            mode=encode(columns["mode"]), cause=encode(columns["cause"]), severity=encode(columns["severity"]),
            channel=encode(columns["channel"]), responder=encode(columns["responder"]), mitigation=encode(mitigation),
            escalated=np.array(columns["escalated"], dtype=bool), drill=drill,
            level=counts("level"), preempted=counts("preempted"), handovers=counts("handovers"),
            updates=counts("updates"), updates_late=counts("updates_late"), reopened=reopened,
            waited=floats("waited"), held=floats("held"), longest_silence=silence,
            onset=floats("onset"), detected=floats("detected"), declared=floats("declared"),
            acknowledged=floats("acknowledged"), mitigated=mitigated, resolved=resolved, cleaned_up=cleaned_up)


_ROW_FIELDS = tuple(name for name in COLUMNS if name not in ("replication", "incident", "drill", "reopened",
                                                             "longest_silence"))
_row_fields = attrgetter(*_ROW_FIELDS)  # a Row's fields that are columns as they are, in one call


def organic(table: IncidentTable) -> IncidentTable:
    """The incidents no drill started (the table itself when it has no drills)."""
    drill = table.drill
    if not drill.any():
        return table
    return table.where(~drill)


def incident_table(events: Iterable[Event]) -> IncidentTable:
    """Reduce an event log (of any number of replications) to one row per incident.

    `events` may be `Event`s or plain tuples in the same field order (what the engine logs internally).
    """
    rows = IncidentRows()
    rows.extend(events)
    return rows.table()
