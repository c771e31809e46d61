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
no missed pages and no second level to escalate to (the acknowledgement times include both; escalate_after
keeps the format's default), roles assembled at once (the mitigation time includes it), and enough
responders that a page practically never waits for a free one (the acknowledgement times include any wait):
the fewest for which a page finds everyone busy with a chance below WAIT_RISK, reading the team as an M/G/∞
system (incidents arrive at the fitted rates and each holds a responder for the mean time to acknowledge,
mitigate and confirm; the number busy is then Poisson with that load), and never fewer than the history's
named responders or the most incidents it had open at once. The people who acknowledged in the history are
the responders' names.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
WAIT_RISK = 1e-4
"""The chance, at most, that a page of the calibrated scenario finds every responder busy (and so waits on top
of a fitted acknowledgement time that already includes the history's waits). An assumption: one page in ten
thousand is below what a replication's medians and p90s can show."""


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
    concurrency: int = 1
    """The most incidents the history had open at once."""
    load: float = 0.0
    """The mean number of responders busy at once in the calibrated scenario (Erlangs)."""
    rotation: RotationFit | None = None
    """The rotation the history shows (who acknowledged when), if it shows one."""

    @property
    def one_on_call_busy(self) -> float:
        """The chance that a page finds a lone person on call busy (Erlang's loss formula for one server)."""
        return self.load / (1 + self.load)

    @property
    def uses_rotation(self) -> bool:
        """Whether the scenario pages the inferred rotation (one person on call) rather than a pool: only when
        a page would find that person busy with a chance below WAIT_RISK."""
        return self.rotation is not None and self.one_on_call_busy <= WAIT_RISK
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


ROTATION_MATCH = 0.9
"""The share of acknowledgements, at least, that must fall in their person's turns for a rotation to be
inferred (a swap or a cover now and then is allowed)."""
HANDOFFS = (*((f"{day} 09:00", 10080.0) for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")),
            ("09:00", 1440.0))
"""The rotations tried: weekly turns handed over at 09:00 on each weekday, and daily turns at 09:00 (local
time). An assumption: 09:00 is a common handoff time; a rotation handed over at another time is not found."""


@dataclass(frozen=True)
class RotationFit:
    """A rotation inferred from who acknowledged when: `people` take turns of `shift` minutes handed over at
    `handoff` (local time), the first on call at the start of the window; `matched` of `total`
    acknowledgements fell in their person's turn."""

    people: tuple[str, ...]
    shift: float
    handoff: str
    matched: int
    total: int


def infer_rotation(history: History, since: datetime) -> RotationFit | None:
    """The rotation the history shows, if any: each acknowledgement (or page, or first time) is placed in a
    turn of each candidate rotation (HANDOFFS); a rotation of n people is shown when the turns' people repeat
    with period n and at least ROTATION_MATCH of the acknowledgements fall in their person's turn."""
    zone = history.zone or UTC
    events = [((i.acknowledged_at or i.declared_at or i.first).astimezone(zone).replace(tzinfo=None), i.responder)
              for i in history.incidents if i.responder]
    people = sorted({who for _, who in events})
    if len(people) < 2 or len(events) < 2 * len(people):
        return None
    start = since.astimezone(zone).replace(tzinfo=None)
    best: RotationFit | None = None
    for handoff, shift in HANDOFFS:
        day, clock = (handoff.split()[0], handoff.split()[1]) if " " in handoff else (None, handoff)
        anchor = datetime.combine(start.date(), datetime.strptime(clock, "%H:%M").time())
        if day is not None:
            weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun").index(day)
            anchor -= timedelta(days=(anchor.weekday() - weekday) % 7)
        while anchor > start:
            anchor -= timedelta(minutes=shift)
        n = len(people)
        residues: dict[int, Counter] = {}
        for moment, who in events:
            turn = int((moment - anchor).total_seconds() // (shift * 60))
            residues.setdefault(turn % n, Counter())[who] += 1
        if len(residues) < n:
            continue
        order = [residues[r].most_common(1)[0][0] for r in range(n)]
        if len(set(order)) < n:
            continue
        matched = sum(residues[r][order[r]] for r in range(n))
        if matched >= ROTATION_MATCH * len(events) and (best is None or matched > best.matched):
            best = RotationFit(tuple(order), shift, handoff, matched, len(events))
    return best


def _counts(values) -> dict[str, int]:
    return dict(Counter(v for v in values if v))


def calibrate(history: History, *, since: datetime | None = None, until: datetime | None = None,
              family: str = "auto", bootstrap: int = fitting.BOOTSTRAP, seed: int = 0,
              progress: Callable[[str], None] | None = None) -> Calibration:
    """Fit a scenario to `history`. The observation window runs from `since` (default: the first incident,
    which then opens the window and is not counted in its mode's rate) to `until` (default: the export time).
    `family` forces a family for every duration ('auto' chooses by AIC); `bootstrap` samples give the
    intervals and p-values; `seed` makes them reproducible. `progress` is told, before each fit, what is
    being fitted ('db: time to detect (40 incidents)'), so that a long calibration is not silent."""

    def fitting_sample(scope: str, found: Sample) -> Fit:
        if progress is not None:
            progress(f"fitting {scope}: {found.phase.label} ({found.count} incidents, {bootstrap} bootstrap "
                     "samples)")
        return fitting.fit_sample(found, family=family, bootstrap=bootstrap, rng=rng)

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
            found[key] = fitting_sample(name, sample(history, phase, incidents, tick)) if phase else None
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
        team[key] = fitting_sample("all modes", sample(history, phase, tick=tick)) if phase else None
    p_value = math.nan
    if phases["acknowledgement"] is not None and len(modes) > 1:
        per_mode = [sample(history, phases["acknowledgement"], m.incidents, tick).observed for m in modes]
        per_mode = [values for values in per_mode if len(values) >= fitting.MIN_FIT]
        if len(per_mode) > 1 and len({float(v) for values in per_mode for v in values}) > 1:
            p_value = float(stats.kruskal(*per_mode).pvalue)
    defaults, gaps = _gaps(history, phases, team, modes)
    people = _counts(i.responder for i in history.incidents)
    concurrency = _concurrency(history)
    load = busy_load(modes, team)
    if history.has("resolved_at") or history.has("mitigated_at"):
        responders = no_wait_responders(load, max(concurrency, len(people)))
    else:
        responders = DEFAULT_RESPONDERS
        gaps.append(f"team.responders: {history.file} has no resolution times (resolved_at or mitigated_at) to "
                    f"count the incidents open at once; the default, {DEFAULT_RESPONDERS}, stands in")
    return Calibration(
        history=history, grouped_by=grouped_by, since=since, until=until, modes=tuple(modes), team=team,
        phases=phases, responders=responders, people=people,
        acknowledgement_p_value=p_value, bootstrap=bootstrap, seed=seed, notes=tuple(notes), defaults=defaults,
        gaps=tuple(gaps), concurrency=concurrency, load=load, rotation=infer_rotation(history, since))


def busy_load(modes, team: dict[str, Fit | None]) -> float:
    """The mean number of responders busy at once: each mode's rate times the mean time one of its incidents
    holds a responder (acknowledging, mitigating, confirming)."""

    def mean(found: Fit | None) -> float:
        value = found.mean if found is not None else 0.0
        return value if math.isfinite(value) else 0.0

    shared = mean(team.get("acknowledgement")) + mean(team.get("confirmation"))
    return sum(mode.rate.rate * (shared + mean(mode.mitigation)) for mode in modes)


def no_wait_responders(load: float, at_least: int = 1) -> int:
    """The fewest responders (at least `at_least`) for which a page finds them all busy with a chance of at most
    WAIT_RISK: the number busy in an M/G/∞ system is Poisson with mean `load`, and a page (a Poisson arrival)
    sees it as it is at a random time."""
    responders = max(at_least, 1)
    while stats.poisson.sf(responders - 1, load) > WAIT_RISK and responders < 10_000:
        responders += 1
    return responders



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
        "shift": found.shift,
        "intervals": {k: [number(a), number(b)] for k, (a, b) in found.intervals.items()},
        "median": number(found.quantile(0.5)),
        "p90": number(found.quantile(0.9)),
        "ks": number(found.ks),
        "p_value": number(found.p_value),
        "bootstrap": found.bootstrap,
        "candidates": [{"family": c.family, "params": c.params, "shift": c.shift, "aic": number(c.aic),
                        "absurd": c.absurd} for c in found.candidates],
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
        "rotation": None if cal.rotation is None else {
            "people": list(cal.rotation.people), "shift_minutes": cal.rotation.shift,
            "handoff": cal.rotation.handoff, "matched": cal.rotation.matched, "total": cal.rotation.total,
            "used": cal.uses_rotation, "one_on_call_busy": cal.one_on_call_busy},
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
