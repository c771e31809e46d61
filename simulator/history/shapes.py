"""Incidents written in the shapes incident platforms export them: the examples under examples/ and the round-trip
tests of the presets (generate incidents with known distributions, export them as the platform would, calibrate,
play the calibrated scenario, compare).

Each writer takes `Drawn` incidents (times as aware datetimes) and returns the file's text: the columns in the
platform's order, its timestamp format with offsets, its quoting, its JSON nesting (presets.py names the fields
that are read; the others are written as the platform fills them, with made-up values).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np


@dataclass(frozen=True)
class Drawn:
    """One made-up incident: the alert, acknowledgement, mitigation and resolution (None: not reached)."""

    number: int
    severity: int
    service: str
    title: str
    responder: str
    detected: datetime
    acknowledged: datetime | None
    mitigated: datetime | None
    resolved: datetime | None


@dataclass(frozen=True)
class Truth:
    """The distributions incidents are drawn from: lognormal durations by median and sigma (minutes)."""

    acknowledge: tuple[float, float] = (4.0, 0.8)
    mitigate: tuple[float, float] = (35.0, 0.9)
    confirm: tuple[float, float] = (12.0, 0.5)
    every: float = 1440.0
    """Mean minutes between incidents (Poisson arrivals)."""

    def quantile(self, which: str, q: float) -> float:
        from scipy import stats

        median, sigma = getattr(self, which)
        return float(median * math.exp(sigma * stats.norm.ppf(q)))


SERVICES = ("checkout-api", "payments", "search")
TITLES = ("Error rate above 5% on {s}", "Latency p99 over 2s on {s}", "{s}: health check failing")
PEOPLE = ("Ana Lima", "Bram de Vries", "Chloé Martin", "Dev Patel")


def draw(count: int, seed: int, start: datetime, truth: Truth = Truth(), open_last: int = 0) -> list[Drawn]:
    """`count` incidents from `start`, arrivals Poisson, each phase lognormal as `truth` says; the last
    `open_last` are still open after their acknowledgement. Times are to the second."""
    rng = np.random.default_rng(seed)
    moments = np.cumsum(rng.exponential(truth.every, count))
    out = []
    for index, at in enumerate(moments):
        detected = (start + timedelta(minutes=float(at))).replace(microsecond=0)

        def later(base: datetime, which: str) -> datetime:
            median, sigma = getattr(truth, which)
            minutes = float(median * math.exp(sigma * rng.standard_normal()))
            return base + timedelta(seconds=max(1, round(minutes * 60)))

        acknowledged = later(detected, "acknowledge")
        restored = later(acknowledged, "mitigate")
        confirmed = later(restored, "confirm")
        still_open = index >= count - open_last
        mitigated, resolved = (None, None) if still_open else (restored, confirmed)
        service = SERVICES[int(rng.integers(len(SERVICES)))]
        out.append(Drawn(number=1000 + index, severity=int(rng.choice([1, 2, 2, 3, 3, 3])), service=service,
                         title=TITLES[int(rng.integers(len(TITLES)))].format(s=service),
                         responder=PEOPLE[int(rng.integers(len(PEOPLE)))], detected=detected,
                         acknowledged=acknowledged, mitigated=mitigated, resolved=resolved))
    return out


def _iso(moment: datetime | None, zone: tzinfo = UTC, z: bool = False, millis: bool = False) -> str | None:
    if moment is None:
        return None
    local = moment.astimezone(zone)
    text = local.isoformat(timespec="milliseconds" if millis else "seconds")
    return text.replace("+00:00", "Z") if z else text


def _seconds(later: datetime | None, earlier: datetime) -> int | None:
    return None if later is None else round((later - earlier).total_seconds())


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]], quote_all: bool = False) -> str:
    handle = io.StringIO(newline="")
    writer = csv.writer(handle, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return handle.getvalue()


def _compact(document: object) -> str:
    """JSON as an API sends it: no spaces, no newlines (what `curl … > export.json` saves)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _id(number: int, prefix: str = "Q") -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    out, n = "", number * 7919 + 104729
    for _ in range(6):
        n, r = divmod(n, len(letters))
        out += letters[r]
    return prefix + out


