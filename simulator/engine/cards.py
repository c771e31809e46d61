"""Incident cards: everything random about each incident of a replication, drawn up front in batches.

Before the clock starts, the failure history (onsets, modes, severities) and every random quantity an
incident might need (detection delays, acknowledgement delays, missed pages, each mitigation's duration and
outcome, confirmation and cleanup times) are drawn per failure mode in vector batches, each purpose from its
own stream. The number of draws never depends on the policy, so two policies played with the same seed meet
the same failures with the same dice: their difference is the policy's alone (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.distributions import _Distribution
from simulator.scenario.model import MITIGATIONS, FailureMode, Scenario
from simulator.streams import streams


@dataclass(slots=True)
class Card:
    """The dice already thrown for one incident; the engine reads them when the incident reaches each step."""

    onset: float
    mode: FailureMode
    severity: str
    detect_after: float
    channel: str
    declare_after: float
    acknowledge_after: float
    missed: bool
    secondary_after: float
    assemble_after: float
    mitigation_time: dict[str, float]
    mitigation_works: dict[str, bool]
    confirm_after: float
    cleanup_after: float
    postmortem_after: float


def onsets(dist: _Distribution, rng: np.random.Generator, horizon: float) -> np.ndarray:
    """Onset times of a renewal process with gaps from `dist`, up to (not including) the horizon."""
    mean = max(dist.mean, 1e-9)
    batch = int(horizon / mean * 1.1) + 16
    times = np.cumsum(dist.sample(rng, batch))
    while times[-1] < horizon:
        more = np.cumsum(dist.sample(rng, batch)) + times[-1]
        times = np.concatenate([times, more])
    return times[times < horizon]


def deal(scenario: Scenario, seed: int, replication: int) -> list[Card]:
    """The cards of one replication, in onset order."""
    rng = streams(seed, replication)
    policy, team = scenario.policy, scenario.team
    per_mode = []
    for mode in scenario.failure_modes:
        times = onsets(mode.interarrival, rng["arrivals"], scenario.horizon)
        n = len(times)
        levels, weights = zip(*mode.severities, strict=True)
        pick = np.searchsorted(np.cumsum(weights), rng["arrivals"].random(n), side="right")
        pick = np.minimum(pick, len(levels) - 1)  # guards against the cumulative sum rounding below 1
        severities = [levels[i] for i in pick]

        # Detection: every channel throws (fires?, delay); the earliest channel that fires wins.
        best = np.full(n, np.inf)
        winner = np.zeros(n, dtype=int)
        channels = mode.detection.channels()
        for index, (_, channel) in enumerate(channels):
            fires = rng["detection"].random(n) < channel.probability
            delay = np.where(fires, channel.delay.sample(rng["detection"], n), np.inf)
            better = delay < best
            best = np.where(better, delay, best)
            winner = np.where(better, index, winner)
        channel_names = [channels[i][0] for i in winner]

        missed = rng["response"].random(n) < team.miss_probability
        acknowledge = team.acknowledge.sample(rng["response"], n)
        secondary = team.secondary.acknowledge.sample(rng["response"], n)
        assemble = team.assemble.sample(rng["response"], n)

        times_by, works_by = {}, {}
        for name in MITIGATIONS:
            option = getattr(mode.mitigations, name)
            if option is None:
                continue
            success = getattr(option, "success", 1.0)
            applies = name != "rollback" or mode.cause == "deployment"
            works_by[name] = ((rng["mitigation"].random(n) < success) & applies).tolist()
            times_by[name] = option.duration.sample(rng["mitigation"], n).tolist()
        per_mode.append((mode, times.tolist(), severities, best.tolist(), channel_names, missed.tolist(),
                         acknowledge.tolist(), secondary.tolist(), assemble.tolist(), times_by, works_by))

    # Policy-wide quantities are drawn for all incidents of the replication in onset order.
    rows = [(onset, m, i) for m, entry in enumerate(per_mode) for i, onset in enumerate(entry[1])]
    rows.sort()
    total = len(rows)
    declare = policy.declare_after.sample(rng["decisions"], total).tolist()
    confirm = policy.confirm.sample(rng["resolution"], total).tolist()
    cleanup = policy.cleanup.sample(rng["resolution"], total).tolist()
    postmortem = policy.postmortem.within.sample(rng["resolution"], total).tolist()

    cards = []
    for k, (onset, m, i) in enumerate(rows):
        mode, _, sev, detect, chan, miss, ack, sec, asm, times_by, works_by = per_mode[m]
        cards.append(Card(
            onset=onset, mode=mode, severity=sev[i], detect_after=detect[i], channel=chan[i],
            declare_after=declare[k], acknowledge_after=ack[i], missed=miss[i], secondary_after=sec[i],
            assemble_after=asm[i],
            mitigation_time={name: values[i] for name, values in times_by.items()},
            mitigation_works={name: values[i] for name, values in works_by.items()},
            confirm_after=confirm[k], cleanup_after=cleanup[k], postmortem_after=postmortem[k],
        ))
    return cards
