"""Chaos engineering: failures started on purpose, to rehearse the response.

An injection starts a failure mode at a given time (`at`), or at a moment inside a load peak (`during`). Game
days do so on a schedule: every `every`, at the weekday and time `at`, rehearsing the failure modes in turn.
Their incidents are drills: the team responds as to any other (pages, roles, postmortem and action items), but
they are labelled in the log and reported apart from the organic ones.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from simulator.fields import PositiveDuration
from simulator.scenario.common import Frozen, Handoff, Moment, Name, SeverityLevel


class Injection(Frozen):
    """One failure started on purpose."""

    name: Name | None = Field(None, description="What the drill is called (default: 'drill N').")
    mode: Name = Field(description="The failure mode to start.")
    at: Moment | None = Field(None, description="When, e.g. 2026-02-10T14:00 (the scenario's time zone).")
    during: Name | None = Field(None, description="Or: the load peak (load.peaks) to start it in, at a moment "
                                "drawn within the peak.")
    severity: SeverityLevel | None = Field(None, description="Its severity (default: drawn as for the mode).")

    @model_validator(mode="after")
    def _one_time(self):
        if (self.at is None) == (self.during is None):
            raise ValueError("give exactly one of `at` (a date-time) or `during` (a load peak's name)")
        return self


class GameDays(Frozen):
    """Drills on a schedule, rehearsing the failure modes in turn."""

    every: PositiveDuration = Field(description="Time between game days, e.g. 4w.")
    at: Handoff = Field("Tue 14:00", description="The weekday and local time of the first game day after "
                        "`start` (then every `every`); without `start`, minute 0 counts as a Monday at 00:00.")
    modes: tuple[Name, ...] | None = Field(None, description="The failure modes to rehearse, in turn (default: "
                                           "every mode of the scenario).")


class Chaos(Frozen):
    """Failures started on purpose: single injections and scheduled game days."""

    injections: tuple[Injection, ...] = Field((), description="Single failures started on purpose, each at a time "
                                              "or during a load peak.")
    game_days: GameDays | None = Field(None, description="Drills on a schedule, e.g. {every: 4w, at: 'Tue 14:00'}.")

    @property
    def active(self) -> bool:
        return bool(self.injections) or self.game_days is not None


__all__ = ["Chaos", "GameDays", "Injection"]
