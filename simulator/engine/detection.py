"""Phase 1, detection & declaration: failure onset → the first channel to fire detects it → incident declared.

The practices (simulator.engine.practice) change this phase where the scenario says so: automation may declare
from an alert; an emailed alert waits to be noticed; the alerted engineer may try to fix it alone first, and then
the incident is paged at once but not declared yet; finding whom to call delays the page. Without them each of
these steps is inert and costs nothing: no uniform is read for it.
"""

from __future__ import annotations

from collections.abc import Generator
from math import inf
from typing import Any

import simpy

from simulator import dice
from simulator.dice import PRACTICE
from simulator.engine.chain import Chain
from simulator.engine.clock import DECLARE, Wait
from simulator.engine.incident import Incident
from simulator.engine.world import DECLARE as DECIDE_TO_DECLARE
from simulator.engine.world import World
from simulator.scenario.common import severity_rank
from simulator.scenario.model import CHANNELS
from simulator.scenario.practices import ALERT_CHANNELS

ALERTS = frozenset(CHANNELS.index(name) for name in ALERT_CHANNELS)
SLO_BURN, CUSTOMER, SOCIAL_MEDIA = (CHANNELS.index(name) for name in ("slo_burn", "customer_report", "social_media"))


def first_channel(incident: Incident, factor: float = 1.0) -> tuple[str, float]:
    """The channel that detects the failure and its delay: every channel throws (fires?, delay), and the
    earliest that fires wins. Alerts' delays are times `factor` (what action items have done for detection; 1.0
    changes nothing); a report channel's are times its reach at onset. A public post (social media) competes
    too."""
    best, name = inf, ""
    block, base = incident.dice.block, incident.dice.base
    for channel in incident.rules.channels:
        at = base + channel.fires
        if block[at] < channel.probability:
            delay = channel.delay(block[at + 1])
            if channel.reach is not None:
                delay *= channel.reach(incident.onset)
            if channel.alert:
                delay *= factor
            if delay < best:
                best, name = delay, channel.name
    if incident.rules.public is not None:
        posted = public_report(incident)
        if posted < best:
            best, name = posted, incident.rules.public.name
    return name, best


def channel_time(incident: Incident, index: int, factor: float = 1.0) -> float:
    """When channel `index` (model.CHANNELS) fires for the incident (inf if it does not, or the mode has no such
    channel). A report channel's delay is times its reach at onset; social media's is the public post's
    (public_report)."""
    if index == SOCIAL_MEDIA:
        return incident.onset + public_report(incident)
    block, base = incident.dice.block, incident.dice.base
    for channel in incident.rules.channels:
        if channel.index == index:
            at = base + channel.fires
            if block[at] < channel.probability:
                delay = channel.delay(block[at + 1])
                if channel.reach is not None:
                    delay *= channel.reach(incident.onset)
                return incident.onset + delay * factor
    return inf


def public_report(incident: Incident) -> float:
    """Minutes from onset until the first public post about the failure (social_media; inf when nobody posts or
    the mode has no such channel). Its dice lie apart from the other channels', on the INCIDENT block's second
    page (rules.public.fires, dice.channel_fires), so they are read through `u`."""
    rule = incident.rules.public
    if rule is None:
        return inf
    fires, lasts = incident.dice.pair(dice.INCIDENT, rule.fires)
    if fires >= rule.probability:
        return inf
    delay = rule.delay(lasts)
    return delay * rule.reach(incident.onset) if rule.reach is not None else delay


def customer_report(incident: Incident) -> float:
    """When customers first tell the team: the earlier of a report to support and a public post (inf if
    neither)."""
    return min(channel_time(incident, CUSTOMER), channel_time(incident, SOCIAL_MEDIA))


