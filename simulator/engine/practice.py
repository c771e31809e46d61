"""The practices in play (scenario.practices): how the team's way of working changes each phase, and how what it
learns changes the world while the clock runs.

The lifecycle (simulator.engine.run) calls in here at a few points when the scenario uses practices, or when a
policy is asked live (its answers may call for them); otherwise none of this runs.

    detection    an emailed alert waits to be noticed; the declaration is automated, or the alerted engineer
                 first works alone (`alone`), or someone declares; finding whom to call delays the page
    response     without dedicated roles the responder holds every role; mitigations take longer under load
                 and shorter once action items have improved them; an automated rollback on an SLO burn alert
                 may restore service while people are still at work
    resolution   confirmed with data or on anecdote (which may reopen the incident); temporary fixes cleaned
                 up on time, late or never (then a fix left in place raises its mode's rate)
    learning     the postmortem writes action items; each one done changes its mode's rate, detection or
                 mitigation for the incidents after it

`PracticeRules` is what the scenario says (plain numbers, worked out once); `PracticeState` is one
replication's world as it changes (rates, detection and mitigation factors, fixes left in place).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING

import simpy

from simulator import dice
from simulator.calendar import Calendar, Steps, parse_handoff
from simulator.dice import ACTION, INCIDENT, PRACTICE
from simulator.engine import mitigation, response, work
from simulator.engine.chain import Chain
from simulator.engine.clock import DECLARE, ONSET, WORK, At, Wait
from simulator.engine.drill import CLEANUP, CONFIRM, ITEMS, MITIGATE
from simulator.engine.incident import Incident, State
from simulator.engine.rules import public_report
from simulator.scenario.model import CHANNELS, Scenario
from simulator.scenario.practices import ALERT_CHANNELS
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.engine.drill import Drill
    from simulator.engine.rules import Rules

_ALERTS = frozenset(CHANNELS.index(name) for name in ALERT_CHANNELS)
_SLO_BURN, _CUSTOMER = CHANNELS.index("slo_burn"), CHANNELS.index("customer_report")
WORKED_ALONE = {"mitigation": "debug", "alone": True}
AUTOMATED = {"mitigation": "rollback", "automated": True}
AUTOMATION = "automation"
HELD_ALONE = {"roles": "Incident Commander, Ops lead, Comms lead", "combined": True}
BY_ANECDOTE = {"by": "anecdote"}
"""Details shared by every event that has them (nothing changes a detail once it is logged)."""


@dataclass(frozen=True, slots=True)
class Injected:
    """A failure started on purpose: when, which mode, with which dice, and its name."""

    name: str
    at: float | None  # minutes; None: a moment drawn within `peak`
    peak: tuple[float, float] | None
    mode: int
    stream: int
    severity: str | None


class PracticeRules:
    """What the scenario's practices, load and chaos say, as plain numbers and inverse CDFs."""

    def __init__(self, scenario: Scenario, rules: Rules):
        from simulator.engine.rules import load_factors

        practices = scenario.practices
        self.email = practices.alerts == "email"
        self.noticed = practices.email_noticed.quantile_function()
        self.who_to_call = practices.on_call == "who-to-call"
        self.calling = practices.who_to_call.quantile_function()
        self.dedicated_roles = practices.dedicated_roles
        declaration = practices.declaration
        self.alone_first = declaration.alone_first
        self.alone_for = declaration.alone_for.quantile_function()
        self.fixes_alone = declaration.fixes_alone
        automated = declaration.automated
        self.automated = (automated.success, automated.duration.quantile_function()) if automated else None
        confirmation = practices.confirmation
        self.anecdote = confirmation.anecdote
        self.anecdote_takes = confirmation.anecdote_takes.quantile_function()
        self.reopen = confirmation.reopen
        self.reopen_after = confirmation.reopen_after.quantile_function()
        cleanup = practices.cleanup
        self.skip, self.late = cleanup.skip, cleanup.late
        self.late_by = cleanup.late_by.quantile_function()
        learning = practices.learning
        self.action_items = learning.action_items if learning.active else 0
        self.done = learning.done
        self.lag = learning.lag.quantile_function()
        kinds = learning.improves.kinds()
        total = sum(improvement.share for _, improvement in kinds)
        self.kinds = tuple(name for name, _ in kinds)
        self.kind_cumulative = list(accumulate(improvement.share / total for _, improvement in kinds))
        self.improvement = {name: (improvement.factor, improvement.floor) for name, improvement in kinds}
        rollback = practices.rollback_on_slo_burn
        self.rollback = (rollback.success, rollback.duration.quantile_function()) if rollback else None
        self.load_failure = self.load_mitigation = None
        if scenario.load is not None:
            self.load_failure = _steps(load_factors(scenario, scenario.load.failure_rate))
            self.load_mitigation = _steps(load_factors(scenario, scenario.load.mitigation))
        self.injected = _injections(scenario, rules)


