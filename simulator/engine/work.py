"""The work on an incident once someone has acknowledged it: assembling the roles, mitigations one after the
other, confirming health. Each piece is an `Item` with the minutes it still needs.

The items run as one chain (simulator.engine.chain) until something from outside the incident can change them:

- a preemption: a more severe incident takes the responder; the work stops where it was, waits for someone
  free, who takes it up after a handover and goes on with what was left;
- service restored from outside (an automated rollback, simulator.engine.practice): the mitigations stop and
  the team confirms;
- the end of the responder's turn on call: they hand over to the incoming person (the work pauses for the
  handover while both are on it) or stay on, as `team.at_shift_end` says;
- an item after which a decision or a person is needed: the roles (with `team.roles`), the next mitigation
  (for a policy that is asked live), or the end of a handover, which frees the outgoing person.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from math import inf
from typing import Any

import simpy

from simulator.dice import HANDOVER as FIRST_HANDOVER
from simulator.dice import INCIDENT, MORE, more_handover
from simulator.engine.chain import Chain
from simulator.engine.clock import WORK, Wait
from simulator.engine.incident import Incident
from simulator.engine.people import Ring
from simulator.engine.response import ASSEMBLED, answer_detail, answered, first_role, take_up
from simulator.engine.world import Preempted, World

ANSWER, ASSEMBLE, MITIGATION, CONFIRM, HANDOVER, RESUME, INVESTIGATION, HOLD = (
    "answer", "assemble", "mitigation", "confirm", "handover", "resume", "investigation", "hold")
"""HOLD: nobody joins, the responder holds every role (simulator.engine.practice); it takes no time."""


@dataclass(slots=True)
class Item:
    """A piece of work and the minutes it still needs."""

    kind: str
    remaining: float
    name: str = ""  # the mitigation
    works: bool = False  # whether the mitigation restores service
    reason: str = ""  # why it does not
    started: bool = False
    stop: bool = False  # the process must be awake when it ends
    person: int | None = None  # for a handover: the outgoing person, freed when it ends
    ring: Ring | None = None  # for an answer: the page's ring that is answered when it ends
    detail: dict | None = None  # for a mitigation: {"mitigation": name}, shared by its events


def run(env: simpy.Environment, world: World, incident: Incident, items: list[Item]) -> Generator[Any, Any, list[Item]]:
    """Work through `items` until the first item that must stop has ended (or all of them), through
    preemptions, shift ends and handovers. Returns the items left."""
    stayed = False
    while items:
        start = env.now
        chain, ends = _chain(world, incident, items, start)
        incident.chain = chain
        if world.person_decides:  # a drill shows what has started as it starts
            chain.log_until(world, incident, start)
        target = ends[-1]
        turn_end = inf
        if not stayed and incident.responder is not None and world.rules.levels[incident.level].rotates:
            turn_end = world.rules.oncall.turn_end(incident.level, incident.responder, start)
            answered = start + items[0].remaining if items[0].kind == ANSWER else start
            if turn_end <= answered:
                turn_end = inf  # they answered after their turn at that level had ended: they see it through
        try:
            yield Wait(env, min(target, turn_end) - start, WORK, incident.number)
        except simpy.Interrupt as interrupt:  # whoever interrupted has logged what the chain had reached
            items = _advance(world, incident, items, ends, start, env.now)
            if type(interrupt.cause) is Preempted:
                yield from _resume(env, world, incident, items)
                if incident.restored is not None and any(item.kind == MITIGATION for item in items):
                    items = restored_from_outside(world, incident, items)  # while it waited
            else:  # service was restored from outside the work (an automated rollback): confirm it
                items = restored_from_outside(world, incident, items)
            continue
        now = env.now
        chain.log_until(world, incident, now)
        stopped = items[len(ends) - 1] if now >= target else None
        items = _advance(world, incident, items, ends, start, now)
        if stopped is None:  # the responder's turn ended first
            stayed = _shift_end(world, incident, items)
        elif stopped.kind != HANDOVER:
            break
    incident.chain = None
    return items


class Restored:
    """Why an incident's work was interrupted: service is restored from outside (an automated rollback,
    simulator.engine.mitigation)."""


def restored_from_outside(world: World, incident: Incident, items: list[Item]) -> list[Item]:
    """Service came back while people were working: they stop their mitigations and confirm (in a drill, once
    the person has said how: the lifecycle asks when the work left is done)."""
    from simulator.engine.resolution import confirmation

    left = []
    for item in items:
        if item.kind == MITIGATION:
            if item.started:
                world.record(incident, "mitigation_failed", "Ops lead",
                             {"mitigation": item.name, "reason": "the automated rollback restored service first"})
            continue
        if item.kind != CONFIRM:
            left.append(item)
    if not world.person_decides:
        left.append(confirmation(world, incident))
    return left


def _chain(world: World, incident: Incident, items: list[Item], start: float) -> tuple[Chain, list[float]]:
    """The chain of events of `items` from `start`, up to the first item that must stop; and each item's end."""
    chain, ends = Chain(), []
    add = chain.steps.append  # (time, action, actor, detail), as Chain.add takes them
    t = start
    responder = world.roster.people[incident.responder].name if incident.responder is not None else ""
    for item in items:
        kind = item.kind
        if not item.started:
            if kind == MITIGATION:
                add((t, "mitigation_started", "Ops lead", item.detail))
            elif kind == INVESTIGATION:
                add((t, "investigation_started", "Ops lead", None))
        t += item.remaining
        ends.append(t)
        if kind == MITIGATION:
            if item.works:
                add((t, "mitigated", "Ops lead", item.detail))
            else:
                add((t, "mitigation_failed", "Ops lead", {"mitigation": item.name, "reason": item.reason}))
        elif kind == CONFIRM:
            add((t, "resolved", responder, item.detail))
        elif kind == ASSEMBLE and not item.stop:  # else response.assign_roles logs it
            add((t, "roles_assembled", responder, ASSEMBLED))
        elif kind == INVESTIGATION:
            add((t, "clue_found", "Ops lead", item.detail))
        elif kind == ANSWER:
            assert item.ring is not None  # an answer is the ring's
            add((t, "acknowledged", responder, answer_detail(item.ring)))
            add((t, "role_assigned", responder, first_role(world)))
        elif kind == HOLD:
            add((t, "roles_assembled", responder, item.detail))
        if item.stop:
            break
    return chain, ends


