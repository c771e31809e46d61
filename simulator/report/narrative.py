"""Incident narratives from the event log alone: which incidents to tell, and the Scribe's timeline of one
incident in the words the Scribe would use (the postmortem draft around it is in postmortem.py).

Incidents are named `R:N`: replication R (from 0), incident N (from 1) of that replication, shown as
INC-000N. By default a report tells the median incident (by time to restore) and the slowest one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import numpy as np

from simulator.errors import DrillsimError
from simulator.events import Event, incident_label
from simulator.report.clock import Clock
from simulator.report.document import Log, LogLine
from simulator.results.account import Account
from simulator.results.metrics import IncidentTable
from simulator.units import format_duration as fmt

CAUSES = {
    "deployment": "a deployment", "config": "a configuration change", "capacity": "a capacity shortfall",
    "dependency": "a failing dependency", "infrastructure": "an infrastructure failure",
    "unknown": "an unknown cause",
}  # fmt: skip
CHANNELS = {
    "monitoring": "monitoring alert fired", "slo_burn": "SLO burn-rate alert fired",
    "synthetic": "synthetic check failed", "customer_report": "first customer report came in",
    "social_media": "found by customers in public: the first social-media post about it came in",
}  # fmt: skip
MITIGATIONS = {
    "rollback": "rollback of the latest deployment", "failover": "failover", "drain": "draining traffic",
    "debug": "live debugging",
}  # fmt: skip
MEANS = {"rollback": "a rollback", "failover": "failover", "drain": "draining traffic", "debug": "live debugging"}
"""Mitigations as the object of "restored by …"."""
IMPROVES = {"rate": "fewer failures", "detection": "faster detection", "mitigation": "faster mitigation"}
"""What a completed action item improves (simulator.scenario.practices.Improves)."""
STATES = {
    "failing": "failing, not yet detected", "detected": "detected, not yet declared",
    "declared": "declared, not yet paged", "paged": "paged, not yet acknowledged",
    "responding": "acknowledged, the team assembling", "mitigating": "being mitigated",
    "preempted": "waiting for a responder again, after a more severe incident took theirs",
    "restored": "restored, health being confirmed", "resolved": "resolved, temporary fixes being cleaned up",
    "cleaned up": "cleaned up, its postmortem not yet held",
    "reopened": "reopened after it was called resolved, waiting for a responder again",
}  # fmt: skip
"""The engine's incident states (simulator.engine.incident.State), in words."""


def state_text(state: str) -> str:
    """An incident's state when the period ended, in words."""
    return STATES.get(state, state)


_ID = re.compile(r"^\s*(\d+)\s*:\s*(?:INC-)?(\d+)\s*$", re.IGNORECASE)


def parse_incident_id(text: str) -> tuple[int, int]:
    """'3:7' or '3:INC-0007' → (3, 7)."""
    match = _ID.match(text)
    if not match:
        raise DrillsimError(f"incident {text!r}: write REPLICATION:INCIDENT, e.g. 3:7 (replication 3, INC-0007)")
    return int(match.group(1)), int(match.group(2))


def incident_id(replication: int, incident: int) -> str:
    return f"{replication}:{incident}"


