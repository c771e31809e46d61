"""Phase 2b, mitigation: try stop-gaps in the policy's order until one restores service.

A mitigation that fails (or, like a rollback of a failure no deployment caused, does not apply) still costs
its time; the team then moves to the next option. Debugging live always works in the end.
"""

from __future__ import annotations


def mitigate(env, drill, incident):
    card = incident.card
    for choice in drill.mitigations(incident):
        incident.state = f"mitigating ({choice})"
        drill.record(incident, "mitigation_started", "Ops lead", {"mitigation": choice})
        yield env.timeout(card.mitigation_time[choice])
        if choice == "debug" or card.mitigation_works[choice]:
            incident.state = "restored"
            drill.record(incident, "mitigated", "Ops lead", {"mitigation": choice})
            return
        reason = "did not help"
        if choice == "rollback" and card.mode.cause != "deployment":
            reason = f"nothing to roll back: the cause was {card.mode.cause}, not a deployment"
        drill.record(incident, "mitigation_failed", "Ops lead", {"mitigation": choice, "reason": reason})