# PagerDuty's incidents CSV (Incidents → Export CSV): times with the account's offset.
PAGERDUTY_CSV = ("id", "incident_number", "description", "service_name", "escalation_policy_name", "urgency",
                 "priority", "created_on", "acknowledged_at", "resolved_on", "seconds_to_first_ack",
                 "seconds_to_resolve", "assigned_to")


def pagerduty_csv(incidents: Sequence[Drawn], zone: tzinfo) -> str:
    rows = [(_id(i.number), i.number, i.title, i.service, f"{i.service} on-call", "high" if i.severity < 3 else "low",
             f"P{i.severity}", _iso(i.detected, zone), _iso(i.acknowledged, zone), _iso(i.resolved, zone),
             _seconds(i.acknowledged, i.detected), _seconds(i.resolved, i.detected), i.responder)
            for i in incidents]
    return _csv(PAGERDUTY_CSV, rows)


def pagerduty_analytics(incidents: Sequence[Drawn], zone_name: str = "Etc/UTC") -> str:
    """POST /analytics/raw/incidents: {"data": [...], "more": false, …}, times in the request's time zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)
    data = [{
        "id": _id(i.number), "incident_number": i.number, "description": i.title, "status": "resolved" if i.resolved
        else "acknowledged", "urgency": "high" if i.severity < 3 else "low", "major": i.severity == 1,
        "priority_id": _id(i.severity, "P"), "priority_name": f"P{i.severity}", "priority_order": 6 - i.severity,
        "service_id": _id(SERVICES.index(i.service), "PS"), "service_name": i.service, "team_id": "PTEAM01",
        "team_name": "Platform", "escalation_policy_id": "PEP0001", "escalation_policy_name": f"{i.service} on-call",
        "created_at": _iso(i.detected, zone), "resolved_at": _iso(i.resolved, zone),
        "updated_at": _iso(i.resolved or i.acknowledged, zone),
        "seconds_to_first_ack": _seconds(i.acknowledged, i.detected),
        "seconds_to_resolve": _seconds(i.resolved, i.detected), "seconds_to_engage": None,
        "seconds_to_mobilize": None, "engaged_seconds": _seconds(i.resolved, i.acknowledged) if i.acknowledged
        else None, "engaged_user_count": 1, "active_user_count": 1, "acknowledgement_count": 1,
        "assignment_count": 1, "escalation_count": 0, "auto_resolved": False,
        "acknowledged_user_names": [i.responder], "assigned_user_names": [i.responder],
        "resolved_by_user_name": i.responder if i.resolved else None,
    } for i in incidents]
    return _compact({"data": data, "ending_before": None, "first": data[0]["id"] if data else None,
                       "last": data[-1]["id"] if data else None, "limit": len(data), "more": False,
                       "order": "asc", "order_by": "created_at", "starting_after": None,
                       "time_zone": zone_name})


def _reference(kind: str, ident: str, summary: str) -> dict:
    return {"id": ident, "type": f"{kind}_reference", "summary": summary,
            "self": f"https://api.pagerduty.com/{kind}s/{ident}", "html_url": f"https://acme.pagerduty.com/{kind}s/{ident}"}


def pagerduty_api(incidents: Sequence[Drawn]) -> str:
    """GET /incidents, each incident with the log_entries of GET /incidents/{id}/log_entries (newest first)."""
    out = []
    for i in incidents:
        ident = _id(i.number)
        user = _reference("user", _id(PEOPLE.index(i.responder), "PU"), i.responder)
        service = _reference("service", _id(SERVICES.index(i.service), "PS"), i.service)
        entries = [("trigger_log_entry", i.detected, _reference("service", service["id"], i.service)),
                   ("notify_log_entry", i.detected + timedelta(seconds=2), user)]
        if i.acknowledged:
            entries.append(("acknowledge_log_entry", i.acknowledged, user))
        if i.resolved:
            entries.append(("resolve_log_entry", i.resolved, user))
        log: list[dict] = [{"id": _id(i.number * 10 + n, "R"), "type": kind,
                            "summary": kind.split("_")[0].capitalize() + "d",
                "self": f"https://api.pagerduty.com/log_entries/{_id(i.number * 10 + n, 'R')}",
                "html_url": None, "created_at": _iso(when, z=True), "agent": agent,
                "channel": {"type": "web_trigger" if kind == "trigger_log_entry" else "website"},
                "service": service, "incident": _reference("incident", ident, f"[#{i.number}] {i.title}"),
                "teams": [], "contexts": []}
               for n, (kind, when, agent) in enumerate(entries)]
        out.append({
            "id": ident, "type": "incident", "summary": f"[#{i.number}] {i.title}",
            "self": f"https://api.pagerduty.com/incidents/{ident}",
            "html_url": f"https://acme.pagerduty.com/incidents/{ident}", "incident_number": i.number,
            "title": i.title, "created_at": _iso(i.detected, z=True),
            "updated_at": _iso(i.resolved or i.acknowledged, z=True),
            "status": "resolved" if i.resolved else "acknowledged", "incident_key": _id(i.number, "k"),
            "service": service, "assignments": [] if i.resolved else [{"at": _iso(i.detected, z=True),
                                                                        "assignee": user}],
            "assigned_via": "escalation_policy",
            "acknowledgements": [] if i.resolved else [{"at": _iso(i.acknowledged, z=True), "acknowledger": user}],
            "last_status_change_at": _iso(i.resolved or i.acknowledged, z=True),
            "last_status_change_by": user,
            "first_trigger_log_entry": {k: v for k, v in log[0].items() if k in ("id", "type", "summary", "self")},
            "escalation_policy": _reference("escalation_policy", "PEP0001", f"{i.service} on-call"),
            "teams": [_reference("team", "PTEAM01", "Platform")], "pending_actions": [],
            "urgency": "high" if i.severity < 3 else "low",
            "priority": {"id": _id(i.severity, "P"), "type": "priority", "summary": f"P{i.severity}",
                         "self": f"https://api.pagerduty.com/priorities/{_id(i.severity, 'P')}"},
            "resolved_at": _iso(i.resolved, z=True),
            "alert_counts": {"all": 1, "triggered": 0 if i.resolved else 1, "resolved": 1 if i.resolved else 0},
            "log_entries": list(reversed(log)),
        })
    return _compact({"incidents": out, "limit": len(out), "offset": 0, "total": None, "more": False})


def opsgenie(incidents: Sequence[Drawn]) -> str:
    """GET /v2/alerts, each alert with its report: {"data": [...], …}; ackTime and
    closeTime are milliseconds after createdAt."""
    data = []
    for i in incidents:
        ident = f"{_id(i.number, '')}-{i.number:04d}-4a1e-9c2d-{_id(i.number * 3, '').lower()}"
        report: dict = {}
        if i.acknowledged:
            report["ackTime"] = round((i.acknowledged - i.detected).total_seconds() * 1000)
            report["acknowledgedBy"] = f"{i.responder.split()[0].lower()}@example.com"
        if i.resolved:
            report["closeTime"] = round((i.resolved - i.detected).total_seconds() * 1000)
            report["closedBy"] = report.get("acknowledgedBy")
        data.append({
            "id": ident, "tinyId": str(i.number), "alias": _id(i.number, "alias-"), "message": i.title,
            "status": "closed" if i.resolved else "open", "acknowledged": i.acknowledged is not None,
            "isSeen": True, "tags": [i.service], "snoozed": False, "count": 1,
            "lastOccurredAt": _iso(i.detected, z=True, millis=True), "createdAt": _iso(i.detected, z=True, millis=True),
            "updatedAt": _iso(i.resolved or i.acknowledged, z=True, millis=True), "source": "Datadog",
            "owner": report.get("acknowledgedBy", ""), "priority": f"P{i.severity}",
            "responders": [{"type": "team", "id": "8418d193-2dab-4490-b331-8c02cdd196b7"}],
            "integration": {"id": "4513b7ea-3b91-438f-b7e4-e3e54af9147c", "name": "Datadog", "type": "Datadog"},
            "report": report, "ownerTeamId": "8418d193-2dab-4490-b331-8c02cdd196b7",
        })
    return _compact({"data": data, "paging": {"first": "https://api.opsgenie.com/v2/alerts?limit=100&offset=0",
                                                "last": "https://api.opsgenie.com/v2/alerts?limit=100&offset=0"},
                       "took": 0.115, "requestId": "9ae63dd7-ed00-4c81-86f0-c4ffd33142c9"})


INCIDENT_IO_CSV = ("ID", "Reference", "Name", "Severity", "Status", "Incident Type", "Reported at",
                   "Acknowledged at", "Mitigated at", "Resolved at", "Affected services")
INCIDENT_IO_SEVERITIES = {1: "Critical", 2: "Major", 3: "Minor"}


def incident_io_csv(incidents: Sequence[Drawn]) -> str:
    rows = [(_id(i.number, "01H").upper(), f"INC-{i.number}", i.title, INCIDENT_IO_SEVERITIES[i.severity],
             "Closed" if i.resolved else "Fixing" if i.acknowledged else "Triage", "Default",
             _iso(i.detected, z=True), _iso(i.acknowledged, z=True), _iso(i.mitigated, z=True),
             _iso(i.resolved, z=True), i.service) for i in incidents]
    return _csv(INCIDENT_IO_CSV, rows)


def incident_io_api(incidents: Sequence[Drawn]) -> str:
    """GET /v2/incidents: {"incidents": [...], "pagination_meta": …}; the lifecycle's times are the
    incident_timestamp_values, by the timestamp's name."""
    out = []
    for i in incidents:
        stamps = [("Reported at", i.detected), ("Acknowledged at", i.acknowledged), ("Mitigated at", i.mitigated),
                  ("Resolved at", i.resolved)]
        status = "Closed" if i.resolved else "Fixing" if i.acknowledged else "Triage"
        out.append({
            "id": _id(i.number, "01H").upper(), "reference": f"INC-{i.number}", "name": i.title,
            "summary": None, "mode": "standard", "visibility": "public",
            "severity": {"id": _id(i.severity, "01S").upper(), "name": INCIDENT_IO_SEVERITIES[i.severity],
                         "description": "", "rank": 4 - i.severity},
            "incident_status": {"id": _id(len(status), "01T").upper(), "name": status,
                                "category": "closed" if i.resolved else "live"},
            "incident_type": {"id": "01TYPE", "name": "Default"},
            "created_at": _iso(i.detected, z=True), "updated_at": _iso(i.resolved or i.acknowledged, z=True),
            "permalink": f"https://app.incident.io/acme/incidents/{i.number}",
            "custom_field_entries": [{"custom_field": {"id": "01CF", "name": "Affected services",
                                                       "field_type": "multi_select"},
                                      "values": [{"value_option": {"value": i.service}}]}],
            "incident_timestamp_values": [
                {"incident_timestamp": {"id": _id(rank, "01TS").upper(), "name": name, "rank": rank},
                 **({"value": {"value": _iso(when, z=True)}} if when else {})}
                for rank, (name, when) in enumerate(stamps, 1)],
        })
    return _compact({"incidents": out, "pagination_meta": {"after": None, "page_size": 250,
                                                           "total_record_count": len(out)}})