def _steps(factors) -> Steps | None:
    return Steps.product(factors, base=1.0) if factors else None


def _injections(scenario: Scenario, rules: Rules) -> tuple[Injected, ...]:
    """Every failure the chaos section starts on purpose, in the file's order then the game days'."""
    names = {mode.name: m for m, mode in enumerate(scenario.failure_modes)}
    calendar, horizon = scenario.calendar, scenario.horizon
    peaks = {peak.name: peak for peak in scenario.load.peaks} if scenario.load is not None else {}
    out = []
    for i, injection in enumerate(scenario.chaos.injections):
        name = injection.name or f"drill {i + 1}"
        if injection.at is not None:
            at, peak = calendar.minute(injection.at), None
        else:
            found = peaks[injection.during]
            at, peak = None, (max(calendar.minute(found.start), 0.0), min(calendar.minute(found.end), horizon))
            if peak[1] <= peak[0]:
                continue  # the peak falls outside the simulated period
        out.append(Injected(name, at, peak, names[injection.mode], dice.injection_stream("injection", i),
                            injection.severity))
    game_days = scenario.chaos.game_days
    if game_days is not None:
        modes = [names[name] for name in game_days.modes or names]
        clock = calendar or Calendar(datetime(2024, 1, 1), "UTC")  # without a clock, minute 0 is a Monday, 00:00
        for j, minute in enumerate(_game_days(clock, game_days.at, game_days.every, horizon)):
            out.append(Injected(f"game day {j + 1}", minute, None, modes[j % len(modes)],
                                dice.injection_stream("game day", j), None))
    return tuple(out)


def _game_days(calendar, at: str, every: float, horizon: float) -> list[float]:
    """The minutes of the game days: the first weekday and time `at` from minute 0 on, then every `every`."""
    day, minute_of_day = parse_handoff(at)
    start = calendar.at(0)
    first = datetime(start.year, start.month, start.day) + timedelta(minutes=minute_of_day)
    while calendar.minute(first) < 0 or (day is not None and first.weekday() != day):
        first += timedelta(days=1)
    out, t = [], calendar.minute(first)
    while t < horizon:
        out.append(t)
        t += every
    return out


