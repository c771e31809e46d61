"""Load: how busy the service is, hour by hour and on dated peaks, and what that does to failures.

The load level is 1 where nothing says otherwise. `weekly` rules set it by day and hour (the first rule that
matches counts) and `peaks` multiply it on dated stretches (a sale, a launch). At level L every failure mode's
rate is L^`failure_rate` times higher (a deployment-driven mode's deployment rate is left alone: its change
failure rate is), and a mitigation that starts then takes L^`mitigation` times as long.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from simulator.calendar import Weekly
from simulator.scenario.common import ASSUMED, Days, Frozen, HoursOfDay, Stretch, weekly

Level = Annotated[float, Field(gt=0.0, le=1000.0, description="The load, 1 being the normal level.")]


class LoadRule(Frozen):
    """The load on these `days` and `hours` (local time)."""

    days: Days = "every day"
    hours: HoursOfDay = "all day"
    level: Level

    @property
    def weekly(self) -> Weekly:
        return weekly(self.days, self.hours)


class Peak(Stretch):
    """A dated stretch of high load, such as a sale: the weekly level times `level`."""

    level: Level


class Load(Frozen):
    """The load profile and how strongly failures and mitigations respond to it."""

    weekly: tuple[LoadRule, ...] = Field(
        (), description="Levels by day and hour, e.g. [{days: Mon-Fri, hours: '09:00-18:00', level: 1.5}, "
        "{days: Sat-Sun, level: 0.7}]; the first rule that matches counts, 1 elsewhere.")
    peaks: tuple[Peak, ...] = Field((), description="Dated peaks, e.g. [{name: Black Friday, start: 2026-11-27, "
                                    "end: 2026-11-30, level: 4}].")
    failure_rate: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        1.0, description="Failure rates are level^failure_rate times higher (1: in proportion to the load).",
        json_schema_extra=ASSUMED)
    mitigation: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.5, description="Mitigations take level^mitigation times as long.", json_schema_extra=ASSUMED)

    @property
    def peak_level(self) -> float:
        """An upper bound of the level at any time."""
        weekly = max([1.0, *(rule.level for rule in self.weekly)])
        for peak in self.peaks:
            weekly *= max(1.0, peak.level)
        return weekly


__all__ = ["Load", "LoadRule", "Peak"]
