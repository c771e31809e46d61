"""A scenario calibrated from an incident history: what is fitted to which field, and the YAML written.

The lifecycle's times map onto the scenario's fields like this (each fitted by fit.fit_sample):

    started  → detected      failure_modes[*].detection: one channel, probability 1, delay = the fit (per mode)
    detected → declared      policy.declare_after (all modes together)
    declared → acknowledged  team.acknowledge (all modes together: in the scenario format it is the team's)
    acknowledged → mitigated failure_modes[*].mitigations.debug.duration (per mode; the one mitigation, which
                             always works, so that the time to mitigate is the fit itself)
    mitigated → resolved     policy.confirm (all modes together)
    onsets                   failure_modes[*].rate: count ÷ the observation window (Poisson)

A time the history does not give at all folds its phase into the next one: without `declared_at`, the
declaration takes 0s and team.acknowledge covers detection → acknowledgement; without `mitigated_at`, the
mitigation covers acknowledgement → resolution and the confirmation takes 0s. Without `started_at` the time to
detect is unknown: it is set to 0s and said so. Failure modes come from the `mode` column, else from
severities, else all incidents are one mode.

What the history cannot say is set so that the simulation does not add to what the history already holds:
no missed pages and escalation only after a day (the acknowledgement times include both), roles assembled at
once (the mitigation time includes it), and as many responders as incidents were ever open at once.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy import stats

from simulator.errors import DrillsimError
from simulator.history import fit as fitting
from simulator.history.fit import Fit, RateFit
from simulator.history.format import TIME_FIELDS, History, Incident
from simulator.history.phases import Phase, Sample, grouping, groups, resolution, sample
from simulator.history.timestamps import format_time
from simulator.results.survival import distribution_steps
from simulator.units import format_duration, minutes_between

# The scenario's quantities in lifecycle order: (key, label, the time that ends the phase, per mode?)
QUANTITIES = (
    ("detection", "time to detect", "detected_at", True),
    ("declaration", "time to declare", "declared_at", False),
    ("acknowledgement", "time to acknowledge", "acknowledged_at", False),
    ("mitigation", "time to mitigate", "mitigated_at", True),
    ("confirmation", "time to confirm", "resolved_at", False),
)
ESCALATE_AFTER_FLOOR = 1440.0
"""Escalation is set no earlier than a day (or the fitted acknowledgement's 99.99th percentile, if later), so
that the simulation does not escalate on top of the history's acknowledgement times, which include it."""


def _phases(history: History) -> dict[str, Phase | None]:
    """Each quantity's phase as this history gives it: from the latest time given before its end, to its end;
    None where the end is not in the history (the quantity takes 0s: the next phase covers it)."""
    given = [name for name in TIME_FIELDS if history.has(name)]
    phases: dict[str, Phase | None] = {}
    for key, label, end, _ in QUANTITIES:
        if end not in given:
            phases[key] = None
            continue
        before = [name for name in TIME_FIELDS[:TIME_FIELDS.index(end)] if name in given]
        if key == "detection" and "started_at" not in given:
            before = []
        phases[key] = Phase(key, label, before[-1], end) if before else None
    # The last phase may end at resolution when the history has no mitigation times.
    if phases["mitigation"] is None and history.has("resolved_at"):
        before = [n for n in TIME_FIELDS[:TIME_FIELDS.index("mitigated_at")] if n in given]
        if before:
            phases["mitigation"] = Phase("mitigation", "time to mitigate", before[-1], "resolved_at")
            phases["confirmation"] = None
    return phases


@dataclass(frozen=True)
class ModeFit:
    """One failure mode (or severity) of the history, fitted."""

    name: str
    incidents: tuple[Incident, ...]
    rate: RateFit
    detection: Fit | None
    mitigation: Fit | None
    severities: dict[str, int] = field(default_factory=dict)
    causes: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    mitigations: dict[str, int] = field(default_factory=dict)
    acknowledgement_median: float = math.nan
    notes: tuple[str, ...] = ()

    @property
    def cause(self) -> str:
        return max(self.causes, key=lambda c: (self.causes[c], c)) if self.causes else "unknown"

    @property
    def channel(self) -> str:
        return max(self.channels, key=lambda c: (self.channels[c], c)) if self.channels else "monitoring"


@dataclass(frozen=True)
class Calibration:
    """A history fitted: per mode, arrivals, detection and mitigation; for the team and policy, declaration,
    acknowledgement and confirmation. `phases` says which times each quantity was measured between."""

    history: History
    grouped_by: str
    since: datetime
    until: datetime
    modes: tuple[ModeFit, ...]
    team: dict[str, Fit | None]
    phases: dict[str, Phase | None]
    responders: int
    people: dict[str, int]
    acknowledgement_p_value: float = math.nan
    bootstrap: int = fitting.BOOTSTRAP
    seed: int = 0
    notes: tuple[str, ...] = ()
    defaults: dict[str, float] = field(default_factory=dict)
    """Quantity → minutes, where the history cannot tell a quantity and the documented default stands in."""
    gaps: tuple[str, ...] = ()
    """Warnings naming each quantity the history could not calibrate, and what stands in for it."""

    @property
    def window(self) -> float:
        """The observation window in minutes."""
        return minutes_between(self.since, self.until)

    def fits(self) -> list[tuple[str, str, Fit]]:
        """(scope, quantity, fit) of every fitted quantity: per mode first, then the team's and policy's."""
        out = []
        for mode in self.modes:
            for key in ("detection", "mitigation"):
                found = getattr(mode, key)
                if found is not None:
                    out.append((mode.name, key, found))
        for key in ("declaration", "acknowledgement", "confirmation"):
            found = self.team.get(key)
            if found is not None:
                out.append(("all modes", key, found))
        return out

    @property
    def warnings(self) -> list[str]:
        out: list[str] = list(self.gaps)
        for scope, key, found in self.fits():
            out.extend(f"{scope}, {key}: {warning}" for warning in found.warnings)
        return out


def _concurrency(history: History) -> int:
    """The most incidents open at once: each from its page (or its first time) until resolved (or mitigated,
    or the export when still open)."""
    moments = []
    for incident in history.incidents:
        start = incident.declared_at or incident.acknowledged_at or incident.first
        end = incident.resolved_at or incident.mitigated_at or history.as_of
        moments.append((start, 1))
        moments.append((end, -1))
    moments.sort(key=lambda m: (m[0], m[1]))  # an end and a start at the same time do not overlap
    most = current = 0
    for _, step in moments:
        current += step
        most = max(most, current)
    return max(most, 1)


def _counts(values) -> dict[str, int]:
    return dict(Counter(v for v in values if v))


def calibrate(history: History, *, since: datetime | None = None, until: datetime | None = None,
              family: str = "auto", bootstrap: int = fitting.BOOTSTRAP, seed: int = 0) -> Calibration:
    """Fit a scenario to `history`. The observation window runs from `since` (default: the first incident,
    which then opens the window and is not counted in its mode's rate) to `until` (default: the export time).
    `family` forces a family for every duration ('auto' chooses by AIC); `bootstrap` samples give the
    intervals and p-values; `seed` makes them reproducible."""
    rng = np.random.default_rng(seed)
    firsts = [incident.first for incident in history.incidents]
    opened_by = None
    if since is None:
        since = min(firsts)
        opened_by = history.incidents[firsts.index(since)]
    until = history.as_of if until is None else until
    if until <= since:
        raise DrillsimError(f"the observation window is empty: {format_time(since)} to {format_time(until)}")
    outside = [i.incident for i in history.incidents if not since <= i.first <= until]
    if outside:
        raise DrillsimError(f"{len(outside)} incidents start outside the window {format_time(since)} to "
                            f"{format_time(until)} (first: {outside[0]}); widen --since/--until")
    window = minutes_between(since, until)
    tick = resolution(history)
    phases = _phases(history)
    grouped_by, _ = grouping(history)
    notes: list[str] = []
    modes = []
    for name, incidents in groups(history).items():
        onsets = np.array([minutes_between(since, i.first) for i in incidents])
        count = len(incidents)
        mode_notes = []
        if opened_by is not None and opened_by in incidents:
            count -= 1
            if count == 0:
                count = 1
                mode_notes.append("its only incident opened the observation window: the rate is a rough guess")
        rate = fitting.fit_rate(onsets, count, window, rng=rng, samples=max(bootstrap, 99))
        found = {}
        for key in ("detection", "mitigation"):
            phase = phases[key]
            found[key] = (fitting.fit_sample(sample(history, phase, incidents, tick), family=family,
                                             bootstrap=bootstrap, rng=rng) if phase else None)
        ack_phase = phases["acknowledgement"]
        ack_median = math.nan
        if ack_phase is not None:
            ack = sample(history, ack_phase, incidents, tick)
            if ack.closed:
                ack_median = _median(ack)
        modes.append(ModeFit(
            name=name, incidents=tuple(incidents), rate=rate, detection=found["detection"],
            mitigation=found["mitigation"], severities=_counts(i.severity for i in incidents),
            causes=_counts(i.cause for i in incidents), channels=_counts(i.channel for i in incidents),
            mitigations=_counts(i.mitigation for i in incidents), acknowledgement_median=ack_median,
            notes=tuple(mode_notes)))
    team: dict[str, Fit | None] = {}
    for key in ("declaration", "acknowledgement", "confirmation"):
        phase = phases[key]
        team[key] = (fitting.fit_sample(sample(history, phase, tick=tick), family=family, bootstrap=bootstrap,
                                        rng=rng) if phase else None)
    p_value = math.nan
    if phases["acknowledgement"] is not None and len(modes) > 1:
        per_mode = [sample(history, phases["acknowledgement"], m.incidents, tick).observed for m in modes]
        per_mode = [values for values in per_mode if len(values) >= fitting.MIN_FIT]
        if len(per_mode) > 1 and len({float(v) for values in per_mode for v in values}) > 1:
            p_value = float(stats.kruskal(*per_mode).pvalue)
    defaults, gaps = _gaps(history, phases, team, modes)
    if history.has("resolved_at") or history.has("mitigated_at"):
        responders = _concurrency(history)
    else:
        responders = DEFAULT_RESPONDERS
        gaps.append(f"team.responders: {history.file} has no resolution times (resolved_at or mitigated_at) to "
                    f"count the incidents open at once; the default, {DEFAULT_RESPONDERS}, stands in")
    return Calibration(
        history=history, grouped_by=grouped_by, since=since, until=until, modes=tuple(modes), team=team,
        phases=phases, responders=responders, people=_counts(i.responder for i in history.incidents),
        acknowledgement_p_value=p_value, bootstrap=bootstrap, seed=seed, notes=tuple(notes), defaults=defaults,
        gaps=tuple(gaps))



def _median(found: Sample) -> float:
    times, levels = distribution_steps(found.values, found.censored, found.resolution)
    index = int(np.searchsorted(levels, 0.5 - 1e-12))
    return float(times[index]) if index < len(times) else math.nan


# ── calibration.json ──────────────────────────────────────────────────────────────────────────────────────


def fit_document(found: Fit) -> dict:
    """A fit as JSON-ready data (minutes)."""

    def number(value: float) -> float | None:
        return None if value is None or not math.isfinite(value) else value

    return {
        "family": found.family,
        "reason": found.reason,
        "incidents": found.sample.count,
        "open": found.sample.open,
        "params": found.params,
        "intervals": {k: [number(a), number(b)] for k, (a, b) in found.intervals.items()},
        "median": number(found.quantile(0.5)),
        "p90": number(found.quantile(0.9)),
        "ks": number(found.ks),
        "p_value": number(found.p_value),
        "bootstrap": found.bootstrap,
        "candidates": [{"family": c.family, "params": c.params, "aic": number(c.aic)} for c in found.candidates],
        "values": list(found.values),
        "warnings": list(found.warnings),
    }


def calibration_document(calibration: Calibration) -> dict:
    """Everything calibration found, for calibration.json: times in minutes."""
    cal = calibration
    return {
        "history": cal.history.file,
        "incidents": len(cal.history.incidents),
        "skipped_rows": list(cal.history.skipped_lines),
        "since": format_time(cal.since),
        "until": format_time(cal.until),
        "window_minutes": cal.window,
        "grouped_by": cal.grouped_by,
        "responders": cal.responders,
        "seed": cal.seed,
        "bootstrap": cal.bootstrap,
        "phases": {k: (None if p is None else [p.start, p.end]) for k, p in cal.phases.items()},
        "modes": [{
            "name": m.name,
            "incidents": len(m.incidents),
            "rate": {"count": m.rate.count, "window_minutes": m.rate.window, "per_minute": m.rate.rate,
                     "interval_per_minute": list(m.rate.interval),
                     "gaps_p_value": None if math.isnan(m.rate.gaps_p_value) else m.rate.gaps_p_value},
            "severities": m.severities,
            "causes": m.causes,
            "detection": None if m.detection is None else fit_document(m.detection),
            "mitigation": None if m.mitigation is None else fit_document(m.mitigation),
        } for m in cal.modes],
        "team": {k: (None if f is None else fit_document(f)) for k, f in cal.team.items()},
        "notes": list(cal.notes),
    }


# ── What a history cannot tell ────────────────────────────────────────────────────────────────────────────

DEFAULTS: dict[str, float] = {"declaration": 5.0, "acknowledgement": 3.0, "mitigation": 30.0, "confirmation": 10.0}
"""Minutes a quantity takes when the history cannot tell it and no later phase covers it: the scenario format's
defaults (declare_after 5m, acknowledge 3m, confirm 10m), and for the time to mitigate, which the format leaves to
each mode, 30 minutes (the floor a human in the loop puts under an outage: roughly 20–30 minutes)."""
DEFAULT_RESPONDERS = 1
"""team.responders when the history has no resolution times to count open incidents with (the format's default)."""
_COLUMNS = {"detection": "failure onsets (started_at)", "declaration": "declared_at",
            "acknowledgement": "acknowledged_at", "mitigation": "mitigated_at or resolved_at",
            "confirmation": "resolved_at after mitigated_at"}


def _gaps(history: History, phases: dict[str, Phase | None], team: dict[str, Fit | None],
          modes: list[ModeFit]) -> tuple[dict[str, float], list[str]]:
    """What stands in for each quantity the history cannot tell: 0s where a neighbouring phase holds its time
    (said in a warning when a headline metric is then not calibrated), else the documented default (DEFAULTS),
    always with a warning naming the quantity and the columns it needs. Raises DrillsimError (exit 2) when the
    history yields nothing to calibrate at all."""
    fitted = [f for f in team.values() if f is not None and f.family != "none"]
    fitted += [f for m in modes for f in (m.detection, m.mitigation) if f is not None and f.family != "none"]
    given = [name for name in TIME_FIELDS if history.has(name)]
    if not fitted:
        if len(given) < 2:
            reason = (f"it gives only {given[0]}" if given else "it gives no times") + \
                " and calibration needs two times of each incident's lifecycle (e.g. detected_at and resolved_at)"
        else:
            reason = (f"no incident gives two of its times ({', '.join(given)}) with the second one reached; "
                      "every phase is empty or still open")
        raise DrillsimError(f"{history.file}: nothing to calibrate: {reason}. Read an export with --preset "
                            "(or let its header choose one), or name your columns with --map COLUMN=FIELD")
    defaults: dict[str, float] = {}
    gaps: list[str] = []
    label = {key: text for key, text, _, _ in QUANTITIES}
    for key, _, _, per_mode in QUANTITIES:
        found = [m.detection if key == "detection" else m.mitigation for m in modes] if per_mode else [team.get(key)]
        empty = [f is None or f.family == "none" for f in found]
        if not any(empty):
            continue
        phase = phases[key]
        why = (f"{history.file} has no {_COLUMNS[key]}" if phase is None else
               f"no incident of {history.file} gives its {phase.span}")
        if key == "detection":
            gaps.append(f"time to detect (MTTD): {why}: set to 0s, so simulated incidents start at the first alert "
                        "and MTTD is not calibrated")
        elif key == "declaration" and (phase is None or all(empty)):
            continue  # declaring is inside the time to acknowledge, measured from the alert
        elif key == "acknowledgement" and phase is None and phases["mitigation"] is not None:
            gaps.append(f"time to acknowledge (MTTA): {why}: it is inside the time to mitigate "
                        f"({phases['mitigation'].span}) and set to 0s, so MTTA is not calibrated")
        elif key == "confirmation" and phase is None and phases["mitigation"] is not None and \
                phases["mitigation"].end == "resolved_at":
            continue  # the time to mitigate runs to resolution: confirming is inside it
        else:
            defaults[key] = DEFAULTS[key]
            where = "" if not per_mode or all(empty) else \
                f" (modes {', '.join(m.name for m, e in zip(modes, empty, strict=True) if e)})"
            gaps.append(f"{label[key]}{where}: {why}: drillsim's default, {format_duration(DEFAULTS[key])}, stands "
                        "in; it is not calibrated")
    return defaults, gaps
