"""The scenario models: what a drill plays out. Built once from YAML, frozen afterwards.

    Scenario
    ├── horizon, replications, seed, start       how long and how often to simulate
    ├── team: Team                               the on-call pool, acknowledgement, escalation
    ├── policy: Policy                           declaration, mitigation order, confirmation, cleanup, postmortems
    ├── failure_modes: [FailureMode]             how often, why, how bad, how detected, how it can be mitigated
    └── variants: {name: {field.path: value}}    policy variants to compare with it (scenario/variants.py)

All durations are minutes (floats); YAML gives them with units.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.distributions import Constant, DistributionField, Exponential, overflowing
from simulator.errors import DrillsimError
from simulator.fields import Duration, PositiveDuration, Probability, Rate
from simulator.limits import (
    MAX_INCIDENTS,
    MAX_MINUTES,
    MAX_REPLICATIONS,
    MAX_RESPONDERS,
    MAX_RUN_INCIDENTS,
    MAX_SEED,
)

Cause = Literal["deployment", "config", "capacity", "dependency", "infrastructure", "unknown"]
SeverityLevel = Annotated[str, Field(pattern=r"^SEV[1-5]$", description="SEV1 (worst) to SEV5.")]
MitigationName = Literal["rollback", "failover", "drain", "debug"]
MITIGATIONS: tuple[MitigationName, ...] = ("rollback", "failover", "drain", "debug")
CHANNELS = ("monitoring", "slo_burn", "synthetic", "customer_report")
ROLES = ("Incident Commander", "Ops lead", "Comms lead", "Scribe")
BASELINE = "baseline"
"""The name of the scenario as written, beside its variants."""
VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
OverridePath = Annotated[str, Field(min_length=1, description="A dotted field path, e.g. team.responders.")]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


def _constant(text: str) -> Constant:
    return Constant(value=text)


# ── Detection ──────────────────────────────────────────────────────────────────────────────────────────────


class Channel(Frozen):
    """A way the failure gets noticed: with this probability, after this delay from onset."""

    probability: Probability = Field(1.0, description="Chance that this channel notices the failure at all.")
    delay: DistributionField = Field(description="Time from failure onset until this channel raises the alarm.")


class SloBurnChannel(Frozen):
    """A multiwindow SLO burn-rate alert (SRE workbook): fires when the error budget burns fast enough.

    The alert on window W with burn-rate threshold B fires (1 - SLO) / error_ratio × W × B after onset.
    """

    probability: Probability = 1.0
    slo: Annotated[float, Field(gt=0, lt=1, description="The availability objective, e.g. 0.999.")]
    error_ratio: Annotated[float, Field(gt=0, le=1, description="Share of requests failing during the incident.")]
    window: PositiveDuration = Field(description="The alert's long window, e.g. 1h.")
    burn_rate: Annotated[float, Field(gt=0, description="The alert's burn-rate threshold, e.g. 14.4.")]
    evaluation: Duration = Field(0.0, description="Extra delay of the alerting pipeline (scrape, evaluation).")

    @property
    def delay(self) -> Constant:
        minutes = (1 - self.slo) / self.error_ratio * self.window * self.burn_rate + self.evaluation
        return Constant.model_construct(value=minutes)

    @model_validator(mode="after")
    def _fires_in_time(self):
        check_delay(self.delay.value)
        return self


class Detection(Frozen):
    """The channels that can notice a failure; the first to fire detects it."""

    monitoring: Channel | None = None
    slo_burn: SloBurnChannel | None = None
    synthetic: Channel | None = None
    customer_report: Channel | None = None

    @model_validator(mode="after")
    def _someone_notices(self):
        given = [getattr(self, name) for name in CHANNELS if getattr(self, name) is not None]
        if not given:
            raise ValueError(f"name at least one detection channel ({', '.join(CHANNELS)})")
        if not any(channel.probability == 1.0 for channel in given):
            raise ValueError(
                "at least one channel must always fire (probability 1), usually customer_report; "
                "otherwise some failures would never be detected"
            )
        return self

    def channels(self) -> tuple[tuple[str, Channel | SloBurnChannel], ...]:
        return tuple((name, getattr(self, name)) for name in CHANNELS if getattr(self, name) is not None)


# ── Mitigation ─────────────────────────────────────────────────────────────────────────────────────────────


class Mitigation(Frozen):
    """A stop-gap that may restore service: it takes `duration` and works with probability `success`."""

    duration: DistributionField
    success: Probability = Field(1.0, description="Chance that it restores service when it applies.")


class Debug(Frozen):
    """Debugging live to a fix: always works in the end, but takes long."""

    duration: DistributionField


class Mitigations(Frozen):
    """What can be done about this failure. Rollback restores service only when the cause is a deployment."""

    rollback: Mitigation | None = None
    failover: Mitigation | None = None
    drain: Mitigation | None = None
    debug: Debug


# ── Failure modes ──────────────────────────────────────────────────────────────────────────────────────────


class FailureMode(Frozen):
    """One kind of failure: how often it starts, why, how bad, how it is noticed and what can be done."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    cause: Cause
    every: DistributionField | None = Field(None, description="Time between onsets (a distribution).")
    rate: Rate | None = Field(None, description="Onsets per period, e.g. '2/w'; the same as exponential `every`.")
    severity: SeverityLevel | dict[SeverityLevel, Annotated[float, Field(gt=0)]] = Field(
        "SEV3", description="A fixed severity, or weights of each severity (normalised to sum to 1)."
    )
    detection: Detection
    mitigations: Mitigations

    @field_validator("severity")
    @classmethod
    def _weights(cls, severity):
        if isinstance(severity, dict):
            check_weights(severity)
        return severity

    @field_validator("every")
    @classmethod
    def _gaps_take_time(cls, every):
        if every is not None and not every.mean > 0:
            raise ValueError("the mean time between onsets must be above 0 (failures cannot start back to back)")
        return every

    @model_validator(mode="after")
    def _one_arrival(self):
        if (self.every is None) == (self.rate is None):
            raise ValueError("give exactly one of `every` (a distribution of time between onsets) or `rate`")
        if self.interarrival.mean <= 0:
            raise ValueError("the time between onsets must be positive on average")
        return self

    @property
    def interarrival(self):
        """The distribution of time between onsets."""
        if self.every is not None:
            return self.every
        return Exponential.model_construct(kind="exponential", mean_=1.0 / self.rate)

    @property
    def severities(self) -> tuple[tuple[str, float], ...]:
        """(severity, probability) pairs, probabilities summing to 1."""
        if isinstance(self.severity, str):
            return ((self.severity, 1.0),)
        total = sum(self.severity.values())
        return tuple((level, weight / total) for level, weight in sorted(self.severity.items()))


