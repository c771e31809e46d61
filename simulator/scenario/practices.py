"""Practices: how the team works, each a lever with an effect the engine plays.

    Practices
    ├── alerts, email_noticed              alerts by pager, or by email (someone notices them later)
    ├── on_call, who_to_call               an on-call rotation, or finding someone to call first
    ├── dedicated_roles                    an Incident Commander and a Comms lead beside the Ops lead, or the
    │                                      responder holding every role
    ├── declaration: Declaration           declare early, or try to fix it alone first; automated declaration
    ├── confirmation: Confirmation         confirm with data, or call it resolved on someone's word (it may reopen)
    ├── cleanup: Cleanup                   temporary fixes removed on time, late or never, and what they cost
    ├── learning: Learning                 postmortem action items that lower a mode's rate, detection or
    │                                      mitigation time once done
    └── rollback_on_slo_burn: Automation   an automated rollback when an SLO burn alert fires on a failure a
                                           deployment caused

Every default is today's way of working (a pager, a rotation, roles, declaring at once, confirming with data,
cleaning up on time, no action items), so a scenario without `practices` plays as before.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.distributions import DistributionField, Lognormal, Uniform
from simulator.fields import Probability
from simulator.scenario.common import ASSUMED, Frozen, constant

ALERT_CHANNELS = ("monitoring", "slo_burn", "synthetic")
"""The detection channels that are alerts (a customer report is not: it reaches people by phone or ticket)."""


def _lognormal(median: str, p95: str) -> Lognormal:
    return Lognormal(kind="lognormal", median=median, p95=p95)


class Automation(Frozen):
    """An automated step: it works with probability `success`, taking `duration`."""

    duration: DistributionField = Field(default_factory=lambda: constant("1m"),
                                        description="How long the automation takes once it is triggered.",
                                        json_schema_extra=ASSUMED)
    success: Probability = Field(1.0, description="Chance that it works; when it does not, people take over.",
                                 json_schema_extra=ASSUMED)


class Declaration(Frozen):
    """How an incident is declared once an alert fires: at once (declare early), or after the alerted engineer
    has tried to fix it alone; or automatically, from the alert."""

    alone_first: Probability = Field(
        0.0, description="Share of incidents in which the alerted engineer first tries to fix it alone before "
        "declaring (0: declare early, as the incident lifecycle guide asks).")
    alone_for: DistributionField = Field(
        default_factory=lambda: _lognormal("30m", "2h"),
        description="How long they try alone before they declare (or fix it).", json_schema_extra=ASSUMED)
    fixes_alone: Probability = Field(
        0.25, description="Chance that they restore service alone within that time; otherwise they declare.",
        json_schema_extra=ASSUMED)
    automated: Automation | None = Field(
        None, description="Automated declaration from alerts: {duration, success}. Customer reports are still "
        "declared by people.")


class Confirmation(Frozen):
    """How restored service is confirmed healthy: with data (metrics and logs, `policy.confirm`), or on someone's
    word, which is faster but may be wrong: the incident then reopens."""

    anecdote: Probability = Field(
        0.0, description="Share of restorations called healthy on anecdote instead of data.")
    anecdote_takes: DistributionField = Field(
        default_factory=lambda: constant("2m"), description="How long calling it healthy on anecdote takes.",
        json_schema_extra=ASSUMED)
    reopen: Probability = Field(
        0.3, description="Chance that an incident confirmed by anecdote was not healthy and reopens.",
        json_schema_extra=ASSUMED)
    reopen_after: DistributionField = Field(
        default_factory=lambda: _lognormal("45m", "6h"),
        description="How long after it was called resolved it reopens.", json_schema_extra=ASSUMED)


class Cleanup(Frozen):
    """Temporary fixes are removed after resolution (`policy.cleanup`), late, or never. A fix left in place is
    reliability debt: it raises its failure mode's rate until it is removed, and a mode with
    `only_with_debt: true` happens only while some fix is left in place."""

    skip: Probability = Field(0.0, description="Chance that the cleanup is skipped: the fix stays in place.")
    late: Probability = Field(0.0, description="Chance that the cleanup is put off by `late_by`.")
    late_by: DistributionField = Field(default_factory=lambda: _lognormal("1w", "6w"),
                                       description="How long a late cleanup is put off.", json_schema_extra=ASSUMED)
    debt_factor: Annotated[float, Field(ge=1.0, le=100.0)] = Field(
        1.0, description="The mode's rate is this many times higher for each of its fixes left in place.",
        json_schema_extra={"source": "assumption: 1, no debt, is today's way of working"})
    debt_cap: Annotated[float, Field(ge=1.0, le=1000.0)] = Field(
        3.0, description="However many fixes are left in place, the rate is at most this many times higher.",
        json_schema_extra=ASSUMED)

    @model_validator(mode="after")
    def _one_outcome(self):
        if self.skip + self.late > 1:
            raise ValueError(f"skip ({self.skip:g}) and late ({self.late:g}) are chances of one cleanup, so they "
                             "add up to at most 1")
        return self

    @property
    def leaves_fixes(self) -> bool:
        return self.skip > 0 or self.late > 0


class Improvement(Frozen):
    """What one completed action item of a kind does: multiply a quantity of its failure mode by `factor`, never
    below `floor` times the original."""

    share: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="The share of action items of this kind.")
    factor: Annotated[float, Field(gt=0.0, le=1.0)] = Field(description="Each completed item multiplies by this.")
    floor: Annotated[float, Field(gt=0.0, le=1.0)] = Field(0.5, description="Never below this share of the "
                                                           "original.", json_schema_extra=ASSUMED)


class Improves(Frozen):
    """The kinds of action items: fewer failures (`rate`), faster detection, faster mitigation."""

    rate: Improvement = Field(default_factory=lambda: Improvement(share=0.5, factor=0.9, floor=0.5),
                              description="Items that make the failure rarer: its rate × factor.",
                              json_schema_extra=ASSUMED)
    detection: Improvement = Field(default_factory=lambda: Improvement(share=0.25, factor=0.8, floor=0.5),
                                   description="Items that make alerts fire sooner: alert delays × factor.",
                                   json_schema_extra=ASSUMED)
    mitigation: Improvement = Field(default_factory=lambda: Improvement(share=0.25, factor=0.85, floor=0.5),
                                    description="Items that make mitigations faster: mitigation times × factor.",
                                    json_schema_extra=ASSUMED)

    @model_validator(mode="after")
    def _some_share(self):
        if self.rate.share + self.detection.share + self.mitigation.share <= 0:
            raise ValueError("give at least one kind of action item a share above 0")
        return self

    def kinds(self) -> tuple[tuple[str, Improvement], ...]:
        return (("rate", self.rate), ("detection", self.detection), ("mitigation", self.mitigation))


class Learning(Frozen):
    """Postmortems (`policy.postmortem`) yield action items; each is done with probability `done`, `lag` after
    the postmortem ("prioritised in subsequent sprints"), and then improves its failure mode."""

    action_items: Annotated[int, Field(ge=0, le=64)] = Field(0, description="Action items per postmortem.")
    done: Probability = Field(0.5, description="Chance that an action item gets done at all.",
                              json_schema_extra=ASSUMED)
    lag: DistributionField = Field(default_factory=lambda: Uniform(kind="uniform", low="1w", high="6w"),
                                   description="Time from the postmortem until an item is done.",
                                   json_schema_extra={"source": "assumption ('prioritised in subsequent sprints', "
                                                      "the incident lifecycle guide)"})
    improves: Improves = Field(default_factory=Improves, description="What a completed item improves, and by "
                               "how much.")

    @property
    def active(self) -> bool:
        return self.action_items > 0 and self.done > 0


class Practices(Frozen):
    """How the team works; every default is today's behaviour."""

    alerts: Literal["pager", "email"] = Field(
        "pager", description="pager: alerts page the on-call; email: alerts arrive by email or chat and someone "
        "notices them `email_noticed` later.")
    email_noticed: DistributionField = Field(default_factory=lambda: _lognormal("20m", "2h"),
                                             description="How long an emailed alert waits to be noticed.",
                                             json_schema_extra=ASSUMED)
    on_call: Literal["rotation", "who-to-call"] = Field(
        "rotation", description="rotation: the pager reaches whoever is on call; who-to-call: someone must first "
        "work out whom to call (`who_to_call`).")
    who_to_call: DistributionField = Field(default_factory=lambda: _lognormal("10m", "45m"),
                                           description="How long finding someone to call takes.",
                                           json_schema_extra=ASSUMED)
    dedicated_roles: bool = Field(
        True, description="false: the responder is Incident Commander, Ops lead and Comms lead at once "
        "(mitigation is slower, updates slip).")
    declaration: Declaration = Field(default_factory=Declaration, description="Declare early, try alone first, "
                                     "or declare automatically from alerts.")
    confirmation: Confirmation = Field(default_factory=Confirmation, description="Confirm restored service with "
                                       "data, or on someone's word.")
    cleanup: Cleanup = Field(default_factory=Cleanup, description="Temporary fixes removed on time, late or never, "
                             "and what a fix left in place costs.")
    learning: Learning = Field(default_factory=Learning, description="Postmortem action items and what they "
                               "improve once done.")
    rollback_on_slo_burn: Automation | None = Field(
        None, description="An automated rollback when an SLO burn alert fires on a failure a deployment caused: "
        "{duration, success}.")

    @property
    def active(self) -> bool:
        """Whether any practice differs from today's way of working (the engine then plays the practices)."""
        return self != _TODAY


_TODAY = Practices()


__all__ = ["ALERT_CHANNELS", "Automation", "Cleanup", "Confirmation", "Declaration", "Improvement", "Improves",
           "Learning", "Practices"]
