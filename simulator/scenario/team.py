"""The team: people, the rotations that put them on call, how a page escalates, and who takes which role.

    Team
    ├── people: [Person]                   names and time zones (optional: the names used elsewhere suffice)
    ├── rotations: {name: Rotation}        who is on call when: turns of a shift, layers, hours and days
    ├── escalation: Escalation             levels (a rotation, named people or everyone), timeouts, repeats
    ├── roles: Roles                       a separate Incident Commander and Comms lead, from a rotation
    └── the shorthand                      responders, names, secondary, escalate_after: a pool of `responders`
                                           people always on call, then one secondary (today's files)

A page notifies the people of the first level; after that level's timeout it notifies the next as well, and
everyone notified so far can still answer: the first to acknowledge takes the incident. A person works one
incident at a time. Durations that depend on the hour (`acknowledge` by period) use the local time of the
person paged.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag, model_validator

from simulator.calendar import Weekly
from simulator.distributions import Distribution, DistributionField
from simulator.fields import Duration, PositiveDuration, Probability
from simulator.scenario.common import (
    ASSUMED,
    Days,
    Frozen,
    Handoff,
    HoursOfDay,
    Name,
    SeverityLevel,
    TimeZone,
    constant,
    located,
    weekly,
)

PERIODS = ("business_hours", "out_of_hours", "night")
MAX_LEVELS, MAX_PER_LEVEL, MAX_REPEATS = 16, 64, 9
"""Escalation levels, people one level may notify, and repeats a policy may have (the dice address them)."""




# ── Durations by the hour ──────────────────────────────────────────────────────────────────────────────────


class ByPeriod(Frozen):
    """A duration that depends on the local time of the person concerned: business hours, the rest of the day
    (out of hours) and, if given, the night (which otherwise counts as out of hours)."""

    business_hours: DistributionField = Field(description="The duration in the person's business hours.")
    out_of_hours: DistributionField = Field(description="The duration out of hours (and at night, unless `night` "
                                            "is given).")
    night: DistributionField | None = Field(None, description="The duration at night (`team.night`, the "
                                            "person's local time); out of hours when not given.")

    def for_period(self, period: str) -> Distribution:
        if period == "night" and self.night is not None:
            return self.night
        return self.business_hours if period == "business_hours" else self.out_of_hours


def _timed_tag(value) -> str:
    if isinstance(value, ByPeriod):
        return "by_period"
    if isinstance(value, dict) and "kind" not in value and set(value) & set(PERIODS):
        return "by_period"
    return "distribution"


TimedDistribution = Annotated[
    Annotated[ByPeriod, Tag("by_period")] | Annotated[DistributionField, Tag("distribution")],
    Discriminator(_timed_tag),
]
"""A distribution, or one per period of the day: {business_hours: ..., out_of_hours: ..., night: ...}."""


def for_period(timed, period: str) -> Distribution:
    return timed.for_period(period) if isinstance(timed, ByPeriod) else timed


def by_hour(timed) -> bool:
    return isinstance(timed, ByPeriod)


class Hours(Frozen):
    """A weekly stretch of local time, such as business hours: `days` and `hours`."""

    days: Days = "Mon-Fri"
    hours: HoursOfDay = "09:00-17:00"

    @property
    def weekly(self) -> Weekly:
        return weekly(self.days, self.hours)


# ── People and rotations ───────────────────────────────────────────────────────────────────────────────────


class Person(Frozen):
    """Someone who can be paged."""

    name: Name = Field(description="Their name, as rotations, levels and roles refer to them.")
    timezone: TimeZone | None = Field(None, description="Where they live (default: the scenario's time zone).")
    sleep: HoursOfDay | None = Field(None, description="Their local sleeping hours, e.g. '23:00-07:30' (default: "
                                     "team.sleep): pages and work then count as broken sleep.")


def _people(value):
    """A name alone stands for {name: ...}."""
    if isinstance(value, list | tuple):
        return tuple({"name": v} if isinstance(v, str) else v for v in value)
    return value


People = Annotated[tuple[Person, ...], BeforeValidator(_people, json_schema_input_type=list[Person | Name])]


class Layer(Frozen):
    """People taking turns of `shift`, the first turn starting at `handoff` (local time), optionally on call
    only on some `days` and `hours`."""

    people: Annotated[tuple[Name, ...], Field(min_length=1)] = Field(
        description="Who takes turns, in order; the first is on call at `start`.")
    shift: PositiveDuration = Field(10080.0, description="The length of one turn, e.g. 1w, 1d or 12h.")
    handoff: Handoff = Field("Mon 09:00", description="When the pager changes hands (local time): a weekday "
                             "and a time for weekly turns, a time for daily ones.",
                             json_schema_extra={"source": "assumption: a common weekly handoff"})
    timezone: TimeZone | None = Field(None, description="Time zone of the handoff and hours (default: scenario's).")
    days: Days | None = Field(None, description="On call only on these days, e.g. 'Mon-Fri'.")
    hours: HoursOfDay | None = Field(None, description="On call only in these hours, e.g. '08:00-16:00'.")

    @property
    def window(self) -> Weekly | None:
        """The restriction to days and hours, if any."""
        if self.days is None and self.hours is None:
            return None
        return weekly(self.days, self.hours)


class Layered(Frozen):
    """Several layers: where two layers both have someone on call, the later one wins (follow-the-sun
    regions, or a business-hours layer over a 24/7 one)."""

    layers: Annotated[tuple[Layer, ...], Field(min_length=1)] = Field(
        description="The layers, later ones winning where two have someone on call.")


def _rotation_tag(value) -> str:
    if isinstance(value, Layered) or (isinstance(value, dict) and "layers" in value):
        return "layered"
    return "layer"


Rotation = Annotated[
    Annotated[Layer, Tag("layer")] | Annotated[Layered, Tag("layered")],
    Discriminator(_rotation_tag),
]


def layers(rotation: Layer | Layered) -> tuple[Layer, ...]:
    return rotation.layers if isinstance(rotation, Layered) else (rotation,)


# ── Escalation ─────────────────────────────────────────────────────────────────────────────────────────────


class Level(Frozen):
    """One step of an escalation policy: whom it notifies, and how long before the next step."""

    rotation: Name | None = Field(None, description="Notify whoever this rotation has on call.")
    people: tuple[Name, ...] | None = Field(None, description="Notify these people (each who is free).")
    everyone: bool = Field(False, description="Notify the whole team.")
    notify: Literal["all", "one"] = Field(
        "all", description="all: every person of the level is notified; one: a single free person is (a pool).")
    after: PositiveDuration | None = Field(None, description="Time without acknowledgement before the next "
                                           "level is notified (default: team.escalate_after).")
    acknowledge: TimedDistribution | None = Field(None, description="This level's acknowledgement delay "
                                                  "(default: team.acknowledge).")
    miss_probability: Probability | None = Field(None, description="Chance that a person of this level misses "
                                                 "the page (default: team.miss_probability).")

    @model_validator(mode="after")
    def _one_target(self):
        given = [self.rotation is not None, self.people is not None, self.everyone]
        if sum(given) != 1:
            raise ValueError("a level notifies exactly one of: a `rotation`, `people`, or `everyone: true`")
        if self.people is not None and not self.people:
            raise ValueError("a level's `people` names at least one person")
        return self


class Escalation(Frozen):
    """An escalation policy: levels notified in turn, the whole policy repeated `repeat` more times."""

    levels: Annotated[tuple[Level, ...], Field(min_length=1, max_length=MAX_LEVELS)] = Field(
        description="The levels notified in turn, each after the previous level's timeout.")
    repeat: Annotated[int, Field(ge=0, le=MAX_REPEATS)] = Field(
        0, description="Times to go round all levels again when nobody answered.",
        json_schema_extra=ASSUMED)


class Secondary(Frozen):
    """The shorthand's second level: one person the page escalates to after `escalate_after`, who never misses
    it (the shorthand's `miss_probability` is the first level's)."""

    name: Name = Field("secondary on-call", description="Who the secondary is.")
    acknowledge: TimedDistribution = Field(
        default_factory=lambda: constant("5m"), description="Their time from page to acknowledgement.",
        json_schema_extra={"source": "assumption: the SRE book's 5-minute paging target for user-facing services"})


class Preemption(Frozen):
    """Whether an incident of a `by` severity may take a responder from one of an `of` severity when nobody is
    free: that incident waits, and resumes where it was when someone is free again."""

    by: tuple[SeverityLevel, ...] = Field(("SEV1",), description="Severities whose pages may take a busy "
                                          "responder.", json_schema_extra=ASSUMED)
    of: tuple[SeverityLevel, ...] = Field(("SEV3", "SEV4", "SEV5"), description="Severities whose incidents may "
                                          "lose their responder.", json_schema_extra=ASSUMED)


class RoleSource(Frozen):
    """Where a role's holder comes from, and for which severities the role is filled by its own person."""

    rotation: Name | None = Field(None, description="The rotation whose on-call person takes the role.")
    people: tuple[Name, ...] | None = Field(None, description="Or: these people (the first free one takes it).")
    severities: tuple[SeverityLevel, ...] = Field(
        ("SEV1", "SEV2"), description="The severities for which the role gets its own person.",
        json_schema_extra={"source": "assumption: major incidents get the full set of roles"})

    @model_validator(mode="after")
    def _one_source(self):
        if (self.rotation is None) == (self.people is None):
            raise ValueError("a role comes from exactly one of a `rotation` or `people`")
        return self