# ── Team ───────────────────────────────────────────────────────────────────────────────────────────────────


class Secondary(Frozen):
    """Who the page escalates to when the on-call responder does not acknowledge in time."""

    name: str = "secondary on-call"
    acknowledge: DistributionField = Field(default_factory=lambda: _constant("5m"))


class Team(Frozen):
    """The on-call pool. Each incident holds one responder from acknowledgement until resolution is confirmed;
    overlapping incidents wait for a free one."""

    responders: Annotated[int, Field(ge=1, le=MAX_RESPONDERS,
                                     description="How many people can work incidents at once.")] = 1
    names: tuple[str, ...] = Field((), description="Optional names of the responders, one per responder.")
    acknowledge: DistributionField = Field(
        default_factory=lambda: _constant("3m"), description="Time from page to acknowledgement."
    )
    miss_probability: Probability = Field(0.0, description="Chance that the paged responder misses the page.")
    escalate_after: PositiveDuration = Field(15.0, description="Time without acknowledgement before escalating.")
    secondary: Secondary = Field(default_factory=Secondary)
    assemble: DistributionField = Field(
        default_factory=lambda: _constant("0s"),
        description="Time after acknowledgement to bring in the Ops lead, Comms lead and Scribe.",
    )

    @model_validator(mode="after")
    def _names_match(self):
        if self.names and len(self.names) != self.responders:
            raise ValueError(f"names lists {len(self.names)} people for {self.responders} responders")
        if len(set(self.names)) != len(self.names):
            raise ValueError("responder names must differ")
        return self

    def responder_name(self, index: int) -> str:
        return self.names[index] if self.names else f"on-call #{index + 1}"


