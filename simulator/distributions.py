"""Probability distributions of durations: each samples in minutes and knows its own mean and variance.

In YAML a distribution is either a plain duration ("5m", a constant) or a mapping with a `kind`:

    {kind: exponential, mean: 30m}
    {kind: lognormal, median: 20m, p95: 2h}          # or {kind: lognormal, mu: 3.0, sigma: 1.2}
    {kind: gamma, shape: 2, mean: 1h}                # or shape and scale
    {kind: weibull, shape: 0.8, scale: 4h}
    {kind: uniform, low: 5m, high: 15m}
    {kind: triangular, low: 5m, mode: 10m, high: 40m}
    {kind: empirical, values: [12m, 35m, 2h, 47m]}   # resampled: every observed value equally likely
    {kind: exponential, mean: 5m, shift: 3m}         # a fixed lag of 3m, then a random part

`mu` and `sigma` of a lognormal are those of the natural log of the duration in minutes. `shift` (exponential,
lognormal, gamma and Weibull; default 0s) adds a fixed lag to every draw: the other parameters describe the
random part after it (a median of 5m with a shift of 3m is a median of 8m in all), and the mean includes it.

Every distribution turns a uniform number u in [0, 1) into a duration by its inverse CDF, `quantile(u)`: the
engine draws the uniforms (simulator.dice) and calls the function `quantile_function()` returns when it needs
a duration. `sample` is the same transform applied to a generator's uniforms, for use outside the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

from simulator.fields import Duration, PositiveDuration
from simulator.limits import MAX_MINUTES
from simulator.units import format_duration

Z95 = NormalDist().inv_cdf(0.95)
_NORMAL_QUANTILE = NormalDist().inv_cdf
try:  # N(mu, sigma)'s inverse CDF without NormalDist's Python wrapper: CPython's C function, for speed
    from statistics import _normal_dist_inv_cdf as _LOWLEVEL  # type: ignore[attr-defined]  # private, untyped
except ImportError:  # pragma: no cover (a Python without it: NormalDist's method does the same)
    _LOWLEVEL = None
_SMALLEST = 2.0**-54
"""Stands in for a uniform of exactly 0 where an inverse CDF is infinite there (a chance of 2⁻⁵³ a draw)."""

Quantile = Callable[[float], float]
"""u in [0, 1) → minutes."""


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _sensible_mean(self):
        check_mean(self)
        return self

    def quantile_function(self) -> Quantile:
        """The inverse CDF as a plain function of u in [0, 1), with the parameters worked out once."""
        raise NotImplementedError

    def quantile(self, u: float) -> float:
        """The duration below which a share `u` of draws fall, in minutes."""
        return self.quantile_function()(u)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """`size` independent draws, in minutes: the inverse CDF of `size` uniforms from `rng`."""
        quantile = self.quantile_function()
        return np.fromiter(map(quantile, rng.random(size).tolist()), dtype=float, count=size)

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class Constant(_Distribution):
    """Always the same duration."""

    kind: Literal["constant"] = "constant"
    value: Duration

    def quantile_function(self):
        value = self.value
        return lambda u: value

    @property
    def mean(self):
        return self.value

    @property
    def variance(self):
        return 0.0

    def describe(self):
        return format_duration(self.value)


class _Shifted(_Distribution):
    """A family that may start after a fixed lag: `shift` minutes are added to every draw."""

    shift: Duration = 0.0

    @model_serializer(mode="wrap")
    def _shift_last(self, handler):
        """Written as a file says it: `kind` first, `shift` last and only when there is one."""
        data = handler(self)
        if isinstance(data, dict):
            shift = data.pop("shift", None)
            if self.shift:
                data["shift"] = shift
        return data

    def quantile_function(self) -> Quantile:
        base = self._unshifted()
        shift = self.shift
        if not shift:  # the common case, untouched: the same floats as without a shift
            return base
        return lambda u: shift + base(u)

    def _unshifted(self) -> Quantile:
        raise NotImplementedError

    def _shift_text(self) -> str:
        return f", after a lag of {format_duration(self.shift)}" if self.shift else ""


class Exponential(_Shifted):
    """Memoryless: the time until an event that happens at a constant rate."""

    kind: Literal["exponential"]
    mean_: PositiveDuration = Field(alias="mean")

    model_config = ConfigDict(populate_by_name=True)

    def _unshifted(self):
        mean, log1p = self.mean_, math.log1p
        return lambda u: -mean * log1p(-u)

    @property
    def mean(self):
        return self.shift + self.mean_

    @property
    def variance(self):
        return self.mean_**2

    def describe(self):
        return f"exponential, mean {format_duration(self.mean_)}" + self._shift_text()


class Lognormal(_Shifted):
    """Right-skewed like real incident durations; given by median and p95, or by mu and sigma of ln(minutes)."""

    kind: Literal["lognormal"]
    median: PositiveDuration | None = None
    p95: PositiveDuration | None = None
    mu: float | None = None
    sigma: Annotated[float, Field(gt=0)] | None = None

    @field_validator("p95")
    @classmethod
    def _p95_above_median(cls, p95, info):
        median = info.data.get("median")
        if p95 is not None and median is not None and p95 <= median:
            raise ValueError(f"p95 ({format_duration(p95)}) must be above the median ({format_duration(median)})")
        return p95

    @model_validator(mode="after")
    def _one_parametrisation(self):
        by_quantiles = self.median is not None or self.p95 is not None
        by_params = self.mu is not None or self.sigma is not None
        if by_quantiles and by_params:
            raise ValueError("give either median and p95, or mu and sigma, not both")
        if by_quantiles:
            if self.median is None or self.p95 is None:
                raise ValueError("a lognormal by quantiles needs both median and p95")
        elif self.mu is None or self.sigma is None:
            raise ValueError("a lognormal needs median and p95, or mu and sigma")
        return self

    @property
    def log_mu(self) -> float:
        return math.log(_given(self.median)) if self.mu is None else self.mu

    @property
    def log_sigma(self) -> float:
        return math.log(_given(self.p95) / _given(self.median)) / Z95 if self.sigma is None else self.sigma

    def _unshifted(self):
        mu, sigma, exp = self.log_mu, self.log_sigma, math.exp
        inverse = _LOWLEVEL
        if inverse is not None:
            return lambda u: exp(inverse(u or _SMALLEST, mu, sigma))
        normal = _NORMAL_QUANTILE
        return lambda u: exp(mu + sigma * normal(u or _SMALLEST))

    @property
    def mean(self):
        return self.shift + math.exp(self.log_mu + self.log_sigma**2 / 2)

    @property
    def variance(self):
        s2 = self.log_sigma**2
        return (math.exp(s2) - 1) * math.exp(2 * self.log_mu + s2)

    def describe(self):
        median = math.exp(self.log_mu)
        p95 = math.exp(self.log_mu + Z95 * self.log_sigma)
        return f"lognormal, median {format_duration(median)}, p95 {format_duration(p95)}" + self._shift_text()


class Gamma(_Shifted):
    """Sum-of-stages shape; given by shape and either mean or scale."""

    kind: Literal["gamma"]
    shape: Annotated[float, Field(gt=0)]
    mean_: PositiveDuration | None = Field(default=None, alias="mean")
    scale: PositiveDuration | None = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _mean_or_scale(self):
        if (self.mean_ is None) == (self.scale is None):
            raise ValueError("a gamma needs shape and exactly one of mean or scale")
        return self

    @property
    def theta(self) -> float:
        return self.scale if self.scale is not None else _given(self.mean_) / self.shape

    def _unshifted(self):
        from scipy.special import gammaincinv  # the regularised incomplete gamma function's inverse

        shape, theta = self.shape, self.theta
        return lambda u: theta * float(gammaincinv(shape, u))

    @property
    def mean(self):
        return self.shift + self.shape * self.theta

    @property
    def variance(self):
        return self.shape * self.theta**2

    def describe(self):
        return f"gamma, shape {self.shape:g}, mean {format_duration(self.shape * self.theta)}" + self._shift_text()


class Weibull(_Shifted):
    """Shape below 1: most short, a few very long; above 1: wear-out."""

    kind: Literal["weibull"]
    shape: Annotated[float, Field(gt=0)]
    scale: PositiveDuration

    def _unshifted(self):
        scale, power, log1p = self.scale, 1.0 / self.shape, math.log1p
        return lambda u: scale * (-log1p(-u)) ** power

    @property
    def mean(self):
        return self.shift + self.scale * math.gamma(1 + 1 / self.shape)

    @property
    def variance(self):
        return self.scale**2 * (math.gamma(1 + 2 / self.shape) - math.gamma(1 + 1 / self.shape) ** 2)

    def describe(self):
        return f"weibull, shape {self.shape:g}, scale {format_duration(self.scale)}" + self._shift_text()


class Uniform(_Distribution):
    """Any duration between low and high equally likely."""

    kind: Literal["uniform"]
    low: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self):
        if self.high <= self.low:
            raise ValueError("high must be above low")
        return self

    def quantile_function(self):
        low, width = self.low, self.high - self.low
        return lambda u: low + u * width

    @property
    def mean(self):
        return (self.low + self.high) / 2

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def describe(self):
        return f"uniform, {format_duration(self.low)} to {format_duration(self.high)}"


class Triangular(_Distribution):
    """A low, a most likely and a high estimate: what people give when asked."""

    kind: Literal["triangular"]
    low: Duration
    mode: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self):
        if not (self.low <= self.mode <= self.high) or self.high <= self.low:
            raise ValueError("needs low <= mode <= high, with high above low")
        return self

    def quantile_function(self):
        low, mode, high, sqrt = self.low, self.mode, self.high, math.sqrt
        width = high - low
        turn = (mode - low) / width  # the share of draws below the mode

        def quantile(u: float) -> float:
            if u < turn:
                return low + sqrt(u * width * (mode - low))
            return high - sqrt((1 - u) * width * (high - mode))

        return quantile

    @property
    def mean(self):
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self):
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def describe(self):
        return (
            f"triangular, {format_duration(self.low)} / {format_duration(self.mode)} / "
            f"{format_duration(self.high)}"
        )


class Empirical(_Distribution):
    """Observed durations, resampled with equal weight (for example last quarter's acknowledgement times)."""

    kind: Literal["empirical"]
    values: Annotated[tuple[Duration, ...], Field(min_length=1)]

    def quantile_function(self):
        values = tuple(sorted(float(v) for v in self.values))  # sorted: an inverse CDF rises with u
        count = len(values)
        last = count - 1
        return lambda u: values[min(int(u * count), last)]

    @property
    def mean(self):
        return float(np.mean(self.values))

    @property
    def variance(self):
        return float(np.var(self.values))

    def describe(self):
        return f"empirical, {len(self.values)} values, mean {format_duration(self.mean)}"


# ── Guards: parameters that validate one by one but would overflow ───────────────────────────────────────


def overflowing(compute) -> float:
    """compute(), a number, or infinity where it overflows (math.exp(1000), math.gamma(1001), 1e308 * 10)."""
    try:
        return float(compute())
    except (OverflowError, ZeroDivisionError):
        return math.inf


def _given(parameter: float | None) -> float:
    """A parameter that one of two parametrisations needs. Missing, it is a TypeError (as arithmetic on None
    was), which check_mean passes over so that the parametrisation's own check names what is missing."""
    if parameter is None:
        raise TypeError("a parameter of this parametrisation is missing")
    return parameter


def check_mean(distribution: _Distribution) -> None:
    """A distribution whose mean overflows or exceeds 1,000 years is a mistake in its parameters."""
    try:
        mean = overflowing(lambda: distribution.mean)
    except (TypeError, ValueError):  # parameters missing or out of range: reported by their own checks
        return
    if not mean <= MAX_MINUTES:
        raise ValueError("the mean of this distribution is more than 1,000 years; check its parameters "
                         "(a lognormal's sigma, a weibull's or gamma's shape)")


def _shorthand(value: object) -> object:
    """A plain duration ("5m") means a constant."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"kind": "constant", "value": value}
    return value


Distribution = Annotated[
    Constant | Exponential | Lognormal | Gamma | Weibull | Uniform | Triangular | Empirical,
    Field(discriminator="kind"),
]
DistributionField = Annotated[Distribution, BeforeValidator(_shorthand, json_schema_input_type=Duration | Distribution)]
"""A distribution in a scenario: a duration (constant) or a mapping with `kind`."""

KINDS = ("constant", "exponential", "lognormal", "gamma", "weibull", "uniform", "triangular", "empirical")
