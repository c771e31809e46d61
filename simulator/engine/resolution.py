"""Phase 3, resolution & restoration: restored service is confirmed (with data, or on anecdote: then it may
reopen), the people who worked the incident are freed, and the temporary fixes are cleaned up (on time, late,
or never: a fix left in place raises its mode's rate until removed)."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from simulator import dice
from simulator.dice import INCIDENT, PRACTICE
from simulator.engine import comms, mitigation, response, work
from simulator.engine.clock import WORK, Wait
from simulator.engine.incident import Incident
from simulator.engine.world import CLEANUP, CONFIRM, World

BY_ANECDOTE = {"by": "anecdote"}
"""The detail of a resolution on anecdote (shared: nothing changes a detail once it is logged)."""


def by_data(world: World, incident: Incident, second: bool = False) -> bool:
    """The scenario's throw: is restored service confirmed with data (True) or called healthy on anecdote? The
    second time (a reopened incident), with data."""
    anecdote = world.rules.practice.anecdote
    return second or anecdote == 0 or incident.dice.u(PRACTICE, dice.ANECDOTE) >= anecdote


def ask_confirmation(world: World, incident: Incident, second: bool = False) -> Generator:
    """A drill's pause before the confirmation: the person says how restored service is confirmed (a question
    only in a scenario that plays practices)."""
    if world.person_decides and world.practices_asked:
        yield world.pause(incident, CONFIRM, drawn=by_data(world, incident, second))


def confirmation(world: World, incident: Incident, second: bool = False) -> work.Item:
    """The confirmation of restored service: with data, or on anecdote (faster; it may reopen the incident). The
    second time (a reopened incident), the automatic policy confirms with data, and it does not reopen again. A
    drill stops when the first confirmation ends, to show it."""
    rules, u = world.rules.practice, incident.dice.u
    if rules.anecdote == 0 and not second and not world.practices_asked:  # with data, as always
        return work.Item(work.CONFIRM, world.rules.confirm(u(INCIDENT, dice.CONFIRM)), stop=world.person_decides)
    data = world.confirm_with_data(incident, by_data(world, incident, second))
    if second:
        draw = u(PRACTICE, dice.SECOND_CONFIRM)
    else:
        draw = u(PRACTICE, dice.ANECDOTE_TAKES) if not data else u(INCIDENT, dice.CONFIRM)
    stop = world.person_decides and not second
    if data:
        return work.Item(work.CONFIRM, world.rules.confirm(draw), stop=stop)
    minutes = rules.anecdote_takes(draw)
    if not second and u(PRACTICE, dice.REOPEN) < rules.reopen:
        world.practice.reopening.add(incident.number)  # when, from the resolution (see `after_resolution`)
    return work.Item(work.CONFIRM, minutes, stop=stop, detail=BY_ANECDOTE)


def stand_everyone_down(world: World, incident: Incident) -> None:
    """Resolved: the responder, and the Incident Commander and Comms lead if others held those roles, are free."""
    people = world.roster.people
    incident.preemptible = False
    if not world.person_decides:  # a drill's updates were sent as they fell due (comms.live_updates)
        assert incident.restored is not None  # resolved: restored first
        comms.send_updates(world, incident, incident.restored)
    for index, role in ((incident.responder, ""), (incident.commander, "Incident Commander"),
                        (incident.comms, "Comms lead")):
        if index is not None and index in incident.since:
            world.stand_down(incident, people[index], role)


def after_resolution(env: simpy.Environment, world: World, incident: Incident,
                     tried: list[str]) -> Generator[Any, Any, float]:
    """After the people have stood down: the incident may reopen (resolved on anecdote, wrongly); then the
    temporary fixes are cleaned up (or not). Returns when the cleanup was planned. A drill asks the person when
    the fixes are to be cleaned up as soon as the incident is resolved, before anyone can know whether it will
    reopen."""
    if world.person_decides and world.practices_asked:
        yield world.pause(incident, CLEANUP, drawn=cleanup_drawn(world, incident))
    reopening = world.practice.reopening
    if incident.number in reopening:
        reopening.discard(incident.number)
        resolved = env.now
        after = world.rules.practice.reopen_after(incident.dice.u(PRACTICE, dice.REOPEN_AFTER))
        yield Wait(env, after, WORK, incident.number)
        yield from reopen(env, world, incident, tried, resolved)
        stand_everyone_down(world, incident)
    return clean_up(world, incident)


def reopen(env: simpy.Environment, world: World, incident: Incident, tried: list[str], resolved: float) -> Generator:
    """It was not healthy: someone free takes it up again, and the team works it until restored and confirmed. In
    a drill the person chooses each mitigation again, and how to confirm."""
    incident.restored = None
    world.record(incident, "reopened", "system", {"after": env.now - resolved})
    incident.declared = env.now  # stakeholder updates start again
    if world.person_decides:
        if incident.comms_by is None:  # fixed alone, never declared: a Comms lead joins, as comms.send_updates has it
            incident.comms_by = "Comms lead"
        env.process(comms.live_updates(env, world, incident))
    ring = yield from response.answered(env, world.roster, world.roster.open(incident, resume=True))
    response.take_up(world, incident, ring, "resumed")
    incident.preemptible = True
    handover = world.rules.handover(incident.dice.u(PRACTICE, dice.SECOND_HANDOVER))
    items = [work.Item(work.RESUME, handover)] if handover > 0 else []
    if not world.person_decides:  # a drill asks in the loop, once the handover is done
        if incident.restored is not None:
            items.append(confirmation(world, incident, second=True))
        else:
            items += mitigation.plan(world, incident, env.now + handover, tried, second=True)
    yield from mitigation.until_resolved(env, world, incident, items, tried, second=True)


def cleanup_drawn(world: World, incident: Incident) -> str:
    """The scenario's throw: the temporary fixes are removed "now" (after `policy.cleanup`), "late" or never
    ("skip")."""
    rules = world.rules.practice
    if rules.skip == 0 and rules.late == 0:
        return "now"
    draw = incident.dice.u(PRACTICE, dice.CLEANUP_CHOICE)
    return "skip" if draw < rules.skip else "late" if draw < rules.skip + rules.late else "now"


def clean_up(world: World, incident: Incident) -> float:
    """The temporary fixes: removed after `policy.cleanup`, late, or never. A fix left in place past its planned
    cleanup is debt: it raises its mode's rate until removed. Returns when the cleanup was planned (its events
    are logged now, at their own times, when before the horizon: nothing can change them)."""
    u, now = incident.dice.u, world.env.now
    horizon = world.rules.horizon
    planned = now + world.rules.cleanup(u(INCIDENT, dice.CLEANUP))
    choice = world.clean_up(incident, cleanup_drawn(world, incident))
    if choice == "now":
        if planned < horizon:
            world.record_at(planned, incident, "cleaned_up", "Ops lead")
        return planned
    late_by = world.rules.practice.late_by
    done = planned + late_by(u(PRACTICE, dice.LATE_BY)) if choice == "late" else math.inf
    m, state = incident.rules.index, world.practice
    if planned < horizon:
        state.at(planned, lambda: state.leave_fix(m, done, incident.number), incident.number)
        world.record_at(planned, incident, "cleanup_skipped" if choice == "skip" else "cleanup_late", "Ops lead")
    if done < horizon:
        world.record_at(done, incident, "cleaned_up", "Ops lead", {"late_by": done - planned})
    return planned
