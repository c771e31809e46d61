"""Breakdowns: the metrics of each group of incidents, checked on a hand-made incident table where every
answer is known, and where `drillsim run --by`, summary.json and the report show them."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator.analysis.breakdowns import By, breakdown, breakdowns, breakdowns_document, select
from simulator.cli import app
from simulator.results.metrics import IncidentTable, summarize

NAN = math.nan


def table(rows: list[dict]) -> IncidentTable:
    """An incident table from rows that give mode, severity, channel, mitigation and the times that matter."""
    defaults = {"cause": "deployment", "responder": "Ana", "escalated": False, "drill": False, "reopened": 0,
                "level": 1, "preempted": 0,
                "handovers": 0, "updates": 0, "updates_late": 0, "waited": 0.0, "held": 0.0,
                "longest_silence": NAN, "declared": NAN, "resolved": NAN, "cleaned_up": NAN}
    columns = {name: [] for name in IncidentTable.columns()}
    for number, row in enumerate(rows):
        full = {**defaults, "incident": number + 1, **row}
        for name in columns:
            columns[name].append(full[name])
    return IncidentTable(**columns)


# Two replications. Times in minutes: detect after `detected - onset`, restore after `mitigated - onset`.
ROWS = [
    {"replication": 0, "mode": "deploy", "severity": "SEV2", "channel": "monitoring", "mitigation": "rollback",
     "onset": 0, "detected": 5, "acknowledged": 15, "mitigated": 30},
    {"replication": 0, "mode": "deploy", "severity": "SEV1", "channel": "monitoring", "mitigation": "rollback",
     "onset": 100, "detected": 103, "acknowledged": 110, "mitigated": 150},
    {"replication": 0, "mode": "disk", "severity": "SEV2", "channel": "customer_report", "mitigation": "debug",
     "onset": 200, "detected": 260, "acknowledged": 270, "mitigated": 400},
    {"replication": 1, "mode": "deploy", "severity": "SEV2", "channel": "monitoring", "mitigation": "",
     "onset": 10, "detected": 20, "acknowledged": 30, "mitigated": NAN},
    {"replication": 1, "mode": "disk", "severity": "SEV2", "channel": "", "mitigation": "",
     "onset": 500, "detected": NAN, "acknowledged": NAN, "mitigated": NAN},
]


def test_groups_hold_their_own_incidents_and_statistics():
    incidents = table(ROWS)
    modes = {group.name: group for group in breakdown(incidents, "mode", 2)}
    assert list(modes) == ["deploy", "disk"]  # most incidents first
    assert modes["deploy"].incidents == 3 and modes["disk"].incidents == 2
    assert modes["deploy"].stats["mttd"].mean == pytest.approx((5 + 3 + 10) / 3)
    assert modes["deploy"].stats["mttr"].mean == pytest.approx((30 + 50) / 2)
    assert modes["deploy"].stats["mttr"].censored == 1
    assert modes["disk"].stats["mttr"].mean == pytest.approx(200)
    assert modes["disk"].stats["mttd"].censored == 1
    assert "mtbf" not in modes["deploy"].stats  # gaps between failures belong to the whole system


def test_unreached_columns_form_their_own_group_and_severities_keep_their_order():
    incidents = table(ROWS)
    channels = {group.name: group.incidents for group in breakdown(incidents, By.channel, 2)}
    assert channels == {"monitoring": 3, "customer_report": 1, "not detected": 1}
    mitigations = {group.name: group.incidents for group in breakdown(incidents, "mitigation", 2)}
    assert mitigations == {"not restored": 2, "rollback": 2, "debug": 1}
    assert [group.name for group in breakdown(incidents, "severity", 2)] == ["SEV1", "SEV2"]


def test_a_group_is_summarized_exactly_as_its_rows_alone():
    incidents = table(ROWS)
    rows = incidents.mode == "deploy"
    alone = summarize(table([row for row, keep in zip(ROWS, rows, strict=True) if keep]), 2)
    (deploy,) = [group for group in breakdown(incidents, "mode", 2) if group.name == "deploy"]
    for metric, stats in deploy.stats.items():
        assert stats.as_dict() == alone[metric].as_dict()  # NaN as None, so that equal means equal


def test_select_keeps_rows_in_order_with_their_text():
    incidents = table(ROWS)
    chosen = select(incidents, np.array([False, True, False, True, True]))
    assert chosen.incident.tolist() == [2, 4, 5]
    assert chosen.mode.tolist() == ["deploy", "deploy", "disk"]
    assert chosen.channel.tolist() == ["monitoring", "monitoring", ""]


def test_every_breakdown_goes_into_the_document():
    document = breakdowns_document(breakdowns(table(ROWS), 2))
    assert set(document) == {"mode", "severity", "channel", "mitigation"}
    assert document["mode"]["deploy"]["incidents"] == 3
    assert document["mode"]["deploy"]["metrics"]["mttr"]["mean"] == pytest.approx(40)
    json.dumps(document, allow_nan=False)  # NaN became None


def test_run_by_prints_a_table_per_key_and_summary_json_holds_them(tmp_path):
    result = CliRunner().invoke(app, ["run", "-n", "3", "--quiet", "--by", "mode", "--by", "severity",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Per failure mode" in result.stdout and "Per severity" in result.stdout
    assert "Per detection channel" not in result.stdout
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    for key in ("mode", "severity", "channel", "mitigation"):
        groups = summary["breakdowns"][key]
        assert sum(group["incidents"] for group in groups.values()) == summary["incidents"]
    for name in summary["breakdowns"]["mode"]:
        assert name in result.stdout
    bad = CliRunner().invoke(app, ["run", "-n", "2", "--by", "colour"])
    assert bad.exit_code == 2 and "colour" in bad.output


def test_the_report_has_a_table_per_breakdown_matching_summary_json(tmp_path):
    from simulator import load_scenario, simulate, write_results
    from simulator.report.build import build_report
    from simulator.scenario.bundled import default_scenario
    from simulator.units import format_duration

    write_results(simulate(load_scenario(default_scenario()), replications=3), tmp_path)
    build_report(tmp_path)
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    for title in ("failure mode", "severity", "detection channel", "mitigation that restored service"):
        assert f"### Per {title}" in markdown
    for name, group in summary["breakdowns"]["mode"].items():
        mean = format_duration(group["metrics"]["mttr"]["mean"])
        assert any(line.startswith(f"| {name} | {group['incidents']} |") and f"| {mean} |" in line
                   for line in markdown.splitlines())
