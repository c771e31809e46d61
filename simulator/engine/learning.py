"""Phase 4, learning & improvement: a blameless postmortem for the severities the policy names."""

from __future__ import annotations


def learn(env, drill, incident):
    card = incident.card
    incident.phase = "learning"
    if card.severity not in drill.rules.postmortem_severities:
        incident.state = "closed"
        drill.record(incident, "postmortem_skipped", "Incident Commander", {"severity": card.severity})
        return
    incident.state = "awaiting postmortem"
    yield env.timeout(card.postmortem_after)
    incident.state = "closed"
    drill.record(incident, "postmortem_held", "Incident Commander", {"severity": card.severity})
