"""A facilitator's plan for a game day: the failure to inject and when, who should be on call, what the
scenario says each phase should take, when to step in and when to stop, and the roles.

The expected ranges come from simulated incidents of the injected failure mode (simulated.py): by default those
that met no other open incident (a drill injected into a quiet day), with `under_load` those that met another
one. Cues to step in sit at the 95th percentile of each phase: a drill slower than 95% of simulated runs has
shown its gap, and helping it along lets the rest of the drill teach something. The drill is stopped at the
99th percentile of the time to restore (and never before twice its 90th): beyond it, the failure is no longer
the one rehearsed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from simulator.history.simulated import Conditions, Simulated, models_time_of_day, period_at, simulate_phases
from simulator.scenario.model import ROLES, FailureMode, Scenario
from simulator.units import format_duration

STEP_IN = 0.95
"""The percentile of a phase at which the facilitator steps in."""
ABORT = 0.99
"""The percentile of the time to restore at which the drill is stopped."""
SCORED = ("detection", "acknowledgement", "mitigation", "restoration")


@dataclass(frozen=True)
class Expected:
    """A phase's expected range: percentiles of the simulated durations, in minutes."""

    key: str
    label: str
    span: str
    p10: float
    median: float
    p90: float
    p95: float
    p99: float
    count: int


@dataclass(frozen=True)
class Cue:
    """When to step in: `wait` minutes after `since` (at `after` minutes from the injection at the latest,
    if the earlier phases took their median), if `check` still holds, do `action`."""

    phase: str
    since: str
    wait: float
    after: float
    check: str
    action: str


@dataclass(frozen=True)
class Page:
    """One escalation level as the drill meets it: who it notifies, and how long before the next level."""

    number: int
    who: tuple[str, ...]
    source: str
    """Where they come from: 'the primary rotation (weekly turns of Ana, Ben, Cleo)', 'team.names', …"""
    one: bool
    """Whether one free person of the level takes the page (a pool), rather than everyone being notified."""
    after: float


@dataclass(frozen=True)
class Roster:
    """Who should be on call for the drill: the scenario's escalation levels, with the people on call at the
    injection time where the scenario has a rotation and the time is known."""

    pages: tuple[Page, ...]
    repeat: int
    note: str = ""

    @property
    def primaries(self) -> tuple[str, ...]:
        return self.pages[0].who

    @property
    def next_level(self) -> Page | None:
        return self.pages[1] if len(self.pages) > 1 else None


@dataclass(frozen=True)
class Plan:
    """Everything a facilitator's plan says."""

    scenario: Scenario
    mode: FailureMode
    severity: str
    at: datetime | None
    simulated: Simulated
    expected: tuple[Expected, ...]
    milestones: tuple[Expected, ...]
    """Time from the injection to each moment of the Scribe's timeline."""
    on_call: Roster
    cues: tuple[Cue, ...]
    abort_after: float
    abort: tuple[str, ...]
    roles: tuple[tuple[str, str, tuple[str, ...]], ...]
    hint: str

    def expect(self, key: str) -> Expected:
        return next(e for e in (*self.expected, *self.milestones) if e.key == key)


def on_call(scenario: Scenario, at: datetime | None = None) -> Roster:
    """Who should be on call at `at`: each escalation level of the scenario (the shorthand's pool of
    responders and its secondary, or its levels over rotations and people), with the person a rotation has on
    call at that time when the scenario's clock reaches it (the rotation continues its turns past the horizon)."""
    from simulator.engine.oncall import OnCall

    team = scenario.team
    calendar = scenario.calendar
    minute = calendar.minute(at) if calendar is not None and at is not None else None
    note = ""
    roster = None
    if any(level.rotation for level in team.levels):
        if minute is None:
            note = "give --at to see whose turn it is"
        elif calendar is not None and minute < 0:  # a minute is only known with a calendar
            note = (f"the drill is before the scenario's start ({calendar.start:%Y-%m-%d %H:%M}): the rotations' "
                    "turns then are not known")
        else:
            extended = scenario.model_copy(update={"horizon": max(scenario.horizon, minute + 1.0)})
            roster = OnCall(extended)
    pages = []
    for number, level in enumerate(team.levels):
        after = level.after if level.after is not None else team.escalate_after
        if level.rotation is not None:
            layers = scenario_layers(scenario, level.rotation)
            source = f"the {level.rotation} rotation ({layers})"
            who = (tuple(roster.names[i] for i in roster.at(number, minute))
                   if roster is not None and minute is not None else ())
            if roster is not None and not who:
                who = ("nobody (outside the rotation's hours)",)
        elif level.everyone:
            source, who = "everyone in the team", tuple(p.name for p in team.person_list)
        else:
            source = "team.names" if team.escalation is None and team.names and number == 0 else "named people"
            if team.escalation is None and number == 0 and not team.names:
                source = "team.responders (the scenario names no one: write in who holds the pager)"
            who = tuple(level.people or ())
        pages.append(Page(number + 1, who, source, level.notify == "one", after))
    return Roster(tuple(pages), team.repeat, note)


def update_duty(scenario: Scenario, severity: str) -> str:
    """The Comms lead's update duty as the scenario sets it for `severity`: a cadence only where
    policy.updates.every names one."""
    every = scenario.policy.updates.every.get(severity)
    if every is None:
        return (f"☐ post when service is restored (the scenario sets no update cadence for {severity}; agree one "
                "beforehand if stakeholders expect it)")
    return f"☐ post an update at least every {format_duration(every)}, and when service is restored"


