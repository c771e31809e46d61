"""Presets of real exports: each platform's export, as the platform writes it, is read as it is (its preset found
from its header), calibrates, and the calibrated scenario plays back the history's MTTA and MTTR (medians and
p90s inside the history's distribution-free 99.9% intervals). What a history cannot tell is said, never written
as a silent 0s; what cannot be read names the file, the row and the column."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator import simulate
from simulator.cli import app
from simulator.errors import DrillsimError
from simulator.history.calibrate import DEFAULTS, calibrate
from simulator.history.calibrated_scenario import scenario_yaml
from simulator.history.fit import quantile_interval
from simulator.history.format import HistoryError, read_history
from simulator.history.presets import PRESETS, normalise, parse_mapping, parse_severities, severity_of
from simulator.history.shapes import RESTORED_AT, draw, exported
from simulator.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NEW_YORK = ZoneInfo("America/New_York")
runner = CliRunner()
PLATFORMS = ["pagerduty", "pagerduty-analytics", "pagerduty-api", "opsgenie", "incident-io", "incident-io-api",
             "generic"]


def export(tmp_path: Path, preset: str, count: int = 160, seed: int = 19, open_last: int = 0) -> tuple[Path, list]:
    incidents = draw(count, seed, datetime(2026, 1, 5, 9, 0, tzinfo=NEW_YORK), open_last=open_last)
    suffix, text = exported(preset, incidents, NEW_YORK)
    path = tmp_path / f"{preset}{suffix}"
    path.write_text(text, encoding="utf-8")
    return path, incidents


def minutes(later, earlier) -> float | None:
    return None if later is None or earlier is None else (later - earlier).total_seconds() / 60


@pytest.mark.parametrize("preset", PLATFORMS)
def test_an_export_round_trips_through_calibration_and_the_simulation(tmp_path, preset):
    path, incidents = export(tmp_path, preset, open_last=2)
    history = read_history(path)
    assert history.preset == preset  # found from the header
    calibration = calibrate(history, bootstrap=20, seed=1)
    assert not calibration.defaults
    scenario = parse_scenario(scenario_yaml(calibration))
    table = simulate(scenario, replications=12, seed=3, keep_events=False).incidents
    restored = RESTORED_AT[preset]
    truth = {"MTTA": [minutes(i.acknowledged, i.detected) for i in incidents],
             "MTTR": [minutes(getattr(i, restored), i.detected) for i in incidents]}
    simulated = {"MTTA": table.acknowledged - table.detected, "MTTR": table.mitigated - table.detected}
    for metric in ("MTTA", "MTTR"):
        observed = np.array([v for v in truth[metric] if v is not None])
        played = simulated[metric][~np.isnan(simulated[metric])]
        assert len(played) > 1000
        for q in (0.5, 0.9):
            low, high = quantile_interval(observed, q, level=0.999)
            assert low <= np.quantile(played, q) <= high, (preset, metric, q, low, np.quantile(played, q), high)


@pytest.mark.parametrize("preset", PLATFORMS)
def test_each_preset_ships_an_example_in_its_shape(preset):
    path = EXAMPLES / PRESETS[preset].example
    history = read_history(path)
    assert history.preset == preset
    assert len(history.incidents) >= 20
    assert {"detected_at", "acknowledged_at", "resolved_at", "severity"} <= history.fields


def test_the_pagerduty_csv_as_exported_calibrates_the_times_not_zeros(tmp_path):
    path, _ = export(tmp_path, "pagerduty", count=38)
    text = path.read_text()
    assert text.splitlines()[0] == ("id,incident_number,description,service_name,escalation_policy_name,urgency,"
                                    "priority,created_on,acknowledged_at,resolved_on,seconds_to_first_ack,"
                                    "seconds_to_resolve,assigned_to")
    result = runner.invoke(app, ["calibrate", str(path), "--bootstrap", "20", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "read as pagerduty" in result.stderr
    scenario = parse_scenario(result.stdout)
    assert scenario.team.responders < 38
    assert scenario.team.acknowledge.quantile(0.5) > 0
    assert all(m.mitigations["debug"].duration.quantile(0.5) > 0 for m in scenario.failure_modes)
    assert "time to detect (MTTD)" in result.stderr  # the one quantity the export cannot tell, said


def test_the_relative_columns_are_used_where_the_times_are_empty(tmp_path):
    path = tmp_path / "pd.csv"
    path.write_text("id,incident_number,description,service_name,escalation_policy_name,urgency,priority,"
                    "created_on,acknowledged_at,resolved_on,seconds_to_first_ack,seconds_to_resolve,assigned_to\n"
                    "Q1,7,\"Disk full, db-1\",db,db on-call,high,,2026-02-03T09:00:00-05:00,,,90,1800,Ana Lima\n")
    (only,) = read_history(path).incidents
    assert minutes(only.acknowledged_at, only.detected_at) == 1.5 and minutes(only.resolved_at, only.detected_at) == 30
    assert only.severity == "SEV2"  # no priority: the urgency (high) is read
    assert only.incident == "7" and only.responder == "Ana Lima"


def test_map_may_target_a_preset_column(tmp_path):
    path = tmp_path / "renamed.csv"
    path.write_text("id,created_on,seconds_to_first_ack,seconds_to_resolve\nQ1,2026-02-03T14:00:00Z,60,600\n")
    with pytest.raises(HistoryError, match="--map created_on=created_at"):
        read_history(path, preset="analytics")
    (only,) = read_history(path, preset="analytics", mapping=parse_mapping(["created_on=created_at"])).incidents
    assert minutes(only.acknowledged_at, only.detected_at) == 1


def test_headers_are_normalised():
    assert normalise(" Reported at ") == normalise("reported_at") == normalise("reportedAt") == "reported_at"
    assert normalise("Report.AckTime") == "report_ack_time"


def test_incident_io_headers_and_severity_names_are_read_without_maps():
    history = read_history(EXAMPLES / PRESETS["incident-io"].example)
    assert {i.severity for i in history.incidents} <= {"SEV1", "SEV2", "SEV3"}
    assert all(i.mitigated_at is not None for i in history.incidents if i.resolved_at is not None)


@pytest.mark.parametrize(("text", "level"), [("Critical", "SEV1"), ("major", "SEV2"), ("Minor", "SEV3"),
                                             ("high", "SEV2"), ("low", "SEV4"), ("SEV0", "SEV1"), ("P5", "SEV5"),
                                             ("sev 2", "SEV2"), ("Sev-5", "SEV5")])
def test_common_severity_vocabularies_are_understood(text, level):
    assert severity_of(text) == level


def test_severity_values_map_any_vocabulary(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("incident,severity,detected_at,resolved_at\nA,Sev A,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z\n"
                    "B,Major,2026-01-02T00:00:00Z,2026-01-02T01:00:00Z\n")
    with pytest.raises(HistoryError, match=r"h.csv:2: severity: 'Sev A' is not a severity.*--severity 'Sev A'=SEV2"):
        read_history(path)
    history = read_history(path, severities=parse_severities(["Sev A=SEV1", "major=4"]))
    assert [i.severity for i in history.incidents] == ["SEV1", "SEV4"]
    with pytest.raises(DrillsimError, match="write VALUE=SEVn"):
        parse_severities(["Critical"])


def test_a_missing_quantity_gets_its_documented_default_and_a_warning(tmp_path):
    path = tmp_path / "acks.csv"
    rows = "\n".join(f"I{n},2026-01-{n:02d}T09:00:00Z,2026-01-{n:02d}T09:0{n % 9}:30Z" for n in range(1, 11))
    path.write_text("incident,detected_at,acknowledged_at\n" + rows + "\n")
    calibration = calibrate(read_history(path), bootstrap=20)
    assert calibration.defaults == {key: DEFAULTS[key] for key in ("mitigation", "confirmation")}
    assert calibration.responders == 1
    warnings = "\n".join(calibration.warnings)
    assert "time to mitigate: " in warnings and "has no mitigated_at or resolved_at" in warnings
    assert "drillsim's default, 30m, stands in" in warnings
    assert "team.responders" in warnings
    text = scenario_yaml(calibration)
    assert "debug: {duration: 30m}" in text and "drillsim's default 30m stands in (not calibrated)" in text


def test_a_history_without_acknowledgements_says_mtta_is_not_calibrated(tmp_path):
    path = tmp_path / "no-acks.csv"
    path.write_text("incident,detected_at,resolved_at\nA,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z\n"
                    "B,2026-01-02T00:00:00Z,2026-01-02T02:00:00Z\n")
    calibration = calibrate(read_history(path), bootstrap=20)
    assert any(w.startswith("time to acknowledge (MTTA): ") and "MTTA is not calibrated" in w
               for w in calibration.warnings)


def test_a_history_with_nothing_to_calibrate_exits_2_with_the_reason(tmp_path):
    path = tmp_path / "only-alerts.csv"
    path.write_text("incident,detected_at\nA,2026-01-01T00:00:00Z\nB,2026-01-02T00:00:00Z\n")
    result = runner.invoke(app, ["calibrate", str(path), "--bootstrap", "20"])
    assert result.exit_code == 2
    assert f"{path}: nothing to calibrate: it gives only detected_at" in result.output
    assert "Traceback" not in result.output


def test_refusals_name_the_file_the_row_and_the_column(tmp_path):
    path, _ = export(tmp_path, "pagerduty", count=3)
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace(",P", ",Px")  # an unknown priority on line 3
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(HistoryError) as caught:
        read_history(path)
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{path}:3: priority (as severity): 'Px")
    api, _ = export(tmp_path, "incident-io-api", count=3)
    api.write_text(api.read_text().replace('"value":"2026-01', '"value":"yesterday', 1))
    with pytest.raises(HistoryError) as caught:
        read_history(api)
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{api}: incidents[0] reported_at (as detected_at): cannot read 'yesterday")


def test_an_ambiguous_or_unknown_preset_is_refused_clearly(tmp_path):
    with pytest.raises(DrillsimError, match=r"unknown preset 'pagerdutty'.*did you mean 'pagerduty'"):
        read_history(EXAMPLES / "history.csv", preset="pagerdutty")
    path = tmp_path / "odd.json"
    path.write_text('{"something": 1}')
    with pytest.raises(HistoryError, match="expected a JSON export"):
        read_history(path)


def test_long_texts_a_preset_does_not_read_are_accepted(tmp_path):
    path, _ = export(tmp_path, "opsgenie", count=3)
    text = path.read_text().replace('"source":"Datadog"', '"source":"Datadog","description":"' + "x" * 15000 + '"')
    path.write_text(text)
    assert len(read_history(path).incidents) == 3
