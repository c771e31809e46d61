"""The event log: the Scribe's record of every state change, and the single source of truth for metrics.

An event is an immutable record (time, replication, incident, phase, action, actor, detail). Times are
minutes since the start of the replication. `phase` is one of the four lifecycle phases; `action` is one of
ACTIONS below; `actor` is the person or role who acted (or the system); `detail` holds a few plain values.
"""

from __future__ import annotations

from typing import Any, NamedTuple

PHASES = ("detection", "response", "resolution", "learning")

ACTIONS = {
    # Phase 1: detection & declaration
    "onset": "the failure starts (detail: mode, cause, severity)",
    "detected": "the first detection channel fires (detail: channel)",
    "declared": "an incident is declared",
    # Phase 2: response & mitigation
    "paged": "the on-call pool is paged",
    "page_delivered": "a free responder receives the page (detail: waited, minutes spent waiting for one)",
    "page_missed": "the paged responder did not acknowledge in time",
    "escalated": "the page escalates to the secondary",
    "acknowledged": "a responder acknowledges and the team starts",
    "role_assigned": "a role is taken (detail: role)",
    "roles_assembled": "Ops lead, Comms lead and Scribe are in place",
    "mitigation_started": "a mitigation is tried (detail: mitigation)",
    "mitigation_failed": "it did not restore service (detail: mitigation, reason)",
    "mitigated": "service is restored (detail: mitigation)",
    # Phase 3: resolution & restoration
    "resolved": "health confirmed with metrics and logs; the responder is free again",
    "cleaned_up": "temporary fixes removed",
    # Phase 4: learning & improvement
    "postmortem_held": "a blameless postmortem was held",
    "postmortem_skipped": "no postmortem for this severity",
    # Censoring
    "open_at_horizon": "the replication ended with the incident still open (detail: state)",
}


class Event(NamedTuple):
    """One line of the Scribe's log."""

    time: float
    replication: int
    incident: int
    phase: str
    action: str
    actor: str
    detail: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "replication": self.replication,
            "incident": self.incident,
            "phase": self.phase,
            "action": self.action,
            "actor": self.actor,
            "detail": self.detail or {},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            float(data["time"]), int(data["replication"]), int(data["incident"]), data["phase"],
            data["action"], data["actor"], data.get("detail") or None,
        )


def incident_label(incident: int) -> str:
    return f"INC-{incident:04d}"