class PracticeState:
    """One replication's world as the practices change it: per failure mode, the factors that completed action
    items put on its rate, detection and mitigation, and the temporary fixes of it left in place."""

    __slots__ = ("detection", "drill", "drills", "fixes", "left", "mitigation", "rate", "reopening", "rules")

    def __init__(self, drill: Drill):
        self.drill = drill
        self.rules = drill.rules.practice
        count = len(drill.rules.modes)
        self.rate = [1.0] * count
        self.detection = [1.0] * count
        self.mitigation = [1.0] * count
        self.fixes = [0] * count
        self.left = 0  # fixes left in place, all modes
        self.drills: dict[int, str] = {}  # incident number → the name of the drill that started it on purpose
        self.reopening: set[int] = set()  # incidents resolved on anecdote that will prove wrong

    # ── Phase 1 ──

    def begin(self, incident: Incident, chain: Chain) -> tuple[str, float]:
        """A failure starts: a drill is labelled, an automated rollback is armed. Returns the channel that
        detects it and its delay (alerts sooner for the action items done on its mode)."""
        name = self.drills.get(incident.number)
        if name is not None:
            chain.add(incident.onset, "injected", "game master", {"drill": name})
        if self.rules.rollback is not None and incident.mode.cause == "deployment":
            _arm_rollback(self.drill, incident)
        channel, delay, _ = first_channel(incident, self.detection[incident.rules.index])
        return channel, delay

    def noticed(self, incident: Incident, channel: str, detected: float) -> tuple[float, float | None]:
        """When people notice the alert (an emailed one waits; a customer report reaches them anyway), and when
        automation declares the incident (None when it does not: no automation, not an alert, or it failed)."""
        rules, u = self.rules, incident.dice.u
        alert = channel in ALERT_CHANNELS
        automated = rules.automated
        if automated is not None and alert and u(PRACTICE, dice.AUTOMATED_DECLARATION) < automated[0]:
            return detected, detected + automated[1](u(PRACTICE, dice.AUTOMATED_DECLARATION + 1))
        if rules.email and alert:
            return min(detected + rules.noticed(u(PRACTICE, dice.NOTICED)), _customer_report(incident)), None
        return detected, None

    def alone(self, incident: Incident) -> bool:
        """The scenario's throw: does the alerted engineer try alone first?"""
        return incident.dice.u(PRACTICE, dice.ALONE) < self.rules.alone_first

    def page_when_called(self, env: simpy.Environment, drill: Drill, incident: Incident, declared: float) -> Generator:
        """Declared at `declared`: the page goes out once someone has worked out whom to call."""
        rules = self.rules
        paged = declared + (rules.calling(incident.dice.u(PRACTICE, dice.WHO_TO_CALL)) if rules.who_to_call else 0.0)
        if paged > env._now:
            yield Wait(env, paged - env._now, DECLARE, incident.number)
        if incident.chain is not None:
            incident.chain.log_until(drill, incident, env._now)
        incident.chain = None
        incident.declared = declared

    # ── Rates, as the arrivals read them ──

    def acceptance(self, mode, t: float) -> float:
        """The chance that a candidate of a live `mode` at `t` is a failure (given its time factor of 1)."""
        m = mode.index
        factor = self.rate[m]
        if mode.only_with_debt:
            return factor if self.left else 0.0
        if mode.debt_factor > 1 and self.fixes[m]:
            factor *= min(mode.debt_cap, mode.debt_factor ** self.fixes[m])
        return factor / mode.debt_cap

    def deployment_fails(self, mode, t: float) -> float:
        """The chance that a deployment of `mode` at `t` fails."""
        chance = mode.cfr * self.rate[mode.index]
        if self.rules.load_failure is not None:
            chance *= self.rules.load_failure(t)
        return min(chance, 1.0)

    def confirm(self, drill: Drill, incident: Incident, second: bool = False) -> work.Item:
        item = confirmation(drill, incident, second)
        item.stop = drill.live  # a drill stops when health is confirmed, to show it
        return item

    def restored_from_outside(self, drill: Drill, incident: Incident, items: list) -> list:
        return restored_from_outside(drill, incident, items)

    def mitigation_factor(self, incident: Incident, t: float) -> float:
        """How many times longer a mitigation of `incident` starting at `t` takes: the load then, and what the
        action items done so far have shortened."""
        factor = self.mitigation[incident.rules.index]
        if self.rules.load_mitigation is not None:
            factor *= self.rules.load_mitigation(t)
        return factor

    # ── Changes while the clock runs ──

    def at(self, time: float, change, number: int) -> None:
        """Call `change()` at `time` (if before the horizon)."""
        drill = self.drill
        if time < drill.rules.horizon:  # at `time` exactly, however long before it was known (a drill's postmortem
            At(drill.env, time, ONSET, number).callbacks.append(lambda _event: change())  # decides it later)

    def improve(self, incident: Incident, kind: str) -> None:
        """A completed action item of `kind` improves the incident's failure mode."""
        factor, floor = self.rules.improvement[kind]
        values = getattr(self, kind)
        m = incident.rules.index
        values[m] = max(floor, values[m] * factor)
        self.drill.record(incident, "action_item_done", "Ops lead", {"improves": kind, "mode": incident.mode.name})

    def leave_fix(self, m: int, until: float, number: int) -> None:
        """A temporary fix of mode m stays in place from now until `until` (inf: for good)."""
        self.fixes[m] += 1
        self.left += 1
        if until < self.drill.rules.horizon:
            self.at(until, lambda: self._remove(m), number)

    def _remove(self, m: int) -> None:
        self.fixes[m] -= 1
        self.left -= 1


# ── Phase 1: detection and declaration (simulator.engine.detection calls these) ─────────────────────────────


