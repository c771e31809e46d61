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

from simulator.collector import paused
from simulator.dice import ASSEMBLE, IncidentDice, ReplicationDice
from simulator.engine import arrivals, comms, detection, learning, mitigation, resolution, response, work
from simulator.engine.clock import Clock, begin, stop, unstarted
from simulator.engine.incident import Incident, State
from simulator.engine.policy import AutomaticPolicy, Policy
from simulator.engine.rules import Rules
from simulator.engine.world import ROLES, World, action_table
from simulator.events import Event
from simulator.scenario.model import Scenario, severity_rank

PolicyFactory = Callable[[Scenario], Policy]
_UPDATES_SENT = frozenset({State.FAILING, State.DETECTED, State.RESOLVED, State.CLEANED_UP, State.CLOSED})
"""States in which an incident has no stakeholder updates left to send at the horizon: not declared yet, or
stood down (which sent them)."""
Log = Any
"""Where the engine appends its events: anything with `append(record)`, a list by default."""


def lifecycle(env: simpy.Environment, world: World, incident: Incident) -> Generator:
    """The runbook, top to bottom: one path for every policy, with the practices in play (neutral when the
    scenario plays none: each of their steps then does nothing). Where a person decides (`world.person_decides`),
    the clock pauses at the decision (`World.pause`) and the policy answers what they chose."""
    alone = yield from detection.detect_and_declare(env, world, incident)
    if world.person_decides and not alone:  # a drill's stakeholders wait for each update as it falls due
        env.process(comms.live_updates(env, world, incident))
    page, pending = response.page(world, incident)
    if pending:
        assert page.certain is not None  # pending: the page's certain ring answers it
        answer = page.certain.answer_at
        first = [work.Item(work.ANSWER, answer - env.now, ring=page.certain)]
    else:
        yield from response.acknowledgement(env, world, incident, page)
        answer, first = env.now, []
    incident.preemptible = True
    if alone:  # the alerted engineer tries alone first, then declares
        first = yield from mitigation.work_alone(env, world, incident, first, answer)
        answer = env.now
        if world.person_decides and incident.restored is None:
            env.process(comms.live_updates(env, world, incident))
    tried: list[str] = []
    if incident.restored is not None:  # restored before anyone assembled (alone, or by automation): confirm
        items = first if world.person_decides else [*first, resolution.confirmation(world, incident)]
    elif not world.rules.practice.dedicated_roles:  # the responder holds every role: nobody assembles
        items = [*first, *response.hold_alone(world, incident)]
        if not world.person_decides:
            items += mitigation.plan(world, incident, answer, tried)
    else:
        assemble = work.Item(work.ASSEMBLE, world.rules.assemble(incident.dice.block[incident.dice.base + ASSEMBLE]))
        if world.rules.roles is not None or world.person_decides:  # who takes the roles depends on who is free
            assemble.stop = True                                     # once the team has assembled
            items = yield from work.run(env, world, incident, [*first, assemble])
            candidates = None
            if world.person_decides:
                candidates = response.role_candidates(world, incident)
                yield world.pause(incident, ROLES, candidates=candidates)
            response.assign_roles(world, incident, candidates)
        else:
            items = [*first, assemble, *mitigation.plan(world, incident, answer + assemble.remaining, tried)]
    yield from mitigation.until_resolved(env, world, incident, items, tried)
    resolution.stand_everyone_down(world, incident)
    cleaned = yield from resolution.after_resolution(env, world, incident, tried)
    yield from learning.learn(env, world, incident, cleaned)


def close(world: World, incidents: list[Incident], horizon: float) -> Log:
    """The end of a replication (or of a drill) at `horizon`: what the incidents still open had reached, and the
    log in time order."""
    for incident in incidents:
        if incident.state is State.CLOSED:
            continue
        if incident.onset >= horizon:  # nothing of it happened before the end, not even its onset: a failure
            continue                     # the Game Master injected at the very minute the drill stopped
        restored = incident.restored
        if incident.chain is not None:
            incident.chain.log_until(world, incident, horizon, inclusive=False)
            if restored is None:
                restored = incident.chain.restored_before(horizon)
        if not world.person_decides and incident.state not in _UPDATES_SENT:  # from the declaration until service is
            comms.send_updates(world, incident, horizon if restored is None else restored)  # restored, or now
        detail: dict[str, Any] = {"state": str(incident.state)}
        working = {world.roster.people[i].name: since for i, since in incident.since.items() if since < horizon}
        if working:  # who was still working on it: their load runs to the horizon
            detail["working"] = working
        world.record_at(horizon, incident, "open_at_horizon", "system", detail)
    if isinstance(world.log, list):  # in time order, and at one instant by incident (each in its own order)
        world.log.sort(key=itemgetter(0, 2))
    return world.log


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
            onsets = mode_dice.onsets(mode.gap, horizon, mode.batch, mode.gap_mean)
            if mode.state_dependent:
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
        any object with `append`, such as metrics.IncidentRows, which reduces them on the way.

        Python's cyclic garbage collector is paused while the replication plays (simulator.collector): its
        incidents, processes, people and world refer to one another until the replication ends. Once it ends
        they are garbage together, and the collector's next young pass frees them."""
        with paused():
            return self._play(seed, replication, log)

    def _play(self, seed: int, replication: int, log: Log | None) -> Log:
        env = Clock()
        policy = self._automatic or self.policy(self.scenario)
        log = [] if log is None else log
        if log is not self._log or isinstance(log, list):
            self._log, self._actions = log, action_table(log)
        world = World(env, self.rules, policy, replication, log, self._actions)
        if self.rules.practiced or not world.automatic:  # failures decided as their time comes
            incidents = arrivals.start(env, world, ReplicationDice(seed, replication), lifecycle)
        else:
            incidents = self.incidents(ReplicationDice(seed, replication))
            started = [unstarted(env, lifecycle(env, world, incident)) for incident in incidents]
            for incident, process in zip(incidents, started, strict=True):
                incident.process = process
            begin(started)  # what env.process would start at the clock's first step, in the same order
        horizon = self.rules.horizon
        env.run(until=horizon)
        log = close(world, incidents, horizon)
        stop(env, [incident.process for incident in incidents])
        world.stop()
        return log

    def let_go(self) -> None:
        """Forget the log played into last. It is kept from one replication to the next so that its action table
        is made once; once its replications are done (a chunk's), it is let go, so that it is freed then, with
        everything it holds, instead of living on, and being gone through by the garbage collector, until the
        engine plays into another."""
        self._log = self._actions = None

    def replications(self, seed: int, first: int, stop: int) -> Iterator[list]:
        """The logs of replications first..stop-1, in order."""
        for replication in range(first, stop):
            yield self.play(seed, replication)


def play(scenario: Scenario, seed: int, replication: int,
         policy: PolicyFactory = AutomaticPolicy) -> list[Event]:
    """The event log of replication `replication` of `scenario` under `seed`, in time order."""
    return list(map(Event._make, Engine(scenario, policy).play(seed, replication)))