# ── Policy ─────────────────────────────────────────────────────────────────────────────────────────────────


class Postmortem(Frozen):
    """Which incidents get a blameless postmortem, and how long after clean-up it is held."""

    severities: tuple[SeverityLevel, ...] = ("SEV1", "SEV2")
    within: DistributionField = Field(default_factory=lambda: _constant("3d"))


class Policy(Frozen):
    """How the team responds: when to declare, what to try first, how to confirm and clean up."""

    declare_after: DistributionField = Field(
        default_factory=lambda: _constant("5m"),
        description="Time from detection to declaring the incident ('0s' for automated declaration).",
    )
    mitigation: Literal["rollback-first", "debug-first"] | tuple[MitigationName, ...] = Field(
        "rollback-first",
        description="rollback-first tries rollback, failover, drain, then debugs; debug-first debugs live "
        "straight away; or an explicit order. Debugging always comes last, as the fallback that works.",
    )
    confirm: DistributionField = Field(
        default_factory=lambda: _constant("10m"),
        description="Time to confirm with metrics and logs that service is healthy.",
    )
    cleanup: DistributionField = Field(
        default_factory=lambda: _constant("1h"),
        description="Time to remove temporary fixes after resolution.",
    )
    postmortem: Postmortem = Field(default_factory=Postmortem)

    @field_validator("mitigation")
    @classmethod
    def _no_repeats(cls, value):
        if not isinstance(value, str) and len(set(value)) != len(value):
            raise ValueError("each mitigation may appear once in the order")
        return value

    @property
    def mitigation_order(self) -> tuple[MitigationName, ...]:
        if self.mitigation == "rollback-first":
            return MITIGATIONS
        if self.mitigation == "debug-first":
            return ("debug",)
        order = tuple(self.mitigation)
        return order if "debug" in order else (*order, "debug")


# ── Scenario ───────────────────────────────────────────────────────────────────────────────────────────────


