"""Detectability: the period-to-period noise of MTTR against the normal approximation, and the command."""

from __future__ import annotations

import json
import math
import re
from statistics import NormalDist

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from simulator.analysis.compare import compare
from simulator.analysis.detectability import detectability
from simulator.analysis.simulated_periods import comparison_detectability, power_curve, scenario_detectability
from simulator.cli import app
from simulator.errors import DrillsimError
from simulator.report.detectability import detectability_lines, detectability_table
from simulator.scenario.variants import parse_source

# Where the normal approximation holds: time to restore is constants plus a uniform 20m–60m debugging, so a
# period's mean of 30 incidents is very nearly normal. No queue: plenty of responders.
GENTLE = """\
name: gentle
horizon: 30d
replications: 60
seed: 4
team: {responders: 20, acknowledge: 2m}
policy: {declare_after: 1m, mitigation: debug-first}
failure_modes:
  - name: bad-deploy
    cause: deployment
    rate: 1/d
    detection:
      monitoring: {delay: 4m}
    mitigations:
      rollback: {duration: 10m}
      debug: {duration: {kind: uniform, low: 20m, high: 60m}}
variants:
  rollback-first: {policy.mitigation: rollback-first}
  same: {policy.confirm: 10m}
"""
N = 30
Z = NormalDist().inv_cdf(0.975)


@pytest.fixture(scope="module")
def gentle():
    return parse_source(GENTLE, file="gentle.yaml")


@pytest.fixture(scope="module")
def found(gentle):
    return scenario_detectability(gentle.scenario, incidents_per_period=N, improvement=0.2, trials=4000,
                                  replications=200)


def test_the_noise_of_the_mean_agrees_with_the_normal_approximation(found):
    mean = found["mean"]
    sigma = found.sigma
    assert sigma == pytest.approx(40 / math.sqrt(12), rel=0.05)  # a uniform over 40 minutes
    expected = Z * sigma * math.sqrt(2 / N)
    assert mean.normal_half_width == pytest.approx(expected)
    # 4000 simulated pairs estimate the 2.5th and 97.5th percentiles to about 1.5%; allow four times that
    assert mean.half_width == pytest.approx(expected, rel=0.06)


def test_how_often_a_real_improvement_is_missed_agrees_with_the_normal_approximation(found):
    mean = found["mean"]
    assert mean.change == pytest.approx(-0.2)
    mu, sigma = mean.before, found.sigma
    # after = 0.8 × before, so (period after − period before) ~ Normal(−0.2 μ, (1 + 0.64) σ² / N)
    spread = math.sqrt(1.64 * sigma**2 / N)
    missed = NormalDist().cdf(-0.2 * mu / spread)
    assert mean.missed == pytest.approx(missed, abs=0.03)
    # no change looking like a 20% improvement: period B ≤ 0.8 × period A, B − 0.8 A ~ Normal(0.2 μ, 1.64 σ²/N)
    assert mean.false_alarm == pytest.approx(missed, abs=0.03)
    # standing out of the noise: the change beyond the no-change half-width
    seen = NormalDist().cdf((0.2 * mu - Z * sigma * math.sqrt(2 / N)) / spread)
    assert mean.power == pytest.approx(seen, abs=0.03)


def test_the_incidents_needed_agree_with_the_normal_approximation(found):
    mean = found["mean"]
    mu, sigma = mean.before, found.sigma
    z_power = NormalDist().inv_cdf(0.8)
    expected = ((Z * math.sqrt(2) * sigma + z_power * math.sqrt(1.64) * sigma) / (0.2 * mu)) ** 2
    assert mean.needed == pytest.approx(expected, rel=0.15)
    assert mean.needed_power >= 0.77


def test_median_and_p90_are_reported_too(found):
    assert set(found.statistics) == {"mean", "median", "p90"}
    for statistic in ("median", "p90"):
        s = found[statistic]
        assert s.half_width > 0 and 0 <= s.missed <= 1 and s.needed >= 2
        assert math.isnan(s.normal_half_width)


