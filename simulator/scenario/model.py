"""The scenario models: what a drill plays out. Built once from YAML, frozen afterwards.

    Scenario
    ├── horizon, replications, seed              how long and how often to simulate
    ├── start, timezone                          the wall clock: minute 0, and where (schedules, hours)
    ├── team: Team                               people, rotations, escalation, roles (scenario/team.py)
    ├── policy: Policy                           declaration, mitigation order, updates, confirmation, cleanup,
    │                                            postmortems (scenario/policy.py)
    ├── mitigations: {name: CatalogueEntry}      mitigations beyond rollback, failover, drain and debug
    ├── failure_modes: [FailureMode]             how often, why, how bad, how detected, how mitigated
    │                                            (scenario/failures.py)
    ├── windows: [Window]                        dated stretches that change failure rates
    ├── maturity, practices: Practices           how the team works, or a preset of it (scenario/practices.py,
    │                                            scenario/maturity.py)
    ├── load: Load, chaos: Chaos                 the load profile; failures started on purpose (traffic.py, chaos.py)
    ├── slo: Slo, okrs: Okrs                     the availability objective and reliability OKRs (objectives.py)
    ├── users, downtime_cost                     users per hour and the cost of a minute of full outage, by time
    │                                            of day (scenario/business.py)
    └── variants: {name: {field.path: value}}    variants to compare with it (scenario/variants.py)

All durations are minutes (floats); YAML gives them with units.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from simulator.calendar import Calendar
from simulator.fields import PositiveDuration
from simulator.limits import MAX_INCIDENTS, MAX_REPLICATIONS, MAX_SEED
from simulator.scenario import guards
from simulator.scenario.business import CostRule, DowntimeCost, Users, UsersRule
from simulator.scenario.chaos import Chaos, GameDays, Injection
from simulator.scenario.common import (
    CAUSES,
    SEVERITIES,
    Cause,
    Frozen,
    InCalendar,
    Name,
    SeverityLevel,
    Text,
    TimeZone,
    located,
    severity_rank,
)
from simulator.scenario.deployments import Deployments, Freeze
from simulator.scenario.failures import (
    BUILT_IN,
    CHANNELS,
    DEBUG,
    MITIGATIONS,
    PUBLIC,
    REPORTS,
    CatalogueEntry,
    Channel,
    Detection,
    FailureMode,
    Mitigation,
    RateRule,
    ReportChannel,
    SloBurnChannel,
    SocialMediaChannel,
    Window,
)
from simulator.scenario.maturity import LEVELS, fill_in
from simulator.scenario.objectives import KeyResult, Okrs, Slo
from simulator.scenario.policy import Policy, Postmortem, Updates
from simulator.scenario.practices import (
    Automation,
    Cleanup,
    Confirmation,
    Declaration,
    Improvement,
    Improves,
    Learning,
    Practices,
)
from simulator.scenario.team import (
    ByPeriod,
    Escalation,
    Hours,
    Layer,
    Layered,
    Level,
    Pay,
    Person,
    Preemption,
    Roles,
    RoleSource,
    Secondary,
    Slowdown,
    Team,
)
from simulator.scenario.traffic import Load, LoadRule, Peak

MitigationName = str
ROLES = ("Incident Commander", "Ops lead", "Comms lead", "Scribe")
BASELINE = "baseline"
"""The name of the scenario as written, beside its variants."""
VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
OverridePath = Annotated[str, Field(min_length=1, description="A dotted field path, e.g. team.responders.")]


class Scenario(Frozen):
    """A whole drill: failure modes, team and policy, and how long and how often to play it."""

    name: Name = Field(description="What the scenario rehearses, shown at the top of every output.")
    description: Text = Field("", description="A sentence or two on what is being rehearsed, for the report.")
    horizon: PositiveDuration = Field(
        129600.0, description="Simulated span of one replication, e.g. '90d'.",
        json_schema_extra={"source": "assumption: a quarter, the period teams report MTTR over"})
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        200, description="How many independent replications (simulated periods) to play; `--replications` "
        "overrides it.", json_schema_extra={"source": "assumption: enough for a mean's interval of a few percent "
                                            "on the bundled scenarios"})
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = Field(
        0, description="The seed of every incident's dice; `--seed` overrides it. The same seed gives the same "
        "results, byte for byte.")
    start: Annotated[datetime, InCalendar] | None = Field(
        None, description="Wall-clock time of minute 0 (in `timezone` unless it gives its own offset). Needed by "
        "schedules, hours and windows.")
    timezone: TimeZone = "UTC"
    team: Team = Field(default_factory=Team, description="Who is paged and how: the people, rotations, "
                       "escalation and roles.")
    policy: Policy = Field(default_factory=Policy, description="How the team responds: declaration, mitigation "
                           "order, updates, confirmation, cleanup and postmortems.")
    mitigations: dict[Name, CatalogueEntry] = Field(
        default_factory=dict, description="Mitigations beyond the built-in rollback, failover, drain and debug, "
        "e.g. {flag-off: {applies_to: [config, deployment]}}; a built-in name redefines that one.")
    failure_modes: tuple[FailureMode, ...] = Field(
        description="The kinds of failure the scenario plays, at least one: how often, why, how bad, how noticed "
        "and what can be done.")
    windows: tuple[Window, ...] = Field(
        (), description="Dated stretches that multiply failure rates: a launch, a sale, a deploy freeze.")
    maturity: Literal["baseline", "intermediate", "advanced", "expert"] | None = Field(
        None, description="A preset of practices from the maturity checklist; the file's own fields override it.")
    practices: Practices = Field(default_factory=Practices, description="How the team works: declaration, "
                                 "confirmation, cleanup, learning, roles, automation.")
    load: Load | None = Field(None, description="The load profile: weekly levels and dated peaks, and how they "
                              "raise failure rates and slow mitigations.")
    chaos: Chaos = Field(default_factory=Chaos, description="Failures started on purpose: injections and game days, "
                         "reported apart as drills.")
    slo: Slo | None = Field(None, description="The availability objective, e.g. {objective: 0.999}: availability "
                            "and the error budget are reported against it.")
    okrs: Okrs | None = Field(None, description="Reliability OKRs: key results judged per period, each given the "
                              "chance it is met.")
    users: Users | None = Field(None, description="The service's users (or requests) per hour by time of day, e.g. "
                                "{per_hour: 12000}: each incident's users affected are its impact times the users "
                                "over its duration; report channels may reach further with more users affected.")
    downtime_cost: DowntimeCost | None = Field(
        None, description="The cost of a minute of full outage by time of day (revenue or any cost), e.g. "
        "{per_minute: 400, currency: GBP}: each incident costs its impact times the cost over its duration.")
    variants: dict[str, dict[OverridePath, Any]] = Field(
        default_factory=dict,
        description="Variants to compare with the scenario as written: name → overrides of any field by "
        "dotted path, e.g. {debug-first: {policy.mitigation: debug-first}, three-on-call: {team.responders: 3}}. "
        "Applied and checked by simulator.scenario.variants.",
    )

    @model_validator(mode="before")
    @classmethod
    def _preset_and_links(cls, data):
        """The maturity preset under the file's own fields; each slo_burn alert's `slo` and `error_ratio` from
        the scenario's slo.objective and its mode's impact, where the alert does not give them."""
        if not isinstance(data, dict):
            return data
        if data.get("maturity") in LEVELS:
            data = fill_in(data, data["maturity"])
        objective = data.get("slo", {}).get("objective") if isinstance(data.get("slo"), dict) else None
        modes = data.get("failure_modes")
        if not isinstance(modes, list):
            return data
        linked = []
        for mode in modes:
            burn = mode.get("detection", {}).get("slo_burn") if isinstance(mode, dict) and isinstance(
                mode.get("detection"), dict) else None
            if isinstance(burn, dict) and (("slo" not in burn and objective is not None)
                                           or ("error_ratio" not in burn and "impact" in mode)):
                burn = dict(burn)
                if "slo" not in burn and objective is not None:
                    burn["slo"] = objective
                if "error_ratio" not in burn and "impact" in mode:
                    burn["error_ratio"] = mode["impact"]
                mode = {**mode, "detection": {**mode["detection"], "slo_burn": burn}}
            linked.append(mode)
        return {**data, "failure_modes": linked}

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
        guards.check_incidents(self)
        return self

    @model_validator(mode="after")
    def _fits_the_calendar(self):
        if self.start is not None:
            guards.check_calendar(self.start, self.horizon)
        return self

    @model_validator(mode="after")
    def _run_fits(self):
        guards.check_run(self, self.replications, error=ValueError)
        return self

    @model_validator(mode="after")
    def _catalogue(self):
        from simulator.scenario.validate import did_you_mean

        known = self.catalogue
        problems = []
        for m, mode in enumerate(self.failure_modes):
            for name in mode.mitigations:
                if name not in known:
                    problems.append((("failure_modes", m, "mitigations", name),
                                     f"no mitigation is called {name!r}: neither built in "
                                     f"({', '.join(MITIGATIONS)}) nor in the scenario's `mitigations`"
                                     + did_you_mean(name, known)))
        if not isinstance(self.policy.mitigation, str):
            for i, name in enumerate(self.policy.mitigation):
                if name not in known:
                    problems.append((("policy", "mitigation", i),
                                     f"no mitigation is called {name!r} (known: {', '.join(known)})"
                                     + did_you_mean(name, known)))
        if problems:
            raise ValueError(located(problems))
        return self

    @model_validator(mode="after")
    def _windows_and_clock(self):
        from simulator.scenario.validate import did_you_mean

        problems = []
        names = {mode.name for mode in self.failure_modes}
        for w, window in enumerate(self.windows):
            for i, name in enumerate(window.modes or ()):
                if name not in names:
                    problems.append((("windows", w, "modes", i), f"the scenario has no failure mode {name!r}"
                                     + did_you_mean(name, names)))
            for mode in self.failure_modes:
                if mode.every is not None and window.applies(mode) and window.factor != 1:
                    problems.append((("windows", w), f"window {window.name!r} changes the rate of {mode.name!r}, "
                                     "whose onsets come from `every` (a renewal process, which cannot change rate "
                                     "with time): give that mode a `rate`, or limit the window with `modes` or "
                                     "`causes`"))
        if self.start is None:
            needs = self.team.uses_the_clock()
            needs += [f"the profile of {mode.name!r}" for mode in self.failure_modes if mode.profile]
            needs += [f"the deployment hours or freezes of {mode.name!r}" for mode in self.failure_modes
                      if mode.deployments is not None and mode.deployments.needs_clock]
            needs += ["windows"] if self.windows else []
            needs += ["load"] if self.load is not None else []
            needs += ["users.weekly"] if self.users is not None and self.users.weekly else []
            needs += ["downtime_cost.weekly"] if self.downtime_cost is not None and self.downtime_cost.weekly else []
            needs += ["chaos.injections"] if self.chaos.injections else []
            if needs:
                problems.append(((), f"{', '.join(needs)} need a wall clock: give `start` (minute 0 as a date-time, "
                                 "e.g. 2026-01-05T09:00) and, if not UTC, `timezone`"))
        if problems:
            raise ValueError(located(problems))
        return self

    @model_validator(mode="after")
    def _practices_fit(self):
        from simulator.scenario.validate import did_you_mean

        problems = []
        names = [mode.name for mode in self.failure_modes]
        peaks = [peak.name for peak in self.load.peaks] if self.load is not None else []
        calendar = self.calendar
        for i, injection in enumerate(self.chaos.injections):
            where = ("chaos", "injections", i)
            if injection.mode not in names:
                problems.append(((*where, "mode"), f"the scenario has no failure mode {injection.mode!r}"
                                 + did_you_mean(injection.mode, names)))
            if injection.during is not None and injection.during not in peaks:
                problems.append(((*where, "during"), f"no load peak is called {injection.during!r}"
                                 + (f" (peaks: {', '.join(peaks)})" if peaks else " (the scenario's load has no "
                                    "peaks)") + did_you_mean(injection.during, peaks)))
            if injection.at is not None and calendar is not None:
                minute = calendar.minute(injection.at)
                if not 0 <= minute < self.horizon:
                    problems.append(((*where, "at"), f"{injection.at:%Y-%m-%d %H:%M} is outside the simulated "
                                     "period (from `start`, for `horizon`)"))
        game_days = self.chaos.game_days
        for i, name in enumerate(game_days.modes or () if game_days is not None else ()):
            if name not in names:
                problems.append((("chaos", "game_days", "modes", i), f"the scenario has no failure mode {name!r}"
                                 + did_you_mean(name, names)))
        if self.okrs is not None and self.okrs.period is not None and self.okrs.period > self.horizon:
            problems.append((("okrs", "period"), "the period is longer than the horizon, so no period is ever "
                             "complete: shorten it or lengthen the horizon"))
        if self.okrs is not None and self.slo is None:
            for i, result in enumerate(self.okrs.key_results):
                if result.metric == "error_budget":
                    problems.append((("okrs", "key_results", i, "metric"), "an error budget needs the scenario's "
                                     "`slo` (e.g. slo: {objective: 0.999})"))
        if problems:
            raise ValueError(located(problems))
        return self

    # ── What the engine and the reports read ──

    @property
    def practiced(self) -> bool:
        """Whether the engine plays anything beyond today's lifecycle: practices, deployments, load, chaos, or
        modes that come with debt."""
        return (self.practices.active or self.load is not None or self.chaos.active
                or any(mode.deployments is not None or mode.only_with_debt for mode in self.failure_modes))

    @property
    def catalogue(self) -> dict[str, CatalogueEntry]:
        """Every known mitigation: the built-in ones, then the scenario's own (which may redefine them)."""
        return {**BUILT_IN, **self.mitigations}

    def mitigation_order(self, mode: FailureMode) -> tuple[str, ...]:
        """The mitigations the policy tries on `mode`, in order: the mode's own order, or the policy's, keeping
        those the mode offers, debug last."""
        order = mode.mitigation_order or self.policy.mitigation_order(tuple(self.catalogue))
        tried = tuple(name for name in order if name in mode.mitigations and name != DEBUG)
        return (*tried, DEBUG)

    @property
    def calendar(self) -> Calendar | None:
        """The wall clock, when the scenario gives `start`."""
        return Calendar(self.start, self.timezone) if self.start is not None else None

    def peak_rate(self, mode: FailureMode) -> float:
        """An upper bound of the mode's candidate onsets per minute (deployments, for a mode that deployments
        start): its base rate times its largest profile factor, every window that could raise it, the load's
        peak and the most its cleanup debt can add."""
        if mode.deployments is not None:
            rate, factor = mode.deployments.rate, mode.deployments.concentration
        else:
            rate, factor = 1.0 / mode.interarrival.mean, mode.peak_factor
            if self.load is not None:
                factor *= self.load.peak_level ** self.load.failure_rate
            cleanup = self.practices.cleanup
            if cleanup.debt_factor > 1 and not mode.only_with_debt:
                factor *= cleanup.debt_cap
        for window in self.windows:
            if window.applies(mode) and window.factor > 1:
                factor *= window.factor
        return rate * factor