class Scenario(Frozen):
    """A whole drill: failure modes, team and policy, and how long and how often to play it."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    horizon: PositiveDuration = Field(129600.0, description="Simulated span of one replication, e.g. '90d'.")
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 200
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    start: datetime | None = Field(None, description="Wall-clock time of minute 0, for timelines.")
    team: Team = Field(default_factory=Team)
    policy: Policy = Field(default_factory=Policy)
    failure_modes: tuple[FailureMode, ...]
    variants: dict[str, dict[OverridePath, Any]] = Field(
        default_factory=dict,
        description="Variants to compare with the scenario as written: name → overrides of any field by "
        "dotted path, e.g. {debug-first: {policy.mitigation: debug-first}, three-on-call: {team.responders: 3}}. "
        "Applied and checked by simulator.scenario.variants.",
    )

    @field_validator("variants")
    @classmethod
    def _variant_names(cls, variants):
        for name in variants:
            if name == BASELINE:
                raise ValueError(f"the variant name {BASELINE!r} is reserved for the scenario as written")
            if not VARIANT_NAME.fullmatch(name):
                raise ValueError(f"variant names use letters, digits, '-' and '_' (got {name!r})")
            if not variants[name]:
                raise ValueError(f"variant {name!r} changes nothing; give at least one `field.path: value`")
        return variants

    @field_validator("failure_modes")
    @classmethod
    def _some_modes(cls, modes):
        if not modes:
            raise ValueError("name at least one failure mode")
        return modes

    @model_validator(mode="after")
    def _unique_modes(self):
        names = [mode.name for mode in self.failure_modes]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"failure mode names must be unique; repeated: {', '.join(duplicated)}")
        check_incidents(self)
        return self

    @model_validator(mode="after")
    def _fits_the_calendar(self):
        if self.start is not None:
            check_calendar(self.start, self.horizon)
        return self

    @model_validator(mode="after")
    def _run_fits(self):
        check_run(self, self.replications, error=ValueError)
        return self


# ── Guards: values that validate one by one but would crash or poison a run ────────────────────────────────


def check_weights(weights: dict[str, float]) -> None:
    """Severity weights: at least one, and a finite sum (they are relative: 0.3 and 0.7, or 3 and 7)."""
    if not weights:
        raise ValueError("give at least one severity and its weight, e.g. {SEV2: 0.3, SEV3: 0.7}")
    if not math.isfinite(overflowing(lambda: sum(weights.values()))):
        raise ValueError("the weights are too large to add up; they are relative, so write e.g. 0.3 and 0.7")


def check_delay(minutes: float) -> None:
    if not minutes <= MAX_MINUTES:
        raise ValueError("the alert would fire more than 1,000 years after onset; check slo, error_ratio, window "
                         "and burn_rate")


def check_calendar(start: datetime, horizon: float) -> None:
    try:
        start + timedelta(minutes=horizon)
    except OverflowError:
        raise ValueError(f"the horizon runs from {start.isoformat()} past the end of the calendar (year 9999)") \
            from None


def incidents_bound(mode: FailureMode, horizon: float) -> float:
    """At most how many incidents of `mode` a replication is expected to hold: horizon ÷ mean gap, plus the
    gaps' squared coefficient of variation plus one (Lorden's bound on a renewal process). The second term
    counts the many incidents a distribution with much of its mass near 0 brings, whatever its mean."""
    gap = mode.interarrival
    return overflowing(lambda: horizon / gap.mean + spread(mode) + 1)


def spread(mode: FailureMode) -> float:
    """The squared coefficient of variation of a mode's time between onsets (1 for a Poisson process)."""
    gap = mode.interarrival
    return overflowing(lambda: gap.variance / gap.mean**2)


def check_incidents(scenario: Scenario) -> None:
    """Refuse a replication expected to hold more than MAX_INCIDENTS incidents."""
    bounds = {mode.name: incidents_bound(mode, scenario.horizon) for mode in scenario.failure_modes}
    total = sum(bounds.values())
    if total > MAX_INCIDENTS:
        bursts = sorted(mode.name for mode in scenario.failure_modes
                        if spread(mode) > overflowing(lambda m=mode: scenario.horizon / m.interarrival.mean))
        why = (f"; the time between onsets of {', '.join(bursts)} is mostly near 0 with rare long gaps, so most "
               "onsets come in bursts" if bursts else "")
        count = f"about {total:,.0f}" if math.isfinite(total) else "unboundedly many"
        raise ValueError(f"{count} incidents per replication (more than {MAX_INCIDENTS:,}){why}: shorten the "
                         "horizon or make failures rarer")


def check_run(scenario: Scenario, replications: int, error: type[Exception] = DrillsimError) -> None:
    """Refuse a run (`replications` replications of `scenario`) expected to hold more than MAX_RUN_INCIDENTS
    incidents in all: the whole run's incidents are held in memory."""
    total = replications * sum(incidents_bound(mode, scenario.horizon) for mode in scenario.failure_modes)
    if total > MAX_RUN_INCIDENTS:
        raise error(f"{replications:,} replications of about {total / replications:,.0f} incidents each would "
                    f"hold about {total:,.0f} incidents (more than {MAX_RUN_INCIDENTS:,}, some 80 bytes each in "
                    "memory): run fewer replications or a shorter horizon")
