"""Reliability objectives: the SLO and its error budget, each failure mode's impact, and reliability OKRs.

    slo: {objective: 0.999}                  the availability objective over each replication's period
    okrs:
      period: 90d                            key results are judged per period (default: the whole horizon)
      key_results:
        - {metric: incidents, severities: [SEV1], at_most: 2}
        - {metric: mttr, statistic: p90, at_most: 4h}
        - {metric: availability, at_least: 99.9%}

A failure mode's `impact` is the share of requests failing while it is open (onset to service restored).
Availability over a period is 1 − Σ impact × minutes open ÷ the period's minutes (overlapping incidents add
up); the error budget is (1 − objective) × the period, and the share of it consumed is what the incidents took.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.fields import PositiveDuration
from simulator.scenario.common import Frozen, Name, SeverityLevel
from simulator.units import format_duration, parse_duration

DURATION_METRICS = ("mttd", "mtta", "mttr", "time_to_resolve")
SHARE_METRICS = ("availability", "error_budget")
KR_METRICS = ("incidents", *DURATION_METRICS, *SHARE_METRICS)
STATISTICS = ("mean", "median", "p90", "p95", "p99", "max")


class Slo(Frozen):
    """The service level objective the error budget comes from."""

    objective: Annotated[float, Field(gt=0.0, lt=1.0, description="The availability objective, e.g. 0.999.")]


def _share(value: float | str) -> float:
    """0.999, '99.9%' → 0.999."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            return float(text[:-1]) / 100
        return float(text)
    return float(value)


class KeyResult(Frozen):
    """One key result: a metric over each period, held to a limit."""

    name: Name | None = Field(None, description="How it reads, e.g. 'at most 2 SEV1 a quarter' (default: made "
                              "from the fields).")
    metric: Literal["incidents", "mttd", "mtta", "mttr", "time_to_resolve", "availability", "error_budget"] = Field(
        description="incidents (a count), mttd/mtta/mttr/time_to_resolve (a duration statistic), availability, "
        "or error_budget (the share consumed).")
    statistic: Literal["mean", "median", "p90", "p95", "p99", "max"] = Field(
        "mean", description="For durations: the statistic of the period's incidents.")
    severities: tuple[SeverityLevel, ...] | None = Field(None, description="Only incidents of these severities "
                                                         "(counts and durations).")
    at_most: float | str | None = Field(None, description="The limit from above: a count, a duration ('4h') or a "
                                        "share ('100%').")
    at_least: float | str | None = Field(None, description="The limit from below, e.g. availability '99.9%'.")

    @model_validator(mode="after")
    def _one_limit(self):
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("give exactly one of `at_most` or `at_least`")
        if self.severities is not None and self.metric in SHARE_METRICS:
            raise ValueError(f"{self.metric} covers every incident: `severities` applies to counts and durations")
        try:
            limit = self.limit
        except ValueError as exc:
            raise ValueError(f"cannot read the limit {self.written!r} of a {self.metric} key result: {exc}") from None
        if limit < 0 or (self.metric == "availability" and limit > 1):
            raise ValueError(f"the limit {self.written!r} is out of range for {self.metric}")
        return self

    @property
    def written(self) -> float | str:
        written = self.at_most if self.at_most is not None else self.at_least
        assert written is not None, "_one_limit asks for exactly one of at_most and at_least, before any use"
        return written

    @property
    def upper(self) -> bool:
        """Whether the limit is from above (at most)."""
        return self.at_most is not None

    @property
    def limit(self) -> float:
        """The limit in the metric's unit: a count, minutes, or a share."""
        value = self.written
        if self.metric in DURATION_METRICS:
            return parse_duration(value)
        if self.metric in SHARE_METRICS:
            return _share(value)
        return float(value)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        bound = "at most" if self.upper else "at least"
        which = f" {'/'.join(self.severities)}" if self.severities else ""
        if self.metric == "incidents":
            return f"{bound} {self.limit:g}{which} incident{'' if self.limit == 1 else 's'}"
        if self.metric in DURATION_METRICS:
            label = "time to resolve" if self.metric == "time_to_resolve" else self.metric.upper()
            return f"{label} {self.statistic}{which} {bound} {format_duration(self.limit)}"
        what = "availability" if self.metric == "availability" else "error budget consumed"
        return f"{what} {bound} {percent(self.limit)}"


def percent(share: float) -> str:
    """0.999 → '99.9%', 1 → '100%'."""
    return f"{share * 100:.4f}".rstrip("0").rstrip(".") + "%"


class Okrs(Frozen):
    """Reliability OKRs: key results judged per period; drillsim gives the chance that each is met."""

    period: PositiveDuration | None = Field(None, description="The span each key result is judged over, e.g. 90d "
                                            "(default: the horizon; the horizon's remainder is left out).")
    key_results: Annotated[tuple[KeyResult, ...], Field(min_length=1)] = Field(
        description="The key results, each a metric held to a limit per period.")


__all__ = ["DURATION_METRICS", "KR_METRICS", "SHARE_METRICS", "STATISTICS", "KeyResult", "Okrs", "Slo", "percent"]