def test_the_noise_shrinks_as_one_over_the_square_root_of_the_incidents(gentle):
    curve = power_curve(gentle.scenario, sizes=[10, 40, 160], trials=2000, replications=60)
    widths = [found["mean"].half_width for _, found in curve]
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.1)
    assert widths[1] / widths[2] == pytest.approx(2, rel=0.1)
    powers = [found["mean"].power for _, found in curve]
    assert powers == sorted(powers)


def test_a_variant_brings_its_own_change(gentle):
    variants = gentle.variants(["rollback-first", "same"])
    found = scenario_detectability(gentle.scenario, variants["rollback-first"], trials=1000, replications=60)
    assert found.incidents == round(found.incidents_per_horizon)  # the scenario's incidents per horizon
    assert found["mean"].after < found["mean"].before
    assert found["mean"].needed is not None
    unchanged = scenario_detectability(gentle.scenario, variants["same"], trials=500, replications=60)
    assert unchanged["mean"].change == 0 and unchanged["mean"].needed is None
    result = compare(variants, resamples=200)
    from_comparison = comparison_detectability(result, "rollback-first", trials=1000)
    # The comparison's pool counts the few incidents the horizon cut short as lasting until it (a lower bound);
    # the scenario's own pool follows them to their end: a hair apart.
    (_, _), (cut, total) = from_comparison.cut_short
    assert 0 < cut < 0.01 * total
    assert from_comparison["mean"].after == pytest.approx(found["mean"].after, rel=1e-3)
    assert from_comparison["mean"].after <= found["mean"].after


def test_the_analysis_is_seeded(gentle):
    rng = np.random.default_rng
    one = detectability(np.arange(1.0, 100.0), incidents=10, trials=500, rng=rng(3), find_needed=False)
    two = detectability(np.arange(1.0, 100.0), incidents=10, trials=500, rng=rng(3), find_needed=False)
    assert one.as_document() == two.as_document()


def test_bad_inputs_are_clear_errors():
    with pytest.raises(DrillsimError, match="share between 0 and 1"):
        detectability(np.arange(1.0, 10.0), incidents=5, improvement=1.5)
    with pytest.raises(DrillsimError, match="too few incidents"):
        detectability(np.array([1.0]), incidents=5)


