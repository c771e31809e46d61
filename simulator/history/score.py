"""A drill's (or a real incident's) phases scored against what the scenario says they should take.

Each phase of the drill (definitions as in the metrics table of docs/concepts/metrics.md) is placed in the simulated
distribution of the same phase, over simulated incidents of the same failure mode (and severity when the
drill gives one, and load; and the period of the day where the scenario models it: simulated.py):

    detection        started → detected        (MTTD)
    acknowledgement  detected → acknowledged   (MTTA: includes declaring and waiting for a responder)
    mitigation       acknowledged → mitigated
    restoration      started → mitigated       (MTTR)

Its percentile is the share of simulated runs faster than the drill, ties counting half. A phase the drill
had not finished by the end of its log scores at least the percentile of the time it had run (a lower bound).
The phase that cost the most is the one furthest above its simulated median, among detection,
acknowledgement and mitigation (restoration is their sum).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import cast

from simulator.errors import DrillsimError
from simulator.history.format import Incident, read_history
from simulator.history.journal import Journal, looks_like_journal, read_journal
from simulator.history.phases import SCORED, phase_duration
from simulator.history.simulated import Conditions, Simulated, models_time_of_day, period_at, simulate_phases
from simulator.history.timestamps import format_time
from simulator.scenario.model import Scenario
from simulator.units import format_duration

PARTS = ("detection", "acknowledgement", "mitigation")
"""The phases whose sum is the time to restore: where the cost is looked for."""
BANDS = ((25.0, "faster than usual"), (75.0, "typical"), (95.0, "slower than usual"),
         (math.inf, "slower than almost every simulated run"))


@dataclass(frozen=True)
class PhaseScore:
    """One phase of a drill against the simulated runs (minutes; percentile in %)."""

    key: str
    label: str
    span: str
    minutes: float | None
    """The drill's time; for a phase not finished, the time it had run by the end of the log."""
    reached: bool
    percentile: float | None
    lower_bound: bool
    p10: float
    median: float
    p90: float
    count: int

    @property
    def band(self) -> str:
        if self.percentile is None:
            return "unknown"
        return next(word for limit, word in BANDS if self.percentile < limit)

    @property
    def excess(self) -> float | None:
        """How much longer than the simulated median (negative: shorter)."""
        return None if self.minutes is None else self.minutes - self.median

    @property
    def verdict(self) -> str:
        if self.percentile is None:
            return f"{self.label}: not in the log"
        if self.lower_bound:
            return (f"{self.label} not finished by the end of the log: already slower than "
                    f"{self.percentile:.0f}% of simulated runs")
        if abs(self.percentile - 50) < 2.5:
            return f"{self.label} about the simulated median (percentile {self.percentile:.0f})"
        if self.percentile >= 50:
            return f"{self.label} slower than {self.percentile:.0f}% of simulated runs"
        return f"{self.label} faster than {100 - self.percentile:.0f}% of simulated runs"


@dataclass(frozen=True)
class Score:
    """A drill scored: its phases, the phase that cost the most, and the simulation it was scored against."""

    incident: str
    mode: str
    severity: str | None
    started_at: datetime | None
    source: str
    simulated: Simulated
    phases: tuple[PhaseScore, ...]
    notes: tuple[str, ...] = ()

    def phase(self, key: str) -> PhaseScore:
        return next(p for p in self.phases if p.key == key)

    @property
    def costliest(self) -> PhaseScore | None:
        known = [p for p in self.phases if p.key in PARTS and p.minutes is not None]
        return max(known, key=lambda p: cast(float, p.excess)) if known else None  # known: minutes given

    @property
    def cost_sentence(self) -> str:
        worst = self.costliest
        if worst is None or worst.excess is None:
            return "No phase of the restoration is in the log."
        if worst.excess <= 0:
            return (f"Every phase was at or under its simulated median; {worst.key} came closest "
                    f"({format_duration(worst.minutes)} against {format_duration(worst.median)}).")
        return (f"{worst.key.capitalize()} cost the most: {format_duration(worst.excess)} over the simulated "
                f"median ({format_duration(worst.minutes)} against {format_duration(worst.median)}).")

    @property
    def worst_percentile(self) -> float:
        return max((p.percentile for p in self.phases if p.percentile is not None), default=math.nan)


# ── The drill's times ─────────────────────────────────────────────────────────────────────────────────────


