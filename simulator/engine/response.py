"""Phase 2a, response: page the on-call pool, wait for a free responder, acknowledge (or escalate), name
the Incident Commander and assemble the other roles."""

from __future__ import annotations

from simulator.scenario.model import ROLES

COMMANDER, OTHERS = ROLES[0], ", ".join(ROLES[1:])


def respond(env, drill, incident):
    """Returns the index of the pool member held by this incident until resolution is confirmed."""
    card = incident.card
    incident.phase = "response"
    paged_at = env.now
    drill.record(incident, "paged", "pager")
    held = yield drill.pool.get()
    primary = drill.names[held]
    incident.state = "paged"
    drill.record(incident, "page_delivered", primary, {"waited": env.now - paged_at})
    timeout = drill.escalate_after(incident)
    if card.missed or card.acknowledge_after > timeout:
        yield env.timeout(timeout)
        drill.record(incident, "page_missed", primary)
        secondary = drill.rules.secondary
        drill.record(incident, "escalated", secondary)
        yield env.timeout(card.secondary_after)
        incident.responder = secondary
    else:
        yield env.timeout(card.acknowledge_after)
        incident.responder = primary
    incident.state = "responding"
    drill.record(incident, "acknowledged", incident.responder)
    drill.record(incident, "role_assigned", incident.responder, {"role": COMMANDER})
    if card.assemble_after > 0:
        yield env.timeout(card.assemble_after)
    drill.record(incident, "roles_assembled", incident.responder, {"roles": OTHERS})
    return held
