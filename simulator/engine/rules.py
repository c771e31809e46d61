"""What the engine reads from a scenario, worked out once: inverse CDFs, thinning factors, levels and roles.

Nothing here is random: `Rules` turns the frozen scenario into plain numbers and functions that the engine
calls with an incident's uniforms (simulator.dice).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from simulator import dice
from simulator.calendar import Steps, merge, minus
from simulator.distributions import Quantile
from simulator.engine.oncall import OnCall
from simulator.scenario.model import CHANNELS, DEBUG, PUBLIC, FailureMode, Scenario, severity_rank
from simulator.scenario.practices import ALERT_CHANNELS
from simulator.scenario.team import PERIODS, Roles, for_period

dice.check_channels(CHANNELS)  # a channel added to the model without dice of its own fails here, at import


@dataclass(frozen=True, slots=True)
class ChannelRule:
    name: str
    index: int  # in CHANNELS
    fires: int  # the INCIDENT index of whether it fires (the next: its delay), dice.channel_fires
    alert: bool  # an alert (scenario.practices.ALERT_CHANNELS): action items on detection shorten it
    probability: float
    delay: Quantile  # a report channel's: times its reach factor at the mode's impact
    reach: Steps | None = None  # a report channel's factor by the users per hour at onset (None: 1)


def channel_rule(scenario: Scenario, mode: FailureMode, name: str, channel) -> ChannelRule:
    """A channel's rule. A report channel whose delay shrinks with its reach (ReportChannel.exponent > 0) has its
    delay multiplied by (reference impact ÷ the mode's impact) ** exponent here, and, when the scenario gives
    users per hour, by (reference users ÷ users at onset) ** exponent when an incident starts (`reach`)."""
    index = CHANNELS.index(name)
    fires, alert = dice.channel_fires(index, name), name in ALERT_CHANNELS
    quantile = channel.delay.quantile_function()
    exponent = getattr(channel, "exponent", 0.0)
    if not exponent:
        return ChannelRule(name, index, fires, alert, channel.probability, quantile)
    factor = channel.impact_factor(mode.share_failing)
    delay = quantile if factor == 1.0 else (lambda u, q=quantile, f=factor: q(u) * f)
    reach = None
    if scenario.users is not None:
        users = scenario.users.steps(scenario.calendar, scenario.horizon)
        reference = channel.reference_users or users.integral(0.0, scenario.horizon) / scenario.horizon
        reach = Steps(users.breaks, [(reference / value) ** exponent for value in users.values])
    return ChannelRule(name, index, fires, alert, channel.probability, delay, reach)


@dataclass(frozen=True, slots=True)
class MitigationRule:
    name: str
    purpose: dice.Purpose
    success: float
    applies: bool  # to this mode's cause
    duration: Quantile
    detail: dict  # {"mitigation": name}: the detail of its events, shared


class ModeRules:
    """One failure mode: its arrivals at the peak rate and their thinning, severities, channels, mitigations.

    A mode that deployments start draws deployments as its candidates (thinned by the allowed hours, freezes and
    windows), each failing with its change failure rate. A mode is `state_dependent` when its rate depends on what
    happens (deployments, action items, cleanup debt): its candidates are then decided when their time comes, against
    `accept(t)` times the state's factor over `debt_cap` (the most the state can raise it)."""

    __slots__ = ("accept", "batch", "cfr", "channels", "cumulative", "debt_cap", "debt_factor", "gap", "gap_mean",
                 "index", "levels", "mitigations", "mode", "only_with_debt", "order", "peak", "public", "ranks",
                 "state_dependent", "stream")

    def __init__(self, scenario: Scenario, index: int, mode: FailureMode):
        self.mode, self.index = mode, index
        self.stream = dice.mode_number(mode.name)  # its dice, wherever it stands in the file
        calendar, horizon = scenario.calendar, scenario.horizon
        factors = []
        deployments = mode.deployments
        if mode.profile:
            factors += _first_match([(rule.weekly, rule.factor) for rule in mode.profile], calendar, horizon)
        if deployments is not None:
            if deployments.allowed:  # the same deployments a week, in the allowed hours alone
                assert calendar is not None  # allowed hours are wall-clock hours: validation wants `start`
                allowed = merge(sorted(interval for hours in deployments.allowed
                                       for interval in hours.weekly.intervals(calendar, horizon)))
                share = sum(b - a for a, b in allowed) / horizon
                factors.append((allowed, 1.0 / share if share > 0 else 1.0))
                factors.append((minus([(0.0, horizon)], allowed), 0.0))
            factors += [(_dated(freeze.start, freeze.end, calendar, horizon), 0.0) for freeze in deployments.freezes]
        elif scenario.load is not None:
            factors += load_factors(scenario, scenario.load.failure_rate)
        for window in scenario.windows:
            if window.applies(mode) and window.factor != 1:
                factors.append((_dated(window.start, window.end, calendar, horizon), window.factor))
        cleanup, learning = scenario.practices.cleanup, scenario.practices.learning
        self.cfr = deployments.change_failure_rate if deployments is not None else 1.0
        self.only_with_debt = mode.only_with_debt
        self.debt_factor = cleanup.debt_factor if deployments is None and not mode.only_with_debt else 1.0
        self.debt_cap = cleanup.debt_cap if self.debt_factor > 1 else 1.0
        self.state_dependent = (deployments is not None or mode.only_with_debt or self.debt_factor > 1
                     or (learning.active and learning.improves.rate.share > 0))
        self.accept: Steps | None = None
        if mode.every is not None:
            self.peak = 1.0 / mode.every.mean
            self.gap = mode.every.quantile_function()
            self.gap_mean: float | None = None  # (exponential gaps only: see ModeDice.onsets)
        else:
            steps = Steps.product(factors, base=1.0) if factors else Steps.constant(1.0)
            top = steps.peak
            rate = deployments.rate if deployments is not None else mode.rate
            assert rate is not None  # a mode gives `rate` when it does not give `every`
            self.peak = rate * top * self.debt_cap
            self.gap = dice.exponential_gap(self.peak) if self.peak > 0 else None
            self.gap_mean = dice.gap_mean(self.peak) if self.peak > 0 else None
            if top > 0 and len(steps.values) > 1:
                self.accept = Steps(steps.breaks, [v / top for v in steps.values])
        expected = self.peak * horizon  # candidates a replication draws, on average: the first batch covers most
        self.batch = max(8, int(expected + 3 * expected**0.5) + 4)
        levels, weights = zip(*mode.severities, strict=True)
        self.levels = levels
        self.ranks = tuple(severity_rank(level) for level in levels)
        self.cumulative = list(accumulate(weights))
        self.channels = tuple(channel_rule(scenario, mode, name, channel)
                              for name, channel in mode.detection.channels() if name not in PUBLIC)
        public = mode.detection.social_media
        self.public = channel_rule(scenario, mode, "social_media", public) if public is not None else None
        """Social media, whose dice lie on the INCIDENT block's second page (detection.public_report)."""
        catalogue = scenario.catalogue
        self.mitigations = {name: MitigationRule(name, dice.mitigation(name), option.success,
                                                 name == DEBUG or catalogue[name].applies(mode.cause),
                                                 option.duration.quantile_function(), {"mitigation": name})
                            for name, option in mode.mitigations.items()}
        self.order = scenario.mitigation_order(mode)

    def severity(self, u: float) -> str:
        return self.levels[min(bisect_right(self.cumulative, u), len(self.levels) - 1)]


def _first_match(rules, calendar, horizon) -> list:
    """(stretches, factor) of weekly rules where the first rule that matches counts: later rules only where
    earlier ones don't."""
    factors: list[tuple[list, float]] = []
    covered: list[tuple[float, float]] = []
    for weekly, factor in rules:
        stretches = minus(weekly.intervals(calendar, horizon), covered)
        factors.append((stretches, factor))
        covered = sorted(covered + stretches)
    return factors


def _dated(start, end, calendar, horizon) -> list:
    a, b = max(calendar.minute(start), 0.0), min(calendar.minute(end), horizon)
    return [(a, b)] if b > a else []


def load_factors(scenario: Scenario, power: float) -> list:
    """(stretches, level ** power) of the scenario's load: its weekly levels (the first rule that matches counts)
    and its dated peaks."""
    load, calendar, horizon = scenario.load, scenario.calendar, scenario.horizon
    if power == 0 or load is None:
        return []
    factors = _first_match([(rule.weekly, rule.level**power) for rule in load.weekly], calendar, horizon)
    factors += [(_dated(peak.start, peak.end, calendar, horizon), peak.level**power) for peak in load.peaks]
    return factors


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
        self.ic_and_ops_slowdown = (team.roles or Roles()).ic_and_ops_slowdown
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
        calendar = scenario.calendar
        self.business: list[tuple[float, float]] | None = (
            None if calendar is None or not self.postmortem_severities
            else team.business_hours.weekly.intervals(calendar, scenario.horizon, scenario.timezone))
        """The team's business hours (scenario time zone) in simulated minutes, when the scenario has a wall clock
        and holds postmortems: when meetings are held (simulator.engine.learning)."""
        self.cadence = {severity_rank(s): every for s, every in policy.updates.every.items()}
        self.slip = policy.updates.slip.quantile_function()
        self.grace = policy.updates.grace
        from simulator.engine.practice import PracticeRules

        self.practiced = scenario.practiced
        """Whether the scenario uses practices (then every replication plays them)."""
        self.practice = PracticeRules(scenario, self)
        """What the practices need (simulator.engine.practice): played when `practiced`, or for a policy asked
        live (whose answers may call for them)."""