def generic_csv(incidents: Sequence[Drawn], zone: tzinfo) -> str:
    """The history format itself."""
    rows = [(f"INC-{i.number}", f"SEV{i.severity}", _iso(i.detected, zone), _iso(i.acknowledged, zone),
             _iso(i.mitigated, zone), _iso(i.resolved, zone), i.responder) for i in incidents]
    return _csv(("incident", "severity", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at",
                 "responder"), rows)


# preset → (file name, writer of the text, which times it keeps: 'mitigated' when it has mitigation times)
def exported(preset: str, incidents: Sequence[Drawn], zone: tzinfo) -> tuple[str, str]:
    """(file suffix, text) of `incidents` in `preset`'s shape."""
    writers = {
        "pagerduty": (".csv", lambda: pagerduty_csv(incidents, zone)),
        "pagerduty-analytics": (".json", lambda: pagerduty_analytics(incidents, getattr(zone, "key", "Etc/UTC"))),
        "pagerduty-api": (".json", lambda: pagerduty_api(incidents)),
        "opsgenie": (".json", lambda: opsgenie(incidents)),
        "incident-io": (".csv", lambda: incident_io_csv(incidents)),
        "incident-io-api": (".json", lambda: incident_io_api(incidents)),
        "generic": (".csv", lambda: generic_csv(incidents, zone)),
    }
    suffix, write = writers[preset]
    return suffix, write()


RESTORED_AT = {"pagerduty": "resolved", "pagerduty-analytics": "resolved", "pagerduty-api": "resolved",
               "opsgenie": "resolved", "incident-io": "mitigated", "incident-io-api": "mitigated",
               "generic": "mitigated"}
"""The time each export says service came back: its mitigation time where it has one, else its resolution."""