def read_drill(paths: Sequence[str | Path], *, mode: str | None = None, **reading) -> tuple[list[Incident],
                                                                                          datetime, list[str]]:
    """The incidents to score from history files and Chaos Toolkit journals: (incidents, end of the log,
    notes). A journal gives the injection time (its run's start) and the failure mode (its drillsim extension);
    a history file beside it gives the team's times, on one row. History files alone are scored row by row.
    `reading` goes to read_history (preset, mapping, zone, skip_bad)."""
    journals: list[Journal] = []
    rows: list[Incident] = []
    ends: list[datetime] = []
    notes: list[str] = []
    for path in paths:
        if looks_like_journal(path):
            journal = read_journal(path)
            journals.append(journal)
            ends.append(journal.end or journal.start)
        else:
            history = read_history(path, **reading)
            rows.extend(history.incidents)
            ends.append(history.as_of)
            notes.extend(history.notes)
    if len(journals) > 1:
        raise DrillsimError("give one Chaos Toolkit journal at a time (one injection, one drill)")
    if journals:
        journal = journals[0]
        if len(rows) > 1:
            raise DrillsimError(f"a journal scores one drill: the team's times must be one row (got {len(rows)})")
        row = rows[0] if rows else Incident(incident=journal.title, line=0)
        if row.started_at is not None and row.started_at != journal.start:
            raise DrillsimError(f"started_at is given twice: {format_time(row.started_at)} in the team's log and "
                                f"{format_time(journal.start)} (the run's start) in {journal.file}")
        later = [t for t in row.times()[1:] if t is not None]
        if later and min(later) < journal.start:
            raise DrillsimError(f"the team's log has times before the injection ({format_time(journal.start)}, "
                                f"the run's start in {journal.file})")
        row = replace(row, started_at=journal.start, mode=row.mode or journal.mode,
                      severity=row.severity or journal.severity)
        if journal.status not in (None, "completed"):
            notes.append(f"{journal.file}: the experiment's run ended {journal.status}")
        rows = [row]
    if not rows:
        raise DrillsimError("nothing to score: give a history file (the team's times) and/or a Chaos Toolkit journal")
    if mode is not None:
        rows = [replace(r, mode=mode) for r in rows]
    return rows, max([*ends, *(r.last for r in rows)]), notes


# ── Scoring ───────────────────────────────────────────────────────────────────────────────────────────────


def _mode_of(incident: Incident, scenario: Scenario) -> str:
    if incident.mode:
        return incident.mode
    if len(scenario.failure_modes) == 1:
        return scenario.failure_modes[0].name
    names = ", ".join(m.name for m in scenario.failure_modes)
    raise DrillsimError(f"which failure mode was {incident.incident}? give --mode (the scenario's modes: {names}), "
                        "a mode column, or the journal's drillsim extension")


def score_incident(incident: Incident, scenario: Scenario, simulated: Simulated, end_of_log: datetime,
                   source: str = "") -> Score:
    """Score one incident's phases against `simulated` (its failure mode's simulated phases)."""
    phases = []
    for phase in SCORED:
        dist = simulated[phase.key]
        found = phase_duration(incident, phase, end_of_log)
        minutes = percentile = None
        reached = lower = False
        if found is not None and not (found[1] and found[0] <= 0):  # open, and no time elapsed: nothing known
            minutes, still_open, _ = found
            minutes = round(minutes, 6)
            reached = not still_open
            percentile, beyond = dist.percentile(minutes)
            lower = still_open or beyond
        phases.append(PhaseScore(phase.key, phase.label, phase.span, minutes, reached, percentile, lower,
                                 dist.quantile(0.1), dist.quantile(0.5), dist.quantile(0.9), dist.count))
    return Score(incident.incident, simulated.conditions.mode, incident.severity, incident.started_at, source,
                 simulated, tuple(phases))


def score_drills(incidents: Iterable[Incident], scenario: Scenario, end_of_log: datetime, *,
                 under_load: bool = False, seed: int | None = None, replications: int | None = None,
                 source: str = "", **run) -> list[Score]:
    """Score each incident against the scenario; incidents of the same mode and conditions share one
    simulation. Other keyword arguments go to `simulate`."""
    cache: dict[Conditions, Simulated] = {}
    scores = []
    for incident in incidents:
        mode = _mode_of(incident, scenario)
        levels = {level for m in scenario.failure_modes if m.name == mode for level, _ in m.severities}
        severity = incident.severity if incident.severity in levels else None
        period = (period_at(scenario, incident.started_at)
                  if incident.started_at is not None and models_time_of_day(scenario) else None)
        conditions = Conditions(mode, severity=severity, period=period, load="under-load" if under_load else "alone")
        if conditions not in cache:
            cache[conditions] = simulate_phases(scenario, conditions, seed=seed, replications=replications, **run)
        scores.append(score_incident(incident, scenario, cache[conditions], end_of_log, source))
    return scores


def failing(scores: Iterable[Score], above: float) -> list[tuple[Score, PhaseScore]]:
    """The phases slower than percentile `above` (a lower bound above it counts: it is slower still)."""
    return [(s, p) for s in scores for p in s.phases if p.percentile is not None and p.percentile > above]


def score_document(scores: Sequence[Score]) -> dict:
    """score.json: every phase of every drill, minutes and percentiles."""

    def number(value):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    return {
        "drills": [{
            "incident": s.incident,
            "mode": s.mode,
            "severity": s.severity,
            "started_at": None if s.started_at is None else format_time(s.started_at),
            "source": s.source,
            "simulated": {"scenario": s.simulated.scenario.name, "conditions": s.simulated.conditions.describe(),
                          "incidents": s.simulated.incidents, "replications": s.simulated.replications,
                          "seed": s.simulated.seed, "by_period": s.simulated.by_period},
            "phases": [{"phase": p.key, "span": p.span, "minutes": number(p.minutes), "finished": p.reached,
                        "percentile": number(p.percentile), "lower_bound": p.lower_bound, "band": p.band,
                        "verdict": p.verdict, "simulated_p10": number(p.p10), "simulated_median": number(p.median),
                        "simulated_p90": number(p.p90), "over_median_minutes": number(p.excess)}
                       for p in s.phases],
            "costliest": None if s.costliest is None else s.costliest.key,
            "cost": s.cost_sentence,
        } for s in scores],
        "units": "minutes",
    }