def first_channel(incident: Incident, factor: float) -> tuple[str, float, int]:
    """The channel that detects the failure, its delay and its index: alerts' delays times `factor` (what
    action items have done for detection)."""
    best, name, found = math.inf, "", -1
    block, base = incident.dice.block, incident.dice.base + dice.DETECTION
    for channel in incident.rules.channels:
        at = base + 2 * channel.index
        if block[at] < channel.probability:
            delay = channel.delay(block[at + 1])
            if channel.reach is not None:
                delay *= channel.reach(incident.onset)
            if channel.index in _ALERTS:
                delay *= factor
            if delay < best:
                best, name, found = delay, channel.name, channel.index
    if incident.rules.public is not None and public_report(incident) < best:
        best, name, found = public_report(incident), "social_media", incident.rules.public.index
    return name, best, found


def _channel_time(incident: Incident, index: int, factor: float = 1.0) -> float:
    """When channel `index` fires for the incident (inf if it does not, or the mode has no such channel)."""
    block, base = incident.dice.block, incident.dice.base + dice.DETECTION
    for channel in incident.rules.channels:
        if channel.index == index:
            at = base + 2 * index
            if block[at] < channel.probability:
                reach = channel.reach(incident.onset) if channel.reach is not None else 1.0
                return incident.onset + channel.delay(block[at + 1]) * reach * factor
    return math.inf


def _customer_report(incident: Incident) -> float:
    """When customers first tell the team: a report to support, or a public post."""
    return min(_channel_time(incident, _CUSTOMER), incident.onset + public_report(incident))


def work_alone(env: simpy.Environment, drill: Drill, incident: Incident, first: list, answer: float) -> Generator:
    """The alerted engineer works alone from `answer`: if service is not restored by the end, they declare.
    Returns the items left."""
    rules, u = drill.rules.practice, incident.dice.u
    minutes = rules.alone_for(u(PRACTICE, dice.ALONE + 1)) * mitigation.slowdown(drill, incident, answer)
    works = u(PRACTICE, dice.ALONE + 2) < rules.fixes_alone
    reason = "" if works else f"tried alone for {format_duration(minutes)} without restoring service"
    alone = work.Item(work.MITIGATION, minutes, "debug", works, reason, stop=True, detail=WORKED_ALONE)
    left = yield from work.run(env, drill, incident, [*first, alone])
    if incident.restored is None:
        incident.declared = env._now
        drill.record(incident, "declared", drill.roster.people[incident.responder].name)
    return left


# ── Phase 2: the work ────────────────────────────────────────────────────────────────────────────────────────


def plan(drill: Drill, incident: Incident, answer: float, first: list, tried: list[str]) -> list:
    """The work once someone has answered, when service is already restored (then it is only confirmed) or when
    nobody else takes a role (the responder holds them all: nobody assembles). In a drill the lifecycle asks the
    person how to confirm, and which mitigation to try, once this work is done."""
    if incident.restored is not None:
        return list(first) if drill.live else [*first, confirmation(drill, incident)]
    incident.abstract_roles = False  # with commander and comms None: the responder holds every role
    hold = work.Item(work.HOLD, 0.0, detail=HELD_ALONE)
    if drill.live:
        incident.comms_by = ""  # the responder, as Incident Commander, sends the stakeholder updates
        return [*first, hold]
    return [*first, hold, *mitigation.plan(drill, incident, answer, tried)]


def by_data(drill: Drill, incident: Incident, second: bool = False) -> bool:
    """The scenario's throw: is restored service confirmed with data (True) or called healthy on anecdote? The
    second time (a reopened incident), with data."""
    return second or incident.dice.u(PRACTICE, dice.ANECDOTE) >= drill.rules.practice.anecdote


def confirmation(drill: Drill, incident: Incident, second: bool = False) -> work.Item:
    """The confirmation of restored service: with data, or on anecdote (faster; it may reopen the incident). The
    second time (a reopened incident), the automatic policy confirms with data, and it does not reopen again."""
    rules, u = drill.rules.practice, incident.dice.u
    data = drill.confirm_with_data(incident, by_data(drill, incident, second))
    if second:
        draw = u(PRACTICE, dice.SECOND_CONFIRM)
    else:
        draw = u(PRACTICE, dice.ANECDOTE + 1) if not data else u(INCIDENT, dice.CONFIRM)
    if data:
        return work.Item(work.CONFIRM, drill.rules.confirm(draw))
    minutes = rules.anecdote_takes(draw)
    if not second and u(PRACTICE, dice.REOPEN) < rules.reopen:
        drill.practice.reopening.add(incident.number)  # when, from the resolution (see `after_resolution`)
    return work.Item(work.CONFIRM, minutes, detail=BY_ANECDOTE)


