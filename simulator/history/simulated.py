"""What a scenario says one failure should take: the simulated distribution of each phase of the incidents of
one failure mode, under given conditions, as a game-day plan and a drill's score need it.

    detection        detected − onset          (MTTD)
    acknowledgement  acknowledged − detected   (MTTA: declaring, waiting for a free responder, the page)
    mitigation       mitigated − acknowledged  (the mitigations tried until one restored service)
    restoration      mitigated − onset         (MTTR)
    resolution       resolved − onset          (time to resolve, for the facilitator's timeline)

The incidents are those of the failure mode (and severity, when given) that met the load asked for: on their
own (no other incident open at their onset, as a drill injected into a quiet day meets the team), under load
(another incident open), or either. Where the scenario models the time of day, the wall-clock hour of the
onset can be held too (`hour`); a scenario that plays the same response at every hour pools all hours.

Incidents the horizon cut short are right-censored (the phase lasted at least until the horizon), and each
distribution is the Kaplan–Meier estimate, so long phases are not lost. Enough replications are run for the
conditions to hold at least `minimum` incidents, within a cap on the work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from simulator.errors import DrillsimError
from simulator.history.fit import kaplan_meier
from simulator.history.phases import ACKNOWLEDGEMENT, DETECTION, MITIGATION, RESTORATION, Phase
from simulator.metrics import IncidentTable
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
MILESTONES = ("detected", "declared", "acknowledged", "mitigated", "resolved")
"""The moments a facilitator's timeline holds, each timed from the onset (the injection)."""


@dataclass(frozen=True)
class Conditions:
    """Which simulated incidents stand for the drill: its failure mode, and optionally its severity, the
    wall-clock hour of its onset, and the load it met ('alone', 'under-load' or 'any')."""

    mode: str
    severity: str | None = None
    hour: int | None = None
    load: str = "alone"

    def describe(self) -> str:
        parts = [f"failure mode {self.mode}"]
        if self.severity:
            parts.append(self.severity)
        if self.hour is not None:
            parts.append(f"onset between {self.hour:02d}:00 and {self.hour:02d}:59")
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

    def __post_init__(self):
        times, levels = kaplan_meier(self.values, self.censored)
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
    by_hour: bool
    """Whether the hour of day was held (the scenario models the time of day and an hour was given)."""

    def __getitem__(self, key: str) -> PhaseDistribution:
        return self.phases[key]


def models_time_of_day(scenario: Scenario) -> bool:
    """Whether the scenario's response depends on the hour: on-call schedules, or acknowledgement by hour.
    The scenario format has neither yet, so every hour plays alike and conditioning on it would only thin the
    sample."""
    del scenario
    return False


def wall_hours(scenario: Scenario, onset: np.ndarray) -> np.ndarray:
    """The wall-clock hour (0–23) of each onset: the scenario's start plus the minutes."""
    start = scenario.start or datetime(2000, 1, 1)
    offset = start.hour * 60 + start.minute + start.second / 60
    return (np.floor((onset + offset) / 60) % 24).astype(int)


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


def select(table: IncidentTable, scenario: Scenario, conditions: Conditions, *, by_hour: bool) -> np.ndarray:
    """The rows of `table` that match `conditions`."""
    chosen = table.mode == conditions.mode
    if conditions.severity is not None:
        chosen &= table.severity == conditions.severity
    if by_hour and conditions.hour is not None:
        chosen &= wall_hours(scenario, table.onset) == conditions.hour
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
    if conditions.load not in LOADS:
        raise DrillsimError(f"unknown load {conditions.load!r}: choose {', '.join(LOADS)}")


def simulate_phases(scenario: Scenario, conditions: Conditions, *, seed: int | None = None,
                    replications: int | None = None, minimum: int = MINIMUM, max_incidents: int = MAX_INCIDENTS,
                    **run) -> Simulated:
    """Simulate `scenario` until the incidents matching `conditions` number at least `minimum` (or the work
    reaches `max_incidents`), and return their phases. `replications` fixes the number instead. Other
    keyword arguments go to `simulate` (workers, executor, scheduler)."""
    from simulator.runner import expected_incidents, simulate

    check_conditions(scenario, conditions)
    seed = scenario.seed if seed is None else seed
    by_hour = models_time_of_day(scenario) and conditions.hour is not None
    if not by_hour:
        conditions = replace(conditions, hour=None)
    per_replication = max(expected_incidents(scenario), 1e-9)
    ceiling = max(1, int(max_incidents / per_replication))
    mode = next(m for m in scenario.failure_modes if m.name == conditions.mode)
    share = dict(mode.severities).get(conditions.severity, 1.0) if conditions.severity else 1.0
    share /= 24 if by_hour else 1
    expected = scenario.horizon / mode.interarrival.mean * share  # matching incidents a replication brings
    count = replications or min(max(math.ceil(1.2 * minimum / max(expected, 1e-9)), 1), ceiling)
    while True:
        results = simulate(scenario, replications=count, seed=seed, keep_events=False, **run)
        chosen = select(results.incidents, scenario, conditions, by_hour=by_hour)
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
                     phase_distributions(results.incidents, chosen, scenario.horizon, since_onset), by_hour)


def clock_time(at: datetime | None, minutes: float) -> datetime | None:
    """The wall-clock time `minutes` after `at`."""
    return None if at is None or math.isnan(minutes) else at + timedelta(minutes=minutes)
