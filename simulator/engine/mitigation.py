"""Phase 2b, mitigation: try stop-gaps in the policy's order until one restores service.

A mitigation that fails (or does not apply to the cause, like a rollback of a failure no deployment caused)
still costs its time; the team then moves to the next option. Debugging live always works in the end. A
mitigation takes longer when the Ops lead must also be Incident Commander, and when it starts out of hours or
at night (`team.mitigation_slowdown`).
"""

from __future__ import annotations

from simulator.dice import CONFIRM as CONFIRM_DIE
from simulator.dice import INCIDENT
from simulator.engine.drill import INVESTIGATE, Drill
from simulator.engine.incident import Incident
from simulator.engine.work import CONFIRM, INVESTIGATION, MITIGATION, Item


def plan(drill: Drill, incident: Incident, start: float, tried: list[str], works_at: int = 0, lasts_at: int = 1,
         second: bool = False) -> list[Item]:
    """The mitigations to try from `start`: all of them until one that works (then the confirmation) for the
    automatic policy; for a policy asked live, only the next one (it chooses again when that one fails, and
    chooses how to confirm once one works). In a drill the person may investigate instead, until the next clue
    turns up. `works_at` and `lasts_at` are the indices of each mitigation's dice (a reopened incident's second
    try reads 4 and 5; `second`: its second confirmation)."""
    items, t = [], start
    dice, rules = incident.dice, incident.rules
    while True:
        name = drill.next_mitigation(incident, tuple(tried))
        if name == INVESTIGATE:
            clue = incident.mode.clues[incident.clues]
            return [Item(INVESTIGATION, max(clue.after - incident.investigated, 0.0), stop=True,
                         detail={"clue": clue.text})]
        tried.append(name)
        rule = rules.mitigations[name]
        duration = rule.duration(dice.u(rule.purpose, lasts_at)) * slowdown(drill, incident, t)
        works = name == "debug" or (rule.applies and dice.u(rule.purpose, works_at) < rule.success)
        reason = "" if works else "did not help" if rule.applies else does_not_apply(drill, name, incident)
        items.append(Item(MITIGATION, duration, name, works, reason, stop=not drill.automatic, detail=rule.detail))
        t += duration
        if works:
            if drill.automatic:
                items.append(Item(CONFIRM, drill.rules.confirm(dice.u(INCIDENT, CONFIRM_DIE)))
                             if drill.practice is None else drill.practice.confirm(drill, incident, second))
            return items
        if not drill.automatic:
            return items


def confirmation(drill: Drill, incident: Incident) -> Item:
    """The confirmation of restored service, for a policy asked once service is restored (how to confirm, with
    practices); a drill stops when it ends, to show it."""
    if drill.practice is None:
        return Item(CONFIRM, drill.rules.confirm(incident.dice.u(INCIDENT, CONFIRM_DIE)), stop=drill.live)
    return drill.practice.confirm(drill, incident)


def slowdown(drill: Drill, incident: Incident, t: float) -> float:
    """How many times longer a mitigation starting at t takes: the hour of the Ops lead's day, one person
    holding both the Incident Commander and the Ops lead roles, and the practices (load, action items done)."""
    rules = drill.rules
    factor = 1.0
    if rules.slower_by_hour and incident.responder is not None:
        factor = rules.slowdown[rules.oncall.period(incident.responder, t)]
    if not incident.abstract_roles and incident.commander is None:
        factor *= rules.ic_and_ops_slowdown
    if drill.practice is not None:
        factor *= drill.practice.mitigation_factor(incident, t)
    return factor


def does_not_apply(drill: Drill, name: str, incident: Incident) -> str:
    """Why a mitigation cannot restore service for this failure's cause."""
    causes = drill.rules.scenario.catalogue[name].applies_to or ()
    return f"{name} helps only with {' or '.join(causes)} failures; the cause was {incident.mode.cause}"