def test_the_command_reports_mean_median_and_p90(tmp_path):
    path = tmp_path / "gentle.yaml"
    path.write_text(GENTLE, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["detectability", str(path), "-N", "30", "--improvement", "20%",
                                      "--trials", "1000", "-n", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for word in ("mean", "median", "p90", "To see it reliably"):
        assert word in result.output
    document = json.loads((out / "detectability.json").read_text())
    assert document["incidents_per_period"] == 30 and set(document["statistics"]) == {"mean", "median", "p90"}
    assert (out / "detectability-mttr.png").stat().st_size > 0
    variant = CliRunner().invoke(app, ["detectability", str(path), "-V", "rollback-first", "--trials", "500",
                                       "-n", "10", "-q"])
    assert variant.exit_code == 0, variant.output
    bad = CliRunner().invoke(app, ["detectability", str(path), "--improvement", "120%"])
    assert bad.exit_code == 2 and "between 0% and 100%" in bad.output


def test_figures_tell_the_dashboard_story(gentle, found):
    from simulator import simulate
    from simulator.analysis.simulated_periods import per_period
    from simulator.report.detectability_figures import dashboard_figure, detectability_figure, power_figure

    figure = detectability_figure(found)
    assert [ax.get_title().split(":")[0] for ax in figure.axes] == ["mean", "median", "p90"]
    assert all("this period − last period" in ax.get_xlabel() for ax in figure.axes)
    assert figure.legends
    curve = power_curve(gentle.scenario, sizes=[5, 20], trials=300, replications=60)
    ax = power_figure(curve, current=N).axes[0]
    assert ax.get_xlabel() == "incidents per period (log scale)" and ax.get_title()
    history = simulate(gentle.scenario, replications=4, keep_events=False)
    values = per_period(history)
    assert len(values) == 4 and np.all(values > 0)
    ax = dashboard_figure(values, period="month").axes[0]
    assert len(ax.patches) == 4 and "mean MTTR" in ax.get_ylabel()


# ── Numbers to trust: needed whatever N, σ with its error, a Monte Carlo error on every rate ─────────────────

# MTTR exactly a lognormal with μ = 3.989 and σ = 1.41 (of ln minutes): no delays, no queue.
HEAVY = """\
name: heavy
horizon: 30d
replications: 20
seed: 11
team: {responders: 20, acknowledge: 0s, assemble: 0s}
policy: {declare_after: 0s, mitigation: debug-first}
failure_modes:
  - name: outage
    cause: unknown
    rate: 1/d
    detection:
      customer_report: {delay: 0s}
    mitigations:
      debug: {duration: {kind: lognormal, mu: 3.989, sigma: 1.41}}
"""


def test_the_incidents_needed_do_not_depend_on_the_incidents_per_period_asked_about(gentle):
    few = scenario_detectability(gentle.scenario, incidents_per_period=10, trials=1000, replications=60)
    many = scenario_detectability(gentle.scenario, incidents_per_period=60, trials=1000, replications=60)
    for statistic in ("mean", "median", "p90"):
        one, other = few[statistic], many[statistic]
        assert one.power < other.power  # what the periods asked about see differs ...
        assert abs(one.needed - other.needed) <= one.needed_error + other.needed_error  # ... what it takes does not
        assert 0 < one.needed_error < 0.2 * one.needed


def test_the_search_for_the_incidents_needed_goes_down_as_well_as_up(gentle):
    huge = scenario_detectability(gentle.scenario, incidents_per_period=500, trials=200, replications=60)
    assert huge["mean"].power == 1.0 and huge["mean"].needed < 100  # found far below the size asked about
    assert huge["mean"].needed_power >= 0.8


def test_sigma_of_a_heavy_tail_comes_with_its_error():
    scenario = parse_source(HEAVY).scenario
    ((_, found),) = power_curve(scenario, sizes=[10], trials=100)
    true = math.exp(3.989 + 1.41**2 / 2) * math.sqrt(math.exp(1.41**2) - 1)  # 366.3 minutes
    assert found.pool >= 20_000  # replications added up to a pool of at least MIN_POOL incidents
    assert abs(found.sigma - true) < 4 * found.sigma_error
    assert found.sigma_error < 0.15 * found.sigma
    assert found.tail > 0.5  # the longest 1% make up most of the spread, and the report says so
    lines = detectability_lines(found)
    assert "by bootstrap over replications" in lines[0] and "Its longest 1% of incidents make up" in lines[1]


def test_every_rate_has_its_monte_carlo_error(found):
    for s in found.statistics.values():
        for rate, error in ((s.missed, s.missed_error), (s.false_alarm, s.false_alarm_error),
                            (s.power, s.power_error)):
            assert error == pytest.approx(math.sqrt(rate * (1 - rate) / found.trials))
        assert s.half_width_error > 0 and s.needed_error > 0
    document = found.as_document()["statistics"]["mean"]
    assert {"missed_error", "false_alarm_error", "power_error", "needed_error", "half_width_error"} <= set(document)
    table = Console(width=200, record=True)
    table.print(detectability_table(found))
    assert "±" in table.export_text().split("stands out")[1]


def test_a_worse_variant_is_a_deterioration_and_no_change_is_no_change(gentle):
    slower = gentle.variants(sets=["policy.declare_after=3h"])
    worse = scenario_detectability(gentle.scenario, list(slower.values())[-1], trials=500, incidents_per_period=30,
                                   replications=60)
    assert worse["mean"].change > 1
    text = "\n".join(detectability_lines(worse))
    assert "(a deterioration)" in text and "looks like a deterioration of" in text
    assert "improvement of 1" not in text and "improvement of 2" not in text  # no "improvement of 192%"
    assert worse["mean"].false_alarm < 0.2  # no change rarely looks like so large a deterioration
    same = scenario_detectability(gentle.scenario, gentle.variants(["same"])["same"], trials=300,
                                  incidents_per_period=30, replications=60)
    text = "\n".join(detectability_lines(same))
    assert "deterioration" not in text and "+0.0%" not in text and "nothing to see" in text


def test_periods_of_other_sizes_are_not_called_horizons(gentle):
    found = scenario_detectability(gentle.scenario, incidents_per_period=90, trials=300, replications=60)
    first = detectability_lines(found)[1]
    assert "per 30d" not in first  # 90 incidents at about 1 a day: about 90 days, not the scenario's 30
    assert re.search(r"periods of 90 incidents \(about (8[5-9]|9[0-5])d each at the scenario's rate\)", first)
    as_scenario = scenario_detectability(gentle.scenario, trials=300, replications=60)
    assert detectability_lines(as_scenario)[1].startswith("With 30d periods (")


def test_sizes_that_would_take_the_memory_are_refused_before_the_run(gentle, monkeypatch):
    monkeypatch.setattr("simulator.results.runner.simulate", lambda *a, **k: pytest.fail("simulated"))
    with pytest.raises(DrillsimError, match="more than 100,000; a dashboard period holds far fewer"):
        scenario_detectability(gentle.scenario, incidents_per_period=10**7)
    with pytest.raises(DrillsimError, match="would draw"):
        scenario_detectability(gentle.scenario, incidents_per_period=100_000, trials=100_000)
    result = CliRunner().invoke(app, ["detectability", "-N", "100000000"])
    assert result.exit_code == 2


LINGERING = """\
name: lingering
horizon: 2d
replications: 40
seed: 9
team: {responders: 20, acknowledge: 2m}
policy: {declare_after: 1m, mitigation: debug-first}
failure_modes:
  - name: bad-deploy
    cause: deployment
    rate: 1/d
    detection:
      monitoring: {delay: 4m}
    mitigations:
      rollback: {duration: 10m, success: 0}
      debug: {duration: {kind: uniform, low: 1d, high: 5d}}
"""


def test_detectability_json_says_how_many_incidents_the_pool_left_open(tmp_path):
    """The scenario's pool follows each incident over a second horizon; those still open then are left out, and
    detectability.json's cut_short counts them (as the dashboard section of compare counts its own)."""
    from simulator import simulate
    from simulator.analysis.simulated_periods import _followed

    source = parse_source(LINGERING, file="lingering.yaml")
    (tmp_path / "lingering.yaml").write_text(LINGERING, encoding="utf-8")
    played = simulate(_followed(source.scenario), replications=40, seed=9, keep_events=False).incidents
    within = played.onset < source.scenario.horizon
    expected = (int(np.count_nonzero(within & np.isnan(played.mitigated))), int(np.count_nonzero(within)))
    assert expected[0] > 0
    done = CliRunner().invoke(app, ["detectability", str(tmp_path / "lingering.yaml"), "-n", "40", "--trials", "100",
                                    "--incidents-per-period", "5", "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    document = json.loads((tmp_path / "out" / "detectability.json").read_text(encoding="utf-8"))
    assert document["cut_short"] == {"before": {"cut_short": expected[0], "incidents": expected[1]},
                                     "after": {"cut_short": 0, "incidents": 0}}
    assert document["pool"] == expected[1] - expected[0]
    assert f"left out: {expected[0]:,} of {expected[1]:,} incidents" in " ".join(done.output.split())


def test_a_comparisons_detectability_document_carries_what_the_horizon_cut_short(gentle):
    result = compare(gentle.variants(["rollback-first"]), replications=20, resamples=200)
    found = comparison_detectability(result, "rollback-first", trials=200)
    document = found.as_document()
    (cut, total), (cut_after, total_after) = found.cut_short
    assert document["cut_short"] == {"before": {"cut_short": cut, "incidents": total},
                                     "after": {"cut_short": cut_after, "incidents": total_after}}
    assert total == len(result.results[result.baseline].incidents)
