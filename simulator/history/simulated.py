"""What a scenario says one failure should take: the simulated distribution of each phase of the incidents of
one failure mode, under given conditions, as a game-day plan and a drill's score need it.

    detection        detected − onset          (MTTD)
    acknowledgement  acknowledged − detected   (MTTA: declaring, waiting for a free responder, the page)
    mitigation       mitigated − acknowledged  (the mitigations tried until one restored service)
    restoration      mitigated − onset         (MTTR)
    resolution       resolved − onset          (time to resolve, for the facilitator's timeline)

The incidents are those of the failure mode (and severity, when given) that met the load asked for: on their
own (no other incident open at their onset, as a drill injected into a quiet day meets the team), under load
(another incident open), or either. Where the scenario's response depends on the time of day (rotations,
acknowledgement by period, mitigation slower out of hours: all on its wall clock), the period of the onset is
held too: business hours, out of hours or night, as the team defines them, in the scenario's time zone. A
scenario that plays the same response at every hour pools all hours.

Incidents the horizon cut short are right-censored (the phase lasted at least until the horizon), and each
distribution is the Kaplan–Meier estimate, so long phases are not lost. Enough replications are run for the
conditions to hold at least `minimum` incidents, within a cap on the work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from simulator.errors import DrillsimError
from simulator.history.phases import ACKNOWLEDGEMENT, DETECTION, MITIGATION, RESTORATION, Phase
from simulator.results.metrics import IncidentTable
from simulator.results.survival import distribution_steps
from simulator.scenario.model import Scenario

RESOLUTION = Phase("resolution", "time to resolve", "started_at", "resolved_at")
COLUMNS = {
    "detection": (DETECTION, "onset", "detected"),
    "acknowledgement": (ACKNOWLEDGEMENT, "detected", "acknowledged"),
    "mitigation": (MITIGATION, "acknowledged", "mitigated"),
    "restoration": (RESTORATION, "onset", "mitigated"),
    "resolution": (RESOLUTION, "onset", "resolved"),
}
"""Each phase: (phase, the column it starts at, the column it ends at)."""
MINIMUM = 2000
"""Incidents matching the conditions to aim for: percentiles near the tails then move by about a point."""
MAX_INCIDENTS = 150_000
"""The most incidents (of all modes) simulated to find them: a few seconds of work."""
FEWEST = 50
"""Below this many matching incidents, the distribution is too rough to score against."""
LOADS = ("alone", "under-load", "any")
PERIODS = ("business_hours", "out_of_hours", "night")
PERIOD_WORDS = {"business_hours": "in business hours", "out_of_hours": "out of hours", "night": "at night"}
MILESTONES = ("detected", "declared", "acknowledged", "mitigated", "resolved")
"""The moments a facilitator's timeline holds, each timed from the onset (the injection)."""


@dataclass(frozen=True)
class Conditions:
    """Which simulated incidents stand for the drill: its failure mode, and optionally its severity, the
    period of the day of its onset (PERIODS), and the load it met ('alone', 'under-load' or 'any')."""

    mode: str
    severity: str | None = None
    period: str | None = None
    load: str = "alone"

    def describe(self) -> str:
        parts = [f"failure mode {self.mode}"]
        if self.severity:
            parts.append(self.severity)
        if self.period is not None:
            parts.append(f"onset {PERIOD_WORDS[self.period]}")
        parts.append({"alone": "no other incident open at its onset", "under-load": "another incident open at "
                      "its onset", "any": "with or without other incidents open"}[self.load])
        return ", ".join(parts)


@dataclass(frozen=True)
class PhaseDistribution:
    """One phase's simulated durations (minutes): the Kaplan–Meier estimate over the incidents that reached its
    start, those the horizon cut short counted as lasting at least until then."""

    phase: Phase
    values: np.ndarray
    censored: np.ndarray
    times: np.ndarray = field(init=False, repr=False, compare=False)
    """The distinct durations, ascending, where the estimate steps."""
    levels: np.ndarray = field(init=False, repr=False, compare=False)
    """The estimated P(X <= times[i])."""

    def __post_init__(self):
        times, levels = distribution_steps(self.values, self.censored)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "levels", levels)

    @property
    def count(self) -> int:
        return len(self.values)

    def cdf(self, minutes: float, *, before: bool = False) -> float:
        """P(X ≤ minutes), or P(X < minutes) with `before`."""
        index = np.searchsorted(self.times, minutes, side="left" if before else "right")
        return float(self.levels[index - 1]) if index > 0 else 0.0

    def percentile(self, minutes: float) -> tuple[float, bool]:
        """(percentile, lower bound?): the share of simulated runs faster than `minutes`, ties counting half,
        in percent. When the estimate stops short of `minutes` (the horizon cut the slower runs short), the
        share is a lower bound."""
        mid = (self.cdf(minutes, before=True) + self.cdf(minutes)) / 2
        beyond = len(self.times) > 0 and minutes > self.times[-1] and self.levels[-1] < 1 - 1e-12
        return 100 * mid, bool(beyond)

    def quantile(self, q: float) -> float:
        index = int(np.searchsorted(self.levels, q - 1e-12, side="left"))
        return float(self.times[index]) if index < len(self.times) else math.nan


