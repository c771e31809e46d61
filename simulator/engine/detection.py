"""Phase 1, detection & declaration: failure onset → the first channel to fire detects it → incident declared."""

from __future__ import annotations

from collections.abc import Generator
from math import inf

import simpy

from simulator import dice
from simulator.engine.chain import Chain
from simulator.engine.clock import DECLARE, Wait
from simulator.engine.drill import Drill
from simulator.engine.incident import Incident


def first_channel(incident: Incident) -> tuple[str, float]:
    """The channel that detects the failure and its delay: every channel throws (fires?, delay), and the
    earliest that fires wins."""
    best, name = inf, ""
    block, base = incident.dice.block, incident.dice.base + dice.DETECTION
    for channel in incident.rules.channels:
        at = base + 2 * channel.index
        if block[at] < channel.probability:
            delay = channel.delay(block[at + 1])
            if delay < best:
                best, name = delay, channel.name
    return name, best


def detect_and_declare(env: simpy.Environment, drill: Drill, incident: Incident) -> Generator:
    """The failure starts, is detected after the winning channel's delay, and is declared after the policy's
    delay. Nothing else can change these times, so the clock waits once, until the declaration."""
    incident.phase = "detection"
    chain = incident.chain = Chain()
    chain.add(incident.onset, "onset", "system",
              {"mode": incident.mode.name, "cause": incident.mode.cause, "severity": incident.severity})
    channel, delay = first_channel(incident)
    detected = incident.onset + delay
    chain.add(detected, "detected", channel, {"channel": channel})
    drawn = drill.rules.declare(incident.dice.block[incident.dice.base + dice.DECLARE])
    if not drill.automatic:  # a live policy decides when detection happens, not before
        yield Wait(env, detected - env._now, DECLARE, incident.number)
        chain.log_until(drill, incident, env._now)
        chain = incident.chain = Chain()
    declared = detected + drill.declare_after(incident, drawn, channel)
    chain.add(declared, "declared", "on-call")
    yield Wait(env, declared - env._now, DECLARE, incident.number)
    chain.log_until(drill, incident, env._now)
    incident.chain = None
    incident.declared = declared
