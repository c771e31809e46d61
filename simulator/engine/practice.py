"""The world as the practices change it while the clock runs (scenario.practices, load and chaos).

`PracticeRules` is what the scenario says, as plain numbers and inverse CDFs, worked out once; `PracticeState`
is one replication's world as it changes: per failure mode the factors that completed action items put on its
rate, detection and mitigation, and the temporary fixes of it left in place. Every replication has one; in a
scenario that plays no practices its values are neutral and change nothing.

The steps the practices change live in their phases: detection (an emailed alert, automated declaration,
working alone first, finding whom to call), response (nobody but the responder holds the roles), mitigation
(working alone, the automated rollback, load), resolution (anecdote and reopening, cleanup and debt) and
learning (action items).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING

from simulator import dice
from simulator.calendar import Calendar, Steps, parse_handoff
from simulator.engine.clock import ONSET, At
from simulator.engine.incident import Incident
from simulator.scenario.model import CHANNELS, Scenario
from simulator.scenario.practices import ALERT_CHANNELS

if TYPE_CHECKING:
    from simulator.engine.rules import Rules
    from simulator.engine.world import World

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
        self.detection_inert = (not self.injected and self.rollback is None and self.automated is None
                                and not self.email and self.alone_first == 0)
        """Whether no practice changes detection and declaration (no drill, automated rollback or declaration,
        emailed alert or working alone): then those steps are skipped, as they would change nothing."""
        self.improves_mitigation = "mitigation" in self.kinds


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
        assert calendar is not None  # chaos injections fall at wall-clock times: validation wants `start`
        if injection.at is not None:
            at, peak = calendar.minute(injection.at), None
        else:
            assert injection.during is not None  # an injection gives `at` or `during`
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

    __slots__ = ("detection", "drills", "fixes", "left", "mitigation", "rate", "reopening", "rules", "world")

    def __init__(self, world: World):
        self.world = world
        self.rules = world.rules.practice
        count = len(world.rules.modes)
        self.rate = [1.0] * count
        self.detection = [1.0] * count
        self.mitigation = [1.0] * count
        self.fixes = [0] * count
        self.left = 0  # fixes left in place, all modes
        self.drills: dict[int, str] = {}  # incident number → the name of the drill that started it on purpose
        self.reopening: set[int] = set()  # incidents resolved on anecdote that will prove wrong

    # ── Rates, as the arrivals read them ──

    def acceptance(self, mode, t: float) -> float:
        """The chance that a candidate of a live `mode` at `t` is a failure (given its time factor of 1). Never more
        than 1 (improvements only lower a rate, debt is capped): simulator.engine.arrivals relies on it."""
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
        world = self.world
        if time < world.rules.horizon:  # at `time` exactly, however long before it was known (a drill's postmortem
            At(world.env, time, ONSET, number).callbacks.append(lambda _event: change())  # decides it later)

    def improve(self, incident: Incident, kind: str) -> None:
        """A completed action item of `kind` improves the incident's failure mode."""
        factor, floor = self.rules.improvement[kind]
        values = getattr(self, kind)
        m = incident.rules.index
        values[m] = max(floor, values[m] * factor)
        self.world.record(incident, "action_item_done", "Ops lead", {"improves": kind, "mode": incident.mode.name})

    def leave_fix(self, m: int, until: float, number: int) -> None:
        """A temporary fix of mode m stays in place from now until `until` (inf: for good)."""
        self.fixes[m] += 1
        self.left += 1
        if until < self.world.rules.horizon:
            self.at(until, lambda: self._remove(m), number)

    def _remove(self, m: int) -> None:
        self.fixes[m] -= 1
        self.left -= 1


__all__ = ["Injected", "PracticeRules", "PracticeState"]
