"""Presets: how the exports of incident platforms map onto the history format, found from their headers.

A preset names, for each field of the format, the columns of an export that give it (the first that is not
empty wins), and the columns that count seconds (or milliseconds) after another column's time. Column names
are compared normalised: case, spaces and punctuation do not matter, and camelCase is split ('Reported at',
'reported_at' and 'reportedAt' are one name). A JSON export is flattened to the same kind of columns first
(`flatten`): nested objects join their keys (`report.ackTime` → `report_ack_time`), PagerDuty's log entries
and incident.io's timestamp values become a column each.

    generic              the history format itself (docs/guides/game-days.md)
    lifecycle            id, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at
    pagerduty            PagerDuty's incidents CSV (Incidents → Export CSV)
    pagerduty-analytics  PagerDuty's analytics raw incidents (POST /analytics/raw/incidents, JSON or CSV)
    pagerduty-api        PagerDuty's REST API incidents (GET /incidents) with each incident's log_entries
    opsgenie             Opsgenie's alerts (GET /v2/alerts, its `data`), or a CSV of the same fields
    incident-io          incident.io's incidents CSV export
    incident-io-api      incident.io's API v2 incidents (GET /v2/incidents)

Severities and priorities are read with a common vocabulary (SEV1…, P1…, Critical/Major/Minor, high/low
urgency; `VOCABULARY`), which `--severity VALUE=SEVn` extends or overrides.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.errors import DrillsimError
from simulator.history.fields import FIELDS

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_OTHER = re.compile(r"[^a-z0-9]+")


def normalise(name: str) -> str:
    """A column name compared as people read it: 'Reported at', 'reported_at', 'reportedAt', ' REPORTED-AT '
    → 'reported_at'."""
    return _OTHER.sub("_", _CAMEL.sub("_", name.strip()).lower()).strip("_")


@dataclass(frozen=True)
class Offset:
    """A column of durations after another column's time: `unit` seconds each (1, or 0.001 for milliseconds)."""

    column: str
    after: str
    unit: float = 1.0


@dataclass(frozen=True)
class Preset:
    """How an export's columns map onto the format. `fields`: field → the columns that give it, in order of
    preference (the first that is not empty in a row wins); `offsets`: field → a column of durations after
    another column's time, used where the field's own columns are absent or empty. `signature`: the columns
    that identify the export (all present: the preset is detected). `kind`: 'csv', 'json' or 'any'."""

    name: str
    description: str
    fields: Mapping[str, tuple[str, ...]]
    offsets: Mapping[str, Offset] = field(default_factory=dict)
    signature: tuple[str, ...] = ()
    kind: str = "any"
    by_name: bool = False
    """Also read any column named as a field of the format (the format's own presets; an API's `mode` or
    `status` is not the format's)."""
    example: str = ""
    """The file under examples/ in this export's shape."""
    brief: str = ""
    """What it reads, in a few words, for `--preset`'s help ('incidents CSV')."""

    def columns(self) -> set[str]:
        out = {c for columns in self.fields.values() for c in columns}
        out |= {o.column for o in self.offsets.values()} | {o.after for o in self.offsets.values()}
        return out


def _same(*names: str) -> dict[str, tuple[str, ...]]:
    return {name: (name,) for name in names}


