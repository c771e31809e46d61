"""Phase 4, learning & improvement: a blameless postmortem for the severities the policy names."""

from __future__ import annotations

from simulator.dice import INCIDENT, POSTMORTEM
from simulator.engine.drill import Drill
from simulator.engine.incident import Incident


def learn(drill: Drill, incident: Incident, cleaned: float) -> None:
    """Hold the postmortem after clean-up (or skip it for a severity the policy leaves out); logged now, at its
    own time, when that is before the horizon."""
    horizon = drill.rules.horizon
    if incident.severity not in drill.rules.postmortem_severities:
        if cleaned < horizon:
            drill.record_at(cleaned, incident, "postmortem_skipped", "Incident Commander", _severity(incident))
        return
    held = cleaned + drill.rules.postmortem(incident.dice.u(INCIDENT, POSTMORTEM))
    if held < horizon:
        drill.record_at(held, incident, "postmortem_held", "Incident Commander", _severity(incident))


_SEVERITY = {level: {"severity": level} for level in ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")}


def _severity(incident: Incident) -> dict:
    """The detail of a postmortem event (shared: nothing changes a detail once logged)."""
    return _SEVERITY[incident.severity]