def typical_incidents(table: IncidentTable) -> list[tuple[str, int, int]]:
    """(why chosen, replication, incident) of the median and the slowest incident by time to restore."""
    ttr = table.mitigated - table.onset
    restored = np.flatnonzero(~np.isnan(ttr))
    if len(restored) == 0:
        return []
    order = restored[np.lexsort((table.incident[restored], table.replication[restored], ttr[restored]))]
    median, slowest = order[(len(order) - 1) // 2], order[-1]
    chosen = [("the median incident by time to restore", median)]
    if ttr[slowest] - ttr[median] >= 1 / 60:  # a second apart at least, or the two stories would be one
        chosen.append(("the slowest incident by time to restore", slowest))
    return [(why, int(table.replication[i]), int(table.incident[i])) for why, i in chosen]


@dataclass(frozen=True)
class Context:
    """What a narrative may know besides the incident's own events: the clock, summary.json, and every
    incident of the run, for comparisons."""

    clock: Clock
    summary: dict[str, Any]
    table: IncidentTable

    @property
    def scenario(self) -> dict[str, Any]:
        return self.summary.get("scenario", {})

    def person(self, actor: str) -> str:
        """The scenario's name for a responder, or a role name where it gives none."""
        if not self.scenario.get("responder_names") and actor.startswith("on-call #"):
            return "primary on-call" if self.scenario.get("responders", 1) == 1 else f"primary {actor}"
        return actor

    def mitigation(self, name: str) -> str:
        """A mitigation in words: the built-in ones as the Scribe says them, the scenario's own with their
        description from its catalogue."""
        if name in MITIGATIONS:
            return MITIGATIONS[name]
        description = self.scenario.get("mitigation_descriptions", {}).get(name)
        return f"{name} ({description})" if description else str(name)

    def share_below(self, metric: str, value: float) -> float:
        """The share of simulated incidents whose time to detect ('mttd') or restore ('mttr') is below value."""
        start, end = {"mttd": ("onset", "detected"), "mttr": ("onset", "mitigated")}[metric]
        values = getattr(self.table, end) - getattr(self.table, start)
        values = values[~np.isnan(values)]
        return float(np.mean(values < value - 1e-9)) if len(values) else float("nan")

    def stat(self, metric: str, name: str) -> float | None:
        return self.summary.get("metrics", {}).get(metric, {}).get(name)


# ── The Scribe's log ───────────────────────────────────────────────────────────────────────────────────────


def _busy(others: Sequence[Account], at: float, context: Context) -> str:
    holding = [a for a in others if a.page_reached <= at < (np.inf if np.isnan(a.resolved) else a.resolved)]
    return ", ".join(f"{context.person(a.responder)} on {a.label}" for a in holding)


def scribe_lines(events: list[Event], context: Context, others: Sequence[Account] = ()) -> list[tuple[float, str]]:
    """(time, what happened) for one incident's events, in log order, as the Scribe would write them.
    An acknowledgement and the Incident Commander role it brings are one line, as are a page and its
    delivery when nobody had to wait."""
    lines: list[tuple[float, str]] = []
    waiting = "on-call paged, but no responder is free"
    escalate = context.scenario.get("escalate_after_minutes")
    for e in events:
        d, who = e.detail or {}, context.person(e.actor)
        if e.action == "onset":
            cause = CAUSES.get(str(d.get("cause")), d.get("cause"))
            line = f"impact began: {d.get('mode')} ({cause}), {d.get('severity')}"
        elif e.action == "detected":
            line = CHANNELS.get(str(d.get("channel")), f"{d.get('channel')} noticed the failure")
        elif e.action == "declared":
            line = "incident declared"
        elif e.action == "paged":
            busy = _busy(others, e.time, context)
            line = waiting + (f" ({busy})" if busy else "")  # replaced below if a responder takes it at once
        elif e.action == "page_delivered":
            if d.get("waited", 0) > 0:
                line = f"{who} free again and paged, after a wait of {fmt(d['waited'])}"
            elif lines and lines[-1][1].startswith(waiting):
                lines.pop()
                if lines and lines[-1] == (e.time, "incident declared"):
                    lines[-1] = (e.time, f"incident declared; {who} paged")
                    continue
                line = f"{who} paged"
            else:
                line = f"{who} paged"
        elif e.action == "page_missed":
            line = f"no acknowledgement from {who}" + (f" after {fmt(escalate)}" if escalate else "")
        elif e.action == "escalated":
            to = ", ".join(context.person(name) for name in d.get("to", ())) or "nobody on call"
            line = (f"nobody free in the first level: {to} paged at once" if d.get("mobilised")
                    else f"page escalated to {to}" + (" (all levels again)" if d.get("repeat") else ""))
        elif e.action == "acknowledged":
            line = f"{who} acknowledged"
        elif e.action == "role_assigned":
            if lines and lines[-1][0] == e.time and lines[-1][1].endswith("acknowledged"):
                lines[-1] = (e.time, f"{lines[-1][1]} and took the {d.get('role', 'Incident Commander')} role")
                continue
            line = f"{who} took the {d.get('role')} role" + (" as well" if d.get("combined") else "")
        elif e.action == "roles_assembled":
            line = f"{_listed(d.get('roles', 'the other roles'))} in place"
        elif e.action == "status_update":
            late = e.time - d.get("due", e.time)
            line = f"stakeholder update sent by {who}" + (f", {fmt(late)} late" if not d.get("on_time", True) else "")
        elif e.action == "preempted":
            line = f"{who} taken off to work on {incident_label(d.get('by', 0))}, which is more severe"
        elif e.action == "resumed":
            line = f"{who} took the incident up again" + (f", after a wait of {fmt(d['waited'])}"
                                                         if d.get("waited", 0) > 0 else "")
        elif e.action == "handover":
            line = f"{context.person(d.get('from', ''))}'s shift ended: handed over to {who}"
        elif e.action == "stayed_on":
            line = f"{who}'s shift ended; {who} stayed on the incident"
        elif e.action == "stood_down":
            if lines and lines[-1][0] == e.time and "incident resolved" in lines[-1][1]:
                lines[-1] = (e.time, f"{lines[-1][1]}; {who} stood down" if lines[-1][1].endswith("resolved")
                             else lines[-1][1].replace(" stood down", f", {who} stood down"))
                continue
            line = f"{who} stood down"
        elif e.action == "mitigation_started":
            line = f"{context.mitigation(str(d.get('mitigation')))} started"
        elif e.action == "mitigation_failed":
            line = f"{d.get('mitigation')} did not restore service ({d.get('reason', 'did not help')})"
        elif e.action == "mitigated":
            line = f"service restored by {MEANS.get(str(d.get('mitigation')), d.get('mitigation'))}"
        elif e.action == "resolved":
            line = ("called healthy on anecdote, without data: incident resolved" if d.get("by") == "anecdote"
                    else "health confirmed with metrics and logs: incident resolved")
        elif e.action == "reopened":
            line = f"not healthy after all: incident reopened, {fmt(d.get('after', 0))} after it was called resolved"
        elif e.action == "cleaned_up":
            line = "temporary fixes removed" + (f", {fmt(d['late_by'])} late" if d.get("late_by") else "")
        elif e.action == "cleanup_late":
            line = "temporary fixes not removed when planned: the cleanup was put off"
        elif e.action == "cleanup_skipped":
            line = "temporary fixes left in place: the cleanup was skipped"
        elif e.action == "action_item_done":
            improves = IMPROVES.get(str(d.get("improves")), "an improvement")
            line = f"a postmortem action item done: {improves} for {d.get('mode')}"
        elif e.action == "postmortem_held":
            items = d.get("action_items")
            line = "blameless postmortem held" + (f": {items} action item{'s' if items != 1 else ''}" if items else "")
        elif e.action == "postmortem_skipped":
            line = f"no postmortem: {d.get('severity')} is below the postmortem threshold"
        elif e.action == "investigation_started":
            line = "the responders investigated before choosing a mitigation"
        elif e.action == "clue_found":
            line = f"found: {d.get('clue')}"
        elif e.action == "customer_escalated":
            line = "a customer escalated: stakeholders asked for an update at once"
        elif e.action == "unavailable":
            line = f"{who} could not be reached from then on"
        elif e.action == "open_at_horizon":
            line = f"the simulated period ended with the incident still open: {state_text(d.get('state', ''))}"
        else:
            line = f"{e.action.replace('_', ' ')} ({who})"
        lines.append((e.time, line))
    return lines


def _listed(roles: str) -> str:
    """'Ops lead, Comms lead, Scribe' → 'Ops lead, Comms lead and Scribe'."""
    head, _, last = roles.rpartition(", ")
    return f"{head} and {last}" if head else roles


def scribe_log(events: list[Event], context: Context, others: Sequence[Account] = ()) -> Log:
    """The Scribe's timeline, grouped by day."""
    clock = context.clock
    lines = scribe_lines(events, context, others)
    days = tuple((day, tuple(LogLine(clock.time(t), text) for t, text in group))
                 for day, group in groupby(lines, key=lambda line: clock.day(line[0])))
    return Log(days)
