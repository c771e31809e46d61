"""Sweeps: the grid, its tidy rows, and agreement with running each point alone."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator.analysis.sweep import grid, sweep
from simulator.cli import app
from simulator.errors import DrillsimError, ScenarioError
from simulator.results.metrics import METRICS
from simulator.scenario.variants import parse_source, sweep_values

TEMPLATE = """\
name: sweepable
horizon: 30d
replications: 6
seed: 8
team:
  responders: 1
  acknowledge: {kind: lognormal, median: 3m, p95: 15m}
policy:
  declare_after: DECLARE
  mitigation: MITIGATION
failure_modes:
  - name: bad-deploy
    cause: deployment
    rate: 1/d
    detection:
      monitoring: {delay: {kind: exponential, mean: 5m}}
    mitigations:
      rollback: {duration: {kind: lognormal, median: 8m, p95: 25m}, success: 0.8}
      debug: {duration: {kind: lognormal, median: 1h, p95: 5h}}
"""
POINTS = [("1m", "rollback-first"), ("1m", "debug-first"), ("20m", "rollback-first"), ("20m", "debug-first")]


def scenario_text(declare: str = "1m", mitigation: str = "rollback-first") -> str:
    return TEMPLATE.replace("DECLARE", declare).replace("MITIGATION", mitigation)


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_grid_runs_every_combination_last_parameter_fastest():
    axes = [sweep_values("policy.declare_after=1m,20m"), sweep_values("policy.mitigation=rollback-first,debug-first")]
    assert [written for _, written in grid(axes)] == [
        {"policy.declare_after": d, "policy.mitigation": m} for d, m in POINTS
    ]
    with pytest.raises(DrillsimError, match="swept once"):
        grid([sweep_values("team.responders=1,2"), sweep_values("team.responders=3")])


def test_tidy_rows_one_per_point_and_replication_each_with_its_parameters():
    result = sweep(parse_source(scenario_text()), {"policy.declare_after": ["1m", "20m"],
                                                   "team.responders": [1, 2, 3]})
    rows = list(result.rows())
    assert len(rows) == 2 * 3 * 6
    assert [(r["point"], r["replication"]) for r in rows] == [(p, r) for p in range(6) for r in range(6)]
    assert rows[0]["policy.declare_after"] == "1m" and rows[0]["team.responders"] == "1"
    assert rows[-1]["policy.declare_after"] == "20m" and rows[-1]["team.responders"] == "3"
    for metric in METRICS:
        assert {f"{metric}_count", f"{metric}_mean", f"{metric}_median", f"{metric}_p90"} <= set(rows[0])
    # the per-replication counts add up to the pooled statistics' counts
    first = result.points[0]
    assert sum(r["mttr_count"] for r in rows if r["point"] == 0) == first.summary()["mttr"].count


def test_every_point_meets_the_same_failures():
    result = sweep(parse_source(scenario_text()), {"policy.mitigation": ["rollback-first", "debug-first"]})
    onsets = [point.results.incidents.onset for point in result.points]
    np.testing.assert_array_equal(onsets[0], onsets[1])
    assert result.points[0].summary()["mtbf"] == result.points[1].summary()["mtbf"]


def test_the_sweep_summary_agrees_with_drillsim_run_on_each_point(tmp_path):
    base = tmp_path / "sweepable.yaml"
    base.write_text(scenario_text(), encoding="utf-8")
    out = tmp_path / "sweep"
    result = invoke("sweep", base, "--set", "policy.declare_after=1m,20m",
                    "--set", "policy.mitigation=rollback-first,debug-first", "--out", out)
    assert result.exit_code == 0, result.output
    tidy = read_csv(out / "sweep.csv")
    assert len(tidy) == len(POINTS) * 6
    summary = read_csv(out / "sweep_summary.csv")
    assert len(summary) == len(POINTS) * len(METRICS)
    for index, (declare, mitigation) in enumerate(POINTS):
        alone = tmp_path / f"point{index}.yaml"
        alone.write_text(scenario_text(declare, mitigation), encoding="utf-8")
        run = invoke("run", alone, "--out", tmp_path / f"run{index}", "-q")
        assert run.exit_code == 0, run.output
        expected = json.loads((tmp_path / f"run{index}" / "summary.json").read_text())["metrics"]
        rows = [row for row in summary if row["point"] == str(index)]
        assert [(row["policy.declare_after"], row["policy.mitigation"]) for row in rows] == \
            [(declare, mitigation)] * len(METRICS)
        for row in rows:
            stats = expected[row["metric"]]
            for name in ("count", "censored", "mean", "ci_low", "ci_high", "median", "p90", "p95", "p99", "max"):
                if stats[name] is None:
                    assert row[name] == ""
                else:
                    assert float(row[name]) == pytest.approx(stats[name], rel=1e-6, abs=1e-6), (index, name)
    assert (out / "sweep-mttr.png").stat().st_size > 0 and (out / "sweep-load.png").stat().st_size > 0
    differences = read_csv(out / "sweep_differences.csv")
    assert len(differences) == (len(POINTS) - 1) * len(METRICS) * 2
    assert "Δ mean" in result.output and "baseline" in result.output and "On-call load per point" in result.output


def test_every_bad_point_is_reported_before_anything_runs(tmp_path):
    base = tmp_path / "sweepable.yaml"
    base.write_text(scenario_text(), encoding="utf-8")
    result = invoke("sweep", base, "--set", "team.responders=0,1,many")
    assert result.exit_code == 2
    assert "--set team.responders=0: team.responders: must be at least 1 (got 0)" in result.output
    assert "--set team.responders=many: team.responders: Input should be a valid integer" in result.output
    with pytest.raises(ScenarioError, match="unknown field 'declare'"):
        sweep(parse_source(scenario_text()), {"policy.declare": ["1m"]})


def many_on_call() -> dict:
    """Twenty people on call: nobody waits, so declaring later delays restoring by exactly as much."""
    return {"team.responders": [20], "team.acknowledge": ["2m"]}


def test_each_point_is_compared_with_the_baseline_point_exactly_when_the_change_is_constant():
    result = sweep(parse_source(scenario_text()), {"policy.declare_after": ["1m", "20m", "5m"], **many_on_call()},
                   baseline=["policy.declare_after=1m"], resamples=300)
    assert result.varied == ("policy.declare_after",) and result.baseline == 0 and result.as_written is None
    later, sooner = result.points[1], result.points[2]
    for point, minutes in ((later, 19.0), (sooner, 4.0)):
        d = result.difference(point, "mttr")
        assert (d.difference, d.low, d.high) == pytest.approx((minutes, minutes, minutes), abs=1e-6)
        assert d.verdict == "worse"
        assert result.difference(point, "mttd").difference == 0.0
    assert result.difference(result.points[0], "mttr") is None
    rows = list(result.difference_rows())
    assert len(rows) == 2 * len(METRICS) * 2 and rows[0]["policy.declare_after"] == "20m"


def test_the_baseline_point_is_the_scenario_as_written_unless_chosen():
    source = parse_source(scenario_text(mitigation="rollback-first"))
    assert sweep(source, {"policy.mitigation": ["debug-first", "rollback-first"]}, replications=2).baseline == 1
    chosen = sweep(source, ["policy.mitigation=debug-first,rollback-first", "policy.declare_after=1m,20m"],
                   baseline=["policy.declare_after=20m"], replications=2)
    assert chosen.base.written == {"policy.mitigation": "debug-first", "policy.declare_after": "20m"}
    with pytest.raises(DrillsimError, match=r"--baseline policy.declare_after=5m: not one of the swept values "
                                            r"\(1m, 20m\)"):
        sweep(source, ["policy.declare_after=1m,20m"], baseline={"policy.declare_after": "5m"}, replications=2)
    with pytest.raises(DrillsimError, match="not a swept field"):
        sweep(source, ["policy.declare_after=1m,20m"], baseline=["team.responders=2"], replications=2)
    with pytest.raises(DrillsimError, match="each value once"):
        sweep(source, ["policy.declare_after=1m,1m"], replications=2)


def test_tidy_rows_carry_the_on_call_load_of_each_replication():
    result = sweep(parse_source(scenario_text()), {"team.responders": [1, 3]}, replications=6)
    rows = list(result.rows())
    for point in result.points:
        load = point.workload()
        mine = [row for row in rows if row["point"] == point.index]
        assert sum(row["pages"] for row in mine) == load.pages
        assert sum(row["pages_waited"] for row in mine) == load.waited
        assert sum(row["pages_escalated"] for row in mine) == load.escalated
        assert np.mean([row["responder_hours"] for row in mine]) == pytest.approx(load.responder_hours.value)
    assert result.points[1].workload().waited <= result.points[0].workload().waited


def test_sweep_figures_bars_lines_and_a_heat_map_of_supported_differences():
    from matplotlib.patches import Rectangle

    from simulator.report.sweep_figures import sweep_figure, sweep_workload_figure

    source = parse_source(scenario_text())
    grid2 = sweep(source, {"policy.declare_after": ["1m", "20m"], "policy.mitigation": ["rollback-first",
                                                                                        "debug-first"]},
                  replications=3, resamples=200)
    heatmap = sweep_figure(grid2)
    assert "across the sweep" in heatmap.get_suptitle()
    assert heatmap.axes[0].get_xlabel() == "policy.declare_after"
    texts = [t.get_text() for t in heatmap.axes[0].texts]
    assert any(text.startswith("baseline") for text in texts)
    hatched = [p for p in heatmap.axes[0].patches if isinstance(p, Rectangle) and p.get_hatch()]
    unsupported = [text for text in texts if not text.startswith("baseline") and not text.endswith(("better", "worse"))]
    assert len(hatched) == len(unsupported)  # exactly the cells not meaningfully better or worse are hatched grey
    assert "grey hatched" in heatmap.legends[0].get_texts()[0].get_text()
    numeric = sweep(source, {"policy.declare_after": ["1m", "20m", "5m"], **many_on_call()}, replications=3,
                    resamples=200, baseline=["policy.declare_after=1m"])
    lines = sweep_figure(numeric)
    top, bottom = lines.axes
    assert "mean MTTR" in top.get_ylabel() and "from baseline" in bottom.get_ylabel()
    positions = sorted(x for line in bottom.get_lines() for x in line.get_xdata())
    assert {1.0, 5.0, 20.0} <= set(positions)  # durations sit at their minutes, not at their rank
    curve = max(top.get_lines(), key=lambda line: len(line.get_xdata()))
    assert list(curve.get_xdata()) == [1.0, 5.0, 20.0]  # along the axis, not in the order the values were given
    categorical = sweep(source, {"policy.mitigation": ["rollback-first", "debug-first"]}, replications=3,
                        resamples=200)
    bars = sweep_figure(categorical)
    assert len(bars.axes[0].patches) == 2 and [t.get_text() for t in bars.axes[1].get_xticklabels()] == [
        "rollback-first", "debug-first"]
    forced = sweep_figure(grid2, statistic="median", kind="line")
    assert "median MTTR" in forced.axes[0].get_ylabel()
    load = sweep_workload_figure(numeric)
    assert [ax.get_xlabel() for ax in load.axes] == ["policy.declare_after"] * 3


def test_a_sweep_warns_when_the_horizon_cuts_many_incidents_short(tmp_path):
    """One responder, debugging of median 1h and p95 5h, a 1-day horizon: a good share of incidents are still
    open at its end; they count (Kaplan–Meier), and the sweep says so."""
    path = tmp_path / "short.yaml"
    path.write_text(scenario_text(mitigation="debug-first").replace("horizon: 30d", "horizon: 1d"), encoding="utf-8")
    result = invoke("sweep", path, "--set", "policy.declare_after=1m,20m", "-n", "40", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "Kaplan–Meier" in result.output
    long = tmp_path / "long.yaml"
    long.write_text(scenario_text(), encoding="utf-8")
    result = invoke("sweep", long, "--set", "policy.declare_after=1m,20m", "-n", "6", "--workers", "1")
    assert result.exit_code == 0 and "Kaplan–Meier" not in result.output


def test_a_sweep_names_its_best_point_and_whether_it_matters(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(), encoding="utf-8")
    result = invoke("sweep", path, "--set", "policy.declare_after=1m,20m,40m", "--baseline",
                    "policy.declare_after=40m", "-n", "6", "--workers", "1", "--resamples", "200")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "The best mean MTTR is at policy.declare_after=1m" in said and "more than the 5% that matters" in said
    fastest = invoke("sweep", path, "--set", "policy.declare_after=1m,20m", "-n", "6", "--workers", "1",
                     "--resamples", "200", "--baseline", "policy.declare_after=1m")
    assert "The baseline point (policy.declare_after=1m) has the best mean MTTR" in " ".join(fastest.output.split())


def test_the_scenario_as_written_is_the_baseline_even_off_the_grid(tmp_path):
    """Declaring after 1m is not a point of the grid 5m, 20m: the scenario as written is played beside it, with
    the same failures, and every point of the grid is compared with it, not with the first point."""
    from simulator.report.sweep_figures import sweep_figure

    source = parse_source(scenario_text())
    result = sweep(source, {"policy.declare_after": ["5m", "20m"], **many_on_call()}, resamples=200)
    beside = result.as_written
    assert beside is not None and not beside.on_grid and result.base is beside
    assert beside.written == {"policy.declare_after": "1m", "team.responders": "1", "team.acknowledge":
                              "{kind: lognormal, median: 3m, p95: 15m}"}
    assert result.baseline == beside.index == 2 and len(result.points) == 2
    np.testing.assert_array_equal(beside.results.incidents.onset, result.points[0].results.incidents.onset)
    alone = sweep(source, {"policy.declare_after": ["1m", "5m", "20m"]}, resamples=200)
    assert alone.as_written is None and alone.base.written == {"policy.declare_after": "1m"}
    for point in result.points:  # as written against the grid: the same as the grid's own 1m point would say
        assert result.difference(point, "mttd").difference == 0.0
        assert result.difference(point, "mttr").verdict in ("worse", "no difference that matters",
                                                             "unclear whether it matters", "no detectable difference")
    assert result.difference(beside, "mttr") is None
    assert "The scenario as written (policy.declare_after=1m, team.responders=1, " in result.best_sentence()
    assert [row["point"] for row in result.rows()][-1] == 2 and len(list(result.difference_rows())) == 2 * 2 * len(
        METRICS)
    figure = sweep_figure(result)
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert any(label.startswith("the scenario as written") for label in labels)
    top, bottom = figure.axes
    curve = max(bottom.get_lines(), key=lambda line: len(line.get_xdata()))  # the line through the points
    assert list(curve.get_xdata()) == [1.0, 5.0, 20.0]  # it runs through the scenario as written, at its 1m
    assert curve.get_ydata()[0] == 0.0  # the baseline's own difference
    level = max(top.get_lines(), key=lambda line: len(line.get_xdata()))
    assert level.get_ydata()[0] == beside.summary()["mttr"].mean
    assert "the scenario as written" in figure.axes[1].get_title(loc="left")
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text(), encoding="utf-8")
    said = invoke("sweep", path, "--set", "policy.declare_after=5m,20m", "-n", "6", "--workers", "1",
                  "--resamples", "200")
    assert said.exit_code == 0, said.output
    text = " ".join(said.output.split())
    assert "Δ from the baseline, the scenario as written (policy.declare_after=1m), played beside the grid" in text
    assert "The scenario as written (policy.declare_after=1m) has the best mean MTTR: no point of the grid " \
           "improves on it." in text


def test_a_sweeps_cost_table_names_each_point_by_its_values():
    result = invoke("sweep", "--set", "team.escalate_after=2m,30m", "-n", "4", "--workers", "1", "--resamples", "200")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "shoppers" in line or "GBP" in line]
    assert any("10m (as written)" in row for row in rows) and any("│ 2m " in row for row in rows)
    assert not any("team.escalate_after=" in row for row in rows)


def test_the_cost_table_weighs_min_effect_as_the_metrics_do():
    """The bundled scenario prices its downtime: escalating after 2m instead of 10m saves 813 pounds a quarter
    (1.4% of 60,145, interval -1,297 to -328): clearly lower, but less than the 5% that matters by default, as the
    cost table now says; with --min-effect 0 it is better, as before."""
    from simulator import api
    from simulator.report.comparison import sweep_cost_rows

    def verdicts(min_effect: str) -> dict[str, tuple[str, float, float]]:
        result = api.sweep(None, ["team.escalate_after=2m,30m"], replications=10, min_effect=min_effect)
        found = result.comparison.cost()
        out = {}
        for point in result.points:
            d = found["differences"][result.label(point)]["cost"]
            out[point.written["team.escalate_after"]] = (d["verdict"], round(d["difference"]), round(d["min_effect"]))
        caption = sweep_cost_rows(result).caption
        return out, caption

    found, caption = verdicts("5%")
    assert found == {"2m": ("no difference that matters", -813, 3007), "30m": ("no difference that matters", 877, 3007)}
    assert caption.endswith("; a difference smaller than 5% of the baseline's value does not matter)")
    found, caption = verdicts("0")
    assert found == {"2m": ("better", -813, 0), "30m": ("worse", 877, 0)}
    found, caption = verdicts("1m")  # a duration: money keeps the default share, and the table says so
    assert found["2m"] == ("no difference that matters", -813, 3007)
    assert caption.endswith("does not matter: --min-effect 1m applies to durations only)")
