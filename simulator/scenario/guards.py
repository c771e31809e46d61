"""Values that validate one by one but would crash, hang or poison a run, checked where the scenario models
validate: severity weights that cannot be added up, a start whose horizon runs past the calendar, more
incidents than a replication or a whole run can hold. The limits themselves are in simulator/limits.py."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from simulator.distributions import overflowing
from simulator.errors import DrillsimError
from simulator.limits import MAX_ARRIVALS, MAX_INCIDENTS, MAX_RUN_ARRIVALS, MAX_RUN_INCIDENTS, MAX_YEAR

if TYPE_CHECKING:
    from simulator.scenario.failures import FailureMode
    from simulator.scenario.model import Scenario


def check_weights(weights: dict[str, float]) -> None:
    """Severity weights: at least one, and a finite sum (they are relative: 0.3 and 0.7, or 3 and 7)."""
    if not weights:
        raise ValueError("give at least one severity and its weight, e.g. {SEV2: 0.3, SEV3: 0.7}")
    if not math.isfinite(overflowing(lambda: sum(weights.values()))):
        raise ValueError("the weights are too large to add up; they are relative, so write e.g. 0.3 and 0.7")


def check_calendar(start: datetime, horizon: float) -> None:
    """The horizon from `start` ends within the years drillsim reads (MIN_YEAR to MAX_YEAR)."""
    try:
        end = start + timedelta(minutes=horizon)
    except OverflowError:
        end = None
    if end is None or end.year > MAX_YEAR:
        raise ValueError(f"the horizon runs from {start.isoformat()} past the end of {MAX_YEAR}, the last year "
                         f"drillsim reads; shorten it or start earlier")


def spread(mode: FailureMode) -> float:
    """The squared coefficient of variation of a mode's time between onsets (1 for a Poisson process)."""
    gap = mode.interarrival
    return overflowing(lambda: gap.variance / gap.mean**2)


def incidents_bound(scenario: Scenario, mode: FailureMode) -> float:
    """At most how many incidents of `mode` a replication is expected to hold: horizon × peak rate, plus the
    gaps' squared coefficient of variation plus one (Lorden's bound on a renewal process). The second term
    counts the many onsets a distribution with much of its mass near 0 brings, whatever its mean. For a mode
    that deployments start: its deployments at their peak rate times the change failure rate, plus one."""
    if mode.deployments is not None:
        return _finite(overflowing(lambda: deployments_bound(scenario, mode) * mode.deployments.change_failure_rate
                                   + 1))
    return _finite(overflowing(lambda: scenario.horizon * scenario.peak_rate(mode) + spread(mode) + 1))


def deployments_bound(scenario: Scenario, mode: FailureMode) -> float:
    """At most how many deployments (failed or not) of `mode` a replication is expected to draw: each is a
    candidate arrival the engine plays, whether or not it fails."""
    if mode.deployments is None:
        return 0.0
    return _finite(overflowing(lambda: scenario.horizon * scenario.peak_rate(mode)))


def _finite(value: float) -> float:
    """An estimate that is not a number (inf × 0, say) is taken as unbounded: refused, never waved through."""
    return value if value == value else math.inf


def game_days_bound(scenario: Scenario) -> float:
    """Game days and injections in a replication: each starts an incident."""
    chaos = scenario.chaos
    days = _finite(overflowing(lambda: scenario.horizon / chaos.game_days.every + 1)) if chaos.game_days else 0.0
    return days + len(chaos.injections)


def work(scenario: Scenario) -> dict[str, float]:
    """Candidate arrivals one replication is expected to play at most, by source: deployments (each one drawn),
    incidents (with cleanup debt and windows at their most) and game days with injections."""
    return {"deployments": sum(deployments_bound(scenario, mode) for mode in scenario.failure_modes),
            "incidents": sum(incidents_bound(scenario, mode) for mode in scenario.failure_modes),
            "game days and injections": game_days_bound(scenario)}


def _figures(sources: dict[str, float], times: int = 1) -> str:
    shown = [f"{value * times:,.0f} {name}" if math.isfinite(value) else f"unboundedly many {name}"
             for name, value in sources.items() if value >= 1]
    return ", ".join(shown)


def _debt(scenario: Scenario) -> str:
    cleanup = scenario.practices.cleanup
    if cleanup.debt_factor > 1:
        return f" (cleanup debt counted at its cap, ×{cleanup.debt_cap:g})"
    return ""


def check_incidents(scenario: Scenario) -> None:
    """Refuse a replication expected to hold more than MAX_INCIDENTS incidents (game days and injections
    included), or to play more than MAX_ARRIVALS candidate arrivals (deployments included)."""
    sources = work(scenario)
    total = sources["incidents"] + sources["game days and injections"]
    if not total <= MAX_INCIDENTS:
        bursts = sorted(mode.name for mode in scenario.failure_modes if mode.deployments is None
                        and spread(mode) > overflowing(lambda m=mode: scenario.horizon * scenario.peak_rate(m)))
        why = (f"; the time between onsets of {', '.join(bursts)} is mostly near 0 with rare long gaps, so most "
               "onsets come in bursts" if bursts else "")
        count = f"about {total:,.0f}" if math.isfinite(total) else "unboundedly many"
        raise ValueError(f"{count} incidents per replication (more than {MAX_INCIDENTS:,}){why}{_debt(scenario)}: "
                         "shorten the horizon, make failures rarer or game days less frequent")
    arrivals = sum(sources.values())
    if not arrivals <= MAX_ARRIVALS:
        count = f"about {arrivals:,.0f}" if math.isfinite(arrivals) else "unboundedly many"
        raise ValueError(f"{count} events per replication ({_figures(sources)}){_debt(scenario)}: more than "
                         f"{MAX_ARRIVALS:,}, the most one replication may play: shorten the horizon or make "
                         "deployments, failures or game days rarer")


def check_run(scenario: Scenario, replications: int, error: type[Exception] = DrillsimError) -> None:
    """Refuse a run (`replications` replications of `scenario`) expected to hold more than MAX_RUN_INCIDENTS
    incidents in all (the whole run's incidents are held in memory), or to play more than MAX_RUN_ARRIVALS
    candidate arrivals (deployments, incidents, game days and injections)."""
    sources = work(scenario)
    each = sources["incidents"] + sources["game days and injections"]
    total = replications * each
    if not total <= MAX_RUN_INCIDENTS:
        raise error(f"{replications:,} replications of about {each:,.0f} incidents each would hold about "
                    f"{total:,.0f} incidents (more than {MAX_RUN_INCIDENTS:,}, some 110 bytes each in memory): run "
                    "fewer replications or a shorter horizon")
    arrivals = replications * sum(sources.values())
    if not arrivals <= MAX_RUN_ARRIVALS:
        raise error(f"{replications:,} replications would play about {arrivals:,.0f} events "
                    f"({_figures(sources, replications)}){_debt(scenario)}: more than {MAX_RUN_ARRIVALS:,}, the "
                    "most one run may play: run fewer replications or a shorter horizon, or make deployments "
                    "rarer")
