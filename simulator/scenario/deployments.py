"""A deployment pipeline: how often changes reach production, when they may, and how many of them fail.

A failure mode with `deployments` instead of `rate` or `every` takes its incidents from failed deployments:
deployments happen `rate` times a period on average (a Poisson process), all of them inside the `allowed` hours,
none during `freezes` (those are lost, not moved), and each fails with probability `change_failure_rate`,
starting an incident of the mode at once. DORA's change failure
rate is then failed deployments ÷ deployments, as the event log counts them.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from simulator.calendar import Calendar, merge
from simulator.fields import Probability, Rate
from simulator.scenario.common import Frozen, Name, Stretch
from simulator.scenario.team import Hours


class Freeze(Stretch):
    """A dated stretch without deployments (a holiday, a launch)."""

    name: Name = Field("freeze", description="What the freeze is called.")


class Deployments(Frozen):
    """Deployments to production and the share that fail."""

    rate: Rate = Field(description="Deployments per period on average, e.g. '10/w' (all of them in the allowed "
                       "hours).")
    change_failure_rate: Probability = Field(description="The share of deployments that cause a failure, e.g. "
                                             "0.05.")
    allowed: tuple[Hours, ...] = Field(
        (), description="When deployments may happen, e.g. [{days: Mon-Thu, hours: '09:00-16:00'}] (default: any "
        "time).")
    freezes: tuple[Freeze, ...] = Field((), description="Dated stretches without deployments.")

    @property
    def needs_clock(self) -> bool:
        return bool(self.allowed or self.freezes)

    @property
    def concentration(self) -> float:
        """How many times the average rate deployments come at inside the allowed hours (one week's worth)."""
        if not self.allowed:
            return 1.0
        week = Calendar(datetime(2024, 1, 1), "UTC")  # a Monday
        allowed = merge(sorted(interval for hours in self.allowed for interval in hours.weekly.intervals(week, 10080)))
        share = sum(b - a for a, b in allowed) / 10080
        return 1.0 / share if share > 0 else 1.0


__all__ = ["Deployments", "Freeze"]