def _advance(world: World, incident: Incident, items: list[Item], ends: list[float], start: float,
             now: float) -> list[Item]:
    """The items left at `now`. Those that have ended are dropped, after their effect: a mitigation that works
    restores service, a handover frees the outgoing person. The one under way keeps what it still needs."""
    left, ended = [], len(ends)
    for i, item in enumerate(items):
        if i < ended and ends[i] <= now:
            if item.kind == MITIGATION and item.works:
                incident.restored = ends[i]
            elif item.kind == INVESTIGATION:
                incident.investigated += item.remaining
                incident.clues += 1
            elif item.kind == HANDOVER:
                assert item.person is not None  # a handover names the outgoing person
                world.stand_down(incident, world.roster.people[item.person])
            continue
        if i < ended and (ends[i - 1] if i else start) <= now:
            if item.kind == INVESTIGATION:
                incident.investigated += item.remaining - (ends[i] - now)
            item.remaining = ends[i] - now
            item.started = True
        left.append(item)
    return left


def _shift_end(world: World, incident: Incident, items: list[Item]) -> bool:
    """The responder's turn at their level ended mid-incident: hand over to the incoming person if the team
    does so and someone free is on call, else stay on. Returns whether they stay."""
    roster, now = world.roster, world.env.now
    assert incident.responder is not None  # a turn ended under someone at work
    outgoing = roster.people[incident.responder]
    incoming = None
    if world.rules.handover_at_shift_end:
        for i in world.rules.oncall.at(incident.level, now):
            if i != outgoing.index and roster.people[i].free:
                incoming = roster.people[i]
                break
    if incoming is None:
        world.record(incident, "stayed_on", outgoing.name)
        return True
    j = incident.handovers
    u = incident.dice.u(INCIDENT, FIRST_HANDOVER) if j == 0 else incident.dice.u(MORE, more_handover(j, resuming=False))
    cost = world.rules.handover(u)
    incident.handovers += 1
    incoming.working = incident
    incident.since[incoming.index] = now
    incident.responder = incoming.index
    world.record(incident, "handover", incoming.name, {"from": outgoing.name, "minutes": cost})
    items.insert(0, Item(HANDOVER, cost, stop=True, person=outgoing.index))
    return False


def _resume(env: simpy.Environment, world: World, incident: Incident, items: list[Item]) -> Generator:
    """A more severe incident took the responder: wait for someone free, who takes the work up after a
    handover."""
    for item in [item for item in items if item.kind == HANDOVER]:
        items.remove(item)  # a handover cut short: the outgoing person goes at once
        assert item.person is not None  # a handover names the outgoing person
        world.stand_down(incident, world.roster.people[item.person])
    incident.chain = None
    ring = yield from answered(env, world.roster, world.roster.open(incident, resume=True))
    take_up(world, incident, ring, "resumed")
    incident.preemptible = True
    j = incident.pages - 2  # resumptions before this one
    cost = world.rules.handover(incident.dice.u(MORE, more_handover(j, resuming=True)))
    if cost > 0:
        items.insert(0, Item(RESUME, cost))
