"""Phase 2b, mitigation: try stop-gaps in the policy's order until one restores service.

A mitigation that fails (or does not apply to the cause, like a rollback of a failure no deployment caused)
still costs its time; the team then moves to the next option. Debugging live always works in the end. A
mitigation takes longer when the Ops lead must also be Incident Commander, when it starts out of hours or at
night (`team.mitigation_slowdown`), and with the practices (load, action items done).

With practices the alerted engineer may work alone before anyone declares (`work_alone`), and an automated
rollback on an SLO burn alert may restore service while people are still at work (`arm_rollback`).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from simulator import dice
from simulator.dice import PRACTICE
from simulator.engine import resolution, work
from simulator.engine.clock import WORK, Wait
from simulator.engine.incident import Incident, State
from simulator.engine.work import INVESTIGATION, MITIGATION, Item
from simulator.engine.world import INVESTIGATE, MITIGATE, World
from simulator.units import format_duration

WORKED_ALONE = {"mitigation": "debug", "alone": True}
AUTOMATED = {"mitigation": "rollback", "automated": True}
AUTOMATION = "automation"
"""Details shared by every event that has them (nothing changes a detail once it is logged)."""


def plan(world: World, incident: Incident, start: float, tried: list[str], second: bool = False) -> list[Item]:
    """The mitigations to try from `start`: all of them until one that works (then the confirmation) for the
    automatic policy; for a policy asked live, only the next one (it chooses again when that one fails, and
    chooses how to confirm once one works). In a drill the person may investigate instead, until the next clue
    turns up. `second`: the second try of a reopened incident (its own dice, and its second confirmation)."""
    items, t = [], start
    incident_dice, rules = incident.dice, incident.rules
    works_at, lasts_at = (dice.SECOND_WORKS, dice.SECOND_LASTS) if second else (dice.WORKS, dice.LASTS)
    automatic = world.automatic
    while True:
        name = world.next_mitigation(incident, tuple(tried))
        if name == INVESTIGATE:
            clue = incident.mode.clues[incident.clues]
            return [Item(INVESTIGATION, max(clue.after - incident.investigated, 0.0), stop=True,
                         detail={"clue": clue.text})]
        tried.append(name)
        rule = rules.mitigations[name]
        duration = rule.duration(incident_dice.u(rule.purpose, lasts_at)) * slowdown(world, incident, t)
        works = name == "debug" or (rule.applies and incident_dice.u(rule.purpose, works_at) < rule.success)
        reason = "" if works else "did not help" if rule.applies else does_not_apply(world, name, incident)
        items.append(Item(MITIGATION, duration, name, works, reason, stop=not automatic, detail=rule.detail))
        t += duration
        if works:
            if automatic:
                items.append(resolution.confirmation(world, incident, second))
            return items
        if not automatic:
            return items


def until_resolved(env: simpy.Environment, world: World, incident: Incident, items: list[Item], tried: list[str],
                   second: bool = False) -> Generator:
    """Work `items`, then the next mitigation (or the confirmation once one has worked), until the incident is
    resolved. The automatic policy's items run to the end at once; a policy asked live chooses the next
    mitigation when the last one has failed, and how to confirm once one has worked (a person in a drill at
    each pause)."""
    while incident.state is not State.RESOLVED:
        if not items:
            if incident.restored is not None:
                yield from resolution.ask_confirmation(world, incident, second)
                items = [resolution.confirmation(world, incident, second)]
            else:
                if world.person_decides:
                    yield world.pause(incident, MITIGATE, offered=tuple(incident.rules.mitigations),
                                      tried=tuple(tried))
                items = plan(world, incident, env.now, tried, second)
        items = yield from work.run(env, world, incident, items)


def slowdown(world: World, incident: Incident, t: float) -> float:
    """How many times longer a mitigation starting at t takes: the hour of the Ops lead's day, one person
    holding both the Incident Commander and the Ops lead roles, and the practices (load, action items done)."""
    rules = world.rules
    factor = 1.0
    if rules.slower_by_hour and incident.responder is not None:
        factor = rules.slowdown[rules.oncall.period(incident.responder, t)]
    if not incident.abstract_roles and incident.commander is None and not world.trainee_commands:
        factor *= rules.ic_and_ops_slowdown  # (a trainee's drill: the trainee commands, the responder is Ops)
    if world.mitigation_varies:
        factor *= world.practice.mitigation_factor(incident, t)
    return factor


def does_not_apply(world: World, name: str, incident: Incident) -> str:
    """Why a mitigation cannot restore service for this failure's cause."""
    causes = world.rules.scenario.catalogue[name].applies_to or ()
    return f"{name} helps only with {' or '.join(causes)} failures; the cause was {incident.mode.cause}"


def work_alone(env: simpy.Environment, world: World, incident: Incident, first: list,
               answer: float) -> Generator[Any, Any, list[Item]]:
    """The alerted engineer works alone from `answer`: if service is not restored by the end, they declare.
    Returns the items left."""
    rules, u = world.rules.practice, incident.dice.u
    minutes = rules.alone_for(u(PRACTICE, dice.ALONE_FOR)) * slowdown(world, incident, answer)
    works = u(PRACTICE, dice.FIXES_ALONE) < rules.fixes_alone
    reason = "" if works else f"tried alone for {format_duration(minutes)} without restoring service"
    alone = Item(MITIGATION, minutes, "debug", works, reason, stop=True, detail=WORKED_ALONE)
    left = yield from work.run(env, world, incident, [*first, alone])
    if incident.restored is None:
        assert incident.responder is not None  # whoever worked alone declares
        incident.declared = env.now
        world.record(incident, "declared", world.roster.people[incident.responder].name)
    return left


# ── An automated rollback on an SLO burn alert (practices.rollback_on_slo_burn) ─────────────────────────────


def arm_rollback(world: World, incident: Incident) -> None:
    """When the SLO burn alert fires on a failure a deployment caused, an automated rollback starts; if it works
    it restores service, unless people have already."""
    from simulator.engine.detection import SLO_BURN, channel_time

    rollback = world.rules.practice.rollback
    assert rollback is not None  # armed only when the scenario automates rollbacks
    success, duration = rollback
    u = incident.dice.u
    fires = channel_time(incident, SLO_BURN, world.practice.detection[incident.rules.index])
    if math.isinf(fires) or u(PRACTICE, dice.AUTOMATED_ROLLBACK) >= success:
        return
    done = fires + duration(u(PRACTICE, dice.ROLLBACK_TAKES))
    if done < world.rules.horizon:
        Wait(world.env, done - world.env.now, WORK, incident.number).callbacks.append(
            lambda _event: _rolled_back(world, incident))


def _rolled_back(world: World, incident: Incident) -> None:
    if incident.restored is not None or incident.state in (State.RESOLVED, State.CLEANED_UP, State.CLOSED):
        return
    now = world.env.now
    working = incident.preemptible  # the process waits inside work.run: interrupt it
    chain, process = incident.chain, incident.process
    if working:
        assert chain is not None and process is not None  # it waits in work.run, on its chain
        chain.log_until(world, incident, now)
    incident.restored = now
    world.record(incident, "mitigated", AUTOMATION, AUTOMATED)
    if working and process is not None:
        process.interrupt(work.Restored())
