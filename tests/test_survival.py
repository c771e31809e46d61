"""Durations the horizon cut short: Kaplan–Meier percentiles and the restricted mean, checked against censored
samples with known quantiles and means, and against the plain statistics when nothing is censored; and what
run, summary.json and the report say about them."""

from __future__ import annotations

import json
import math
from statistics import NormalDist

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator import parse_scenario, simulate
from simulator.cli import app
from simulator.results.metrics import mean_ci, stats, summarize
from simulator.results.survival import kaplan_meier, restricted_mean

Z = NormalDist().inv_cdf


def censored(durations: np.ndarray, follow_up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(observed times, ended) when each duration is followed for `follow_up` at most."""
    return np.minimum(durations, follow_up), durations <= follow_up


# ── Kaplan–Meier percentiles ───────────────────────────────────────────────────────────────────────────────


def test_kaplan_meier_recovers_the_quantiles_of_a_censored_exponential():
    rng = np.random.default_rng(1)
    mean = 60.0
    durations = rng.exponential(mean, 200_000)
    times, ended = censored(durations, rng.uniform(0, 300, len(durations)))  # about 18% cut short
    assert 0.15 < 1 - ended.mean() < 0.22
    curve = kaplan_meier(times, ended)
    for share in (0.5, 0.9, 0.95):
        assert curve.quantile(share) == pytest.approx(-mean * math.log(1 - share), rel=0.02)
    # Dropping the cut-short durations, as drillsim did, biases every quantile down.
    assert np.percentile(times[ended], 90) < 0.85 * -mean * math.log(0.1)


def test_kaplan_meier_recovers_the_quantiles_of_a_censored_lognormal():
    rng = np.random.default_rng(2)
    mu, sigma = math.log(120), math.log(1440 / 120) / Z(0.95)  # median 2h, p95 1d
    durations = rng.lognormal(mu, sigma, 200_000)
    times, ended = censored(durations, rng.uniform(0, 1440, len(durations)))  # a 1-day horizon: onsets uniform
    curve = kaplan_meier(times, ended)
    assert curve.quantile(0.5) == pytest.approx(120, rel=0.02)
    assert curve.quantile(0.9) == pytest.approx(math.exp(mu + sigma * Z(0.9)), rel=0.04)  # 13h 52m
    assert math.isnan(curve.quantile(0.99))  # 2d 19h: beyond the longest follow-up of a day
    assert curve.follow_up <= 1440


def test_without_censoring_the_curve_is_the_empirical_distribution():
    values = np.array([3.0, 1.0, 2.0, 2.0, 5.0])
    curve = kaplan_meier(values, np.ones(5, bool))
    assert curve.times.tolist() == [1.0, 2.0, 3.0, 5.0]
    assert curve.survival.tolist() == pytest.approx([0.8, 0.4, 0.2, 0.0])
    assert curve.quantile(0.5) == 2.0 and curve.quantile(1.0) == 5.0
    assert curve.cdf(np.array([0.5, 2.0, 4.0])).tolist() == pytest.approx([0.0, 0.6, 0.8])


def test_a_duration_cut_short_at_a_time_counts_as_at_risk_then():
    # 1 ends, 2 ends (of 4 at risk), 2 is cut short, 3 ends (of 1 at risk): S = 3/4, 3/4 · 2/3 = 1/2, then 0.
    curve = kaplan_meier(np.array([1.0, 2.0, 2.0, 3.0]), np.array([True, True, False, True]))
    assert curve.times.tolist() == [1.0, 2.0, 3.0]
    assert curve.survival.tolist() == pytest.approx([0.75, 0.5, 0.0])


# ── The restricted mean and its interval ───────────────────────────────────────────────────────────────────


def lognormal_restricted_mean(mu: float, sigma: float, tau: float) -> float:
    """E[min(T, tau)] for a lognormal T."""
    phi = NormalDist().cdf
    z = (math.log(tau) - mu) / sigma
    return math.exp(mu + sigma**2 / 2) * phi(z - sigma) + tau * (1 - phi(z))


def test_the_restricted_mean_is_the_mean_of_durations_cut_at_the_follow_up():
    rng = np.random.default_rng(3)
    mu, sigma, tau = math.log(120), 1.5, 1440.0
    durations = rng.lognormal(mu, sigma, 400_000)
    times, ended = censored(durations, np.full(len(durations), tau))  # all followed a day
    estimate = restricted_mean(times, ended)
    assert estimate.restricted and estimate.tau == pytest.approx(tau)
    assert estimate.mean == pytest.approx(lognormal_restricted_mean(mu, sigma, tau), rel=0.01)
    assert estimate.mean < math.exp(mu + sigma**2 / 2)  # a lower bound of the true mean


def test_without_censoring_the_restricted_mean_and_its_interval_are_the_ratio_estimators():
    rng = np.random.default_rng(4)
    values = rng.lognormal(2, 1, 500)
    replication = rng.integers(0, 40, 500)
    estimate = restricted_mean(values, np.ones(500, bool))
    assert not estimate.restricted and estimate.mean == pytest.approx(values.mean())
    assert estimate.influence == pytest.approx((values - values.mean()) / 500)
    # One duration cut short at the very end: the censored statistics, and the same interval as mean_ci's span
    # of the t interval and the bootstrap-t (Cox's interval stays out: a cut-short duration's logarithm is not
    # known).
    cut = np.array([values.max() + 1])
    with_cut = stats(values, replication, 40, 1, None, cut, np.array([0]))
    mean, low, high = mean_ci(np.append(values, cut), np.append(replication, 0), 40, lognormal=False)
    assert with_cut.restricted and with_cut.mean == pytest.approx(mean)  # S falls to 0 only after the cut one
    assert (with_cut.ci_low, with_cut.ci_high) == (pytest.approx(low), pytest.approx(high))


def weighted_restricted_mean(times, ended, weights, tau):
    """The Kaplan–Meier integral up to tau with observation weights, written out plainly."""
    order = np.argsort(times, kind="stable")
    times, ended, weights = times[order], ended[order], weights[order]
    survival, area, last = 1.0, 0.0, 0.0
    for t in np.unique(times):
        area += survival * (t - last)
        last = t
        at_risk = weights[times >= t].sum()
        deaths = weights[(times == t) & ended].sum()
        survival *= 1 - deaths / at_risk
    return area + survival * (tau - last)


def test_the_influence_is_the_derivative_of_the_estimate_with_respect_to_each_weight():
    rng = np.random.default_rng(5)
    durations = rng.exponential(10, 60)
    times, ended = censored(durations, rng.uniform(0, 25, 60))
    estimate = restricted_mean(times, ended)
    step = 1e-6
    for i in range(0, 60, 7):
        weights = np.ones(60)
        weights[i] += step
        moved = weighted_restricted_mean(times, ended, weights, estimate.tau)
        assert (moved - estimate.mean) / step == pytest.approx(estimate.influence[i], rel=1e-3, abs=1e-6)


# ── A drill cut short: the example, end to end ─────────────────────────────────────────────────────

GAME_DAY = """\
name: game day
horizon: 1d
replications: 1000
seed: 1
team: {responders: 60, acknowledge: 0s, assemble: 0s}
policy: {declare_after: 0s, mitigation: debug-first, confirm: 0s, cleanup: 0s}
failure_modes:
  - name: outage
    cause: unknown
    rate: 10/d
    detection:
      customer_report: {delay: 0s}
    mitigations:
      debug: {duration: {kind: lognormal, median: 2h, p95: 1d}}
"""


@pytest.fixture(scope="module")
def game_day():
    return parse_scenario(GAME_DAY)


def test_a_game_day_cut_short_reports_the_true_median_and_p90(game_day):
    results = simulate(game_day, keep_events=False, workers=1)
    summary = summarize(results.incidents, results.replications, game_day.horizon)
    mttr = summary["mttr"]
    sigma = math.log(12) / Z(0.95)
    assert 0.15 < mttr.share_censored < 0.25  # about a fifth of the incidents are still open at the end
    assert mttr.median == pytest.approx(120, rel=0.05)  # was 1h 25m with the open ones left out
    assert mttr.p90 == pytest.approx(120 * math.exp(sigma * Z(0.9)), rel=0.08)  # 13h 52m; was 6h 35m
    assert "p99" in mttr.beyond_follow_up and math.isnan(mttr.p99)  # 2d 19h, beyond a day's follow-up
    assert "median" not in mttr.beyond_follow_up and "p90" not in mttr.beyond_follow_up  # (p95 is a day: either)
    assert mttr.restricted and mttr.restricted_to <= 1440
    half = (mttr.ci_high - mttr.ci_low) / 2
    assert abs(mttr.mean - lognormal_restricted_mean(math.log(120), sigma, mttr.restricted_to)) < 1.5 * half
    no_horizon = summarize(results.incidents, results.replications)["mttr"]
    assert no_horizon.median < 0.8 * mttr.median  # the complete-case median, biased down


def test_run_summary_and_report_say_what_the_horizon_cut_short(game_day, tmp_path):
    path = tmp_path / "game-day.yaml"
    path.write_text(GAME_DAY)
    result = CliRunner().invoke(app, ["run", str(path), "-n", "100", "--quiet", "--out", str(tmp_path / "out"),
                                      "--report"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "≥ " in output and "beyond" in output
    assert "warning: MTTR:" in output and "Kaplan–Meier estimates" in output and "lower bound" in output
    mttr = json.loads((tmp_path / "out" / "summary.json").read_text())["metrics"]["mttr"]
    assert "p99" in mttr["beyond_follow_up"] and mttr["p99"] is None
    assert 0 < mttr["restricted_to"] <= 1440 and mttr["follow_up"] == mttr["restricted_to"]
    report = (tmp_path / "out" / "report.md").read_text()
    assert "**Warning:** MTTR:" in report and "| beyond |" in report and "≥ " in report


def test_a_run_without_censoring_says_nothing_of_it(tmp_path):
    result = CliRunner().invoke(app, ["run", "-n", "20", "--quiet"])
    assert result.exit_code == 0
    assert "warning" not in result.output and "≥" not in result.output


def test_kaplan_meier_is_scipys_ecdf_bit_for_bit():
    """Worked out without scipy's copies of the sample, the estimate is scipy.stats.ecdf's of CensoredData,
    the same floats: with ties, with nothing cut short, with everything but one cut short."""
    from scipy.stats import CensoredData, ecdf

    rng = np.random.default_rng(11)
    for size, decimals, share_ended in [(1, 0, 1.0), (50, 0, 0.5), (2_000, 1, 0.8), (2_000, 3, 1.0), (500, 0, 0.01)]:
        times = np.round(rng.exponential(40.0, size), decimals)
        ended = rng.random(size) < share_ended
        ended[0] = True
        found = kaplan_meier(times, ended)
        estimate = ecdf(CensoredData(uncensored=times[ended], right=times[~ended])).sf
        events = np.isin(estimate.quantiles, times[ended])
        assert found.times.tolist() == estimate.quantiles[events].tolist()
        assert found.survival.tolist() == estimate.probabilities[events].tolist()
        assert found.follow_up == times.max()
    with pytest.raises(ValueError, match="NaN"):
        kaplan_meier(np.array([1.0, math.nan]), np.array([True, False]))
