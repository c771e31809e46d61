"""What the engine reads from a scenario, worked out once: inverse CDFs, thinning factors, levels and roles.

Nothing here is random: `Rules` turns the frozen scenario into plain numbers and functions that the engine
calls with an incident's uniforms (simulator.dice).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from simulator import dice
from simulator.calendar import Steps
from simulator.distributions import Quantile
from simulator.oncall import OnCall
from simulator.scenario.model import CHANNELS, DEBUG, FailureMode, Scenario, severity_rank
from simulator.scenario.team import PERIODS, for_period


@dataclass(frozen=True, slots=True)
class ChannelRule:
    name: str
    index: int  # in CHANNELS: where its dice are
    probability: float
    delay: Quantile


@dataclass(frozen=True, slots=True)
class MitigationRule:
    name: str
    purpose: dice.Purpose
    success: float
    applies: bool  # to this mode's cause
    duration: Quantile
    detail: dict  # {"mitigation": name}: the detail of its events, shared


class ModeRules:
    """One failure mode: its arrivals at the peak rate and their thinning, severities, channels, mitigations."""

    __slots__ = ("accept", "batch", "channels", "cumulative", "gap", "index", "levels", "mitigations", "mode",
                 "order", "peak", "ranks", "stream")

    def __init__(self, scenario: Scenario, index: int, mode: FailureMode):
        self.mode, self.index = mode, index
        self.stream = dice.mode_number(mode.name)  # its dice, wherever it stands in the file
        calendar, horizon = scenario.calendar, scenario.horizon
        factors = []
        if mode.profile:
            covered: list = []
            for rule in mode.profile:  # the first rule that matches counts: later rules only where earlier don't
                stretches = _minus(rule.weekly.intervals(calendar, horizon), covered)
                factors.append((stretches, rule.factor))
                covered = sorted(covered + stretches)
        for window in scenario.windows:
            if window.applies(mode) and window.factor != 1:
                a, b = max(calendar.minute(window.start), 0.0), min(calendar.minute(window.end), horizon)
                factors.append(([(a, b)] if b > a else [], window.factor))
        self.accept: Steps | None = None
        if mode.every is not None:
            self.peak = 1.0 / mode.every.mean
            self.gap = mode.every.quantile_function()
        else:
            steps = Steps.product(factors, base=1.0) if factors else Steps.constant(1.0)
            top = steps.peak
            self.peak = mode.rate * top
            self.gap = dice.exponential_gap(self.peak) if self.peak > 0 else None
            if top > 0 and len(steps.values) > 1:
                self.accept = Steps(steps.breaks, [v / top for v in steps.values])
        expected = self.peak * horizon  # candidates a replication draws, on average: the first batch covers most
        self.batch = max(8, int(expected + 3 * expected**0.5) + 4)
        levels, weights = zip(*mode.severities, strict=True)
        self.levels = levels
        self.ranks = tuple(severity_rank(level) for level in levels)
        self.cumulative = list(accumulate(weights))
        self.channels = tuple(ChannelRule(name, CHANNELS.index(name), channel.probability,
                                          channel.delay.quantile_function())
                              for name, channel in mode.detection.channels())
        catalogue = scenario.catalogue
        self.mitigations = {name: MitigationRule(name, dice.mitigation(name), option.success,
                                                 name == DEBUG or catalogue[name].applies(mode.cause),
                                                 option.duration.quantile_function(), {"mitigation": name})
                            for name, option in mode.mitigations.items()}
        self.order = scenario.mitigation_order(mode)

    def severity(self, u: float) -> str:
        return self.levels[min(bisect_right(self.cumulative, u), len(self.levels) - 1)]


def _minus(intervals, taken):
    """The parts of sorted `intervals` outside the sorted, disjoint `taken`."""
    out = []
    for a, b in intervals:
        for x, y in taken:
            if y <= a or x >= b:
                continue
            if x > a:
                out.append((a, x))
            a = max(a, y)
            if a >= b:
                break
        if a < b:
            out.append((a, b))
    return out


class LevelRules:
    """One escalation level: how it notifies, its timeout, and its people's acknowledgement and misses."""

    __slots__ = ("acknowledge", "after", "miss", "notify", "rotates")

    def __init__(self, level, team, rotates: bool):
        self.notify = level.notify
        self.after = level.after if level.after is not None else team.escalate_after
        timed = level.acknowledge if level.acknowledge is not None else team.acknowledge
        self.acknowledge = {period: for_period(timed, period).quantile_function() for period in PERIODS}
        self.miss = level.miss_probability if level.miss_probability is not None else team.miss_probability
        self.rotates = rotates


class Rules:
    """Everything the engine reads from one scenario."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.horizon = scenario.horizon
        team, policy = scenario.team, scenario.policy
        self.modes = tuple(ModeRules(scenario, m, mode) for m, mode in enumerate(scenario.failure_modes))
        self.oncall = OnCall(scenario)
        self.levels = tuple(LevelRules(level, team, self.oncall.rotates(i)) for i, level in enumerate(team.levels))
        self.repeat = team.repeat
        preempt = team.preempt
        self.preempt_by = frozenset(severity_rank(s) for s in preempt.by) if preempt else frozenset()
        self.preempt_of = frozenset(severity_rank(s) for s in preempt.of) if preempt else frozenset()
        self.mobilise = frozenset(severity_rank(s) for s in team.mobilise)
        self.handover_at_shift_end = team.at_shift_end == "handover"
        self.handover = team.handover.quantile_function()
        self.roles = team.roles
        self.role_acknowledge = {period: for_period(team.acknowledge, period).quantile_function()
                                 for period in PERIODS}
        self.slowdown = {"business_hours": 1.0, "out_of_hours": team.mitigation_slowdown.out_of_hours,
                         "night": team.mitigation_slowdown.night}
        self.by_hour = self.oncall.calendar is not None
        self.slower_by_hour = self.by_hour and set(self.slowdown.values()) != {1.0}
        self.declare = policy.declare_after.quantile_function()
        self.assemble = team.assemble.quantile_function()
        self.confirm = policy.confirm.quantile_function()
        self.cleanup = policy.cleanup.quantile_function()
        self.postmortem = policy.postmortem.within.quantile_function()
        self.postmortem_severities = frozenset(policy.postmortem.severities)
        self.cadence = {severity_rank(s): every for s, every in policy.updates.every.items()}
        self.slip = policy.updates.slip.quantile_function()
        self.grace = policy.updates.grace
