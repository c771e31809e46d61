"""Phase 1, detection & declaration: failure onset → the first channel to fire detects it → incident declared."""

from __future__ import annotations

from collections.abc import Generator
from math import inf

import simpy

from simulator import dice
from simulator.engine.chain import Chain
from simulator.engine.clock import DECLARE, Wait
from simulator.engine.drill import DECLARE as DECIDE_TO_DECLARE
from simulator.engine.drill import Drill
from simulator.engine.incident import Incident
from simulator.engine.rules import public_report
from simulator.scenario.common import severity_rank


def first_channel(incident: Incident) -> tuple[str, float]:
    """The channel that detects the failure and its delay: every channel throws (fires?, delay), and the
    earliest that fires wins."""
    best, name = inf, ""
    block, base = incident.dice.block, incident.dice.base + dice.DETECTION
    for channel in incident.rules.channels:
        at = base + 2 * channel.index
        if block[at] < channel.probability:
            delay = channel.delay(block[at + 1])
            if channel.reach is not None:
                delay *= channel.reach(incident.onset)
            if delay < best:
                best, name = delay, channel.name
    if incident.rules.public is not None and public_report(incident) < best:
        best, name = public_report(incident), "social_media"
    return name, best


def detect_and_declare(env: simpy.Environment, drill: Drill, incident: Incident) -> Generator:
    """The failure starts, is detected after the winning channel's delay, and is declared after the policy's
    delay. Nothing else can change these times, so the clock waits once, until the declaration.

    With practices (`drill.practice`, simulator.engine.practice): automation may declare from an alert; an
    emailed alert waits to be noticed; the alerted engineer may try to fix it alone first, and then the incident
    is paged at once but not declared yet (returns True); finding whom to call delays the page."""
    incident.phase = "detection"
    chain = incident.chain = Chain()
    practice = drill.practice
    if practice is None:
        channel, delay = first_channel(incident)
    else:
        channel, delay = practice.begin(incident, chain)
    chain.add(incident.onset, "onset", "system",
              {"mode": incident.mode.name, "cause": incident.mode.cause, "severity": incident.severity})
    detected = incident.onset + delay
    chain.add(detected, "detected", channel, {"channel": channel})
    drawn = drill.rules.declare(incident.dice.block[incident.dice.base + dice.DECLARE])
    if practice is None and drill.automatic:
        declared = detected + drawn
        chain.add(declared, "declared", "on-call")
        yield Wait(env, declared - env._now, DECLARE, incident.number)
        chain.log_until(drill, incident, env._now)
        incident.chain = None
        incident.declared = declared
        return False
    noticed = detected
    if practice is not None:
        noticed, automated = practice.noticed(incident, channel, detected)
        if automated is not None:  # automation declares from the alert, whoever the policy is
            chain.add(automated, "declared", "automation")
            yield from practice.page_when_called(env, drill, incident, automated)
            return False
    if drill.automatic and not practice.alone(incident):  # the practices leave the declaration as it was
        declared = noticed + drawn
        chain.add(declared, "declared", "on-call")
        yield Wait(env, declared - env._now, DECLARE, incident.number)
        chain.log_until(drill, incident, env._now)
    else:  # a policy asked live decides once the failure is noticed, not before
        yield Wait(env, noticed - env._now, DECLARE, incident.number)
        chain.log_until(drill, incident, env._now)
        alone = practice is not None and practice.alone(incident)
        if drill.live:  # a person declares, or goes to work alone first, when they choose to
            yield drill.pause(incident, DECIDE_TO_DECLARE, channel=channel, drawn=drawn, alone=alone)
            yield Wait(env, 0.0, DECLARE, incident.number)  # in the clock's order of this instant
        if practice is not None and drill.work_alone_first(incident, alone, channel):
            incident.chain = None
            incident.declared = inf  # not declared (yet): no stakeholder updates
            return True
        if drill.live:
            declared = env._now
        else:
            declared = noticed + drill.declare_after(incident, drawn, channel)
            yield Wait(env, declared - env._now, DECLARE, incident.number)
        drill.record_at(declared, incident, "declared", "on-call", declare_severity(drill, incident))
    if practice is not None:
        yield from practice.page_when_called(env, drill, incident, declared)
        return False
    incident.chain = None
    incident.declared = declared
    return False


def declare_severity(drill: Drill, incident: Incident) -> dict | None:
    """The policy's severity for the incident from its declaration on; the detail of the declaration when it
    is not the failure's own, or when a person playing a drill declared (`by`: "person")."""
    severity = drill.declare_severity(incident)
    by = {"by": "person"} if getattr(drill.policy, "person", False) else {}
    if severity == incident.severity:
        return by or None
    incident.severity, incident.rank = severity, severity_rank(severity)
    return {"severity": severity, **by}
