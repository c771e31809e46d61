"""Replications: build the SimPy environment, play every incident until the horizon, return the log.

`Engine` reads a scenario once (`Rules`) and then plays any number of replications; `play` is the
one-replication shortcut. Inside a replication the log is a list of plain tuples in the field order of
`Event`, sorted when the replication ends by time, then incident (an incident's events at one instant keep
the order they happened in); `play` returns `Event`s.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from operator import itemgetter
from typing import Any

import simpy

from simulator.dice import ASSEMBLE, IncidentDice, ReplicationDice
from simulator.engine import arrivals, comms, detection, learning, mitigation, resolution, response, work
from simulator.engine import practice as practice_steps
from simulator.engine.drill import CONFIRM, MITIGATE, ROLES, Drill, action_table
from simulator.engine.incident import Incident, State
from simulator.engine.policy import AutomaticPolicy, Policy
from simulator.engine.rules import Rules
from simulator.events import Event
from simulator.scenario.model import Scenario, severity_rank

PolicyFactory = Callable[[Scenario], Policy]
_UPDATES_SENT = frozenset({State.FAILING, State.DETECTED, State.RESOLVED, State.CLEANED_UP, State.CLOSED})
"""States in which an incident has no stakeholder updates left to send at the horizon: not declared yet, or
stood down (which sent them)."""
Log = Any
"""Where the engine appends its events: anything with `append(record)`, a list by default."""


def lifecycle(env: simpy.Environment, drill: Drill, incident: Incident) -> Generator:
    """The runbook, top to bottom. `drill.practice` (simulator.engine.practice) is the practices in play, or None
    when the scenario uses none and the policy is automatic."""
    practice = drill.practice
    alone = yield from detection.detect_and_declare(env, drill, incident)
    if drill.live and not alone:  # a drill's stakeholders wait for each update as it falls due
        env.process(comms.live_updates(env, drill, incident))
    page, pending = response.page(drill, incident)
    if pending:
        answer = page.certain.answer_at
        first = [work.Item(work.ANSWER, answer - env._now, ring=page.certain)]
    else:
        yield from response.acknowledgement(env, drill, incident, page)
        answer, first = env._now, []
    incident.preemptible = True
    if alone:  # the alerted engineer tries alone first, then declares (simulator.engine.practice)
        first = yield from practice_steps.work_alone(env, drill, incident, first, answer)
        answer = env._now
        if drill.live and incident.restored is None:
            env.process(comms.live_updates(env, drill, incident))
    assemble = work.Item(work.ASSEMBLE, drill.rules.assemble(incident.dice.block[incident.dice.base + ASSEMBLE]))
    tried: list[str] = []
    if practice is not None and (incident.restored is not None or not drill.rules.practice.dedicated_roles):
        items = practice_steps.plan(drill, incident, answer, first, tried)
    elif drill.rules.roles is not None or drill.live:  # who takes the roles depends on who is free once the
        assemble.stop = True                             # team has assembled
        items = yield from work.run(env, drill, incident, [*first, assemble])
        candidates = None
        if drill.live:
            candidates = response.role_candidates(drill, incident)
            yield drill.pause(incident, ROLES, candidates=candidates)
        response.assign_roles(drill, incident, candidates)
    else:
        items = [*first, assemble, *mitigation.plan(drill, incident, answer + assemble.remaining, tried)]
    while incident.state is not State.RESOLVED:
        if not items:  # a policy asked live chooses the next mitigation when the last one has failed, and how to
            if incident.restored is not None:  # confirm once one has worked
                if drill.live and practice is not None:
                    yield drill.pause(incident, CONFIRM, drawn=practice_steps.by_data(drill, incident))
                items = [mitigation.confirmation(drill, incident)]
            else:
                if drill.live:
                    yield drill.pause(incident, MITIGATE, offered=tuple(incident.rules.mitigations),
                                      tried=tuple(tried))
                items = mitigation.plan(drill, incident, env._now, tried)
        items = yield from work.run(env, drill, incident, items)
    resolution.stand_everyone_down(drill, incident)
    if practice is None:
        learning.learn(drill, incident, resolution.clean_up(drill, incident))
    else:
        yield from practice_steps.after_resolution(env, drill, incident, tried)


def close(drill: Drill, incidents: list[Incident], horizon: float) -> Log:
    """The end of a replication (or of a drill) at `horizon`: what the incidents still open had reached, and the
    log in time order."""
    for incident in incidents:
        if incident.state is State.CLOSED:
            continue
        restored = incident.restored
        if incident.chain is not None:
            incident.chain.log_until(drill, incident, horizon, inclusive=False)
            if restored is None:
                restored = incident.chain.restored_before(horizon)
        if not drill.live and incident.state not in _UPDATES_SENT:  # from the declaration until service is
            comms.send_updates(drill, incident, horizon if restored is None else restored)  # restored, or now
        detail = {"state": str(incident.state)}
        working = {drill.roster.people[i].name: since for i, since in incident.since.items() if since < horizon}
        if working:  # who was still working on it: their load runs to the horizon
            detail["working"] = working
        drill.record_at(horizon, incident, "open_at_horizon", "system", detail)
    if isinstance(drill.log, list):  # in time order, and at one instant by incident (each in its own order)
        drill.log.sort(key=itemgetter(0, 2))
    return drill.log


class Engine:
    """Plays replications of one scenario under one policy."""

    def __init__(self, scenario: Scenario, policy: PolicyFactory = AutomaticPolicy):
        self.scenario = scenario
        self.policy = policy
        self.rules = Rules(scenario)
        self._automatic = AutomaticPolicy(scenario) if policy is AutomaticPolicy else None
        """The automatic policy answers from the scenario alone: one serves every replication."""
        self._log: Any = None
        self._actions: dict | None = None  # the action table of the last log played into, kept for the next

    def incidents(self, dice: ReplicationDice) -> list[Incident]:
        """The replication's incidents in onset order: each mode's candidate onsets at its peak rate, thinned by
        its rate at that time, with their severities. A mode whose rate changes with the world's state (a
        scenario with practices, which Engine.play starts with simulator.engine.arrivals) is thinned here at the
        world's first state: no action item done, no fix left in place."""
        found = []
        horizon = self.rules.horizon
        for mode in self.rules.modes:
            if mode.gap is None or mode.only_with_debt:
                continue
            mode_dice = dice.mode(mode.stream)
            accept = mode.accept
            onsets = mode_dice.onsets(mode.gap, horizon, mode.batch)
            if mode.live:
                found += arrivals.at_first(mode, mode_dice, onsets, self.rules.practice)
                continue
            for k, (onset, u_accept, u_severity) in enumerate(onsets):
                if accept is not None and u_accept >= accept(onset):
                    continue
                found.append((onset, mode.index, k, mode_dice, u_severity))
        found.sort(key=itemgetter(0, 1, 2))
        out = []
        modes = self.rules.modes
        for number, (onset, m, k, mode_dice, u_severity) in enumerate(found, 1):
            rules = modes[m]
            severity = rules.severity(u_severity)
            out.append(Incident(number, onset, rules, severity, severity_rank(severity), IncidentDice(mode_dice, k)))
        return out

    def play(self, seed: int, replication: int, log: Log | None = None) -> Log:
        """The log of one replication, drawn from the dice of (seed, replication).

        Events are appended to `log` as they are known: a new list by default (sorted by time at the end), or
        any object with `append`, such as metrics.IncidentRows, which reduces them on the way."""
        env = simpy.Environment()
        policy = self._automatic or self.policy(self.scenario)
        log = [] if log is None else log
        if log is not self._log or isinstance(log, list):
            self._log, self._actions = log, action_table(log)
        drill = Drill(env, self.rules, policy, replication, log, self._actions)
        if self.rules.practiced or not drill.automatic:
            drill.practice = practice_steps.PracticeState(drill)
            incidents = arrivals.start(env, drill, ReplicationDice(seed, replication), lifecycle)
        else:
            incidents = self.incidents(ReplicationDice(seed, replication))
            process = env.process
            for incident in incidents:
                incident.process = process(lifecycle(env, drill, incident))
        horizon = self.rules.horizon
        env.run(until=horizon)
        return close(drill, incidents, horizon)

    def replications(self, seed: int, first: int, stop: int) -> Iterator[list]:
        """The logs of replications first..stop-1, in order."""
        for replication in range(first, stop):
            yield self.play(seed, replication)


def play(scenario: Scenario, seed: int, replication: int,
         policy: PolicyFactory = AutomaticPolicy) -> list[Event]:
    """The event log of replication `replication` of `scenario` under `seed`, in time order."""
    return list(map(Event._make, Engine(scenario, policy).play(seed, replication)))
