"""Paired comparisons: common random numbers, bootstrap intervals, verdicts and the `drillsim compare` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator.cli import app
from simulator.compare import (
    BETTER,
    UNCLEAR,
    WORSE,
    Difference,
    compare,
    metric_key,
    signed_duration,
    weighted_quantiles,
)
from simulator.errors import DrillsimError
from simulator.metrics import METRICS
from simulator.scenario.variants import parse_source

# One kind of failure a day, plenty of responders (nobody waits), constant delays everywhere except debugging,
# which takes uniform 20m–60m. Rollback (10m) always works: the cause is a deployment.
KNOWN = """\
name: known differences
horizon: 30d
replications: 10
seed: 3
team: {responders: 20, acknowledge: 2m}
policy: {declare_after: 1m, mitigation: debug-first, confirm: 5m, cleanup: 10m}
failure_modes:
  - name: bad-deploy
    cause: deployment
    every: {kind: exponential, mean: 1d}
    detection:
      monitoring: {delay: 4m}
    mitigations:
      rollback: {duration: 10m}
      debug: {duration: {kind: uniform, low: 20m, high: 60m}}
variants:
  same: {policy.confirm: 5m}
  quicker-debugging: {failure_modes.bad-deploy.mitigations.debug.duration: {kind: uniform, low: 10m, high: 50m}}
  rollback-first: {policy.mitigation: rollback-first}
  slow-to-declare: {policy.declare_after: 30m}
