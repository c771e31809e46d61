"""Sweeps: the grid, its tidy rows, and agreement with running each point alone."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator.cli import app
from simulator.errors import DrillsimError, ScenarioError
from simulator.metrics import METRICS
from simulator.scenario.variants import parse_source, sweep_values
from simulator.sweep import grid, sweep

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
    assert (out / "sweep-mttr.png").stat().st_size > 0


def test_every_bad_point_is_reported_before_anything_runs(tmp_path):
    base = tmp_path / "sweepable.yaml"
    base.write_text(scenario_text(), encoding="utf-8")
    result = invoke("sweep", base, "--set", "team.responders=0,1,many")
    assert result.exit_code == 2
    assert "--set team.responders=0: team.responders: must be at least 1 (got 0)" in result.output
    assert "--set team.responders=many: team.responders: Input should be a valid integer" in result.output
    with pytest.raises(ScenarioError, match="unknown field 'declare'"):
        sweep(parse_source(scenario_text()), {"policy.declare": ["1m"]})


def test_sweep_figures_are_lines_or_a_heatmap():
    from simulator.report.comparison_figures import sweep_figure

    result = sweep(parse_source(scenario_text()), {"policy.declare_after": ["1m", "20m"],
                                                   "policy.mitigation": ["rollback-first", "debug-first"]},
                   replications=3)
    heatmap = sweep_figure(result)
    assert "across the sweep" in heatmap.axes[0].get_title()
    assert heatmap.axes[0].get_xlabel() == "policy.declare_after"
    line = sweep_figure(result, statistic="median", kind="line")
    assert len(line.axes[0].get_lines()) >= 2
    assert "median MTTR" in line.axes[0].get_ylabel()
