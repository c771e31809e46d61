"""The response policy: when to declare, what to try first, how often to tell stakeholders, how to confirm,
clean up and learn."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from simulator.distributions import DistributionField, Lognormal
from simulator.fields import Duration, PositiveDuration
from simulator.scenario.common import ASSUMED, Frozen, Name, SeverityLevel, constant


class Postmortem(Frozen):
    """Which incidents get a blameless postmortem, and how long after clean-up it is held."""

    severities: tuple[SeverityLevel, ...] = Field(
        ("SEV1", "SEV2"), description="The severities that get a postmortem ([] for none).",
        json_schema_extra={"source": "the incident lifecycle guide: postmortems for major outages"})
    within: DistributionField = Field(default_factory=lambda: constant("3d"),
                                      description="How long after cleanup the postmortem is held.",
                                      json_schema_extra=ASSUMED)


def _slip() -> Lognormal:
    return Lognormal(kind="lognormal", median="10m", p95="45m")


class Updates(Frozen):
    """Stakeholder updates from declaration until service is restored: one every `every[severity]`. A Comms
    lead sends them on time; without one the Incident Commander does, each `slip` late, and the next is due
    `every` after the last one sent."""

    every: dict[SeverityLevel, PositiveDuration] = Field(
        default_factory=lambda: {"SEV1": 30.0, "SEV2": 60.0},
        description="The cadence per severity, e.g. {SEV1: 30m, SEV2: 1h}; severities not named get none.",
        json_schema_extra={"source": "assumption, in line with common status-page practice (updates every 15–60 "
                           "minutes during a major incident)"})
    slip: DistributionField = Field(
        default_factory=_slip, description="How late an update is when the Incident Commander sends it.",
        json_schema_extra=ASSUMED)
    grace: Duration = Field(5.0, description="An update sent within this long after it was due is on time.",
                            json_schema_extra=ASSUMED)


class Severity(Frozen):
    """What a severity level means, as the team's severity table says it: the impact on customers and its scope."""

    impact: Name = Field(description="The impact on customers, e.g. 'most customers cannot pay'.")
    scope: Name = Field(description="How much of the service or its users, e.g. 'every region'.")


SEVERITY_DEFAULTS = {
    "SEV1": Severity(impact="the service is down, or data is at risk", scope="most customers"),
    "SEV2": Severity(impact="a core function fails or is badly degraded", scope="many customers, or a region"),
    "SEV3": Severity(impact="degraded, with a workaround", scope="some customers or one feature"),
    "SEV4": Severity(impact="a minor inconvenience", scope="a few customers"),
    "SEV5": Severity(impact="no customer impact", scope="internal only"),
}
"""The severity table a scenario uses unless it gives its own (an assumption, after the common five-level
tables of public incident-response guides: each level defined by customer impact and scope)."""


class Policy(Frozen):
    """How the team responds: when to declare, what to try first, how to confirm and clean up."""

    declare_after: DistributionField = Field(
        default_factory=lambda: constant("5m"),
        description="Time from detection to declaring the incident ('0s' for automated declaration).",
        json_schema_extra=ASSUMED,
    )
    mitigation: Literal["rollback-first", "debug-first"] | tuple[Name, ...] = Field(
        "rollback-first",
        description="rollback-first tries every offered mitigation in catalogue order (rollback, failover, "
        "drain, then the scenario's own) before debugging; debug-first debugs live straight away; or an "
        "explicit order. Debugging always comes last, as the fallback that works.",
        json_schema_extra={"source": "the incident lifecycle guide's 'rollback first, debug later'"},
    )
    confirm: DistributionField = Field(
        default_factory=lambda: constant("10m"),
        description="Time to confirm with metrics and logs that service is healthy.",
        json_schema_extra=ASSUMED,
    )
    cleanup: DistributionField = Field(
        default_factory=lambda: constant("1h"),
        description="Time to remove temporary fixes after resolution.",
        json_schema_extra=ASSUMED,
    )
    postmortem: Postmortem = Field(default_factory=Postmortem, description="Which incidents get a blameless "
                                   "postmortem, and when.")
    updates: Updates = Field(default_factory=Updates, description="Stakeholder updates from declaration until "
                             "service is restored.")
    severities: dict[SeverityLevel, Severity] = Field(
        default_factory=dict, description="What each severity means, e.g. {SEV1: {impact: customers cannot pay, "
        "scope: every region}}: shown to a trainee declaring an incident (`drillsim drill`). Levels not named "
        "keep the default definition.",
        json_schema_extra={"source": "assumption: SEV1 the service down or data at risk, most customers; SEV2 a "
                           "core function failing, many customers or a region; SEV3 degraded with a workaround, "
                           "some customers; SEV4 a minor inconvenience, a few customers; SEV5 no customer impact "
                           "(after the common five-level severity tables of public incident-response guides)"})

    def severity(self, level: str) -> Severity:
        """The definition of severity `level`: the scenario's, or the default."""
        return self.severities.get(level, SEVERITY_DEFAULTS[level])

    @field_validator("mitigation")
    @classmethod
    def _no_repeats(cls, value):
        if not isinstance(value, str) and len(set(value)) != len(value):
            raise ValueError("each mitigation may appear once in the order")
        return value

    def mitigation_order(self, catalogue: tuple[str, ...]) -> tuple[str, ...]:
        """The names to try, in order, ending with debug; `catalogue` is every known name in catalogue order."""
        if self.mitigation == "rollback-first":
            return (*(name for name in catalogue if name != "debug"), "debug")
        if self.mitigation == "debug-first":
            return ("debug",)
        order = tuple(self.mitigation)
        return order if "debug" in order else (*order, "debug")


__all__ = ["SEVERITY_DEFAULTS", "Policy", "Postmortem", "Severity", "Updates"]
