"""Incidents of one replication as tracks read from the event log for the timeline figure (when each step first
happened, who was paged and who worked it, which mitigations were tried), and the choice of the stretch of a run
worth drawing. No matplotlib here. What happened to an incident, as the reports state it, is its account
(simulator.results.account)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.events import Event, incident_label
from simulator.results.metrics import IncidentTable


@dataclass
class Track:
    """One incident's way through a replication, read from its events."""

    incident: int
    at: dict[str, float] = field(default_factory=dict)  # first time of each action
    severity: str = ""
    mode: str = ""
    cause: str = ""
    channel: str = ""
    primary: str = ""  # who acknowledged the page, and worked the incident
    secondary: str = ""  # the same person, when they were reached by escalation (not the first level)
    escalated: bool = False  # the page went past the first level unanswered
    waited: float = 0.0  # how long the page waited for the person who answered it to be free
    rings: list[tuple[str, float]] = field(default_factory=list)  # (person, when the page reached them)
    held: list[tuple[str, float, float | None]] = field(default_factory=list)  # (person, since, until or None)
    attempts: list[tuple[float, float, str, bool]] = field(default_factory=list)  # start, end, name, worked
    open_state: str = ""

    @property
    def label(self) -> str:
        return incident_label(self.incident)


_TAKES_UP = ("acknowledged", "resumed", "handover")


def tracks(events: list[Event]) -> list[Track]:
    """The incidents of one replication's events, in incident order."""
    found: dict[int, Track] = {}
    started: dict[int, tuple[float, str]] = {}
    for e in events:
        track = found.setdefault(e.incident, Track(e.incident))
        track.at.setdefault(e.action, e.time)
        detail = e.detail or {}
        if e.action == "onset":
            track.severity, track.mode = detail.get("severity", ""), detail.get("mode", "")
            track.cause = detail.get("cause", "")
        elif e.action == "detected":
            track.channel = detail.get("channel", "")
        elif e.action == "page_delivered":
            track.rings.append((e.actor, e.time))
        elif e.action == "escalated":
            track.escalated = True
        elif e.action == "acknowledged":
            track.primary = e.actor
            track.secondary = e.actor if detail.get("level", 1) > 1 else ""
            track.waited = detail.get("waited", 0.0)
            # the page that mattered is the one that reached whoever answered
            track.at["page_delivered"] = max((t for who, t in track.rings if who == e.actor), default=e.time)
        elif e.action == "stood_down":
            track.held.append((e.actor, detail.get("since", e.time), e.time))
        elif e.action == "mitigation_started":
            started[e.incident] = (e.time, detail.get("mitigation", ""))
        elif e.action in ("mitigation_failed", "mitigated") and e.incident in started:
            begin, name = started.pop(e.incident)
            track.attempts.append((begin, e.time, name, e.action == "mitigated"))
        elif e.action == "open_at_horizon":
            track.open_state = detail.get("state", "")
            _still_working(track, [x for x in events if x.incident == e.incident])
    return [found[k] for k in sorted(found)]


def _still_working(track: Track, events: list[Event]) -> None:
    """People who took the incident up and had not stood down when the period ended: held until then."""
    since: dict[str, float] = {}
    for e in events:
        role = (e.detail or {}).get("role")
        if e.action in _TAKES_UP or (e.action == "role_assigned" and role in ("Incident Commander", "Comms lead")):
            since.setdefault(e.actor, e.time)
        elif e.action == "stood_down":
            since.pop(e.actor, None)
    track.held += [(person, begin, None) for person, begin in since.items()]


def busiest_stretch(table: IncidentTable, horizon: float) -> tuple[int, float, float]:
    """(replication, start, end) of the most telling group of incidents that overlap while holding
    responders (onset to health confirmed): groups where someone queued for a free responder first, then
    the largest group, then the longest total wait, then the lowest replication and earliest time."""
    best, best_key = (0, 0.0, min(horizon, 240.0)), None
    resolved = np.where(np.isnan(table.resolved), horizon, table.resolved)
    waited = np.nan_to_num(table.waited, nan=0.0)
    order = np.lexsort((table.onset, table.replication))
    group: list[int] = []

    def close():
        nonlocal best, best_key
        if not group:
            return
        rep = int(table.replication[group[0]])
        start, end = float(table.onset[group[0]]), float(max(resolved[i] for i in group))
        wait = float(sum(waited[i] for i in group))
        key = (wait > 0, len(group), wait, -rep, -start)
        if best_key is None or key > best_key:
            best, best_key = (rep, start, end), key

    end = -1.0
    for i in order:
        same = group and table.replication[i] == table.replication[group[0]]
        if same and table.onset[i] < end:
            group.append(i)
        else:
            close()
            group = [i]
            end = -1.0
        end = max(end, resolved[i])
    close()
    return best


def window_around(start: float, end: float, horizon: float) -> tuple[float, float]:
    """A window a little wider than [start, end], at least two hours, inside the horizon."""
    span = max(end - start, 120.0)
    middle = (start + end) / 2
    low, high = middle - span * 0.58, middle + span * 0.58
    return max(0.0, low), min(horizon, high)
