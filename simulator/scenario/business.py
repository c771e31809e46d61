"""Who uses the service and what its downtime costs: users (or requests) per hour by time of day, and the cost
of a minute of full outage. The analysis (simulator.analysis.cost) prices each incident with them; the engine
reads the users per hour only where a report channel's delay shrinks with the number of users affected.

    users:            {per_hour: 12000, weekly: [{days: Mon-Fri, hours: '09:00-18:00', per_hour: 30000}]}
    downtime_cost:    {per_minute: 400, currency: GBP, weekly: [{hours: '18:00-22:00', per_minute: 900}]}

Both follow the load profile's shape (scenario/traffic.py): a level where no rule says otherwise, and weekly
rules by day and hour in the scenario's time zone, the first rule that matches counting.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from simulator.calendar import Calendar, Steps
from simulator.scenario.common import Days, Frozen, HoursOfDay, weekly

PerHour = Annotated[float, Field(gt=0.0, le=1e12, description="Users (or requests) an hour.")]
PerMinute = Annotated[float, Field(ge=0.0, le=1e12, description="The cost of one minute of full outage.")]
Unit = Annotated[str, Field(min_length=1, max_length=40)]


class UsersRule(Frozen):
    """The users per hour on these `days` and `hours` (local time)."""

    days: Days = "every day"
    hours: HoursOfDay = "all day"
    per_hour: PerHour


class Users(Frozen):
    """The service's users (or requests) per hour, by time of day. More than zero at every hour: a report
    channel's delay shrinks with the number of users affected, and nobody at all would never report."""

    per_hour: PerHour = Field(description="Users (or requests) an hour where no weekly rule matches.")
    weekly: tuple[UsersRule, ...] = Field(
        (), description="Users per hour by day and hour, e.g. [{days: Mon-Fri, hours: '09:00-18:00', per_hour: "
        "30000}]; the first rule that matches counts, `per_hour` elsewhere. Needs the scenario's `start`.")
    unit: Unit = Field("users", description="What is counted: users, requests, sessions, shoppers.")

    def steps(self, calendar: Calendar | None, horizon: float) -> Steps:
        """Users per hour as a function of simulated minutes."""
        return Steps.first_match([(weekly(rule.days, rule.hours), rule.per_hour) for rule in self.weekly],
                                 self.per_hour, calendar, horizon)

    def average(self, calendar: Calendar | None, horizon: float) -> float:
        """The mean users per hour over the horizon."""
        return self.steps(calendar, horizon).integral(0.0, horizon) / horizon


class CostRule(Frozen):
    """The cost of a minute of full outage on these `days` and `hours` (local time)."""

    days: Days = "every day"
    hours: HoursOfDay = "all day"
    per_minute: PerMinute


class DowntimeCost(Frozen):
    """What a minute of full outage (every request failing) costs: revenue lost, or any cost. An incident that
    fails a share `impact` of requests costs that share of it, minute by minute, from onset until service is
    restored for good."""

    per_minute: PerMinute = Field(description="The cost of a minute of full outage where no weekly rule matches.")
    weekly: tuple[CostRule, ...] = Field(
        (), description="The cost per minute by day and hour, e.g. [{hours: '18:00-22:00', per_minute: 900}]; the "
        "first rule that matches counts, `per_minute` elsewhere. Needs the scenario's `start`.")
    currency: Unit = Field("", description="The unit of the cost, e.g. GBP, EUR, USD (shown beside the figures).")

    def steps(self, calendar: Calendar | None, horizon: float) -> Steps:
        """The cost per minute of full outage as a function of simulated minutes."""
        return Steps.first_match([(weekly(rule.days, rule.hours), rule.per_minute) for rule in self.weekly],
                                 self.per_minute, calendar, horizon)


__all__ = ["CostRule", "DowntimeCost", "Users", "UsersRule"]
