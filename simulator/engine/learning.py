"""Phase 4, learning & improvement: a blameless postmortem for the severities the policy names, held in the
team's business hours (a meeting: one that would fall at night or on a weekend is held when the next working day
opens), and its action items: each one done (with its chance, `lag` after the postmortem) improves the
incident's failure mode from then on (simulator.engine.practice: its rate, detection or mitigation)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Generator
from math import inf

import simpy

from simulator import dice
from simulator.dice import ACTION, INCIDENT
from simulator.engine.clock import WORK, Wait
from simulator.engine.incident import Incident
from simulator.engine.world import ITEMS, World

_SEVERITY = {level: {"severity": level} for level in ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")}
"""The detail of a postmortem event without action items (shared: nothing changes a detail once logged)."""


def learn(env: simpy.Environment, world: World, incident: Incident, cleaned: float) -> Generator:
    """Hold the postmortem after the planned cleanup (or skip it for a severity the policy leaves out), logged at
    its own time when that is before the horizon; a policy asked decides its action items when it is held."""
    rules, horizon = world.rules, world.rules.horizon
    if incident.severity not in rules.postmortem_severities:
        if cleaned < horizon:
            world.record_at(cleaned, incident, "postmortem_skipped", "Incident Commander", _SEVERITY[incident.severity])
        return
    held = in_business_hours(rules.business, cleaned + rules.postmortem(incident.dice.u(INCIDENT, dice.POSTMORTEM)))
    if held >= horizon:
        return
    practice = rules.practice
    count = practice.action_items
    if world.practices_asked:  # the postmortem decides its action items when it is held
        yield Wait(env, held - env.now, WORK, incident.number)
        if world.person_decides:
            yield world.pause(incident, ITEMS, drawn=count)
        count = world.action_items(incident, count)
    detail = {"severity": incident.severity, "action_items": count} if count else _SEVERITY[incident.severity]
    world.record_at(held, incident, "postmortem_held", "Incident Commander", detail)
    state, u = world.practice, incident.dice.u
    for j in range(count):
        if u(ACTION, dice.action_item(j, dice.ITEM_DONE)) >= practice.done:
            continue
        which = u(ACTION, dice.action_item(j, dice.ITEM_KIND))
        kind = practice.kinds[min(bisect_right(practice.kind_cumulative, which), len(practice.kinds) - 1)]
        state.at(held + practice.lag(u(ACTION, dice.action_item(j, dice.ITEM_LAG))),
                 lambda kind=kind: state.improve(incident, kind), incident.number)


def in_business_hours(business: list[tuple[float, float]] | None, t: float) -> float:
    """The first minute at or after `t` within the team's business hours (`business`: their stretches; None, a
    scenario without a wall clock: `t` itself; infinity when none is left before the horizon)."""
    if business is None:
        return t
    i = bisect_right(business, (t, inf)) - 1
    if i >= 0 and business[i][0] <= t < business[i][1]:
        return t
    return business[i + 1][0] if i + 1 < len(business) else inf