@dataclass(frozen=True)
class Simulated:
    """The simulated phases of the incidents that match `conditions`, and how they were found."""

    scenario: Scenario
    conditions: Conditions
    seed: int
    replications: int
    incidents: int
    """Incidents that matched."""
    simulated: int
    """Incidents simulated in all."""
    phases: dict[str, PhaseDistribution]
    since_onset: dict[str, PhaseDistribution]
    """For each of MILESTONES, the time from the onset until it."""
    by_period: bool
    """Whether the period of the day was held (the scenario models the time of day and the drill's is known)."""

    def __getitem__(self, key: str) -> PhaseDistribution:
        return self.phases[key]


def models_time_of_day(scenario: Scenario) -> bool:
    """Whether the scenario's response depends on the time of day: rotations, acknowledgement by period of the
    day, or mitigation slower out of hours (each needs the scenario's wall clock)."""
    return scenario.calendar is not None and bool(scenario.team.uses_the_clock())


def _inside(weekly, weekday: int, minute: int) -> bool:
    """Whether a local (weekday, minute of the day) falls in a weekly window (which may run past midnight)."""
    if weekly.end > weekly.start:
        return weekday in weekly.days and weekly.start <= minute < weekly.end
    return (weekday in weekly.days and minute >= weekly.start) or ((weekday - 1) % 7 in weekly.days
                                                                  and minute < weekly.end)


def _night(scenario: Scenario):
    from simulator.calendar import Weekly, parse_hours

    start, end = parse_hours(scenario.team.night)
    return Weekly(start=start, end=end)


def period_at(scenario: Scenario, moment: datetime) -> str:
    """The period of the day of a date-time in the scenario's time zone: 'night', 'business_hours' or
    'out_of_hours' (night first, as the engine reads it)."""
    from simulator.calendar import zone

    local = moment.astimezone(zone(scenario.timezone)) if moment.tzinfo else moment
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    if _inside(_night(scenario), weekday, minute):
        return "night"
    return "business_hours" if _inside(scenario.team.business_hours.weekly, weekday, minute) else "out_of_hours"


def periods_of(scenario: Scenario, minutes: np.ndarray) -> np.ndarray:
    """The period of the day (an index into PERIODS) of each simulated minute, in the scenario's time zone."""
    calendar = scenario.calendar
    out = np.full(len(minutes), PERIODS.index("out_of_hours"))
    if calendar is None:
        return out
    for name, weekly in (("business_hours", scenario.team.business_hours.weekly), ("night", _night(scenario))):
        intervals = np.array(weekly.intervals(calendar, scenario.horizon) or [(0.0, 0.0)])
        index = np.searchsorted(intervals[:, 0], minutes, side="right") - 1
        inside = (index >= 0) & (minutes < intervals[np.maximum(index, 0), 1])
        out[inside] = PERIODS.index(name)  # night last: it wins over business hours, as in the engine
    return out


def under_load(table: IncidentTable) -> np.ndarray:
    """Whether each incident began while another of the same replication was still open (not yet resolved;
    an incident never resolved stays open to the horizon)."""
    n = len(table)
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort((table.onset, table.replication))
    replication = table.replication[order].astype(float)
    onset = table.onset[order]
    end = np.where(np.isnan(table.resolved[order]), np.inf, table.resolved[order])
    span = float(max(np.nanmax(onset), np.nanmax(np.where(np.isinf(end), onset, end)))) + 1.0
    # Offsetting each replication far beyond the last one's times lets one running maximum serve them all.
    shifted_end = np.where(np.isinf(end), replication * 4 * span + 2 * span, replication * 4 * span + end)
    latest = np.maximum.accumulate(shifted_end)
    before = np.concatenate([[-np.inf], latest[:-1]])
    busy = np.zeros(n, dtype=bool)
    busy[order] = before > replication * 4 * span + onset
    return busy


