"""A history written by drillsim itself: the incidents of one simulated replication, in the history format.

Such a history is synthetic, and useful exactly because its generating scenario is known: calibrating a
scenario from it must give the generating parameters back (within their intervals), and running the
calibrated scenario must give the history's medians and percentiles back.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.errors import DrillsimError
from simulator.history.format import Incident
from simulator.results.metrics import IncidentTable

_TIMES = (("started_at", "onset"), ("detected_at", "detected"), ("declared_at", "declared"),
          ("acknowledged_at", "acknowledged"), ("mitigated_at", "mitigated"), ("resolved_at", "resolved"))


def table_history(table: IncidentTable, replication: int, start: datetime, *, prefix: str = "INC") -> list[Incident]:
    """The incidents of one replication as history rows: times are `start` (an aware datetime) plus the
    simulated minutes, rounded to the second as an incident tool would write them; a time the horizon came
    before is empty (the incident is still open at the export)."""
    if start.tzinfo is None:
        raise DrillsimError("a history's times carry a time zone: give the start as an aware datetime")
    base = start.astimezone(UTC)  # add real minutes in UTC, then show them in the start's zone
    rows = [i for i in range(len(table)) if table.replication[i] == replication]
    columns = {name: getattr(table, name) for name in IncidentTable.columns()}
    incidents = []
    for number, row in enumerate(rows, 1):
        times: dict[str, Any] = {}  # Incident's time fields: aware datetimes, or None
        for field, column in _TIMES:
            minutes = float(columns[column][row])
            times[field] = (None if math.isnan(minutes) else
                            (base + timedelta(seconds=round(minutes * 60))).astimezone(start.tzinfo))
        text: dict[str, Any] = {name: (str(columns[name][row]) or None)
                                for name in ("mode", "severity", "cause", "channel", "responder", "mitigation")}
        incidents.append(Incident(incident=f"{prefix}-{number:04d}", line=number + 1, **times, **text))
    return incidents
