"""Censored maximum-likelihood fits: the likelihood is scipy.stats' own, known parameters are recovered with and
without censoring, AIC picks the right family when families are clearly apart, goodness of fit and intervals
behave as their theory says, and small or odd samples fall back as documented.

Samples are drawn here from numpy's generator with fixed seeds (not from the engine), so these results stay put
whatever the engine's random streams become."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.history import fit as fitting
from simulator.history.fit import (
    MIN_FIT,
    SMALL_SAMPLE,
    empirical_values,
    fit_rate,
    fit_sample,
    ks_distance,
    log_terms,
    quantile_interval,
)
from simulator.history.phases import DETECTION, Sample
from simulator.results.survival import distribution_steps

TRUE = {
    "lognormal": ({"median": 12.0, "sigma": 1.5}, stats.lognorm(s=1.5, scale=12.0)),
    "gamma": ({"shape": 8.0, "mean": 40.0}, stats.gamma(a=8.0, scale=5.0)),
    "weibull": ({"shape": 4.0, "scale": 30.0}, stats.weibull_min(c=4.0, scale=30.0)),
    "exponential": ({"mean": 20.0}, stats.expon(scale=20.0)),
}


def make_sample(draws: np.ndarray, limits: np.ndarray | None = None, tick: float = 1 / 600) -> Sample:
    """A phase's sample from true durations, right-censored where each exceeds its limit."""
    limits = np.full(len(draws), np.inf) if limits is None else limits
    censored = draws > limits
    values = np.where(censored, limits, draws)
    return Sample(DETECTION, values, censored, tuple(str(i) for i in range(len(draws))), tick, limits)


def drawn(family: str, n: int, seed: int, censor: bool) -> Sample:
    rng = np.random.default_rng(seed)
    dist = TRUE[family][1]
    draws = dist.rvs(size=n, random_state=rng)
    # Administrative censoring: each incident watched for a uniform time up to three medians; about a third
    # of them are still open at the export.
    limits = rng.uniform(0, 3 * dist.median(), n) if censor else None
    return make_sample(draws, limits)


