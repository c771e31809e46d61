"""Replications: build the SimPy environment, play every incident until the horizon, return the log.

`Engine` reads a scenario once (the deck that deals the cards, the responders' names, the policy's fixed
answers) and then plays any number of replications; `play` is the one-replication shortcut. Inside a
replication the log is a list of plain tuples in the field order of `Event`; `play` returns `Event`s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import simpy

from simulator.engine.cards import Deck
from simulator.engine.incident import Drill, Incident, Record, Rules, lifecycle
from simulator.engine.responders import on_call_pool
from simulator.events import Event
from simulator.policy import AutomaticPolicy, Policy
from simulator.scenario.model import Scenario
from simulator.streams import Streams, streams

PolicyFactory = Callable[[Scenario], Policy]
Log = Any
"""Where the engine appends its events: anything with `append(record)`, a list by default."""


class Engine:
    """Plays replications of one scenario under one policy."""

    def __init__(self, scenario: Scenario, policy: PolicyFactory = AutomaticPolicy):
        self.scenario = scenario
        self.policy = policy
        self.deck = Deck(scenario)
        team = scenario.team
        self.responders = team.responders
        self.names = tuple(team.responder_name(i) for i in range(team.responders))
        self._rules: Rules | None = None

    def play(self, rng: dict[str, np.random.Generator], replication: int, log: Log | None = None) -> Log:
        """The log of one replication, in time order, drawn from that replication's streams `rng`.

        Events are appended to `log` as they happen: a new list by default, or any object with `append`, such
        as metrics.IncidentRows, which reduces them to incident rows on the way and keeps nothing else."""
        scenario, horizon = self.scenario, self.scenario.horizon
        env = simpy.Environment()
        policy = self.policy(scenario)
        rules = self._rules
        if rules is None or type(policy) is not AutomaticPolicy:
            rules = Rules(scenario, policy)
            if type(policy) is AutomaticPolicy:
                self._rules = rules  # its answers depend on the scenario alone: work them out once
        drill = Drill(env, scenario, policy, on_call_pool(env, self.responders), replication, self.names,
                      [] if log is None else log, rules)
        incidents = [Incident(number, card) for number, card in enumerate(self.deck.deal(rng), 1)]
        process = env.process
        for incident in incidents:
            process(lifecycle(env, drill, incident))
        env.run(until=horizon)
        for incident in incidents:
            if incident.state != "closed" and incident.card.onset < horizon:
                drill.record(incident, "open_at_horizon", "system", {"state": incident.state})
        return drill.log

    def replications(self, seed: int, first: int, stop: int) -> Iterator[list[Record]]:
        """The logs of replications first..stop-1, in order."""
        rng = Streams(seed)
        for replication in range(first, stop):
            yield self.play(rng.at(replication), replication)


def play(scenario: Scenario, seed: int, replication: int,
         policy: PolicyFactory = AutomaticPolicy) -> list[Event]:
    """The event log of replication `replication` of `scenario` under `seed`, in time order."""
    return list(map(Event._make, Engine(scenario, policy).play(streams(seed, replication), replication)))
