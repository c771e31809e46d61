"""How stakeholders heard of incidents, per severity: updates sent, those sent late, and the longest silence.

Read from the incident table's columns (updates, updates_late, longest_silence), which come from each
incident's account, so that every output agrees with the debrief and incidents.csv. Over the organic
incidents that were declared (only a declared incident has stakeholders to update):

    incidents           declared incidents per period (the horizon), mean over replications
    updates             updates sent per period, and per incident
    late                updates sent late per period, and their share of the updates
    longest silence     per incident, the longest stretch without news (declaration → updates → restoration or
                        the horizon): its median, 90th percentile and maximum over incidents
"""

from __future__ import annotations

import math

import numpy as np

from simulator.results.incidents import IncidentTable, organic


def comms_document(table: IncidentTable, replications: int, horizon: float) -> dict:
    """The `comms` section of summary.json: per severity (and all together), in minutes and per period."""
    table = organic(table)
    declared = ~np.isnan(table.declared) if len(table) else np.zeros(0, bool)
    severities = sorted(set(table.severity[declared].tolist())) if len(table) else []
    figures: dict[str, dict] = {}
    for severity in [*severities, "all"]:
        chosen = declared & ((table.severity == severity) if severity != "all" else True)
        figures[severity] = _figures(table, chosen, replications)
    return {"per": "period", "period_minutes": horizon, "severities": figures}


def _figures(table: IncidentTable, chosen: np.ndarray, replications: int) -> dict:
    count = int(np.count_nonzero(chosen))
    updates = float(table.updates[chosen].sum()) if count else 0.0
    late = float(table.updates_late[chosen].sum()) if count else 0.0
    silence = table.longest_silence[chosen] if count else np.zeros(0)
    silence = silence[~np.isnan(silence)]
    quantiles = np.percentile(silence, [50, 90]).tolist() if len(silence) else [math.nan, math.nan]

    def plain(value: float) -> float | None:
        return None if math.isnan(value) else value

    return {
        "incidents_per_period": count / replications if replications else None,
        "updates_per_period": updates / replications if replications else None,
        "updates_per_incident": updates / count if count else None,
        "late_updates_per_period": late / replications if replications else None,
        "late_share": late / updates if updates else None,
        "longest_silence": {"median": plain(quantiles[0]), "p90": plain(quantiles[1]),
                            "max": plain(float(silence.max())) if len(silence) else None},
    }


def comms_rows(section: dict) -> list[tuple[str, ...]]:
    """(severity, incidents, updates (per incident), late (share), longest silence median, p90, max) per
    severity, as text; per period."""
    from simulator.units import format_duration

    def number(value: float | None, decimals: int = 1) -> str:
        return "–" if value is None else f"{value:.{decimals}f}"

    def duration(value: float | None) -> str:
        return "–" if value is None else format_duration(value)

    rows: list[tuple[str, ...]] = []
    for severity, found in section["severities"].items():
        share = found["late_share"]
        silence = found["longest_silence"]
        rows.append((severity, number(found["incidents_per_period"]),
                     f"{number(found['updates_per_period'])} ({number(found['updates_per_incident'])})",
                     f"{number(found['late_updates_per_period'])} ({'–' if share is None else f'{share:.0%}'})",
                     duration(silence["median"]), duration(silence["p90"]), duration(silence["max"])))
    return rows


COMMS_HEADER = ("severity", "incidents", "updates (per incident)", "late (share)", "longest silence: median",
                "p90", "max")

__all__ = ["COMMS_HEADER", "comms_document", "comms_rows"]