PRESETS: dict[str, Preset] = {
    "generic": Preset(
        "generic", "the history format: incident, mode, severity, started_at … resolved_at, responder",
        fields=_same(*FIELDS), kind="any", by_name=True, example="history.csv", brief="the history format"),
    "lifecycle": Preset(
        "lifecycle", "a lifecycle export: id, started_at, detected_at, acknowledged_at, mitigated_at and resolved_at",
        fields={"incident": ("id",), **_same("started_at", "detected_at", "acknowledged_at", "mitigated_at",
                                              "resolved_at", "severity")},
        signature=("id", "started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at"),
        by_name=True, brief="id, started_at … resolved_at"),
    "pagerduty": Preset(
        "pagerduty", "PagerDuty's incidents CSV: created_on (the alert), acknowledged_at, resolved_on, or "
        "seconds_to_first_ack and seconds_to_resolve after created_on; priority, else urgency; assigned_to",
        fields={"incident": ("incident_number", "id"), "severity": ("priority", "urgency"),
                "detected_at": ("created_on",), "acknowledged_at": ("acknowledged_at",),
                "resolved_at": ("resolved_on",), "responder": ("assigned_to",)},
        offsets={"acknowledged_at": Offset("seconds_to_first_ack", "created_on"),
                 "resolved_at": Offset("seconds_to_resolve", "created_on")},
        signature=("incident_number", "created_on", "escalation_policy_name", "seconds_to_first_ack"),
        kind="csv", example="pagerduty-incidents.csv", brief="incidents CSV"),
    "pagerduty-analytics": Preset(
        "pagerduty-analytics", "PagerDuty's analytics raw incidents: created_at (the alert), seconds_to_first_ack "
        "and seconds_to_resolve after it (or resolved_at); priority_name, else urgency; acknowledged_user_names",
        fields={"incident": ("incident_number", "id"), "severity": ("priority_name", "urgency"),
                "detected_at": ("created_at",), "resolved_at": ("resolved_at",),
                "responder": ("acknowledged_user_names",)},
        offsets={"acknowledged_at": Offset("seconds_to_first_ack", "created_at"),
                 "resolved_at": Offset("seconds_to_resolve", "created_at")},
        signature=("created_at", "seconds_to_first_ack", "seconds_to_resolve"), example="pagerduty-analytics.json",
        brief="analytics raw incidents"),
    "pagerduty-api": Preset(
        "pagerduty-api", "PagerDuty's REST API incidents with their log_entries: created_at (the alert), the first "
        "acknowledge_log_entry and the resolve_log_entry (else acknowledgements[0].at and resolved_at); "
        "priority.summary, else urgency; who acknowledged",
        fields={"incident": ("incident_number", "id"), "severity": ("priority_summary", "urgency"),
                "detected_at": ("created_at",),
                "acknowledged_at": ("acknowledge_log_entry_at", "acknowledgements_at"),
                "resolved_at": ("resolve_log_entry_at", "resolved_at"),
                "responder": ("acknowledge_log_entry_agent", "acknowledgements_acknowledger")},
        signature=("incident_number", "created_at", "escalation_policy_summary"), kind="json",
        example="pagerduty-api.json", brief="incidents with log_entries, JSON"),
    "opsgenie": Preset(
        "opsgenie", "Opsgenie's alerts: createdAt (the alert), report.ackTime and report.closeTime in "
        "milliseconds after it; priority; report.acknowledgedBy",
        fields={"incident": ("tiny_id", "id"), "severity": ("priority",), "detected_at": ("created_at",),
                "responder": ("report_acknowledged_by",)},
        offsets={"acknowledged_at": Offset("report_ack_time", "created_at", 0.001),
                 "resolved_at": Offset("report_close_time", "created_at", 0.001)},
        signature=("tiny_id", "created_at", "report_ack_time"), example="opsgenie-alerts.json", brief="alerts"),
    "incident-io": Preset(
        "incident-io", "incident.io's incidents CSV: Reference, Severity, Reported at (the alert), Acknowledged at, "
        "Mitigated at, Resolved at (and Impact started at, Declared at where your timestamps have them)",
        fields={"incident": ("reference", "id"), "severity": ("severity",),
                "started_at": ("impact_started_at", "impact_started"), "detected_at": ("reported_at",),
                "declared_at": ("declared_at",), "acknowledged_at": ("acknowledged_at", "accepted_at"),
                "mitigated_at": ("mitigated_at", "stabilised_at", "fixed_at"), "resolved_at": ("resolved_at",)},
        signature=("reference", "severity", "reported_at", "incident_type"), kind="csv",
        example="incident-io.csv", brief="CSV"),
    "incident-io-api": Preset(
        "incident-io-api", "incident.io's API v2 incidents: reference, severity.name and the "
        "incident_timestamp_values named Reported at, Acknowledged at, Mitigated at, Resolved at (and Impact "
        "started, Declared at where your timestamps have them)",
        fields={"incident": ("reference", "id"), "severity": ("severity_name",),
                "started_at": ("impact_started_at", "impact_started"), "detected_at": ("reported_at",),
                "declared_at": ("declared_at",), "acknowledged_at": ("acknowledged_at", "accepted_at"),
                "mitigated_at": ("mitigated_at", "stabilised_at", "fixed_at"), "resolved_at": ("resolved_at",)},
        signature=("reference", "severity_name", "reported_at"), kind="json", example="incident-io-api.json",
        brief="API v2, JSON"),
}
ALIASES = {"analytics": "pagerduty-analytics", "pd": "pagerduty", "incidentio": "incident-io",
           "incident.io": "incident-io"}