def detect_and_declare(env: simpy.Environment, world: World, incident: Incident) -> Generator[Any, Any, bool]:
    """The failure starts, is detected after the winning channel's delay, and is declared after the policy's
    delay. For the automatic policy nothing else can change these times, so the clock waits once, until the
    declaration; a policy asked live decides once the failure is noticed. Returns True when the alerted engineer
    works alone first (paged at once, not declared yet)."""
    chain = incident.chain = Chain()
    practice, rules = world.practice, world.rules.practice
    inert = rules.detection_inert
    if not inert:
        from simulator.engine.mitigation import arm_rollback

        name = practice.drills.get(incident.number)
        if name is not None:
            chain.add(incident.onset, "injected", "game master", {"drill": name})
        if rules.rollback is not None and incident.mode.cause == "deployment":
            arm_rollback(world, incident)
    channel, delay = first_channel(incident, practice.detection[incident.rules.index])
    onset, mode, add = incident.onset, incident.mode, chain.steps.append  # add: Chain.add's (time, action, ...)
    add((onset, "onset", "system", {"mode": mode.name, "cause": mode.cause, "severity": incident.severity}))
    detected = onset + delay
    add((detected, "detected", channel, {"channel": channel}))
    drawn = world.rules.declare(incident.dice.block[incident.dice.base + dice.DECLARE])
    noticed, alone = detected, False
    if not inert:
        noticed, automated = notice(world, incident, channel, detected)
        if automated is not None:  # automation declares from the alert, whoever the policy is
            chain.add(automated, "declared", "automation")
            yield from page_when_called(env, world, incident, automated)
            return False
        alone = rules.alone_first > 0 and incident.dice.u(PRACTICE, dice.ALONE) < rules.alone_first
    if world.automatic and not alone:  # the policy's answer is known: declared after the drawn delay
        declared = noticed + drawn
        add((declared, "declared", "on-call", None))
        yield Wait(env, declared - env.now, DECLARE, incident.number)
        chain.log_until(world, incident, env.now)
    else:  # a policy asked live decides once the failure is noticed, not before
        yield Wait(env, noticed - env.now, DECLARE, incident.number)
        chain.log_until(world, incident, env.now)
        if world.person_decides:  # a person declares, or goes to work alone first, when they choose to
            yield world.pause(incident, DECIDE_TO_DECLARE, channel=channel, drawn=drawn, alone=alone)
            yield Wait(env, 0.0, DECLARE, incident.number)  # in the clock's order of this instant
        if world.work_alone_first(incident, alone, channel):
            incident.chain = None
            incident.declared = inf  # not declared (yet): no stakeholder updates
            return True
        if world.person_decides:
            declared = env.now
        else:
            declared = noticed + world.declare_after(incident, drawn, channel)
            yield Wait(env, declared - env.now, DECLARE, incident.number)
        world.record_at(declared, incident, "declared", "on-call", declare_severity(world, incident))
    if rules.who_to_call:
        yield from page_when_called(env, world, incident, declared)
    else:  # paged at once: the chain is logged up to now
        incident.chain = None
        incident.declared = declared
    return False


def notice(world: World, incident: Incident, channel: str, detected: float) -> tuple[float, float | None]:
    """When people notice the alert (an emailed one waits; a customer report reaches them anyway), and when
    automation declares the incident (None when it does not: no automation, not an alert, or it failed)."""
    rules = world.rules.practice
    automated = rules.automated
    if (automated is None and not rules.email) or channel not in ALERT_CHANNELS:
        return detected, None
    u = incident.dice.u
    if automated is not None and u(PRACTICE, dice.AUTOMATED_DECLARATION) < automated[0]:
        return detected, detected + automated[1](u(PRACTICE, dice.AUTOMATED_DECLARATION + 1))
    if rules.email:
        return min(detected + rules.noticed(u(PRACTICE, dice.NOTICED)), customer_report(incident)), None
    return detected, None


def page_when_called(env: simpy.Environment, world: World, incident: Incident, declared: float) -> Generator:
    """Declared at `declared`: the page goes out once someone has worked out whom to call (at once on a
    rotation)."""
    rules = world.rules.practice
    paged = declared + rules.calling(incident.dice.u(PRACTICE, dice.WHO_TO_CALL)) if rules.who_to_call else declared
    if paged > env.now:
        yield Wait(env, paged - env.now, DECLARE, incident.number)
    chain = incident.chain
    if chain is not None:
        chain.log_until(world, incident, env.now)
    incident.chain = None
    incident.declared = declared


def declare_severity(world: World, incident: Incident) -> dict | None:
    """The policy's severity for the incident from its declaration on; the detail of the declaration when it
    is not the failure's own, or when a person playing a drill declared (`by`: "person")."""
    severity = world.declare_severity(incident)
    by = {"by": "person"} if getattr(world.policy, "person", False) else {}
    if severity == incident.severity:
        return by or None
    incident.severity, incident.rank = severity, severity_rank(severity)
    return {"severity": severity, **by}