__all__ = [
    "BASELINE",
    "BUILT_IN",
    "CAUSES",
    "CHANNELS",
    "DEBUG",
    "MAX_INCIDENTS",
    "MITIGATIONS",
    "PUBLIC",
    "REPORTS",
    "ROLES",
    "SEVERITIES",
    "Automation",
    "ByPeriod",
    "CatalogueEntry",
    "Cause",
    "Channel",
    "Chaos",
    "Cleanup",
    "Confirmation",
    "CostRule",
    "Declaration",
    "Deployments",
    "Detection",
    "DowntimeCost",
    "Escalation",
    "FailureMode",
    "Freeze",
    "GameDays",
    "Hours",
    "Improvement",
    "Improves",
    "Injection",
    "KeyResult",
    "Layer",
    "Layered",
    "Learning",
    "Level",
    "Load",
    "LoadRule",
    "Mitigation",
    "MitigationName",
    "Okrs",
    "Pay",
    "Peak",
    "Person",
    "Policy",
    "Postmortem",
    "Practices",
    "Preemption",
    "RateRule",
    "ReportChannel",
    "RoleSource",
    "Roles",
    "Scenario",
    "Secondary",
    "SeverityLevel",
    "Slo",
    "SloBurnChannel",
    "Slowdown",
    "SocialMediaChannel",
    "Team",
    "Updates",
    "Users",
    "UsersRule",
    "Window",
    "severity_rank",
]