def select(table: IncidentTable, scenario: Scenario, conditions: Conditions) -> np.ndarray:
    """The rows of `table` that match `conditions`."""
    chosen = table.mode == conditions.mode
    if conditions.severity is not None:
        chosen &= table.severity == conditions.severity
    if conditions.period is not None:
        chosen &= periods_of(scenario, table.onset) == PERIODS.index(conditions.period)
    if conditions.load != "any":
        busy = under_load(table)
        chosen &= busy if conditions.load == "under-load" else ~busy
    return chosen


def phase_distributions(table: IncidentTable, chosen: np.ndarray, horizon: float,
                        columns: dict[str, tuple[Phase, str, str]] = COLUMNS) -> dict[str, PhaseDistribution]:
    """Each phase's distribution over the chosen rows, censored at the horizon."""
    out = {}
    for key, (phase, start, end) in columns.items():
        began = getattr(table, start)[chosen]
        ended = getattr(table, end)[chosen]
        reached = ~np.isnan(began)
        began, ended = began[reached], ended[reached]
        censored = np.isnan(ended)
        # Rounded to a microminute, so that a constant delay reads the same however far into the run it fell
        # (onset + 5 − onset is not always 5 in floating point).
        values = np.round(np.where(censored, horizon - began, ended - began), 6)
        out[key] = PhaseDistribution(phase, values, censored)
    return out


def check_conditions(scenario: Scenario, conditions: Conditions) -> None:
    names = [mode.name for mode in scenario.failure_modes]
    if conditions.mode not in names:
        import difflib

        close = difflib.get_close_matches(conditions.mode, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DrillsimError(f"the scenario {scenario.name!r} has no failure mode {conditions.mode!r} "
                            f"(its modes: {', '.join(names)}){hint}")
    mode = scenario.failure_modes[names.index(conditions.mode)]
    levels = [level for level, _ in mode.severities]
    if conditions.severity is not None and conditions.severity not in levels:
        raise DrillsimError(f"failure mode {conditions.mode!r} is never {conditions.severity} in the scenario "
                            f"(its severities: {', '.join(levels)})")
    if conditions.period is not None and conditions.period not in PERIODS:
        raise DrillsimError(f"unknown period {conditions.period!r}: choose {', '.join(PERIODS)}")
    if conditions.load not in LOADS:
        raise DrillsimError(f"unknown load {conditions.load!r}: choose {', '.join(LOADS)}")


def simulate_phases(scenario: Scenario, conditions: Conditions, *, seed: int | None = None,
                    replications: int | None = None, minimum: int = MINIMUM, max_incidents: int = MAX_INCIDENTS,
                    **run) -> Simulated:
    """Simulate `scenario` until the incidents matching `conditions` number at least `minimum` (or the work
    reaches `max_incidents`), and return their phases. `replications` fixes the number instead. Other
    keyword arguments go to `simulate` (workers, executor, scheduler)."""
    from simulator.results.runner import expected_incidents, simulate

    check_conditions(scenario, conditions)
    seed = scenario.seed if seed is None else seed
    by_period = models_time_of_day(scenario) and conditions.period is not None
    if not by_period:
        conditions = replace(conditions, period=None)
    per_replication = max(expected_incidents(scenario), 1e-9)
    ceiling = max(1, int(max_incidents / per_replication))
    mode = next(m for m in scenario.failure_modes if m.name == conditions.mode)
    share = dict(mode.severities).get(conditions.severity, 1.0) if conditions.severity else 1.0
    share /= 3 if by_period else 1  # about a third of the week each
    expected = scenario.horizon / mode.interarrival.mean * share  # matching incidents a replication brings
    count = replications or min(max(math.ceil(1.2 * minimum / max(expected, 1e-9)), 1), ceiling)
    while True:
        results = simulate(scenario, replications=count, seed=seed, keep_events=False, oncall_load=False, **run)
        chosen = select(results.incidents, scenario, conditions)
        matched = int(np.count_nonzero(chosen))
        if replications is not None or matched >= minimum or count >= ceiling:
            break
        wanted = math.ceil(count * minimum / max(matched, 1) * 1.1)
        count = min(max(wanted, count * 2), ceiling)
    if matched < FEWEST:
        raise DrillsimError(f"only {matched} simulated incidents match ({conditions.describe()}) in "
                            f"{count} replications: too few to say what to expect; loosen the conditions "
                            "(another load or severity)")
    since_onset = {name: (Phase(name, f"time to {name}", "started_at", f"{name}_at"), "onset", name)
                   for name in MILESTONES}
    return Simulated(scenario, conditions, seed, count, matched, len(results.incidents),
                     phase_distributions(results.incidents, chosen, scenario.horizon),
                     phase_distributions(results.incidents, chosen, scenario.horizon, since_onset), by_period)