def restored_from_outside(drill: Drill, incident: Incident, items: list) -> list:
    """Service came back while people were working (an automated rollback): they stop their mitigations and
    confirm (in a drill, once the person has said how: the lifecycle asks when the work left is done)."""
    left = []
    for item in items:
        if item.kind == work.MITIGATION:
            if item.started:
                drill.record(incident, "mitigation_failed", "Ops lead",
                             {"mitigation": item.name, "reason": "the automated rollback restored service first"})
            continue
        if item.kind != work.CONFIRM:
            left.append(item)
    if not drill.live:
        left.append(confirmation(drill, incident))
    return left


class Restored:
    """Why an incident's work was interrupted: service is restored (an automated rollback)."""

    @staticmethod
    def rest(drill: Drill, incident: Incident, items: list) -> list:
        return restored_from_outside(drill, incident, items)


def _arm_rollback(drill: Drill, incident: Incident) -> None:
    """When the SLO burn alert fires on a failure a deployment caused, an automated rollback starts; if it works
    it restores service, unless people have already."""
    success, duration = drill.rules.practice.rollback
    u = incident.dice.u
    fires = _channel_time(incident, _SLO_BURN, drill.practice.detection[incident.rules.index])
    if math.isinf(fires) or u(PRACTICE, dice.AUTOMATED_ROLLBACK) >= success:
        return
    done = fires + duration(u(PRACTICE, dice.AUTOMATED_ROLLBACK + 1))
    if done < drill.rules.horizon:
        Wait(drill.env, done - drill.env._now, WORK, incident.number).callbacks.append(
            lambda _event: _rolled_back(drill, incident))


def _rolled_back(drill: Drill, incident: Incident) -> None:
    if incident.restored is not None or incident.state in (State.RESOLVED, State.CLEANED_UP, State.CLOSED):
        return
    now = drill.env._now
    working = incident.preemptible  # the process waits inside work.run: interrupt it
    if working:
        incident.chain.log_until(drill, incident, now)
    incident.restored = now
    drill.record(incident, "mitigated", AUTOMATION, AUTOMATED)
    if working:
        incident.process.interrupt(Restored())


# ── Phases 3 and 4: reopening, cleanup, learning ─────────────────────────────────────────────────────────────


def after_resolution(env: simpy.Environment, drill: Drill, incident: Incident, tried: list[str]) -> Generator:
    """After the people have stood down: the incident may reopen (resolved on anecdote, wrongly); then the
    temporary fixes are cleaned up (or not), and the postmortem writes its action items. A drill asks the person
    when the fixes are to be cleaned up as soon as the incident is resolved, before anyone can know whether it
    will reopen."""
    from simulator.engine import resolution

    rules = drill.rules.practice
    if drill.live:
        yield drill.pause(incident, CLEANUP, drawn=cleanup_drawn(drill, incident))
    if incident.number in drill.practice.reopening:
        drill.practice.reopening.discard(incident.number)
        resolved = env._now
        yield Wait(env, rules.reopen_after(incident.dice.u(PRACTICE, dice.REOPEN + 1)), WORK, incident.number)
        yield from _reopen(env, drill, incident, tried, resolved)
        resolution.stand_everyone_down(drill, incident)
    planned = clean_up(drill, incident)
    yield from learn(env, drill, incident, planned)


def _reopen(env: simpy.Environment, drill: Drill, incident: Incident, tried: list[str], resolved: float) -> Generator:
    """It was not healthy: someone free takes it up again, and the team works it until restored and confirmed. In
    a drill the person chooses each mitigation again, and how to confirm."""
    from simulator.engine import comms

    incident.restored = None
    drill.record(incident, "reopened", "system", {"after": env._now - resolved})
    incident.declared = env._now  # stakeholder updates start again
    incident.phase = "response"
    if drill.live:
        if incident.comms_by is None:  # fixed alone, never declared: a Comms lead joins, as comms.send_updates has it
            incident.comms_by = "Comms lead"
        env.process(comms.live_updates(env, drill, incident))
    ring = yield from response.answered(env, drill.roster, drill.roster.open(incident, resume=True))
    response.take_up(drill, incident, ring, "resumed")
    incident.preemptible = True
    handover = drill.rules.handover(incident.dice.u(PRACTICE, dice.SECOND_HANDOVER))
    items = [work.Item(work.RESUME, handover)] if handover > 0 else []
    if not drill.live:  # a drill asks below, once the handover is done
        if incident.restored is not None:
            items.append(confirmation(drill, incident, second=True))
        else:
            items += mitigation.plan(drill, incident, env._now + handover, tried, 4, 5, second=True)
    while incident.state is not State.RESOLVED:
        if not items:
            if incident.restored is not None:
                if drill.live:
                    yield drill.pause(incident, CONFIRM, drawn=True)
                items = [confirmation(drill, incident, second=True)]
            else:
                if drill.live:
                    yield drill.pause(incident, MITIGATE, offered=tuple(incident.rules.mitigations),
                                      tried=tuple(tried))
                items = mitigation.plan(drill, incident, env._now, tried, 4, 5, second=True)
        items = yield from work.run(env, drill, incident, items)


