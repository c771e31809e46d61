"""Incident cards: everything random about each incident of a replication, drawn up front in batches.

Before the clock starts, the failure history (onsets, modes, severities) and every random quantity an
incident might need (detection delays, acknowledgement delays, missed pages, each mitigation's duration and
outcome, confirmation and cleanup times) are drawn per failure mode in vector batches, each purpose from its
own stream. The number of draws never depends on the policy, so two policies played with the same seed meet
the same failures with the same dice: their difference is the policy's alone (common random numbers).

A `Deck` reads the scenario once (samplers, weights, channels, which mitigations apply) and then deals the
cards of any number of replications; `deal` is the one-replication shortcut. What is drawn, from which stream
and in which order is the contract: changing it changes every simulated history.

    per failure mode, in the scenario's order:
      arrivals    gaps in batches until the horizon, then one uniform per incident for its severity
      detection   per channel, in CHANNELS order: one uniform (fires?) and one delay per incident
      response    one uniform (page missed?), then acknowledge, secondary acknowledge, assemble delays
      mitigation  per offered mitigation, in MITIGATIONS order: one uniform (works?), then its duration
    then for all incidents of the replication, in onset order:
      decisions   declare delays
      resolution  confirm, cleanup and postmortem delays

A failure mode without incidents in a replication draws nothing beyond its gaps (draws of size zero would
take nothing from the streams either).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from math import inf

import numpy as np

from simulator.distributions import Constant, Exponential, Lognormal, _Distribution
from simulator.scenario.model import MITIGATIONS, FailureMode, Scenario
from simulator.streams import streams

Sampler = Callable[[np.random.Generator, int], np.ndarray]


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


def sampler(dist: _Distribution) -> Sampler:
    """`dist.sample` with its parameters worked out once: the same draws from the same stream, less overhead."""
    if type(dist) is Lognormal:
        mu, sigma = dist.log_mu, dist.log_sigma
        return lambda rng, size: rng.lognormal(mu, sigma, size)
    if type(dist) is Exponential:
        mean = dist.mean_
        return lambda rng, size: rng.exponential(mean, size)
    if type(dist) is Constant:
        value = dist.value
        return lambda rng, size: np.full(size, value)
    return dist.sample


def onsets(dist: _Distribution, rng: np.random.Generator, horizon: float, draw: Sampler | None = None) -> np.ndarray:
    """Onset times of a renewal process with gaps from `dist`, up to (not including) the horizon."""
    draw = draw or dist.sample
    mean = max(dist.mean, 1e-9)
    batch = int(horizon / mean * 1.1) + 16
    times = np.cumsum(draw(rng, batch))
    while times[-1] < horizon:
        more = np.cumsum(draw(rng, batch)) + times[-1]
        times = np.concatenate([times, more])
    return times[times < horizon]


class _ModeDeck:
    """What dealing one failure mode needs, read from the scenario once."""

    __slots__ = ("batch", "channels", "cumulative", "gaps", "levels", "mitigations", "mode", "names")

    def __init__(self, mode: FailureMode, horizon: float):
        self.mode = mode
        self.gaps = sampler(mode.interarrival)
        self.batch = int(horizon / max(mode.interarrival.mean, 1e-9) * 1.1) + 16
        levels, weights = zip(*mode.severities, strict=True)
        self.levels = levels
        self.cumulative = list(accumulate(weights))
        self.channels = [(name, channel.probability, sampler(channel.delay))
                         for name, channel in mode.detection.channels()]
        self.mitigations = []
        for name in MITIGATIONS:
            option = getattr(mode.mitigations, name)
            if option is not None:
                applies = name != "rollback" or mode.cause == "deployment"
                self.mitigations.append((name, getattr(option, "success", 1.0), applies, sampler(option.duration)))
        self.names = tuple(name for name, *_ in self.mitigations)

    def onsets(self, rng: np.random.Generator, horizon: float) -> list[float]:
        """As `onsets` does it (cumulative sums of batches of gaps, the same float operations), in lists."""
        draw, batch = self.gaps, self.batch
        times = list(accumulate(draw(rng, batch).tolist()))
        while times[-1] < horizon:
            last = times[-1]
            times.extend([t + last for t in accumulate(draw(rng, batch).tolist())])
        return [t for t in times if t < horizon]


class Deck:
    """Deals the cards of any replication of one scenario; the scenario is read once, here."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.horizon = scenario.horizon
        self.modes = [_ModeDeck(mode, scenario.horizon) for mode in scenario.failure_modes]
        team, policy = scenario.team, scenario.policy
        self.miss_probability = team.miss_probability
        self.acknowledge = sampler(team.acknowledge)
        self.secondary = sampler(team.secondary.acknowledge)
        self.assemble = sampler(team.assemble)
        self.declare = sampler(policy.declare_after)
        self.confirm = sampler(policy.confirm)
        self.cleanup = sampler(policy.cleanup)
        self.postmortem = sampler(policy.postmortem.within)

    def deal(self, rng: dict[str, np.random.Generator]) -> list[Card]:
        """The cards of one replication, in onset order, from that replication's streams."""
        arrivals, detection, response, mitigation = (rng["arrivals"], rng["detection"], rng["response"],
                                                     rng["mitigation"])
        horizon, miss = self.horizon, self.miss_probability
        per_mode: list = [None] * len(self.modes)
        rows = []
        for m, deck in enumerate(self.modes):
            times = deck.onsets(arrivals, horizon)
            n = len(times)
            if n == 0:  # draws of size zero consume nothing from a stream: skipping them changes no number
                continue
            levels, cumulative, last = deck.levels, deck.cumulative, len(deck.levels) - 1
            severities = [levels[min(bisect_right(cumulative, u), last)] for u in arrivals.random(n).tolist()]

            # Detection: every channel throws (fires?, delay); the earliest channel that fires wins.
            best = [inf] * n
            winner = [0] * n
            for index, (_, probability, delay) in enumerate(deck.channels):
                fires = detection.random(n).tolist()
                delays = delay(detection, n).tolist()
                for j in range(n):
                    if fires[j] < probability and delays[j] < best[j]:
                        best[j] = delays[j]
                        winner[j] = index
            channels = deck.channels
            channel_names = [channels[i][0] for i in winner]

            missed = [u < miss for u in response.random(n).tolist()]
            acknowledge = self.acknowledge(response, n).tolist()
            secondary = self.secondary(response, n).tolist()
            assemble = self.assemble(response, n).tolist()

            names = deck.names
            time_of = [{} for _ in range(n)]
            works_of = [{} for _ in range(n)]
            for name, success, applies, duration in deck.mitigations:
                for j, u in enumerate(mitigation.random(n).tolist()):
                    works_of[j][name] = u < success and applies
                for j, t in enumerate(duration(mitigation, n).tolist()):
                    time_of[j][name] = t
            per_mode[m] = (deck.mode, severities, best, channel_names, missed, acknowledge, secondary, assemble,
                           names, time_of, works_of)
            rows.extend(zip(times, [m] * n, range(n), strict=True))

        # Policy-wide quantities are drawn for all incidents of the replication in onset order.
        rows.sort()
        total = len(rows)
        declare = self.declare(rng["decisions"], total).tolist()
        resolution = rng["resolution"]
        confirm = self.confirm(resolution, total).tolist()
        cleanup = self.cleanup(resolution, total).tolist()
        postmortem = self.postmortem(resolution, total).tolist()

        cards = []
        append = cards.append
        for k, (onset, m, i) in enumerate(rows):
            mode, sev, detect, chan, missed, ack, sec, asm, _, time_of, works_of = per_mode[m]
            append(Card(onset, mode, sev[i], detect[i], chan[i], declare[k], ack[i], missed[i], sec[i], asm[i],
                        time_of[i], works_of[i], confirm[k], cleanup[k], postmortem[k]))
        return cards


def deal(scenario: Scenario, seed: int, replication: int) -> list[Card]:
    """The cards of one replication, in onset order."""
    return Deck(scenario).deal(streams(seed, replication))
