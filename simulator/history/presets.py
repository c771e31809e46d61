"""Presets: how common exports' columns map onto the history format, and `--map` columns given by hand."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from simulator.errors import DrillsimError
from simulator.history.fields import FIELDS


@dataclass(frozen=True)
class Preset:
    """How a common export's columns map onto the format. `offsets` are columns of seconds after another
    column's time (e.g. seconds_to_first_ack after created_at)."""

    name: str
    description: str
    columns: Mapping[str, str]
    offsets: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    required: tuple[str, ...] = ()


PRESETS: dict[str, Preset] = {
    "analytics": Preset(
        "analytics",
        "an incident-analytics export: created_at (the incident opened by the alert), seconds_to_first_ack "
        "and seconds_to_resolve after it",
        columns={"id": "incident", "created_at": "detected_at"},
        offsets={"seconds_to_first_ack": ("acknowledged_at", "created_at"),
                 "seconds_to_resolve": ("resolved_at", "created_at")},
        required=("created_at", "seconds_to_first_ack", "seconds_to_resolve"),
    ),
    "lifecycle": Preset(
        "lifecycle",
        "a lifecycle export: id, started_at, detected_at, acknowledged_at, mitigated_at and resolved_at",
        columns={"id": "incident", **{name: name for name in ("started_at", "detected_at", "acknowledged_at",
                                                               "mitigated_at", "resolved_at")}},
        required=("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at"),
    ),
}


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """['sev=severity', 'notes='] → {'sev': 'severity', 'notes': ''}: `column=field`, or `column=` to ignore."""
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, target = item.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column:
            raise DrillsimError(f"--map {item!r}: write COLUMN=FIELD (e.g. created=started_at), or COLUMN= to "
                                "ignore a column")
        if target and target not in FIELDS:
            close = difflib.get_close_matches(target, FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (fields: {', '.join(FIELDS)})"
            raise DrillsimError(f"--map {item!r}: unknown field {target!r}{hint}")
        mapping[column] = target
    return mapping