def cleanup_drawn(drill: Drill, incident: Incident) -> str:
    """The scenario's throw: the temporary fixes are removed "now" (after `policy.cleanup`), "late" or never
    ("skip")."""
    rules, draw = drill.rules.practice, incident.dice.u(PRACTICE, dice.CLEANUP_CHOICE)
    return "skip" if draw < rules.skip else "late" if draw < rules.skip + rules.late else "now"


def clean_up(drill: Drill, incident: Incident) -> float:
    """The temporary fixes: removed after `policy.cleanup`, late, or never. A fix left in place past its planned
    cleanup is debt: it raises its mode's rate until removed. Returns when the cleanup was planned."""
    rules, u, now = drill.rules.practice, incident.dice.u, drill.env._now
    incident.phase = "resolution"
    horizon = drill.rules.horizon
    planned = now + drill.rules.cleanup(u(INCIDENT, dice.CLEANUP))
    choice = drill.clean_up(incident, cleanup_drawn(drill, incident))
    if choice == "now":
        if planned < horizon:
            drill.record_at(planned, incident, "cleaned_up", "Ops lead")
        return planned
    done = planned + rules.late_by(u(PRACTICE, dice.CLEANUP_CHOICE + 1)) if choice == "late" else math.inf
    m = incident.rules.index
    if planned < horizon:
        drill.practice.at(planned, lambda: drill.practice.leave_fix(m, done, incident.number), incident.number)
        drill.record_at(planned, incident, "cleanup_skipped" if choice == "skip" else "cleanup_late", "Ops lead")
    if done < horizon:
        drill.record_at(done, incident, "cleaned_up", "Ops lead", {"late_by": done - planned})
    return planned


_SEVERITY = {level: {"severity": level} for level in ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")}


def learn(env: simpy.Environment, drill: Drill, incident: Incident, cleaned: float) -> Generator:
    """The postmortem (after the planned cleanup) and its action items: each done `lag` later, with its chance,
    improving the incident's failure mode from then on."""
    rules, horizon = drill.rules, drill.rules.horizon
    practice = rules.practice
    if incident.severity not in rules.postmortem_severities:
        if cleaned < horizon:
            drill.record_at(cleaned, incident, "postmortem_skipped", "Incident Commander", _SEVERITY[incident.severity])
        return
    held = cleaned + rules.postmortem(incident.dice.u(INCIDENT, dice.POSTMORTEM))
    if held >= horizon:
        return
    count = practice.action_items
    if not drill.automatic:  # the postmortem decides its action items when it is held
        yield Wait(env, held - env._now, WORK, incident.number)
        if drill.live:
            yield drill.pause(incident, ITEMS, drawn=count)
        count = drill.action_items(incident, count)
    detail = {"severity": incident.severity, "action_items": count} if count else _SEVERITY[incident.severity]
    drill.record_at(held, incident, "postmortem_held", "Incident Commander", detail)
    state, u = drill.practice, incident.dice.u
    for j in range(count):
        if u(ACTION, 4 * j) >= practice.done:
            continue
        kind = practice.kinds[min(bisect_right(practice.kind_cumulative, u(ACTION, 4 * j + 2)),
                                  len(practice.kinds) - 1)]
        state.at(held + practice.lag(u(ACTION, 4 * j + 1)),
                 lambda kind=kind: state.improve(incident, kind), incident.number)


__all__ = ["PracticeRules", "PracticeState", "Restored", "after_resolution", "by_data", "cleanup_drawn", "confirmation",
           "first_channel", "plan", "restored_from_outside", "work_alone"]
