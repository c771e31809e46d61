"""Every distribution samples what it claims: its sample mean (and variance) agree with its own `.mean` and
`.variance` within a confidence interval, and a lognormal given by median and p95 has those quantiles."""

import math
import re

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from simulator.distributions import (
    KINDS,
    Z95,
    Constant,
    DistributionField,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
    Weibull,
)

ADAPTER = TypeAdapter(DistributionField)
N = 200_000
Z = 4.0  # standard errors: a seeded check that a correct sampler passes and a wrong mean cannot


def dist(spec):
    return ADAPTER.validate_python(spec)


SPECS = {
    "exponential": {"kind": "exponential", "mean": "30m"},
    "lognormal by quantiles": {"kind": "lognormal", "median": "20m", "p95": "2h"},
    "lognormal by parameters": {"kind": "lognormal", "mu": 3.0, "sigma": 0.8},
    "gamma by mean": {"kind": "gamma", "shape": 2, "mean": "1h"},
    "gamma by scale": {"kind": "gamma", "shape": 0.5, "scale": "40m"},
    "weibull wear-out": {"kind": "weibull", "shape": 1.5, "scale": "4h"},
    "weibull heavy": {"kind": "weibull", "shape": 0.8, "scale": "4h"},
    "uniform": {"kind": "uniform", "low": "5m", "high": "15m"},
    "triangular": {"kind": "triangular", "low": "5m", "mode": "10m", "high": "40m"},
    "empirical": {"kind": "empirical", "values": ["12m", "35m", "2h", "47m"]},
}


def test_every_kind_is_covered():
    kinds = {spec["kind"] for spec in SPECS.values()} | {"constant"}
    assert kinds == set(KINDS)


@pytest.mark.parametrize("name", SPECS)
def test_sample_mean_matches_the_theoretical_mean(name):
    d = dist(SPECS[name])
    x = d.sample(np.random.default_rng(20240601), N)
    assert x.shape == (N,)
    assert (x >= 0).all()
    standard_error = math.sqrt(d.variance / N)
    assert abs(x.mean() - d.mean) < Z * standard_error, (x.mean(), d.mean, standard_error)


@pytest.mark.parametrize("name", [n for n in SPECS if not n.startswith("lognormal")])
def test_sample_variance_matches_the_theoretical_variance(name):
    """The lognormal is left out: its fourth moment is too large for a sample variance to say much."""
    d = dist(SPECS[name])
    x = d.sample(np.random.default_rng(7), N)
    centred = x - x.mean()
    variance = float(np.mean(centred**2))
    fourth = float(np.mean(centred**4))
    standard_error = math.sqrt((fourth - variance**2) / N)
    assert abs(variance - d.variance) < Z * standard_error, (variance, d.variance, standard_error)


def test_constant_always_gives_its_value():
    d = dist("5m")
    assert d == Constant(value="5m")
    assert d.sample(np.random.default_rng(0), 4).tolist() == [5.0] * 4
    assert (d.mean, d.variance) == (5.0, 0.0)
    assert d.describe() == "5m"


def test_lognormal_median_and_p95_are_its_quantiles():
    d = dist({"kind": "lognormal", "median": "20m", "p95": "2h"})
    assert math.exp(d.log_mu) == pytest.approx(20.0)
    assert math.exp(d.log_mu + Z95 * d.log_sigma) == pytest.approx(120.0)
    x = d.sample(np.random.default_rng(11), N)
    for quantile, p in ((20.0, 0.5), (120.0, 0.95)):
        share_below = float(np.mean(x < quantile))
        assert abs(share_below - p) < Z * math.sqrt(p * (1 - p) / N), (quantile, share_below)
    assert d.describe() == "lognormal, median 20m, p95 2h"


def test_lognormal_mean_sits_above_its_median():
    d = dist({"kind": "lognormal", "median": "20m", "p95": "2h"})
    sigma = math.log(6) / Z95
    assert d.mean == pytest.approx(20 * math.exp(sigma**2 / 2))
    assert d.variance == pytest.approx((math.exp(sigma**2) - 1) * 400 * math.exp(sigma**2))


@pytest.mark.parametrize(
    ("spec", "mean", "variance"),
    [
        ({"kind": "exponential", "mean": "30m"}, 30.0, 900.0),
        ({"kind": "gamma", "shape": 2, "mean": "1h"}, 60.0, 2 * 30.0**2),
        ({"kind": "gamma", "shape": 3, "scale": "10m"}, 30.0, 300.0),
        ({"kind": "weibull", "shape": 1, "scale": "1h"}, 60.0, 3600.0),  # shape 1 is the exponential
        ({"kind": "weibull", "shape": 2, "scale": "1h"}, 60 * math.sqrt(math.pi) / 2, 3600 * (1 - math.pi / 4)),
        ({"kind": "uniform", "low": "0s", "high": "12m"}, 6.0, 12.0),
        ({"kind": "triangular", "low": "0s", "mode": "0s", "high": "6m"}, 2.0, 2.0),
        ({"kind": "empirical", "values": ["1m", "3m"]}, 2.0, 1.0),
    ],
)
def test_closed_form_moments(spec, mean, variance):
    d = dist(spec)
    assert d.mean == pytest.approx(mean)
    assert d.variance == pytest.approx(variance)


