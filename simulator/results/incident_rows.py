"""The event log reduced to the incident table, one row per incident (simulator.results.incidents says what
each column holds).

`IncidentRows` reduces events as they come (the engine can log straight into it); `incident_table` reduces a
whole log; both give an `IncidentTable`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import pairwise
from operator import attrgetter

import numpy as np

from simulator.collector import paused
from simulator.events import ACTIONS, Event
from simulator.results.incidents import COLUMNS, IncidentTable, encode


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

        def shared(time, replication, incident, phase, action, actor, detail):
            sink(time, replication, incident, phase, action, actor, detail)
            passed_on(time, replication, incident, phase, action, actor, detail)

        return sink if passed_on is None else shared

    def extend(self, events: Iterable) -> None:
        append = self.append
        for event in events:
            append(event)

    def __len__(self) -> int:
        return sum(len(incidents) for incidents in self._by_replication.values())

    def table(self) -> IncidentTable:
        with paused():  # tens of thousands of tuples, all living until the columns are made (simulator.collector)
            return self._table()

    def _table(self) -> IncidentTable:
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


def incident_table(events: Iterable[Event]) -> IncidentTable:
    """Reduce an event log (of any number of replications) to one row per incident.

    `events` may be `Event`s or plain tuples in the same field order (what the engine logs internally).
    """
    rows = IncidentRows()
    rows.extend(events)
    return rows.table()