def preset_named(name: str) -> Preset:
    """The preset called `name` (or an alias of it); a DrillsimError naming the presets otherwise."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key in PRESETS:
        return PRESETS[key]
    close = difflib.get_close_matches(key, [*PRESETS, *ALIASES], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise DrillsimError(f"unknown preset {name!r} (presets: {', '.join(PRESETS)}){hint}")


def detect(header: Iterable[str], kind: str) -> tuple[Preset | None, str]:
    """The preset a file's (normalised) header identifies, and a sentence saying why; None with the reason when
    none or several fit. `kind` is 'csv' or 'json' (JSON Lines count as 'any' preset's)."""
    present = set(header)
    fitting = [p for p in PRESETS.values() if p.signature and set(p.signature) <= present
               and (p.kind in ("any", kind))]
    if len(fitting) == 1:
        (found,) = fitting
        return found, f"its columns {', '.join(found.signature)}"
    if len(fitting) > 1:
        # the most specific wins when it holds every other's signature
        widest = max(fitting, key=lambda p: len(p.signature))
        if all(set(p.signature) <= set(widest.signature) for p in fitting):
            return widest, f"its columns {', '.join(widest.signature)}"
        return None, f"its columns fit several presets ({', '.join(p.name for p in fitting)}); choose with --preset"
    if present & set(FIELDS) - {"incident", "mode", "severity"}:
        return PRESETS["generic"], "its columns are the history format's"
    return None, ""


# ── Severities ────────────────────────────────────────────────────────────────────────────────────────────

_LEVEL = re.compile(r"^(?:sev|severity|p|priority)?_?([0-9])$")
VOCABULARY: dict[str, str] = {
    "critical": "SEV1", "blocker": "SEV1", "emergency": "SEV1",
    "major": "SEV2", "high": "SEV2", "error": "SEV2",
    "medium": "SEV3", "moderate": "SEV3", "minor": "SEV3", "warning": "SEV3", "normal": "SEV3",
    "low": "SEV4", "trivial": "SEV5", "info": "SEV5", "informational": "SEV5",
}  # fmt: skip
"""Words exports use for severities and priorities, and the level each is read as (SEV0 is read as SEV1, the
format's most severe)."""


def severity_of(text: str, values: Mapping[str, str] | None = None) -> str:
    """'SEV2', 'sev 2', 'P2', '2', 'Major', 'high' → 'SEV2'; `values` (normalised keys, from --severity) first.
    Raises ValueError saying what is understood."""
    key = normalise(text)
    if values and key in values:
        return values[key]
    match = _LEVEL.match(key.replace("_", "")) or _LEVEL.match(key)
    if match:
        level = int(match.group(1))
        if level <= 5:
            return f"SEV{max(level, 1)}"
    if key in VOCABULARY:
        return VOCABULARY[key]
    raise ValueError(f"{text!r} is not a severity (SEV0 … SEV5, P1 … P5, 1 … 5, critical, major, minor, high, "
                     f"low, …); read it with --severity {_option_value(text)}=SEV2 (or the level it stands for)")


def _option_value(text: str) -> str:
    text = text.strip()
    return text if re.fullmatch(r"[\w.+-]+", text) else f"'{text}'"


def parse_severities(items: Sequence[str]) -> dict[str, str]:
    """['Critical=SEV1', 'Sev B=2'] → {'critical': 'SEV1', 'sev_b': 'SEV2'}."""
    out: dict[str, str] = {}
    for item in items:
        value, sep, level = item.rpartition("=")
        if not sep or not value.strip():
            raise DrillsimError(f"--severity {item!r}: write VALUE=SEVn (e.g. Critical=SEV1)")
        try:
            out[normalise(value)] = severity_of(level)
        except ValueError:
            raise DrillsimError(f"--severity {item!r}: {level.strip()!r} is not a level (SEV1 … SEV5)") from None
    return out


# ── --map ─────────────────────────────────────────────────────────────────────────────────────────────────


def mapping_targets() -> set[str]:
    """What `--map COLUMN=TARGET` may target: a field of the format, or a column some preset reads."""
    return set(FIELDS) | {c for p in PRESETS.values() for c in p.columns()}


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """['sev=severity', 'notes=', 'created_on=created_at'] → {'sev': 'severity', 'notes': '', 'created_on':
    'created_at'}: `column=field` reads a column as a field of the format, `column=preset_column` as the column
    a preset reads (so a renamed export still reads with its preset), `column=` ignores a column."""
    mapping: dict[str, str] = {}
    targets = mapping_targets()
    for item in items:
        column, sep, target = item.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column:
            raise DrillsimError(f"--map {item!r}: write COLUMN=FIELD (e.g. created=started_at), or COLUMN= to "
                                "ignore a column")
        if target and normalise(target) not in targets:
            close = difflib.get_close_matches(normalise(target), sorted(targets), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (fields: {', '.join(FIELDS)})"
            raise DrillsimError(f"--map {item!r}: unknown field {target!r}{hint}")
        mapping[column] = normalise(target) if target else ""
    return mapping


# ── JSON exports as rows ──────────────────────────────────────────────────────────────────────────────────

RECORD_LISTS = ("incidents", "data", "alerts", "log_entries")
"""Where a JSON export keeps its records: {"incidents": [...]} (PagerDuty's and incident.io's APIs), {"data":
[...]} (PagerDuty's analytics, Opsgenie), or a bare list."""


def records(document: Any) -> tuple[str, list[Any]] | None:
    """(the list's name, its records) of a JSON export; None when it holds no list of records."""
    if isinstance(document, list):
        return "", document
    if isinstance(document, dict):
        for key in RECORD_LISTS[:3]:
            if isinstance(document.get(key), list):
                return key, document[key]
    return None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _text(value: Any) -> str | int | float | bool | None:
    return value if value is None or isinstance(value, str | int | float | bool) else None


def flatten(record: Mapping[str, Any]) -> dict[str, object]:
    """One JSON record as columns: nested objects join their keys (`report.ackTime` → report_ack_time, `severity.
    name` → severity_name), lists of texts join with ', ', and three lists become columns of their own:
    PagerDuty's log_entries (the first of each type: `acknowledge_log_entry_at`, `…_agent`), its
    acknowledgements (`acknowledgements_at`, `acknowledgements_acknowledger`) and incident.io's
    incident_timestamp_values (one column per timestamp, named as the timestamp: `reported_at`)."""
    out: dict[str, object] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{prefix}_{normalise(str(key))}" if prefix else normalise(str(key)))
        elif isinstance(value, list):
            if prefix == "log_entries":  # the API lists them newest first: the earliest of each type counts
                earliest: dict[str, tuple[datetime, dict]] = {}
                for entry in value:
                    if isinstance(entry, dict) and isinstance(entry.get("type"), str):
                        kind = normalise(entry["type"])
                        moment = _moment(entry.get("created_at"))
                        if moment is not None and (kind not in earliest or moment < earliest[kind][0]):
                            earliest[kind] = (moment, entry)
                for kind, (_, entry) in earliest.items():
                    out[f"{kind}_at"] = _text(entry.get("created_at"))
                    agent = entry.get("agent")
                    out[f"{kind}_agent"] = _text(agent.get("summary")) if isinstance(agent, dict) else None
            elif prefix == "incident_timestamp_values":
                for entry in value:
                    if not isinstance(entry, dict):
                        continue
                    stamp, moment = entry.get("incident_timestamp"), entry.get("value")
                    if isinstance(stamp, dict) and isinstance(stamp.get("name"), str):
                        name = normalise(stamp["name"])
                        name = name if name.endswith("_at") else f"{name}_at"
                        out[name] = _text(moment.get("value")) if isinstance(moment, dict) else None
            elif prefix == "acknowledgements":
                first = next((e for e in value if isinstance(e, dict)), None)
                if first is not None:
                    out["acknowledgements_at"] = _text(first.get("at"))
                    who = first.get("acknowledger")
                    out["acknowledgements_acknowledger"] = _text(who.get("summary")) if isinstance(who, dict) else None
            elif all(isinstance(v, str | int | float) for v in value):
                out[prefix] = ", ".join(str(v) for v in value) if value else None
        else:
            out[prefix] = value

    walk(dict(record), "")
    return out
