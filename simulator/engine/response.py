"""Phase 2a, response: page the escalation levels until someone acknowledges, and assign the roles."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from simulator.engine.clock import ACKNOWLEDGE, Wait
from simulator.engine.incident import Incident
from simulator.engine.people import Page, Ring, Roster
from simulator.engine.world import World

COMMANDER = "Incident Commander"
ABSTRACT_ROLES = "Ops lead, Comms lead, Scribe"
TAKES_COMMAND = {"role": COMMANDER}
TAKES_OPS = {"role": "Ops lead"}
ASSEMBLED = {"roles": ABSTRACT_ROLES}
HELD_ALONE = {"roles": "Incident Commander, Ops lead, Comms lead", "combined": True}
HELD_BESIDE_TRAINEE = {"roles": "Ops lead"}
"""A trainee's drill without dedicated roles: the responder is the Ops lead, the trainee commands and writes the
updates."""
"""Details shared by every event that has them (nothing changes a detail once it is logged)."""


def page(world: World, incident: Incident) -> tuple[Page, bool]:
    """Page for a responder. When nothing can change who answers and when (`Page.certain`, reaching one person
    alone), that person is the incident's from now, and the work is planned from their answer, whose events
    the work's chain logs (the acknowledgement and the Incident Commander's role): the second value says so.
    Otherwise the page is to be waited on with `acknowledgement`."""
    page = world.roster.open(incident)
    if page.certain is not None and len(page.rings) == 1:
        ring = page.certain
        world.roster.answer(ring)  # theirs from now: they answer at ring.answer_at, and nobody else can
        hold(world, incident, ring, ring.answer_at)
        return page, True
    return page, False


def acknowledgement(env: simpy.Environment, world: World, incident: Incident, page: Page) -> Generator[Any, Any, Ring]:
    """Wait for the first acknowledgement of a page whose answer is not certain, and log it. Returns the ring.
    The person who acknowledges works the incident (and, until others join, holds every role)."""
    ring = yield from answered(env, world.roster, page)
    take_up(world, incident, ring, "acknowledged")
    world.record(incident, "role_assigned", ring.person.name, first_role(world))
    return ring


def answered(env: simpy.Environment, roster: Roster, page: Page) -> Generator[Any, Any, Ring]:
    """Wait for the page's answer: the ring that acknowledged it."""
    if page.certain is not None:
        yield Wait(env, page.certain.answer_at - env.now, ACKNOWLEDGE, page.incident.number)
        roster.answer(page.certain)
        return page.certain
    return (yield page.acknowledged)


def take_up(world: World, incident: Incident, ring: Ring, action: str) -> None:
    """`ring`'s person answered: they are the incident's responder from now on."""
    hold(world, incident, ring, world.env.now)
    world.record(incident, action, ring.person.name, answer_detail(ring))


def hold(world: World, incident: Incident, ring: Ring, at: float) -> None:
    """`ring`'s person is the incident's responder from `at` (now, or the moment they will answer)."""
    incident.responder, incident.level = ring.person.index, ring.level
    incident.since[ring.person.index] = at


def first_role(world: World) -> dict:
    """The role of the responder who acknowledges: the Incident Commander's until others join, or in a trainee's
    drill (the trainee commands) the Ops lead's."""
    return TAKES_OPS if world.trainee_commands else TAKES_COMMAND


def answer_detail(ring: Ring) -> dict:
    return {"level": ring.level + 1, "waited": ring.started - ring.notified}


def role_candidates(world: World, incident: Incident) -> dict[str, tuple[str, ...]]:
    """Who could take each role besides the responder now, for a policy that is asked: the free people of each
    role's rotation (with `team.roles`); without, the Comms lead who joins with the Ops lead and the Scribe
    (whom the Incident Commander may do without, and send the stakeholder updates themselves).
    In a trainee's drill the trainee is the Incident Commander, so that role is not offered, and without
    `team.roles` the Comms lead is one of the team by name: whoever is free (the responder works as Ops lead)."""
    roles, people = world.rules.roles, world.roster.people
    if roles is None:
        if world.trainee_commands:
            return {"Comms lead": tuple(p.name for p in people if p.free and not p.away)}
        return {"Comms lead": ("Comms lead",)}
    now, oncall = world.env.now, world.rules.oncall
    return {label: tuple(people[i].name for i in oncall.role_at(role, now) if people[i].free)
            for role, label in (("incident_commander", COMMANDER), ("comms_lead", "Comms lead"))
            if getattr(roles, role) is not None and not (world.trainee_commands and label == COMMANDER)}


