"""`drillsim run`'s output: results written before anything prints, a closed pipe loses nothing, and the
metrics table fits an 80-column terminal."""

from __future__ import annotations

import subprocess
import sys

from rich.console import Console

from simulator import load_scenario, simulate
from simulator.report.table import metrics_table
from simulator.scenario.bundled import default_scenario


def test_the_metrics_table_fits_80_columns_without_cutting_values_short():
    results = simulate(load_scenario(default_scenario()), replications=5, seed=3)
    stats = results.summary()
    console = Console(width=80, record=True, markup=False)
    console.print(metrics_table(stats, title="title", width=80))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    assert "…" not in text  # values whole, not "1h 2…"
    assert "median" in text and "95% CI of mean" in text and "open" in text  # what matters most stays
    assert "max" not in lines[1]  # the lowest priority went first
    wide = Console(width=160, record=True, markup=False)
    wide.print(metrics_table(stats, width=160))
    shown = wide.export_text()
    assert "max" in shown and "p99" in shown


def test_a_closed_pipe_keeps_the_results_and_exits_0(tmp_path):
    """`drillsim run … --out x | head -2`: the folder is written before the table prints, and the reader that
    stops early ends the command quietly."""
    out = tmp_path / "x"
    command = (f"{sys.executable} -m simulator run {default_scenario()} -n 3 --out {out} -q | head -2; "
               "exit ${PIPESTATUS[0]}")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2 and done.stderr == ""
    assert {"events.parquet", "incidents.csv", "summary.json"} <= {p.name for p in out.iterdir()}


def test_stakeholder_updates_reach_run_summary_report_and_compare(tmp_path):
    """The comms figures per severity are in run's output, summary.json, the report and compare, and they
    agree with the incident table."""
    import json

    from typer.testing import CliRunner

    from simulator.cli import app

    out = tmp_path / "out"
    ran = CliRunner().invoke(app, ["run", str(default_scenario()), "-n", "4", "--out", str(out), "--report", "-q"])
    assert ran.exit_code == 0, ran.output
    assert "Stakeholder updates per 90d, by severity" in ran.output
    comms = json.loads((out / "summary.json").read_text(encoding="utf-8"))["comms"]
    import csv

    with open(out / "incidents.csv", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["declared"] not in ("", "nan")
                and row.get("drill", "False") in ("False", "false", "0", "")]
    assert comms["severities"]["all"]["updates_per_period"] == sum(int(row["updates"]) for row in rows) / 4
    assert "Stakeholder updates" in (out / "report.md").read_text(encoding="utf-8")
    compared = CliRunner().invoke(app, ["compare", str(default_scenario()), "--set", "team.escalate_after=5m",
                                        "-n", "4", "--resamples", "200", "--out", str(tmp_path / "cmp")])
    assert compared.exit_code == 0, compared.output
    assert "Stakeholder updates per 90d" in compared.output
    assert "## Stakeholder updates" in (tmp_path / "cmp" / "comparison.md").read_text(encoding="utf-8")