def scenario_layers(scenario: Scenario, rotation: str) -> str:
    """A rotation in a few words: 'turns of 1w: Ana, Ben, Cleo'."""
    from simulator.scenario.team import layers

    parts = []
    for layer in layers(scenario.team.rotations[rotation]):
        hours = f", {layer.days or ''} {layer.hours or ''}".rstrip() if (layer.days or layer.hours) else ""
        parts.append(f"turns of {format_duration(layer.shift)}: {', '.join(layer.people)}{hours}")
    return "; ".join(parts)


def expected_range(distribution, key: str, label: str, span: str) -> Expected:
    q = distribution.quantile
    return Expected(key, label, span, q(0.1), q(0.5), q(0.9), q(STEP_IN), q(ABORT), distribution.count)


MILESTONE_LABELS = {
    "detected": "first alert",
    "declared": "incident declared",
    "acknowledged": "page acknowledged (Incident Commander named)",
    "mitigated": "service restored",
    "resolved": "health confirmed with metrics and logs",
}


def plan_gameday(scenario: Scenario, inject: str, *, at: datetime | None = None, severity: str | None = None,
                 under_load: bool = False, seed: int | None = None, replications: int | None = None,
                 **run) -> Plan:
    """Plan a game day that injects failure mode `inject` of `scenario` at `at` (a time with its zone, or
    None when not fixed yet). `severity` holds the simulated incidents to one severity; `under_load` takes
    those that met another open incident. Other keyword arguments go to `simulate`."""
    period = period_at(scenario, at) if at is not None and models_time_of_day(scenario) else None
    conditions = Conditions(inject, severity=severity, period=period,
                            load="under-load" if under_load else "alone")
    simulated = simulate_phases(scenario, conditions, seed=seed, replications=replications, **run)
    mode = next(m for m in scenario.failure_modes if m.name == inject)
    chosen = severity or max(mode.severities, key=lambda pair: (pair[1], -int(pair[0][3:])))[0]  # ties: the worse
    expected = tuple(expected_range(simulated[key], key, simulated[key].phase.label, simulated[key].phase.span)
                     for key in SCORED)
    milestones = tuple(expected_range(simulated.since_onset[name], name, MILESTONE_LABELS[name],
                                      f"injection → {MILESTONE_LABELS[name]}") for name in simulated.since_onset)
    by = {e.key: e for e in expected}
    team = on_call(scenario, at)
    order = list(scenario.mitigation_order(mode))
    entry = scenario.catalogue.get(order[0])
    hint = (entry.description if entry is not None and entry.description else order[0])
    if order[0] == "debug":
        hint = "look at the logs and metrics of the failing component"
    escalate = (f"then page {' and '.join(team.next_level.who) or 'the next level'} by hand" if team.next_level
                else "and again if they do not answer (the scenario has no next level to page)")
    cues = (
        Cue("detection", "the injection", by["detection"].p95, by["detection"].p95, "no alert has fired",
            "reveal what the monitors would show and note a detection gap"),
        Cue("acknowledgement", "the first alert", by["acknowledgement"].p95,
            by["detection"].median + by["acknowledgement"].p95, "nobody has acknowledged the page",
            f"call the primary on call, {escalate}"),
        Cue("mitigation", "acknowledgement", by["mitigation"].p95,
            by["detection"].median + by["acknowledgement"].median + by["mitigation"].p95,
            "service is not restored", f"give a hint: {hint}"),
    )
    restore = by["restoration"]
    abort_after = max(restore.p99, 2 * restore.p90) if not math.isnan(restore.p99) else 2 * restore.p90
    abort = (
        f"service not restored {format_duration(abort_after)} after the injection: stop the drill and restore by "
        "the runbook (the 99th percentile of the simulated time to restore, and at least twice its 90th)",
        "real customers are affected beyond the agreed blast radius: stop at once and restore",
        "a real incident pages the team: stop the drill and hand the pager back to the real one",
    )
    primaries = " or ".join(team.primaries) or "the primary on call"
    roles = (
        ("Facilitator", "not on call", (
            "☐ agree the blast radius and the abort criteria with the service owner beforehand",
            "☐ inject the failure at the planned time and note the exact minute",
            "☐ watch the clock against the cues below; step in only when a cue says so",
            "☐ call the abort when a criterion is met")),
        (ROLES[0], f"the first to acknowledge ({primaries})", (
            "☐ acknowledge the page and say so in the incident channel",
            "☐ name the Ops lead, Comms lead and Scribe",
            "☐ coordinate; do not fix (the Ops lead fixes)",
            "☐ decide the mitigation, and when service is restored")),
        (ROLES[1], "an engineer of the service", (
            f"☐ mitigate first ({' → '.join(order)}); debug later" if len(order) > 1 else
            "☐ restore service (the scenario offers no stop-gap for this failure: debugging is the way)",
            "☐ say each action before taking it")),
        (ROLES[2], "someone who can reach stakeholders", (
            "☐ post that an incident is declared, with its impact",
            update_duty(scenario, chosen))),
        (ROLES[3], "anyone not mitigating", (
            "☐ write each moment of the timeline below to the minute",
            "☐ fill in drill.csv after the drill (one row, the history format)")),
        ("Observer", "optional", (
            "☐ note what helped and what got in the way, for the postmortem",)),
    )
    return Plan(scenario, mode, chosen, at, simulated, expected, milestones, team, cues, abort_after, abort, roles,
                hint)