def assign_roles(world: World, incident: Incident, candidates: dict[str, tuple[str, ...]] | None = None) -> None:
    """Once the team has assembled: with `team.roles`, a free person from the Incident Commander's and the Comms
    lead's rotations takes each role the severity calls for; where nobody does, the responder holds it too.
    Without `team.roles`, the other roles join as people outside the pager (the model before roles). A policy
    other than the automatic one chooses among `candidates` (default: role_candidates)."""
    assert incident.responder is not None  # the roles assemble around whoever acknowledged
    roles, responder = world.rules.roles, world.roster.people[incident.responder]
    chosen = None
    if not world.automatic:
        chosen = world.assign_roles(incident, role_candidates(world, incident) if candidates is None else candidates)
    if roles is None and world.trainee_commands:
        assert chosen is not None  # a trainee's drill asks
        named = {person.name: person for person in world.roster.people}.get(chosen.get("Comms lead", ""))
        if named is not None and named.free:
            named.working = incident
            incident.since[named.index] = world.env.now
            incident.comms = named.index
            world.record(incident, "role_assigned", named.name, {"role": "Comms lead"})
        incident.abstract_roles = False
        incident.comms_by = named.name if incident.comms is not None and named is not None else ""
        world.record(incident, "roles_assembled", responder.name,
                     ASSEMBLED if incident.comms is not None else {"roles": "Ops lead, Scribe"})
        return
    if roles is None:
        if chosen is None or "Comms lead" in chosen:
            incident.comms_by = "Comms lead"
            world.record(incident, "roles_assembled", responder.name, ASSEMBLED)
        else:
            incident.comms_by = ""  # the Incident Commander sends the updates
            world.record(incident, "roles_assembled", responder.name, {"roles": "Ops lead, Scribe"})
        return
    incident.abstract_roles = False
    now, oncall = world.env.now, world.rules.oncall
    by_name = {person.name: person for person in world.roster.people}
    for role, label in (("incident_commander", COMMANDER), ("comms_lead", "Comms lead")):
        source = getattr(roles, role)
        person = None
        if chosen is not None:
            person = by_name.get(chosen.get(label, ""))
            if person is not None and not person.free:
                person = None
        elif source is not None and incident.severity in source.severities:
            free = [world.roster.people[i] for i in oncall.role_at(role, now) if world.roster.people[i].free]
            person = free[0] if free else None
        if person is None:
            continue
        person.working = incident
        incident.since[person.index] = now
        if role == "incident_commander":
            incident.commander = person.index
        else:
            incident.comms = person.index
        world.record(incident, "role_assigned", person.name, {"role": label})
    combined = incident.commander is None and not world.trainee_commands
    detail: dict[str, Any] = {"role": "Ops lead"}
    if combined:
        detail["combined"] = True
    if not world.trainee_commands:  # a trainee's responder has been the Ops lead since they acknowledged
        world.record(incident, "role_assigned", responder.name, detail)
    if chosen is not None:
        incident.comms_by = world.roster.people[incident.comms].name if incident.comms is not None else ""
    held = [label for label, who in ((COMMANDER, incident.commander), ("Comms lead", incident.comms))
            if who is None and not (world.trainee_commands and label == COMMANDER)]
    world.record(incident, "roles_assembled", responder.name,
                 {"roles": ", ".join(["Ops lead", *held]), "combined": combined})


def hold_alone(world: World, incident: Incident) -> list:
    """Nobody else takes a role (`practices.dedicated_roles` false): the responder holds them all, and nobody
    assembles; in a drill they send the stakeholder updates themselves, as Incident Commander."""
    incident.abstract_roles = False  # with commander and comms None: the responder holds every role
    if world.person_decides:
        incident.comms_by = ""
    from simulator.engine.work import HOLD, Item

    return [Item(HOLD, 0.0, detail=HELD_BESIDE_TRAINEE if world.trainee_commands else HELD_ALONE)]
