"""Phase 1, detection & declaration: failure onset → first channel fires → incident declared."""

from __future__ import annotations

from simulator.policy import Situation


def situation(drill, incident, tried=()) -> Situation:
    card = incident.card
    return Situation(
        incident=incident.number, now=drill.env.now, mode=card.mode.name, severity=card.severity,
        channel=card.channel, offered=tuple(card.mitigation_time), tried=tuple(tried),
    )


def detect_and_declare(env, drill, incident):
    card = incident.card
    incident.phase = "detection"
    drill.record(incident, "onset", "system",
                 {"mode": card.mode.name, "cause": card.mode.cause, "severity": card.severity})
    yield env.timeout(card.detect_after)
    incident.state = "detected"
    drill.record(incident, "detected", card.channel, {"channel": card.channel})
    wait = drill.declare_after(incident)
    if wait > 0:
        yield env.timeout(wait)
    incident.state = "declared"
    drill.record(incident, "declared", "on-call")
