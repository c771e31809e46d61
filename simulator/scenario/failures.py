"""Failure modes: how often each starts (and when in the week), why, how bad, how it is noticed, and which
mitigations from the catalogue can restore service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from simulator.calendar import Weekly
from simulator.distributions import Constant, DistributionField, Exponential
from simulator.fields import Duration, PositiveDuration, Probability, Rate
from simulator.scenario import guards
from simulator.scenario.common import (
    ASSUMED,
    CAUSES,
    Cause,
    Days,
    Frozen,
    HoursOfDay,
    InCalendar,
    Name,
    SeverityLevel,
    Text,
    weekly,
)
from simulator.scenario.deployments import Deployments

CHANNELS = ("monitoring", "slo_burn", "synthetic", "customer_report", "social_media")
REPORTS = ("customer_report", "social_media")
"""The channels through which customers report a failure: their delay may shrink as the failure reaches more
users (ReportChannel)."""
PUBLIC = ("social_media",)
"""The channels whose reports are public: a SEV they find was found by customers in public."""


# ── Detection ──────────────────────────────────────────────────────────────────────────────────────────────


class Channel(Frozen):
    """A way the failure gets noticed: with this probability, after this delay from onset."""

    probability: Probability = Field(1.0, description="Chance that this channel notices the failure at all.")
    delay: DistributionField = Field(description="Time from failure onset until this channel raises the alarm.")


class ReportChannel(Channel):
    """Customers reporting the failure: with this probability, after a delay that shrinks as the failure reaches
    more users. `delay` is the delay at the reference reach; an incident whose mode fails a share `impact` of
    requests, starting when the service has U users an hour, reaches impact × U users an hour, and its delay is

        delay × ((reference_impact × reference_users) ÷ (impact × U)) ** exponent

    With exponent 0 (customer_report's default) the delay is `delay` whatever the reach, as before; with 1 it is
    inversely proportional to the reach: each affected user is as likely to report as any other, so the first
    of N reports comes N times sooner (the minimum of N exponential waits). Without the scenario's `users`, U is
    the reference and only the impact counts."""

    exponent: Annotated[float, Field(ge=0, le=3)] = Field(
        0.0, description="How strongly the delay shrinks with the reach: 0 not at all, 1 in inverse proportion.",
        json_schema_extra={"source": "0: the delay as written, whatever the reach, keeps every scenario's results "
                           "as they were"})
    reference_impact: Annotated[float, Field(gt=0, le=1)] = Field(
        1.0, description="The share of requests failing at which `delay` holds (default 1: a full outage).",
        json_schema_extra=ASSUMED)
    reference_users: Annotated[float, Field(gt=0, le=1e12)] | None = Field(
        None, description="The users per hour at which `delay` holds (default: the scenario's average users per "
        "hour over the horizon).", json_schema_extra=ASSUMED)

    def impact_factor(self, impact: float) -> float:
        """What the delay is multiplied by for a failure of `impact`: (reference_impact ÷ impact) ** exponent. The
        users about at onset scale it apart, against `reference_users`, when the scenario gives users per hour."""
        if self.exponent == 0:
            return 1.0
        return (self.reference_impact / impact) ** self.exponent


class SocialMediaChannel(ReportChannel):
    """Customers reporting the failure in public, on social media: a failure found this way was found by
    customers in public. Most failures are never posted about, and a larger one is posted about sooner, so
    `probability` must be given and the delay shrinks in inverse proportion to the reach by default."""

    probability: Probability = Field(description="Chance that anyone posts about the failure at all (no published "
                                     "figure: an assumption of the scenario's own).")
    exponent: Annotated[float, Field(ge=0, le=3)] = Field(
        1.0, description="How strongly the delay shrinks with the reach (default 1, inverse proportion: each "
        "affected user as likely to post as any other; an assumption).",
        json_schema_extra={"source": "the minimum of N exponential waits is N times shorter: each affected user "
                           "equally likely to post (an assumption)"})


class SloBurnChannel(Frozen):
    """A multiwindow SLO burn-rate alert (SRE workbook): fires when the error budget burns fast enough.

    The alert on window W with burn-rate threshold B fires (1 - SLO) / error_ratio × W × B after onset. `slo`
    defaults to the scenario's `slo.objective` and `error_ratio` to the failure mode's `impact`.
    """

    probability: Probability = Field(1.0, description="Chance that the alert is in place and fires at all.")
    slo: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None, description="The availability objective, e.g. 0.999 (default: the scenario's slo.objective).")
    error_ratio: Annotated[float, Field(gt=0, le=1)] | None = Field(
        None, description="Share of requests failing during the incident (default: the failure mode's impact).",
        json_schema_extra={"source": "the SRE workbook's burn-rate arithmetic"})
    window: PositiveDuration = Field(description="The alert's long window, e.g. 1h.")
    burn_rate: Annotated[float, Field(gt=0, description="The alert's burn-rate threshold, e.g. 14.4.")]
    evaluation: Duration = Field(0.0, description="Extra delay of the alerting pipeline (scrape, evaluation).",
                                 json_schema_extra=ASSUMED)

    @model_validator(mode="after")
    def _can_fire(self):
        if self.slo is None or self.error_ratio is None:
            missing = " and ".join(name for name in ("slo", "error_ratio") if getattr(self, name) is None)
            raise ValueError(f"give {missing}: `slo` (or the scenario's slo.objective) and `error_ratio` (or the "
                             "failure mode's impact) set when the alert fires")
        burn = self.error_ratio / (1 - self.slo)
        if burn < self.burn_rate:
            raise ValueError(
                f"an error ratio of {self.error_ratio:g} burns the budget of a {self.slo:g} SLO at {burn:.3g}×, "
                f"below the alert's threshold of {self.burn_rate:g}×: this alert would never fire. Raise "
                "error_ratio (or the mode's impact), lower burn_rate, or leave the channel out")
        return self

    @property
    def delay(self) -> Constant:
        assert self.slo is not None and self.error_ratio is not None, "_can_fire asks for both"
        minutes = (1 - self.slo) / self.error_ratio * self.window * self.burn_rate + self.evaluation
        return Constant.model_construct(value=minutes)


class Detection(Frozen):
    """The channels that can notice a failure; the first to fire detects it."""

    monitoring: Channel | None = Field(None, description="Metrics and log alerts: {probability, delay}.")
    slo_burn: SloBurnChannel | None = Field(None, description="An SLO burn-rate alert: {window, burn_rate}, which "
                                            "fires (1 − SLO) ÷ error_ratio × window × burn_rate after onset.")
    synthetic: Channel | None = Field(None, description="Synthetic checks (probes): {probability, delay}.")
    customer_report: ReportChannel | None = Field(
        None, description="Customers telling you: {delay} for a reference reach (probability 1 by default, the "
        "channel that always fires); a wider failure is reported sooner.")
    social_media: SocialMediaChannel | None = Field(
        None, description="Customers posting in public: {probability, delay}; found there, the incident is "
        "flagged as found by customers in public.")

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


# ── Mitigations ────────────────────────────────────────────────────────────────────────────────────────────

DEBUG = "debug"


class CatalogueEntry(Frozen):
    """A kind of mitigation: what it is, and the causes it can help with (any, when not said)."""

    description: Text = Field("", description="What the mitigation does, in a few words.")
    applies_to: tuple[Cause, ...] | None = Field(
        None, description="The causes it can restore service for, e.g. [deployment] for a rollback; any when "
        "not given.")

    def applies(self, cause: str) -> bool:
        return self.applies_to is None or cause in self.applies_to


BUILT_IN = {
    "rollback": CatalogueEntry(description="roll back the latest deployment", applies_to=("deployment",)),
    "failover": CatalogueEntry(description="fail over to a secondary region or provider"),
    "drain": CatalogueEntry(description="drain traffic from the failing nodes"),
    DEBUG: CatalogueEntry(description="debug live to a fix"),
}
"""The mitigations every scenario knows; a scenario's `mitigations` catalogue adds more (or redefines these)."""
MITIGATIONS = tuple(BUILT_IN)


class Mitigation(Frozen):
    """A stop-gap that may restore service: it takes `duration` and works with probability `success` when it
    applies to the failure's cause."""

    duration: DistributionField = Field(description="How long trying it takes, whether or not it works.")
    success: Probability = Field(1.0, description="Chance that it restores service when it applies.")


# ── What a trainee is shown ────────────────────────────────────────────────────────────────────────────────


class Clue(Frozen):
    """Something the responders find out about a failure after investigating it for `after` (in all)."""

    after: PositiveDuration = Field(description="Investigation time, in all, until this clue turns up, e.g. 10m.")
    text: Annotated[str, Field(min_length=1, max_length=500, description="What they find, in the responders' "
                                                                           "words; never the failure mode's name.")]


# ── Failure modes ──────────────────────────────────────────────────────────────────────────────────────────


class RateRule(Frozen):
    """The rate times `factor` on these `days` and `hours` (local time); the first rule that matches counts."""

    days: Days = "every day"
    hours: HoursOfDay = "all day"
    factor: Annotated[float, Field(ge=0, le=1e6)] = Field(description="The rate's multiplier then (0: none).")

    @property
    def weekly(self) -> Weekly:
        return weekly(self.days, self.hours)


class FailureMode(Frozen):
    """One kind of failure: how often it starts, why, how bad, how it is noticed and what can be done."""

    name: Name = Field(description="The mode's name, unique in the scenario (its dice are numbered by it).")
    description: Text = Field("", description="What happens, for the report and the plan.")
    cause: Cause = Field(description="Why it happens: deployment, config, capacity, dependency, infrastructure or "
                         "unknown (a rollback helps only a deployment's failure).")
    every: DistributionField | None = Field(None, description="Time between onsets (a distribution).")
    rate: Rate | None = Field(None, description="Onsets per period, e.g. '2/w'; the same as exponential `every`.")
    profile: tuple[RateRule, ...] = Field(
        (), description="Weekly rate factors, e.g. [{days: Mon-Fri, hours: 09:00-18:00, factor: 2}]; the first "
        "rule that matches the local time counts, 1 elsewhere. Needs `rate`.")
    severity: SeverityLevel | dict[SeverityLevel, Annotated[float, Field(gt=0)]] = Field(
        "SEV3", description="A fixed severity, or weights of each severity (normalised to sum to 1)."
    )
    detection: Detection = Field(description="The channels that can notice it; the first to fire detects it.")
    mitigations: dict[Name, Mitigation] = Field(
        description="The mitigations that can be tried, by catalogue name (rollback, failover, drain, debug, or "
        "the scenario's own); debug is required: debugging live always works in the end.")
    mitigation_order: tuple[Name, ...] | None = Field(
        None, description="The order to try this mode's mitigations in, overriding the policy's.")
    deployments: Deployments | None = Field(
        None, description="Instead of `rate` or `every`: the deployments whose failures start this mode's "
        "incidents, {rate, change_failure_rate, allowed, freezes}. Needs cause: deployment.")
    impact: Probability | None = Field(
        None, description="The share of requests failing while it is open (default: its slo_burn channel's "
        "error_ratio, else 1).", json_schema_extra={"source": "the SRE workbook's burn-rate arithmetic; else an "
                                                     "assumption (the whole service down)"})
    only_with_debt: bool = Field(
        False, description="It happens, at its rate, only while some temporary fix is left in place "
        "(practices.cleanup).")
    symptoms: Annotated[str, Field(max_length=500)] = Field(
        "", description="What the alerts and the first reports say, as a trainee sees them in `drillsim drill` "
        "(never the failure mode's name), e.g. 'checkout error rate at 8%, card payments failing'.")
    clues: tuple[Clue, ...] = Field(
        (), description="What investigating reveals in `drillsim drill`, each after so much investigation in all, "
        "e.g. [{after: 10m, text: 'errors began with release 4.2'}].")

    @field_validator("severity")
    @classmethod
    def _weights(cls, severity):
        if isinstance(severity, dict):
            guards.check_weights(severity)
        return severity

    @field_validator("every")
    @classmethod
    def _gaps_take_time(cls, every):
        if every is not None and not every.mean > 0:
            raise ValueError("the mean time between onsets must be above 0 (failures cannot start back to back)")
        return every

    @field_validator("mitigations")
    @classmethod
    def _debug_always_works(cls, mitigations):
        if DEBUG not in mitigations:
            raise ValueError("name a `debug` mitigation: debugging live is the fallback that always works")
        if mitigations[DEBUG].success != 1.0:
            raise ValueError("debug always works in the end; give it a duration but no `success`")
        return mitigations

    @model_validator(mode="after")
    def _one_arrival(self):
        given = [name for name in ("every", "rate", "deployments") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `every` (a distribution of time between onsets), `rate`, or "
                             "`deployments`" + (f" (got {', '.join(given)})" if given else ""))
        if self.deployments is not None:
            if self.cause != "deployment":
                raise ValueError(f"a mode that `deployments` start has cause: deployment (got {self.cause})")
            if self.profile:
                raise ValueError("a `profile` does not apply to a mode that deployments start: give "
                                 "deployments.allowed instead")
        elif self.interarrival.mean <= 0:
            raise ValueError("the time between onsets must be positive on average")
        if self.every is not None and self.profile:
            raise ValueError("a `profile` changes the rate with the time of day, which needs Poisson arrivals: "
                             "give `rate` (e.g. '2/w') instead of `every`")
        if self.every is not None and self.only_with_debt:
            raise ValueError("a mode that only happens with debt changes its rate as fixes come and go, which "
                             "needs Poisson arrivals: give `rate` instead of `every`")
        for field, text in (("symptoms", self.symptoms), *(("clues", clue.text) for clue in self.clues)):
            if self.name.lower() in text.lower():
                raise ValueError(f"{field} must not name the failure mode ({self.name!r}): a trainee reads them "
                                 "before the failure is diagnosed")
        if [clue.after for clue in self.clues] != sorted(clue.after for clue in self.clues):
            raise ValueError("list the clues in the order they turn up (by `after`)")
        if self.mitigation_order is not None:
            unknown = [name for name in self.mitigation_order if name not in self.mitigations]
            if unknown:
                raise ValueError(f"mitigation_order names {', '.join(map(repr, unknown))}, which this mode's "
                                 f"mitigations do not offer ({', '.join(self.mitigations)})")
            if len(set(self.mitigation_order)) != len(self.mitigation_order):
                raise ValueError("each mitigation may appear once in mitigation_order")
        return self

    @property
    def interarrival(self):
        """The distribution of time between onsets (at the base rate; for a mode that deployments start, the
        deployment rate times the change failure rate)."""
        if self.every is not None:
            return self.every
        if self.deployments is not None:
            rate = self.deployments.rate * self.deployments.change_failure_rate
            return Exponential.model_construct(kind="exponential", mean_=1.0 / rate if rate > 0 else float("inf"))
        return Exponential.model_construct(kind="exponential", mean_=1.0 / self.rate)

    @property
    def share_failing(self) -> float:
        """The share of requests failing while it is open: `impact`, else its SLO burn alert's error ratio, else 1."""
        if self.impact is not None:
            return self.impact
        if self.detection.slo_burn is not None:
            ratio = self.detection.slo_burn.error_ratio
            assert ratio is not None, "SloBurnChannel._can_fire asks for it"
            return ratio
        return 1.0

    @property
    def severities(self) -> tuple[tuple[str, float], ...]:
        """(severity, probability) pairs, probabilities summing to 1."""
        if isinstance(self.severity, str):
            return ((self.severity, 1.0),)
        total = sum(self.severity.values())
        return tuple((level, weight / total) for level, weight in sorted(self.severity.items()))

    @property
    def peak_factor(self) -> float:
        """The largest factor the profile applies (1 where no rule matches)."""
        return max([1.0, *(rule.factor for rule in self.profile)])


class Window(Frozen):
    """A dated stretch (a launch, a sale, a deploy freeze) that multiplies the rate of some failure modes."""

    name: Name = Field(description="What the window is, e.g. 'code freeze'.")
    start: Annotated[datetime, InCalendar] = Field(
        description="When it starts, e.g. 2026-02-01T00:00 (the scenario's time zone).")
    end: Annotated[datetime, InCalendar] = Field(description="When it ends.")
    factor: Annotated[float, Field(ge=0, le=1e6, description="0 for a freeze, 3 for three times as many.")]
    modes: tuple[Name, ...] | None = Field(None, description="The failure modes it affects (default: all).")
    causes: tuple[Cause, ...] | None = Field(None, description="Or the causes it affects, e.g. [deployment].")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _when(cls, value):
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)  # a date alone: its midnight
        return value

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError("a window ends after it starts")
        if self.modes is not None and self.causes is not None:
            raise ValueError("a window applies to `modes` or to `causes`, not both")
        return self

    def applies(self, mode: FailureMode) -> bool:
        if self.modes is not None:
            return mode.name in self.modes
        if self.causes is not None:
            return mode.cause in self.causes
        return True


__all__ = ["BUILT_IN", "CAUSES", "CHANNELS", "DEBUG", "MITIGATIONS", "PUBLIC", "REPORTS", "CatalogueEntry", "Channel",
           "Clue", "Detection", "FailureMode", "Mitigation", "RateRule", "ReportChannel", "SloBurnChannel",
           "SocialMediaChannel", "Window"]