class Roles(Frozen):
    """People for the roles besides the responder who acknowledges (who is the Ops lead, and also the
    Incident Commander and the Comms lead when nobody else is)."""

    incident_commander: RoleSource | None = Field(None, description="Where the Incident Commander comes from "
                                                  "(none: the responder who acknowledges holds the role).")
    comms_lead: RoleSource | None = Field(None, description="Where the Comms lead comes from (none: the Incident "
                                          "Commander sends the updates).")
    ic_and_ops_slowdown: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        1.25, description="Mitigation takes this many times longer when one person is Incident Commander and "
        "Ops lead at once.", json_schema_extra={"source": "assumption: no published figure; the guide says the "
                                               "Incident Commander 'does not perform technical fixes'"})


class Slowdown(Frozen):
    """How many times longer a mitigation takes when it starts out of hours or at night (the Ops lead's local
    time)."""

    out_of_hours: Annotated[float, Field(gt=0, le=10.0)] = Field(
        1.0, description="Factor on a mitigation that starts out of hours.", json_schema_extra=ASSUMED)
    night: Annotated[float, Field(gt=0, le=10.0)] = Field(
        1.0, description="Factor on a mitigation that starts at night.", json_schema_extra=ASSUMED)


class Pay(Frozen):
    """What being on call pays, where the scenario says (each 0 when not given): a sum per shift taken, per hour
    on call, and per page answered out of hours."""

    per_shift: Annotated[float, Field(ge=0, le=1e9)] = Field(0.0, description="Paid for each turn on call (a "
                                                              "shift of a rotation).")
    per_hour: Annotated[float, Field(ge=0, le=1e9)] = Field(0.0, description="Paid for each hour on call.")
    per_page_out_of_hours: Annotated[float, Field(ge=0, le=1e9)] = Field(
        0.0, description="Paid for each page that reaches the person out of their business hours (the night "
        "included).")
    currency: Annotated[str, Field(max_length=40)] = Field("", description="The unit of the pay, e.g. GBP.")