"""


@pytest.fixture(scope="module")
def source():
    return parse_source(KNOWN, file="known.yaml")


def test_a_variant_identical_to_the_baseline_differs_by_exactly_zero(source):
    result = compare(source.variants(["same"]), resamples=300)
    for metric in METRICS:
        for statistic in ("mean", "median"):
            d = result.difference("same", metric, statistic)
            assert (d.difference, d.low, d.high) == (0.0, 0.0, 0.0), (metric, statistic)
            assert d.verdict == UNCLEAR
            assert d.p_better == 0.5  # ties count half


def test_the_bundled_scenario_with_an_identical_variant_differs_by_exactly_zero():
    from simulator.scenario.bundled import default_scenario
    from simulator.scenario.variants import load_source

    loaded = load_source(default_scenario())
    same = loaded.with_overrides({"policy.mitigation": loaded.scenario.policy.mitigation})
    result = compare({"baseline": loaded.scenario, "same": same}, replications=20, resamples=200)
    assert all(d.difference == d.low == d.high == 0.0 for d in result.differences)


def test_a_mitigation_faster_by_a_fixed_amount_is_faster_by_exactly_that_amount(source):
    result = compare(source.variants(["quicker-debugging"]), resamples=300)
    for metric in ("mttr", "time_to_resolve"):
        for statistic in ("mean", "median"):
            d = result.difference("quicker-debugging", metric, statistic)
            assert d.difference == pytest.approx(-10, abs=1e-6)
            assert d.low == pytest.approx(-10, abs=1e-6) and d.high == pytest.approx(-10, abs=1e-6)
            assert d.verdict == BETTER and d.p_better == 1.0
    assert result.difference("quicker-debugging", "mttd").difference == 0.0


def test_a_known_average_gain_lies_inside_its_interval_which_narrows_with_more_replications(source):
    # Debug first takes 20m–60m (40m on average); rollback first takes 10m: 30m faster on average, with noise.
    # A 99.9% interval, so that the check fails for a biased difference, not for one seed's bad luck.
    widths = []
    for replications in (16, 256):
        result = compare(source.variants(["rollback-first"]), replications=replications, resamples=2000,
                         level=0.999)
        for statistic in ("mean", "median"):
            d = result.difference("rollback-first", "mttr", statistic)
            assert d.low < -30 < d.high, (replications, statistic, d)
            assert d.verdict == BETTER
        mean = result.difference("rollback-first", "mttr", "mean")
        widths.append(mean.high - mean.low)
    assert widths[1] < widths[0] / 2  # sixteen times the replications: about a quarter of the width


def test_a_worse_variant_is_called_worse_and_listed(source):
    result = compare(source.variants(["slow-to-declare", "same"]), resamples=300)
    d = result.difference("slow-to-declare", "mttr")
    assert d.difference == pytest.approx(29, abs=1e-6)
    assert d.verdict == WORSE and d.p_better == 0.0
    assert result.worse("mttr") == ["slow-to-declare"]
    assert result.worse("mttd") == []
    assert "slow-to-declare is worse" in d.sentence()


def test_every_variant_runs_with_the_same_seed_and_replications(source):
    result = compare(source.variants(), replications=5, seed=9, resamples=200)
    assert {(r.seed, r.replications) for r in result.results.values()} == {(9, 5)}
    assert list(result.results) == ["baseline", "same", "quicker-debugging", "rollback-first", "slow-to-declare"]


def test_the_bootstrap_is_seeded(source):
    variants = source.variants(["rollback-first"])
    first = compare(variants, resamples=300, rng=np.random.default_rng(1))
    again = compare(variants, resamples=300, rng=np.random.default_rng(1))
    other = compare(variants, resamples=300, rng=np.random.default_rng(2))
    assert first.differences == again.differences
    assert first.differences != other.differences
    assert compare(variants, resamples=300).differences == compare(variants, resamples=300).differences


def test_run_options_reach_the_runner(source, monkeypatch):
    from simulator import runner

    seen = []
    real = runner.simulate

    def spy(scenario, **options):
        seen.append(options)
        return real(scenario, **{k: v for k, v in options.items() if k != "workers"})

    monkeypatch.setattr(runner, "simulate", spy)
    compare(source.variants(["same"]), resamples=100, workers=3)
    assert [o["workers"] for o in seen] == [3, 3]
    assert all(o["keep_events"] is False for o in seen)


def test_weighted_quantiles_match_numpy_on_the_resampled_values():
    rng = np.random.default_rng(5)
    for size, groups in ((40, 40), (300, 12), (2000, 150), (1, 1)):
        values = np.sort(rng.lognormal(3, 1, size))
        group = rng.integers(0, groups, size)
        weights = rng.integers(0, 4, size=(25, groups)).astype(float)
        weights[0] = 0  # an empty resample
        for q in (0.0, 0.1, 0.5, 0.9, 1.0):
            got = weighted_quantiles(values, group, weights, q)
            assert np.isnan(got[0])
            expected = [np.quantile(np.repeat(values, row[group].astype(int)), q) if row[group].any() else np.nan
                        for row in weights[1:]]
            np.testing.assert_allclose(got[1:], expected, rtol=1e-12)


def test_verdicts_follow_the_direction_each_metric_improves_in():
    def diff(metric, low, high):
        return Difference("v", metric, "mean", 100, 100 + (low + high) / 2, (low + high) / 2, low, high, 0.5)

    assert diff("mttr", -5, -1).verdict == BETTER
    assert diff("mttr", 1, 5).verdict == WORSE
    assert diff("mtbf", 1, 5).verdict == BETTER
    assert diff("mtbf", -5, -1).verdict == WORSE
    assert diff("mttr", -5, 5).verdict == UNCLEAR
    assert "no detectable difference" in diff("mttr", -5, 5).sentence()


def test_small_helpers():
    assert metric_key("MTTR") == "mttr" and metric_key("time-to-resolve") == "time_to_resolve"
    with pytest.raises(DrillsimError):
        metric_key("mttx")
    assert signed_duration(38) == "+38m" and signed_duration(-65) == "-1h 5m" and signed_duration(0) == "0s"


def test_a_comparison_needs_two_replications(source):
    with pytest.raises(DrillsimError, match="at least 2 replications"):
        compare(source.variants(["same"]), replications=1)


# ── The command ────────────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture()
def scenario_file(tmp_path):
    path = tmp_path / "known.yaml"
    path.write_text(KNOWN, encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_compare_prints_statistics_differences_and_verdicts(scenario_file, tmp_path):
    out = tmp_path / "out"
    result = invoke("compare", scenario_file, "--variant", "same", "--variant", "slow-to-declare",
                    "--resamples", "200", "--out", out)
    assert result.exit_code == 0, result.output
    assert "no detectable difference" in result.output
    assert "slow-to-declare is worse" in result.output
    assert "Would it show on a dashboard?" in result.output
    document = json.loads((out / "comparison.json").read_text())
    assert list(document["variants"]) == ["baseline", "same", "slow-to-declare"]
    assert len(document["differences"]) == 2 * len(METRICS) * 2
    assert (out / "differences.csv").read_text().count("\n") == 1 + 2 * len(METRICS) * 2
    assert (out / "ecdf-mttr.png").stat().st_size > 0 and (out / "differences.png").stat().st_size > 0


def test_fail_if_worse_gates_a_change(scenario_file):
    worse = invoke("compare", scenario_file, "-V", "slow-to-declare", "--resamples", "200", "-q",
                   "--fail-if-worse", "mttr")
    assert worse.exit_code == 1
    assert "slow-to-declare is significantly worse than baseline on the mean mttr" in worse.output
    fine = invoke("compare", scenario_file, "-V", "slow-to-declare", "--resamples", "200", "-q",
                  "--fail-if-worse", "mttd", "--fail-if-worse", "mtbf.median")
    assert fine.exit_code == 0, fine.output
    better = invoke("compare", scenario_file, "--set", "policy.mitigation=rollback-first", "--name", "rb",
                    "--variant", "rollback-first", "-q", "--resamples", "200", "--fail-if-worse", "MTTR")
    assert better.exit_code == 0, better.output


def test_bad_variants_and_options_exit_2_with_the_field(scenario_file):
    result = invoke("compare", scenario_file, "--set", "team.respondrs=3")
    assert result.exit_code == 2
    assert "--set team.respondrs=3: team.respondrs: unknown field 'respondrs' in team; did you mean " \
           "'responders'?" in result.output
    assert invoke("compare", scenario_file, "-V", "nope").exit_code == 2
    assert invoke("compare", scenario_file, "--fail-if-worse", "mttr.p99").exit_code == 2
    lonely = scenario_file.parent / "lonely.yaml"
    lonely.write_text(KNOWN.split("variants:")[0], encoding="utf-8")
    result = invoke("compare", lonely)
    assert result.exit_code == 2 and "nothing to compare" in result.output


def test_figures_have_titles_axis_labels_and_legends(source):
    from simulator.report.comparison import ecdf_figure, forest_figure

    result = compare(source.variants(["rollback-first", "same"]), resamples=200)
    ax = ecdf_figure(result, "mttr").axes[0]
    assert "MTTR" in ax.get_title() and "time to restore" in ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text().split(":")[0] for t in ax.get_legend().get_texts()] == ["baseline", "rollback-first", "same"]
    forest = forest_figure(result)
    ax = forest.axes[0]
    assert "share of baseline's value" in ax.get_xlabel()
    assert len(ax.get_yticklabels()) == 2 * 4  # two variants × the four metrics a policy can move
    assert forest.get_suptitle().startswith("Paired differences from baseline")


def test_the_commands_help_does_not_load_matplotlib():
    import subprocess
    import sys

    code = ("import sys\nfrom typer.testing import CliRunner\nfrom simulator.cli import app\n"
            "for command in ('compare', 'sweep', 'detectability'):\n"
            "    assert CliRunner().invoke(app, [command, '--help']).exit_code == 0\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
