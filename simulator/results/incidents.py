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

The reduction of events into this table lives in incident_rows (`IncidentRows`, `incident_table`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple, overload

import numpy as np

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
            return cls(**dict.fromkeys(COLUMNS, ()))
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


def organic(table: IncidentTable) -> IncidentTable:
    """The incidents no drill started (the table itself when it has no drills)."""
    drill = table.drill
    if not drill.any():
        return table
    return table.where(~drill)
