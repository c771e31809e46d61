"""Phase 3, resolution & restoration: confirm health with data, free the responder, clean up."""

from __future__ import annotations


def resolve(env, drill, incident, held):
    card = incident.card
    incident.phase = "resolution"
    incident.state = "confirming"
    yield env.timeout(card.confirm_after)
    incident.state = "resolved"
    drill.record(incident, "resolved", incident.responder)
    drill.pool.put(held)
    incident.state = "cleaning up"
    yield env.timeout(card.cleanup_after)
    incident.state = "cleaned up"
    drill.record(incident, "cleaned_up", "Ops lead")
