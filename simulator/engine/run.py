"""One replication: build the SimPy environment, play every incident until the horizon, return the log."""

from __future__ import annotations

from collections.abc import Callable

import simpy

from simulator.engine.cards import deal
from simulator.engine.incident import Drill, Incident, lifecycle
from simulator.engine.responders import on_call_pool
from simulator.events import Event
from simulator.policy import AutomaticPolicy, Policy
from simulator.scenario.model import Scenario

PolicyFactory = Callable[[Scenario], Policy]


def play(scenario: Scenario, seed: int, replication: int,
         policy: PolicyFactory = AutomaticPolicy) -> list[Event]:
    """The event log of replication `replication` of `scenario` under `seed`, in time order."""
    env = simpy.Environment()
    team = scenario.team
    drill = Drill(env=env, scenario=scenario, policy=policy(scenario), pool=on_call_pool(env, team.responders),
                  replication=replication, names=tuple(team.responder_name(i) for i in range(team.responders)))
    incidents = [Incident(number, card) for number, card in enumerate(deal(scenario, seed, replication), 1)]
    for incident in incidents:
        env.process(lifecycle(env, drill, incident))
    env.run(until=scenario.horizon)
    for incident in incidents:
        if incident.state != "closed" and incident.card.onset < scenario.horizon:
            drill.record(incident, "open_at_horizon", "system", {"state": incident.state})
    return drill.log
