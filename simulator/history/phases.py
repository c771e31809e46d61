"""From a history to durations: each phase of each incident, in minutes, observed or right-censored.

A phase runs from one time of the lifecycle to a later one. For one incident it is

    observed     when both times are given: end − start;
    censored     when the start is given and the incident is still open there (no later time at all):
                 the phase lasted at least (export time − start);
    unknown      otherwise (the start is missing, or the end is missing while a later time is given):
                 the incident tells nothing about this phase, and is left out of it.

A duration of 0 says only that the two times fell within the same tick of the clock that wrote them (a
second, or a minute when the history has no seconds): it is kept as a value below that resolution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from simulator.history.format import TIME_FIELDS, History, Incident
from simulator.units import minutes_between


@dataclass(frozen=True)
class Phase:
    key: str
    label: str
    start: str
    end: str

    @property
    def span(self) -> str:
        return f"{self.start.removesuffix('_at')} → {self.end.removesuffix('_at')}"


# The phases a drill is scored on (as docs/concepts/metrics.md defines MTTD, MTTA and MTTR).
DETECTION = Phase("detection", "time to detect", "started_at", "detected_at")
ACKNOWLEDGEMENT = Phase("acknowledgement", "time to acknowledge", "detected_at", "acknowledged_at")
MITIGATION = Phase("mitigation", "time to mitigate", "acknowledged_at", "mitigated_at")
RESTORATION = Phase("restoration", "time to restore", "started_at", "mitigated_at")
SCORED = (DETECTION, ACKNOWLEDGEMENT, MITIGATION, RESTORATION)
DECLARATION = Phase("declaration", "time to declare", "detected_at", "declared_at")


@dataclass(frozen=True)
class Sample:
    """Durations of one phase over some incidents, in minutes. `censored[i]` says that the phase was still
    running at the export: it lasted at least `values[i]`. `resolution` is the tick of the clock that wrote
    the times (a duration of 0 lies somewhere below it)."""

    phase: Phase
    values: np.ndarray
    censored: np.ndarray
    incidents: tuple[str, ...]
    resolution: float
    limits: np.ndarray | None = None
    """For every incident, how long the phase could have run before the export (censoring time)."""

    @property
    def observed(self) -> np.ndarray:
        return self.values[~self.censored]

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def open(self) -> int:
        return int(np.count_nonzero(self.censored))

    @property
    def closed(self) -> int:
        return self.count - self.open


def resolution(history: History) -> float:
    """Minutes per tick of the clock that wrote the history: 1/60 when any time has seconds, else 1."""
    for incident in history.incidents:
        for moment in incident.times():
            if moment is not None and (moment.second or moment.microsecond):
                return 1 / 60
    return 1.0


def phase_duration(incident: Incident, phase: Phase, as_of: datetime) -> tuple[float, bool, float] | None:
    """(minutes, censored, censoring time) of one incident's phase, or None when it is unknown."""
    start, end = getattr(incident, phase.start), getattr(incident, phase.end)
    if start is None:
        return None
    limit = minutes_between(start, as_of)
    if end is not None:
        return minutes_between(start, end), False, limit
    later = TIME_FIELDS[TIME_FIELDS.index(phase.end) + 1:]
    if any(getattr(incident, name) is not None for name in later):
        return None
    return limit, True, limit


def sample(history: History, phase: Phase, incidents: Iterable[Incident] | None = None,
           tick: float | None = None) -> Sample:
    """The phase's durations over `incidents` (default: all of the history's)."""
    values, censored, names, limits = [], [], [], []
    for incident in history.incidents if incidents is None else incidents:
        found = phase_duration(incident, phase, history.as_of)
        if found is None:
            continue
        value, is_open, limit = found
        values.append(value)
        censored.append(is_open)
        names.append(incident.incident)
        limits.append(limit)
    return Sample(phase, np.array(values, dtype=float), np.array(censored, dtype=bool), tuple(names),
                  resolution(history) if tick is None else tick, np.array(limits, dtype=float))


def grouping(history: History) -> tuple[str, Callable[[Incident], str]]:
    """How incidents are grouped into failure modes: ('mode', …) when the history names modes, else
    ('severity', …), else ('all', …) with one group named 'incident'."""
    if history.has("mode"):
        return "mode", lambda incident: incident.mode or "incident"
    if history.has("severity"):
        return "severity", lambda incident: incident.severity or "unknown-severity"
    return "all", lambda incident: "incident"


def groups(history: History) -> dict[str, list[Incident]]:
    """Incidents by failure mode (or severity), groups in order of first appearance."""
    _, key = grouping(history)
    out: dict[str, list[Incident]] = {}
    for incident in history.incidents:
        out.setdefault(key(incident), []).append(incident)
    return out