def test_empirical_resamples_only_observed_values_with_equal_weight():
    d = dist({"kind": "empirical", "values": ["1m", "2m", "3m", "4m"]})
    x = d.sample(np.random.default_rng(3), 40_000)
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [1.0, 2.0, 3.0, 4.0]
    # Each count is binomial(40000, 1/4): within 4 standard errors of 10000.
    assert (abs(counts - 10_000) < Z * math.sqrt(40_000 * 0.25 * 0.75)).all()


def test_the_same_generator_state_gives_the_same_draws():
    d = dist(SPECS["triangular"])
    a = d.sample(np.random.default_rng(5), 10)
    b = d.sample(np.random.default_rng(5), 10)
    assert a.tolist() == b.tolist()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "lognormal", "median": "20m", "p95": "10m"}, "p95 (10m) must be above the median (20m)"),
        ({"kind": "lognormal", "median": "20m", "p95": "20m"}, "must be above the median"),
        ({"kind": "lognormal", "median": "20m"}, "needs both median and p95"),
        ({"kind": "lognormal", "mu": 3.0}, "needs median and p95, or mu and sigma"),
        ({"kind": "lognormal", "median": "20m", "p95": "1h", "mu": 3.0}, "not both"),
        ({"kind": "lognormal", "mu": 3.0, "sigma": 0}, "greater than 0"),
        ({"kind": "exponential", "mean": "0s"}, "greater than 0"),
        ({"kind": "exponential", "mean": "-5m"}, "negative"),
        ({"kind": "exponential", "mean": "30"}, "no unit"),
        ({"kind": "exponential"}, "Field required"),
        ({"kind": "gamma", "shape": 2}, "exactly one of mean or scale"),
        ({"kind": "gamma", "shape": 2, "mean": "1h", "scale": "30m"}, "exactly one of mean or scale"),
        ({"kind": "gamma", "shape": 0, "mean": "1h"}, "greater than 0"),
        ({"kind": "weibull", "shape": -1, "scale": "1h"}, "greater than 0"),
        ({"kind": "uniform", "low": "15m", "high": "5m"}, "high must be above low"),
        ({"kind": "uniform", "low": "5m", "high": "5m"}, "high must be above low"),
        ({"kind": "triangular", "low": "5m", "mode": "1h", "high": "40m"}, "low <= mode <= high"),
        ({"kind": "triangular", "low": "5m", "mode": "5m", "high": "5m"}, "high above low"),
        ({"kind": "empirical", "values": []}, "at least 1 item"),
        ({"kind": "exponential", "mean": "30m", "median": "20m"}, "Extra inputs are not permitted"),
        ({"kind": "normal", "mean": "30m"}, "does not match any of the expected tags"),
        ({"mean": "30m"}, "Unable to extract tag"),
    ],
)
def test_parameter_checks(spec, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        dist(spec)


def test_plain_numbers_need_a_unit_but_zero_is_fine():
    assert dist(0).value == 0.0
    with pytest.raises(ValidationError, match="no unit"):
        dist(12)


def test_distributions_are_frozen():
    d = dist(SPECS["exponential"])
    with pytest.raises(ValidationError):
        d.mean_ = 5.0


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (Exponential(kind="exponential", mean="30m"), "exponential, mean 30m"),
        (Gamma(kind="gamma", shape=2, mean="1h"), "gamma, shape 2, mean 1h"),
        (Weibull(kind="weibull", shape=0.8, scale="4h"), "weibull, shape 0.8, scale 4h"),
        (Uniform(kind="uniform", low="5m", high="15m"), "uniform, 5m to 15m"),
        (Triangular(kind="triangular", low="5m", mode="10m", high="40m"), "triangular, 5m / 10m / 40m"),
        (Empirical(kind="empirical", values=["10m", "20m"]), "empirical, 2 values, mean 15m"),
        (Lognormal(kind="lognormal", mu=math.log(30), sigma=1.0), "lognormal, median 30m, p95 2h 35m"),
    ],
)
def test_describe(d, text):
    assert d.describe() == text


# ── Inverse CDFs: every kind's quantile agrees with scipy.stats' percent-point function ─────────────────────


