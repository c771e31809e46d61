"""A chunk's event log as it is played, kept as columns: what a run that keeps or writes its log records.

The engine hands each event to a sink as its fields (simulator.engine.world.action_table). A `Recorder` files
them straight into one list per field, and each detail into a list of its action's: no tuple per event, no
second pass to turn rows into columns, and the details arrive already grouped by action, as their JSON text is
worked out (simulator.events.grouped_detail_texts). At the end of the chunk the log order is one numpy sort of
the time, replication and incident columns, and every column is put in that order by Arrow (`table`), or the
events are given back as tuples (`events`).

Some nine tenths of a run that writes its log went into keeping, sorting and tabulating its events as tuples,
about three times what the columns take.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np

from simulator.events import ACTIONS, PIPELINE, event_schema, grouped_detail_texts

_NAMES = tuple(ACTIONS)
_CODE = {action: code for code, action in enumerate(_NAMES)}


class Recorder:
    """Every event of the replications played into it, in columns, in the order logged; each action's events
    are also passed on to `reductions` (its `sinks()`) when it reads them, as the engine would pass them."""

    def __init__(self, reductions: Any = None):
        self.time: list[float] = []
        self.replication: list[int] = []
        self.incident: list[int] = []
        self.phase: list[str | None] = []
        self.code: list[int] = []  # the action, as its index in ACTIONS
        self.actor: list[str] = []
        self.details: list[list] = [[] for _ in _NAMES]  # per action, its events' details in the order logged
        self.reduce = reductions.sinks() if reductions is not None else {}

    def sinks(self) -> dict:
        return {action: self._sink(action) for action in _NAMES}

    def _sink(self, action: str):
        time, replication, incident = self.time.append, self.replication.append, self.incident.append
        phase, code, actor, detail = self.phase.append, self.code.append, self.actor.append, \
            self.details[_CODE[action]].append
        number = _CODE[action]
        passed = self.reduce.get(action)

        def record(t, r, i, p, a, who, d):  # one function for both: most events are reduced too
            time(t)
            replication(r)
            incident(i)
            phase(p)
            code(number)
            actor(who)
            detail(d)
            if passed is not None:
                passed(t, r, i, p, a, who, d)

        return record

    def __len__(self) -> int:
        return len(self.time)

    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The time, replication, incident and action code columns as numpy arrays, in the order logged."""
        count = len(self.time)
        return (np.fromiter(self.time, np.float64, count), np.fromiter(self.replication, np.int64, count),
                np.fromiter(self.incident, np.int64, count), np.fromiter(self.code, np.int64, count))

    @staticmethod
    def _order(time: np.ndarray, replication: np.ndarray, incident: np.ndarray, incidents_only: bool) -> np.ndarray:
        """Positions (in the order logged) in log order: replications one after the other, each sorted by time
        and at one instant by incident, each incident's events in the order logged (as
        simulator.engine.run.close sorts a replication's log): one stable sort. With `incidents_only`, without
        the events of no incident."""
        order = np.lexsort((incident, time, replication))
        if incidents_only:
            order = order[incident[order] != PIPELINE]
        return order

    @staticmethod
    def _grouped(codes: np.ndarray) -> np.ndarray:
        """For each event (in the order logged), where its detail is among the details grouped by action."""
        grouped = np.argsort(codes, kind="stable")
        where = np.empty_like(grouped)
        where[grouped] = np.arange(len(grouped))
        return where

    def table(self, incidents_only: bool = False) -> Any:
        """The events as an Arrow table (pyarrow.Table) of the event log's columns, in log order: what
        simulator.events.event_table gives for the same events."""
        import pyarrow as pa

        schema = event_schema()
        if not self.time:
            return schema.empty_table()
        time, replication, incident, codes = self._columns()
        order = self._order(time, replication, incident, incidents_only)
        taken = pa.array(order)
        details = grouped_detail_texts([found for found in self.details if found])
        return pa.table([pa.array(time[order]), pa.array(replication[order]), pa.array(incident[order]),
                         pa.array(self.phase, pa.string()).take(taken),
                         pa.array(_NAMES, pa.string()).take(pa.array(codes[order])),
                         pa.array(self.actor, pa.string()).take(taken),
                         details.take(pa.array(self._grouped(codes)[order]))], schema=schema)

    def events(self, incidents_only: bool = False) -> list[tuple]:
        """The events as tuples in Event's field order, in log order."""
        time, replication, incident, codes = self._columns()
        positions = self._order(time, replication, incident, incidents_only)
        order = positions.tolist()
        if not order:
            return []
        details = [detail for found in self.details for detail in found]
        where = self._grouped(codes)[positions].tolist()

        def pick(values: list) -> list:
            return list(itemgetter(*order)(values)) if len(order) > 1 else [values[order[0]]]

        actions = [_NAMES[code] for code in pick(self.code)]
        picked = list(itemgetter(*where)(details)) if len(where) > 1 else [details[where[0]]]
        return list(zip(pick(self.time), pick(self.replication), pick(self.incident), pick(self.phase), actions,
                        pick(self.actor), picked, strict=True))
