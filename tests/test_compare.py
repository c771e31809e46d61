"""Paired comparisons: common random numbers, bootstrap intervals, verdicts and the `drillsim compare` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator.analysis.compare import (
    BETTER,
    NEGLIGIBLE,
    UNCLEAR,
    WORSE,
    Difference,
    compare,
    signed_duration,
    weighted_quantiles,
)
from simulator.cli import app
from simulator.errors import DrillsimError
from simulator.results import survival
from simulator.results.metrics import METRICS, follow_ups, metric_key, metric_values
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
            assert d.verdict == NEGLIGIBLE  # within ±5% of the baseline: exactly zero
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


def test_a_fixed_gain_is_found_when_the_horizon_cuts_many_incidents_short():
    """Debugging takes 2h–30h and the horizon is 2 days: a sixth of the incidents are still open at its end.
    Debugging faster by exactly 1h makes every incident 1h faster. The difference is of Kaplan–Meier statistics
    with the cut-short incidents in (each run's restricted mean and median, computed here independently), it
    sits inside its own interval, and that interval holds the true gain."""
    found = parse_source(KNOWN.replace("horizon: 30d", "horizon: 2d").replace(
        "debug: {duration: {kind: uniform, low: 20m, high: 60m}}",
        "debug: {duration: {kind: uniform, low: 2h, high: 30h}}")
        .replace("quicker-debugging: {failure_modes.bad-deploy.mitigations.debug.duration: {kind: uniform, low: 10m, "
                 "high: 50m}}", "quicker-debugging: {failure_modes.bad-deploy.mitigations.debug.duration: "
                 "{kind: uniform, low: 1h, high: 29h}}"), file="known.yaml")
    result = compare(found.variants(["quicker-debugging"]), replications=200, resamples=300)
    stats = result.summaries["baseline"]["mttr"]
    assert stats.censored > 0.1 * (stats.count + stats.censored)
    d = result.difference("quicker-debugging", "mttr", "mean")
    median = result.difference("quicker-debugging", "mttr", "median")
    for name, value, middle in (("baseline", d.baseline, median.baseline),
                                ("quicker-debugging", d.value, median.value)):
        table = result.results[name].incidents
        values, _, _ = metric_values(table, "mttr")
        cut, _ = follow_ups(table, "mttr", 2 * 24 * 60, 200)
        times = np.concatenate([values, cut])
        ended = np.concatenate([np.ones(len(values), bool), np.zeros(len(cut), bool)])
        assert value == pytest.approx(survival.restricted_mean(times, ended).mean)
        assert middle == pytest.approx(survival.kaplan_meier(times, ended).quantile(0.5))
        assert value > values.mean()  # the cut-short incidents count: more than the mean of those that ended
    assert d.low <= d.difference <= d.high and median.low <= median.difference <= median.high
    assert d.low < -60 < d.high < 0  # every incident 1h faster
    assert any("Kaplan–Meier" in note for note in result.notes)


def test_a_variant_whose_incidents_outlast_the_horizon_is_never_called_faster(tmp_path):
    """The flip: half the variant's incidents need a 5-day debug in a 4-day horizon. Dropping the open ones made
    it look faster; counted as lasting at least until the horizon, it is worse, and the gate fails."""
    path = tmp_path / "flip.yaml"
    path.write_text(KNOWN.split("variants:")[0].replace("horizon: 30d", "horizon: 4d").replace(
        "debug: {duration: {kind: uniform, low: 20m, high: 60m}}",
        "debug: {duration: {kind: uniform, low: 2h, high: 10h}}")
        .replace("rollback: {duration: 10m}", "rollback: {duration: 10m, success: 0.9}")
        .replace("mitigation: debug-first", "mitigation: rollback-first"))
    from simulator import api

    result = api.compare(path, sets=["risky:failure_modes[0].mitigations.rollback.success=0.5",
                                      "risky:failure_modes[0].mitigations.debug.duration=5d"],
                         replications=40, resamples=300, fail_if_worse=["mttr"])
    ended = metric_values(result.results["risky"].incidents, "mttr")[0]
    assert ended.mean() < metric_values(result.results["baseline"].incidents, "mttr")[0].mean()  # the old flip
    d = result.difference("risky", "mttr", "mean")
    assert d.verdict == WORSE and d.low > 0
    assert [f.variant for f in result.failures()] == ["risky"]
    # The dashboard section counts the incidents the horizon cut short too, each as lasting until it.
    from simulator.analysis.paired import durations
    from simulator.analysis.simulated_periods import comparison_detectability
    from simulator.report.detectability import comparison_dashboard_lines

    found = comparison_detectability(result, "risky", trials=200)
    expected = []
    for name in ("baseline", "risky"):
        times, ended, _ = durations(result.results[name].incidents, "mttr", 4 * 24 * 60, 40)
        expected.append((int((~ended).sum()), len(times)))
    assert found.cut_short == tuple(expected) and expected[1][0] > 0.3 * expected[1][1]
    assert found.pool == expected[0][1]
    assert found.statistics["mean"].after > found.statistics["mean"].before  # no longer the flip
    lines = " ".join(comparison_dashboard_lines(result, trials=200))
    assert "those the horizon cut short as lasting until it" in lines
    assert f"risky: the horizon cut short {expected[0][0]:,} of baseline's {expected[0][1]:,} incidents and " \
           f"{expected[1][0]:,} of risky's {expected[1][1]:,}" in lines


def test_mtbfs_mean_difference_is_that_of_simulated_time_per_failure(source):
    """MTBF's mean is the summary's (simulated time ÷ failures, the gap still open counting), in the difference
    as in the statistics table."""
    result = compare(source.variants(["slow-to-declare"]), resamples=200)
    d = result.difference("slow-to-declare", "mtbf", "mean")
    assert d.baseline == pytest.approx(result.summaries["baseline"]["mtbf"].mean)
    assert d.value == pytest.approx(result.summaries["slow-to-declare"]["mtbf"].mean)


def test_a_worse_variant_is_called_worse_and_listed(source):
    result = compare(source.variants(["slow-to-declare", "same"]), resamples=300)
    d = result.difference("slow-to-declare", "mttr")
    assert d.difference == pytest.approx(29, abs=1e-6)
    assert d.verdict == WORSE and d.p_better == 0.0
    assert result.worse("mttr") == ["slow-to-declare"]
    assert result.worse("mttd") == []
    assert "slow-to-declare is meaningfully worse" in d.sentence()


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
    from simulator.results import runner

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
    assert "no difference that matters" in result.output
    assert "slow-to-declare is meaningfully worse" in result.output
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
    assert "slow-to-declare is meaningfully worse than baseline on the mean MTTR" in worse.output
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
    from simulator.report.comparison_figures import ecdf_figure, forest_figure, workload_figure

    result = compare(source.variants(["rollback-first", "same"]), resamples=200)
    ecdf = ecdf_figure(result, "mttr")
    ax = ecdf.axes[0]
    assert "MTTR" in ecdf.get_suptitle() and "time to restore" in ax.get_xlabel() and ax.get_ylabel()
    legend = [t.get_text() for t in ecdf.legends[0].get_texts()]
    assert [text.split(":")[0] for text in legend] == ["baseline", "rollback-first", "same"]
    assert legend[2].endswith("(identical to baseline)") and "identical" not in legend[1]
    forest = forest_figure(result)
    ax = forest.axes[0]
    assert "share of baseline's value" in ax.get_xlabel() and "higher for MTBF" in ax.get_xlabel()
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert len(rows) == 2 * len(METRICS)  # every metric has its rows, MTBF too
    assert "MTBF · rollback-first" in rows
    assert forest.get_suptitle().startswith("Paired differences from baseline")
    load = workload_figure(result)
    assert [a.get_title(loc="left") for a in load.axes] == [
        "pages that waited for a free responder", "pages that escalated to the secondary", "responder-hours per 30d"]
    # 20 responders: no page waits, and the panel says so instead of staying blank
    assert "no page waited for a free responder\nanywhere" in [t.get_text() for t in load.axes[0].texts]


def test_the_commands_help_does_not_load_matplotlib():
    import subprocess
    import sys

    code = ("import sys\nfrom typer.testing import CliRunner\nfrom simulator.cli import app\n"
            "for command in ('compare', 'sweep', 'detectability'):\n"
            "    assert CliRunner().invoke(app, [command, '--help']).exit_code == 0\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


# ── Two scenario files, several ad-hoc variants, files for a pull request ──────────────────────────────────


def test_two_scenario_files_are_compared_with_common_random_numbers(tmp_path):
    before, after = tmp_path / "before.yaml", tmp_path / "after.yaml"
    before.write_text(KNOWN, encoding="utf-8")
    # The same scenario with debugging exactly 10 minutes quicker, its own seed and replications
    after.write_text(KNOWN.replace("low: 20m, high: 60m", "low: 10m, high: 50m").replace("seed: 3", "seed: 99")
                     .replace("replications: 10", "replications: 4"), encoding="utf-8")
    result = compare_files_api(before, after)
    assert result.names == ("before", "after") and (result.seed, result.replications) == (3, 10)
    d = result.difference("after", "mttr", "mean")
    assert d.difference == pytest.approx(-10, abs=1e-6) and d.low == pytest.approx(-10, abs=1e-6)
    assert any("after names seed 99 and 4 replications of its own" in note for note in result.notes)
    out = tmp_path / "out"
    cli = invoke("compare", before, after, "--resamples", "200", "-q", "--fail-if-worse", "mttr", "--out", out)
    assert cli.exit_code == 0, cli.output
    assert "before and 1 variant" in cli.output
    markdown = (out / "comparison.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Comparison: known differences")
    assert "**Passed**: no variant is meaningfully worse." in markdown
    assert "- after is meaningfully better: its mean MTTR is 10m lower than before's" in markdown
    assert "![" not in markdown  # text only, for a pull-request comment: figures are named, not embedded
    assert "`ecdf-mttr.png`, `differences.png`, `on-call-load.png`" in markdown
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3 and "https://" not in page
    for name in ("comparison.json", "differences.csv", "ecdf-mttr.png", "differences.png", "on-call-load.png"):
        assert (out / name).stat().st_size > 0, name


def compare_files_api(*paths):
    from simulator import api

    return api.compare(*paths, resamples=300)


def test_several_ad_hoc_variants_on_one_command_line(scenario_file):
    from simulator.analysis.candidates import comparison_scenarios, grouped_sets

    assert grouped_sets(["a:policy.confirm=5m", "policy.cleanup=1m", "b:team.responders=3",
                         "a:team.responders=2"], "plain") == {
        "plain": ["policy.cleanup=1m"], "a": ["policy.confirm=5m", "team.responders=2"], "b": ["team.responders=3"]}
    assert grouped_sets(["policy.declare_after=0s"]) == {"policy.declare_after=0s": ["policy.declare_after=0s"]}
    assert grouped_sets(["failure_modes.x:y.rate=1/d"]) == {"failure_modes.x:y.rate=1/d":
                                                           ["failure_modes.x:y.rate=1/d"]}  # not a variant name
    chosen = comparison_scenarios([scenario_file], variants=[], sets=[
        "quick:failure_modes.bad-deploy.mitigations.debug.duration={kind: uniform, low: 10m, high: 50m}",
        "late:policy.declare_after=30m"])
    assert list(chosen) == ["baseline", "quick", "late"]
    result = compare(chosen, resamples=200)
    assert result.difference("quick", "mttr").difference == pytest.approx(-10, abs=1e-6)
    assert result.difference("late", "mttr").difference == pytest.approx(29, abs=1e-6)
    both = invoke("compare", scenario_file, "-V", "same", "--set", "late:policy.declare_after=30m", "--set",
                  "x:team.respondrs=1", "--set", "y:policy.confirm=-1m")
    assert both.exit_code == 2  # every problem of every variant, at once
    assert "--set team.respondrs=1: team.respondrs: unknown field" in both.output
    assert "--set policy.confirm=-1m" in both.output


def test_gates_are_parsed_before_anything_runs_and_failures_name_the_variant(source):
    from simulator.analysis.compare import parse_gates

    assert parse_gates(["mttr", "MTTA.median"]) == (("mttr", "mean"), ("mtta", "median"))
    with pytest.raises(DrillsimError, match="mean or median"):
        parse_gates(["mttr.p99"])
    with pytest.raises(DrillsimError, match="unknown metric"):
        compare(source.variants(["same"]), fail_if_worse=["mtx"], replications=10**9)  # fails before running
    result = compare(source.variants(["slow-to-declare", "same"]), resamples=200, fail_if_worse=["mttr", "mttd"])
    assert [(d.variant, d.metric, d.statistic) for d in result.failures()] == [("slow-to-declare", "mttr", "mean")]
    assert result.as_document()["failures"] == ["slow-to-declare: mean mttr"]


def test_the_baseline_can_be_any_variant(source):
    result = compare(source.variants(["slow-to-declare"]), baseline="slow-to-declare", resamples=200)
    assert result.names == ("slow-to-declare", "baseline")
    assert result.difference("baseline", "mttr").difference == pytest.approx(-29, abs=1e-6)


def test_the_on_call_load_explains_a_change_or_says_it_does_not(source):
    from simulator.report.comparison import workload_lines

    one_on_call = source.with_overrides({"team.responders": 1, "team.secondary": None})
    result = compare({"twenty": source.scenario, "one": one_on_call}, resamples=200)
    many, few = result.workload("twenty"), result.workload("one")
    assert many.pages == few.pages == len(result.results["twenty"].incidents)
    assert many.waited == 0 and few.waited > 0 and few.waited_share.value == pytest.approx(few.waited / few.pages)
    assert many.escalated == few.escalated == 0
    # Held from the acknowledgement to health confirmed: the mitigation, then 5m confirm
    mitigation = result.results["twenty"].incidents.mitigated - result.results["twenty"].incidents.acknowledged
    assert many.responder_hours.value * 10 == pytest.approx(float(np.sum(mitigation + 5)) / 60)
    same = compare(source.variants(["same"]), resamples=200)
    (line,) = workload_lines(same)
    assert line.startswith("same: no page waited for a free responder, nor in baseline")


def test_comparison_files_open_with_what_changed_and_keep_what_the_terminal_shows(scenario_file, tmp_path):
    """comparison.md names each variant's changes (field paths and values), then the verdicts, availability, the
    dashboard section and each person's pages; -q removes none of it from the terminal either."""
    out = tmp_path / "out"
    result = invoke("compare", scenario_file, "-V", "slow-to-declare", "--resamples", "200", "-q", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Would it show on a dashboard?" in result.output
    markdown = (out / "comparison.md").read_text(encoding="utf-8")
    order = [markdown.index(heading) for heading in ("## What changed", "## Verdicts", "## Availability and the SLO",
                                                      "## Would it show on a dashboard?", "## Paired differences")]
    assert order == sorted(order)
    assert "- slow-to-declare: `policy.declare_after`: 1m → 30m" in markdown
    html = (out / "comparison.html").read_text(encoding="utf-8")
    assert "What changed" in html and "policy.declare_after" in html


def test_scenario_changes_are_listed_field_by_field():
    from simulator.scenario.diff import changes, value_text

    found = parse_source(KNOWN, file="known.yaml")
    scenarios = found.variants(["rollback-first", "quicker-debugging"])
    assert changes(scenarios["baseline"], scenarios["rollback-first"]) == [
        ("policy.mitigation", "debug-first", "rollback-first")]
    [(path, before, after)] = changes(scenarios["baseline"], scenarios["quicker-debugging"])
    assert path == "failure_modes[0].mitigations.debug.duration"  # a distribution changes as a whole
    assert (value_text(before), value_text(after)) == ("{kind: uniform, low: 20m, high: 1h}",
                                                       "{kind: uniform, low: 10m, high: 50m}")
    assert changes(scenarios["baseline"], scenarios["baseline"]) == []