def scipy_frozen(d):
    """The same distribution in scipy.stats (minutes)."""
    from scipy import stats

    if isinstance(d, Exponential):
        return stats.expon(scale=d.mean)
    if isinstance(d, Lognormal):
        return stats.lognorm(s=d.log_sigma, scale=math.exp(d.log_mu))
    if isinstance(d, Gamma):
        return stats.gamma(d.shape, scale=d.theta)
    if isinstance(d, Weibull):
        return stats.weibull_min(d.shape, scale=d.scale)
    if isinstance(d, Uniform):
        return stats.uniform(d.low, d.high - d.low)
    if isinstance(d, Triangular):
        return stats.triang((d.mode - d.low) / (d.high - d.low), loc=d.low, scale=d.high - d.low)
    raise AssertionError(type(d))


UNIFORMS = (0.0, 1e-9, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999999, 1 - 2**-53)


@pytest.mark.parametrize("name", [n for n in SPECS if n != "empirical"])
def test_quantile_is_the_inverse_cdf(name):
    d = dist(SPECS[name])
    reference = scipy_frozen(d)
    quantile = d.quantile_function()
    for u in UNIFORMS:
        got, want = quantile(u), float(reference.ppf(u))
        assert math.isfinite(got) and got >= 0, (u, got)
        if u == 0.0 and isinstance(d, Lognormal):
            want = float(reference.ppf(2**-54))  # the inverse CDF is 0 at u = 0; a tiny positive stands in
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (u, got, want)
        assert d.quantile(u) == got


def test_quantile_is_monotone_in_u_for_every_kind():
    grid = np.linspace(0, 1, 1001)[:-1].tolist()
    for spec in SPECS.values():
        q = dist(spec).quantile_function()
        values = [q(u) for u in grid]
        assert values == sorted(values), spec


def test_constant_and_empirical_quantiles():
    assert dist("5m").quantile_function()(0.73) == 5.0
    q = dist(SPECS["empirical"]).quantile_function()  # 12m, 35m, 47m, 2h: each a quarter of the unit interval
    assert [q(u) for u in (0.0, 0.2499, 0.25, 0.5, 0.75, 1 - 2**-53)] == [12, 12, 35, 47, 120, 120]


def test_sample_is_the_quantile_of_the_generators_uniforms():
    d = dist(SPECS["lognormal by quantiles"])
    uniforms = np.random.default_rng(3).random(50).tolist()
    assert d.sample(np.random.default_rng(3), 50).tolist() == [d.quantile(u) for u in uniforms]


@pytest.mark.parametrize("spec", [
    {"kind": "exponential", "mean": "5m", "shift": "3m"},
    {"kind": "lognormal", "median": "5m", "p95": "20m", "shift": "2m"},
    {"kind": "gamma", "shape": 2, "mean": "10m", "shift": "90s"},
    {"kind": "weibull", "shape": 1.5, "scale": "6m", "shift": "1h"},
])
def test_a_shift_adds_a_fixed_lag_to_every_draw_and_to_the_mean(spec):
    shifted = dist(spec)
    plain = dist({k: v for k, v in spec.items() if k != "shift"})
    lag = shifted.shift
    for u in (0.0, 0.1, 0.5, 0.9, 0.999):
        assert shifted.quantile(u) == pytest.approx(lag + plain.quantile(u), rel=1e-12)
    assert shifted.mean == pytest.approx(lag + plain.mean, rel=1e-12)
    assert shifted.variance == pytest.approx(plain.variance, rel=1e-12)
    draws = shifted.sample(np.random.default_rng(11), N)
    assert draws.min() >= lag
    assert abs(draws.mean() - shifted.mean) <= Z * math.sqrt(shifted.variance / N)
    assert "after a lag of" in shifted.describe()


def test_an_exponential_shifted_by_3m_with_mean_5m_has_mean_8m():
    assert dist({"kind": "exponential", "mean": "5m", "shift": "3m"}).mean == 8.0
    assert dist({"kind": "exponential", "mean": "5m"}).shift == 0.0


@pytest.mark.parametrize("kind", ["uniform", "triangular", "empirical", "constant"])
def test_only_the_four_families_take_a_shift(kind):
    spec = {"uniform": {"low": "1m", "high": "2m"}, "triangular": {"low": "1m", "mode": "1m", "high": "2m"},
            "empirical": {"values": ["1m"]}, "constant": {"value": "1m"}}[kind]
    with pytest.raises(ValidationError, match="shift"):
        dist({"kind": kind, **spec, "shift": "1m"})


def test_a_negative_or_enormous_shift_is_refused():
    with pytest.raises(ValidationError):
        dist({"kind": "exponential", "mean": "5m", "shift": "-3m"})
    with pytest.raises(ValidationError, match="1,000 years"):
        dist({"kind": "exponential", "mean": "5m", "shift": f"{400_000}d"})