@pytest.mark.parametrize("family", fitting.FAMILIES)
@pytest.mark.parametrize("kind", ["pdf", "sf", "cdf"])
def test_the_likelihood_terms_are_scipy_stats_own(family, kind):
    rng = np.random.default_rng(1)
    x = rng.lognormal(2, 1.5, 50)
    theta = rng.normal(0, 0.7, len(fitting.PARAMETERS[family]))
    dist = fitting.frozen(family, theta)
    expected = {"pdf": dist.logpdf, "sf": dist.logsf, "cdf": dist.logcdf}[kind](x)
    assert np.allclose(log_terms(family, theta, x, kind), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("censor", [False, True], ids=["complete", "censored"])
@pytest.mark.parametrize("family", fitting.FAMILIES)
def test_known_parameters_are_recovered_within_their_intervals(family, censor):
    sample = drawn(family, 400, seed=100 + fitting.FAMILIES.index(family), censor=censor)
    if censor:
        assert 0.15 < sample.open / sample.count < 0.6
    found = fit_sample(sample, family=family, bootstrap=200, rng=np.random.default_rng(11))
    assert found.family == family
    for key, true in TRUE[family][0].items():
        low, high = found.intervals[key]
        assert low <= true <= high, (key, true, low, high)
        assert abs(found.params[key] - true) / true < 0.2
    true_median = TRUE[family][1].median()
    assert found.intervals["median"][0] <= true_median <= found.intervals["median"][1]


@pytest.mark.parametrize("censor", [False, True], ids=["complete", "censored"])
@pytest.mark.parametrize("family", fitting.FAMILIES)
def test_aic_chooses_the_right_family_when_families_are_clearly_apart(family, censor):
    found = fit_sample(drawn(family, 400, seed=3, censor=censor), bootstrap=50, rng=np.random.default_rng(5))
    assert found.family == family, [(c.family, round(c.aic, 1)) for c in found.candidates]
    assert found.reason == "lowest AIC"
    assert found.p_value > fitting.REJECT


def test_the_exponential_mean_under_censoring_is_total_time_over_closed_count():
    """The textbook estimator: every incident's time (closed or open) divided by the closed ones."""
    sample = drawn("exponential", 300, seed=2, censor=True)
    found = fit_sample(sample, family="exponential", bootstrap=20)
    assert found.params["mean"] == pytest.approx(sample.values.sum() / sample.closed, rel=1e-9)


def test_bootstrap_intervals_cover_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    covered = 0
    trials = 40
    for _ in range(trials):
        draws = rng.exponential(20.0, 60)
        found = fit_sample(make_sample(draws, rng.uniform(0, 40, 60)), family="exponential", bootstrap=100, rng=rng)
        low, high = found.intervals["mean"]
        covered += low <= 20.0 <= high
    # 95% nominal: 40 trials cover 34 or more with probability above 99% (binomial).
    assert covered >= 34


def test_ks_distance_is_scipys_kolmogorov_smirnov_statistic_without_censoring():
    x = np.random.default_rng(4).gamma(2.0, 3.0, 80)
    times, levels = distribution_steps(x, np.zeros(80, dtype=bool))
    dist = stats.gamma(a=2.2, scale=2.9)
    assert ks_distance(times, levels, dist.cdf) == pytest.approx(stats.kstest(x, dist.cdf).statistic, abs=1e-12)


def test_goodness_of_fit_rejects_a_mixture_and_falls_back_to_the_empirical_distribution():
    rng = np.random.default_rng(8)
    draws = np.concatenate([rng.lognormal(math.log(2), 0.2, 150), rng.lognormal(math.log(120), 0.2, 150)])
    found = fit_sample(make_sample(draws), bootstrap=100, rng=rng)
    assert found.family == "empirical"
    assert "fits poorly" in found.reason and found.p_value < fitting.REJECT
    assert sorted(found.values) == sorted(draws.tolist())


def test_durations_of_zero_are_shorter_than_the_tick():
    """An exponential of mean 3 seconds written to the second: about 28% read 0s. Treated as 'under a
    second', the mean is still found."""
    rng = np.random.default_rng(9)
    draws = rng.exponential(3 / 60, 2000)
    written = np.floor(draws * 60) / 60  # a clock that writes whole seconds
    found = fit_sample(make_sample(written, tick=1 / 60), family="exponential", bootstrap=20)
    assert np.mean(written == 0) == pytest.approx(1 - math.exp(-1 / 3), abs=0.03)
    # Flooring to whole seconds shortens every duration by half a second on average; zeros are not dropped.
    assert found.params["mean"] * 60 == pytest.approx(3.0 - 0.5, abs=0.25)


def test_half_zeros_or_all_zeros_are_not_forced_into_a_family():
    half = make_sample(np.array([0.0] * 6 + [1.0, 2.0, 3.0, 4.0, 5.0]), tick=1 / 60)
    assert fit_sample(half).family == "empirical"
    zeros = make_sample(np.zeros(12), tick=1 / 60)
    found = fit_sample(zeros)
    assert found.family == "constant" and found.quantile(0.9) == 0.0


def test_small_samples_warn_and_tiny_ones_use_the_durations_themselves():
    rng = np.random.default_rng(12)
    tiny = fit_sample(make_sample(rng.lognormal(2, 1, MIN_FIT - 1)))
    assert tiny.family == "empirical" and any("small sample" in w for w in tiny.warnings)
    small = fit_sample(make_sample(rng.lognormal(2, 1, SMALL_SAMPLE - 5)), bootstrap=30)
    assert small.fitted and any("small sample" in w for w in small.warnings)
    large = fit_sample(make_sample(rng.lognormal(2, 1, SMALL_SAMPLE + 40)), bootstrap=30)
    assert not large.warnings


def test_nothing_closed_means_no_fit():
    found = fit_sample(make_sample(np.array([5.0, 7.0]), np.array([1.0, 2.0])))
    assert found.family == "none" and "still open" in found.reason


def test_empirical_values_under_censoring_are_kaplan_meier_quantiles():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    censored = np.array([False, False, True, False])
    found, warning = empirical_values(values, censored, tick=0.01)
    # Kaplan–Meier: F(1) = 1/4, F(2) = 1/2, the 3 is censored, F(4) = 1; levels (i − ½)/4.
    assert found.tolist() == [1.0, 2.0, 4.0, 4.0] and warning is None
    _, warning = empirical_values(np.array([1.0, 2.0, 9.0]), np.array([False, False, True]), tick=0.01)
    assert "still open" in warning


def test_the_rate_interval_is_garwoods_exact_interval():
    rate = fit_rate(np.arange(10.0), count=10, window=1.0)
    low, high = rate.interval
    assert rate.rate == 10.0
    assert low == pytest.approx(stats.chi2.ppf(0.025, 20) / 2) and low == pytest.approx(4.7954, abs=1e-4)
    assert high == pytest.approx(stats.chi2.ppf(0.975, 22) / 2) and high == pytest.approx(18.3904, abs=1e-4)


def test_poisson_gaps_pass_and_bursts_fail_the_exponential_check():
    rng = np.random.default_rng(13)
    poisson = np.cumsum(rng.exponential(100.0, 60))
    assert fit_rate(poisson, 60, poisson[-1], rng=rng, samples=199).gaps_p_value > 0.05
    bursts = np.concatenate([np.arange(k * 1000.0, k * 1000.0 + 10.0, 1.0) for k in range(6)])
    assert fit_rate(bursts, 60, bursts[-1], rng=rng, samples=199).gaps_p_value < 0.01


def test_the_distribution_free_interval_of_a_quantile_is_the_binomials_order_statistics():
    # 100 values, the median: the count below it is Binomial(100, ½), whose 2.5% and 97.5% points are 40 and 60.
    assert quantile_interval(np.arange(100.0), 0.5) == (39.0, 60.0)
    rng = np.random.default_rng(14)
    covered = sum(low <= math.log(10) <= high for low, high in
                  (quantile_interval(rng.exponential(1.0, 50), 0.9) for _ in range(1000)))
    assert covered >= 950  # at least the level asked for (order statistics are discrete: a little more)


def seconds_sample(minutes) -> Sample:
    """Durations written to the second, none open."""
    values = np.round(np.asarray(minutes, dtype=float) * 60) / 60
    return Sample(DETECTION, values, np.zeros(len(values), dtype=bool), tuple(str(i) for i in range(len(values))),
                  1 / 60)


@pytest.mark.parametrize("n", [3, 10, 40, 400])
def test_a_phase_that_always_takes_2m_is_the_constant_2m(n):
    found = fit_sample(seconds_sample(np.full(n, 2.0)), bootstrap=50)
    assert (found.family, found.value, found.quantile(0.9), found.mean) == ("constant", 2.0, 2.0, 2.0)
    assert math.isnan(found.p_value)  # nothing was tested, so nothing passed
    assert found.reason == f"every one of the {n} closed durations is 2m"


def test_a_phase_that_always_takes_0s_is_the_constant_0s_also_with_incidents_open_at_0():
    values = np.zeros(400)
    censored = np.zeros(400, dtype=bool)
    censored[:3] = True
    found = fit_sample(Sample(DETECTION, values, censored, tuple(map(str, range(400))), 1 / 60), bootstrap=20)
    assert (found.family, found.value, found.values) == ("constant", 0.0, ())


def test_durations_within_a_second_of_2m_never_give_an_absurd_family_nor_a_passing_test_for_one():
    rng = np.random.default_rng(4)
    found = fit_sample(seconds_sample(2 + rng.integers(0, 2, 40) / 60), bootstrap=50)
    weibull = next(c for c in found.candidates if c.family == "weibull" and c.shift == 0)
    assert weibull.params["shape"] > fitting.SHAPE_RANGE[1] and weibull.absurd.startswith("weibull shape")
    assert found.family != "weibull"
    assert found.dist().ppf(0.99) < 2.2  # whatever was chosen stays within seconds of 2m
    assert found.reason.startswith("lowest AIC of the families with sensible parameters (weibull shape")


def test_when_no_family_is_sensible_the_durations_themselves_are_used_without_a_p_value(monkeypatch):
    monkeypatch.setattr(fitting, "SHAPE_RANGE", (10.0, 11.0))
    monkeypatch.setattr(fitting, "SIGMA_RANGE", (10.0, 11.0))
    monkeypatch.setattr(fitting, "TAIL_LIMIT", 1e-9)
    found = fit_sample(seconds_sample(np.random.default_rng(5).lognormal(1, 0.5, 40)), bootstrap=20)
    assert found.family == "empirical" and math.isnan(found.p_value) and found.bootstrap == 0
    assert found.reason.startswith("no family has sensible parameters (")


def test_a_fixed_lag_plus_an_exponential_wait_is_fitted_with_a_shift():
    rng = np.random.default_rng(3)
    found = fit_sample(seconds_sample(3 + rng.exponential(5, 200)), bootstrap=100, rng=np.random.default_rng(1))
    assert found.fitted and 2.8 <= found.shift <= 3.0  # the shortest of 200 draws: 3m plus about 1.5s
    assert found.reason.startswith("lowest AIC, after a lag of")
    for q, name, true in ((0.5, "median", 3 + 5 * math.log(2)), (0.9, "p90", 3 + 5 * math.log(10))):
        low, high = found.intervals[name]  # the shift held at its estimate: checked at twice the half-width
        assert abs(found.quantile(q) - true) <= high - low, (name, found.quantile(q), true, low, high)


def test_a_gamma_of_large_shape_is_not_turned_into_a_shifted_family():
    rng = np.random.default_rng(3)
    found = fit_sample(seconds_sample(rng.gamma(8, 50 / 8, 400)), bootstrap=20)
    assert (found.family, found.shift) == ("gamma", 0.0)


def test_a_forced_family_is_fitted_without_a_shift():
    rng = np.random.default_rng(3)
    found = fit_sample(seconds_sample(3 + rng.exponential(5, 200)), family="lognormal", bootstrap=20)
    assert (found.family, found.shift) == ("lognormal", 0.0)