# ── The team ───────────────────────────────────────────────────────────────────────────────────────────────


class Team(Frozen):
    """Who is paged and how. Give either the shorthand (a pool of `responders`, then a `secondary`) or
    `escalation` levels over `rotations` and named `people`."""

    responders: Annotated[int, Field(ge=1, le=10_000, description="The shorthand: people on call at once in "
                                     "the first level, each taking one incident at a time.")] = 1
    names: tuple[Name, ...] = Field((), description="Optional names of the responders, one per responder.")
    acknowledge: TimedDistribution = Field(
        default_factory=lambda: constant("3m"),
        description="Time from page to acknowledgement: a distribution, or one per period "
        "{business_hours, out_of_hours, night}.",
        json_schema_extra={"source": "assumption (the SRE book's paging target for user-facing services is 5 "
                           "minutes)"})
    miss_probability: Probability = Field(0.0, description="Chance that a paged person misses the page.")
    escalate_after: PositiveDuration = Field(
        15.0, description="Time without acknowledgement before escalating.",
        json_schema_extra={"source": "assumption (common escalation-policy settings are 5–30 minutes)"})
    secondary: Secondary | None = Field(
        default_factory=Secondary, description="The shorthand's second level: one person the page escalates to "
        "(null for none: pages then wait for the first level).",
        json_schema_extra={"source": "assumption: a person called 'secondary on-call', acknowledging in 5m, "
                           "never missing"})
    assemble: DistributionField = Field(
        default_factory=lambda: constant("0s"),
        description="Time after acknowledgement to bring in the Ops lead, Comms lead and Scribe.",
    )
    people: People = Field((), description="Named people (a name, or {name, timezone}); optional.")
    rotations: dict[Name, Rotation] = Field(default_factory=dict, description="Who is on call when.")
    escalation: Escalation | None = Field(None, description="Escalation levels (replaces the shorthand).")
    business_hours: Hours = Field(default_factory=Hours, description="Local business hours of everyone.",
                                  json_schema_extra={"source": "assumption: Mon–Fri 09:00–17:00, each person's "
                                                     "local time"})
    night: HoursOfDay = Field("23:00-07:00", description="Local night hours (a part of out of hours).",
                              json_schema_extra={"source": "assumption: when a page wakes someone up"})
    sleep: HoursOfDay = Field(
        "22:00-07:00", description="Everyone's local sleeping hours unless a person gives their own: pages and "
        "hours of work then count as broken sleep, and a night with any is an interrupted night. An assumption: "
        "nine hours in bed around the seven or more hours of sleep adults need (AASM and Sleep Research Society "
        "consensus, Watson et al. 2015).",
        json_schema_extra={"source": "assumption: nine hours in bed around the seven or more hours of sleep adults "
                           "need (AASM and Sleep Research Society consensus, Watson et al. 2015)"})
    pay: Pay | None = Field(None, description="On-call pay, e.g. {per_shift: 200, per_page_out_of_hours: 50, "
                            "currency: GBP}: what a policy costs in on-call pay per person.",
                            json_schema_extra={"source": "none: a scenario's own rates (there is no published "
                                               "standard)"})
    at_shift_end: Literal["stay", "handover"] = Field(
        "stay", description="A responder whose shift ends mid-incident stays on (overtime) or hands over to "
        "the incoming person.", json_schema_extra=ASSUMED)
    handover: DistributionField = Field(
        default_factory=lambda: constant("15m"),
        description="Time to hand an incident over (at a shift end, or resuming after a preemption).",
        json_schema_extra={"source": "assumption: the time to brief the incoming person; also the cost of resuming "
                           "after a preemption"})
    preemption: bool | Preemption = Field(
        False, description="Whether a severe page may take a responder from a minor incident: true, or "
        "{by: [SEV1], of: [SEV3, ...]}.",
        json_schema_extra={"source": "assumption: it changes how a team works, so it is opt-in"})
    mobilise: tuple[SeverityLevel, ...] = Field(
        (), description="Severities that notify the next level at once when nobody in the first is free.",
        json_schema_extra={"source": "assumption: it changes how a team works, so it is opt-in"})
    roles: Roles | None = Field(None, description="People for the Incident Commander and Comms lead roles.")
    mitigation_slowdown: Slowdown = Field(
        default_factory=Slowdown, description="How many times longer mitigations take out of hours and at night, "
        "e.g. {out_of_hours: 1.1, night: 1.3}.")

    @model_validator(mode="after")
    def _consistent(self):
        if self.names and len(self.names) != self.responders:
            raise ValueError(f"names lists {len(self.names)} people for {self.responders} responders")
        if len(set(self.names)) != len(self.names):
            raise ValueError("responder names must differ")
        people = [p.name for p in self.person_list]
        if len(set(people)) != len(people):
            raise ValueError("people names must differ")
        if self.escalation is not None:
            shorthand = sorted({"responders", "names", "secondary"} & self.model_fields_set)
            if shorthand:
                raise ValueError(f"give either `escalation` levels or the shorthand ({', '.join(shorthand)}), "
                                 "not both")
        problems = self._unknown_names()
        if problems:
            raise ValueError(located(problems))
        return self

    def _unknown_names(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Rotations and people named where `rotations` or `people` do not define them."""
        from simulator.scenario.validate import did_you_mean

        problems: list[tuple[tuple[str | int, ...], str]] = []
        known_people = {p.name for p in self.person_list} if self.people else None
        referenced: list[tuple[tuple[str | int, ...], str]] = []  # (path, person)
        rotations = set(self.rotations)
        for name, rotation in self.rotations.items():
            if isinstance(rotation, Layered):
                for i, layer in enumerate(rotation.layers):
                    referenced += [(("rotations", name, "layers", i, "people", j), person)
                                   for j, person in enumerate(layer.people)]
            else:
                referenced += [(("rotations", name, "people", j), person) for j, person in enumerate(rotation.people)]
        sources: list[tuple[tuple[str | int, ...], Level | RoleSource]] = []
        if self.escalation is not None:
            sources += [(("escalation", "levels", i), level) for i, level in enumerate(self.escalation.levels)]
        if self.roles is not None:
            sources += [(("roles", role), getattr(self.roles, role)) for role in ("incident_commander", "comms_lead")
                        if getattr(self.roles, role) is not None]
        for path, source in sources:
            if source.rotation is not None and source.rotation not in rotations:
                problems.append(((*path, "rotation"), f"no rotation is called {source.rotation!r} in `rotations`"
                                 + did_you_mean(source.rotation, rotations)))
            referenced += [((*path, "people", j), person) for j, person in enumerate(source.people or ())]
        if known_people is not None:
            for path, person in referenced:
                if person not in known_people:
                    problems.append((path, f"{person!r} is not in `people`" + did_you_mean(person, known_people)))
            if self.escalation is None:  # the shorthand pages its responders and secondary: `people` must hold them
                for i in range(self.responders):
                    person = self.responder_name(i)
                    if person not in known_people:
                        path = ("names", i) if self.names else ("responders",)
                        hint = "" if self.names else " (name the responders in `names`, or use `escalation` levels)"
                        problems.append((path, f"responder {person!r} is not in `people`{hint}"))
                if self.secondary is not None and self.secondary.name not in known_people:
                    problems.append((("secondary", "name") if "name" in self.secondary.model_fields_set
                                     else ("secondary",),
                                     f"the secondary {self.secondary.name!r} is not in `people` (list them there, name "
                                     "another with `secondary: {name: ...}`, or give `secondary: null`)"))
        return problems

    # ── What the engine reads ──

    @property
    def person_list(self) -> tuple[Person, ...]:
        """Everyone in the team: `people` as given; else, in this order, the shorthand's responders and
        secondary, then everyone the rotations, levels and roles name."""
        if self.people:
            return self.people
        seen: dict[str, None] = {}
        if self.escalation is None:
            seen.update(dict.fromkeys(self.responder_name(i) for i in range(self.responders)))
            if self.secondary is not None:
                seen[self.secondary.name] = None
        for rotation in self.rotations.values():
            for layer in layers(rotation):
                seen.update(dict.fromkeys(layer.people))
        for level in self.escalation.levels if self.escalation is not None else ():
            seen.update(dict.fromkeys(level.people or ()))
        if self.roles is not None:
            for role in (self.roles.incident_commander, self.roles.comms_lead):
                if role is not None:
                    seen.update(dict.fromkeys(role.people or ()))
        return tuple(Person(name=n) for n in seen)

    def responder_name(self, index: int) -> str:
        return self.names[index] if self.names else f"on-call #{index + 1}"

    @property
    def levels(self) -> tuple[Level, ...]:
        """The escalation levels, the shorthand's written out: a pool of the responders, then the secondary."""
        if self.escalation is not None:
            return self.escalation.levels
        pool = Level.model_construct(people=tuple(self.responder_name(i) for i in range(self.responders)),
                                     notify="one", after=self.escalate_after)
        if self.secondary is None:
            return (pool,)
        return pool, Level.model_construct(people=(self.secondary.name,), after=self.escalate_after,
                                           acknowledge=self.secondary.acknowledge, miss_probability=0.0)

    @property
    def repeat(self) -> int:
        return self.escalation.repeat if self.escalation is not None else 0

    @property
    def preempt(self) -> Preemption | None:
        if self.preemption is True:
            return Preemption()
        return self.preemption or None

    def uses_the_clock(self) -> list[str]:
        """The fields that need a wall clock (the scenario's `start`)."""
        out = []
        if self.rotations:
            out.append("team.rotations")
        timed = [self.acknowledge] + [level.acknowledge for level in self.levels]
        if any(by_hour(t) for t in timed if t is not None):
            out.append("an acknowledgement by period of the day")
        if self.mitigation_slowdown != Slowdown():
            out.append("team.mitigation_slowdown")
        return out


__all__ = ["PERIODS", "ByPeriod", "Duration", "Escalation", "Hours", "Layer", "Layered", "Level", "Pay", "Person",
           "Preemption", "RoleSource", "Roles", "Rotation", "Secondary", "Slowdown", "Team", "TimedDistribution",
           "by_hour", "for_period", "layers"]
