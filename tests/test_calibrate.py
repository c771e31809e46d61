"""Calibration end to end: a history simulated by drillsim from a known scenario gives that scenario back, the
calibrated scenario reproduces the history's medians and p90s, the YAML is valid and says how good each fit is,
and histories with fewer times (an analytics export, no modes) map onto the scenario as documented.

Round trips go through the engine, whose random streams are being replaced: they check the fitted quantiles
against the truth with twice the bootstrap interval's half-width (about four standard errors), and the simulated
quantiles against distribution-free 99.9% intervals of the history's, never one stream's exact numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator import simulate
from simulator.cli import app
from simulator.history.calibrate import calibrate
from simulator.history.calibrated_scenario import duration_text, fitted_fields, parameters_of, scenario_yaml
from simulator.history.export import table_history
from simulator.history.fit import quantile_interval
from simulator.history.format import read_history, write_history
from simulator.history.phases import ACKNOWLEDGEMENT, DETECTION, MITIGATION, RESTORATION, sample
from simulator.scenario import parse_scenario
from simulator.scenario.variants import load_source
from simulator.units import parse_duration

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "examples" / "history-source.yaml"
FIXTURES = Path(__file__).parent / "fixtures" / "history"
PARIS = ZoneInfo("Europe/Paris")
runner = CliRunner()


def simulated_history(tmp_path: Path, horizon: str) -> tuple[object, Path]:
    scenario = load_source(SOURCE).variants(sets=[f"horizon={horizon}"], set_name="long")["long"]
    results = simulate(scenario, replications=1, seed=2026, keep_events=False)
    path = write_history(tmp_path / "history.csv", table_history(results.incidents, 0,
                                                                 scenario.start.replace(tzinfo=PARIS)))
    return scenario, path


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """Two simulated years of the example source, calibrated."""
    scenario, path = simulated_history(tmp_path_factory.mktemp("history"), "730d")
    history = read_history(path)
    calibration = calibrate(history, bootstrap=100, seed=1)
    return scenario, history, calibration


def test_calibration_recovers_the_generating_quantiles(round_trip):
    scenario, _, calibration = round_trip
    truth = fitted_fields(scenario)
    fits = {(scope, key): found for scope, key, found in calibration.fits()}
    assert set(fits) == set(truth)
    for key, found in fits.items():
        assert found.fitted, (key, found.reason)
        for quantile, name in ((0.5, "median"), (0.9, "p90")):
            low, high = found.intervals[name]
            estimate, true = found.quantile(quantile), truth[key].quantile(quantile)  # the engine's inverse CDF
            tolerance = (high - low)  # twice the half-width: about four standard errors
            assert abs(estimate - true) <= tolerance, (key, name, estimate, true, low, high)


def test_calibration_recovers_the_generating_parameters_of_the_same_family(round_trip):
    scenario, _, calibration = round_trip
    truth = fitted_fields(scenario)
    checked = 0
    for scope, key, found in calibration.fits():
        dist = truth[(scope, key)]
        if found.family != dist.kind:
            continue  # families close to each other (gamma and Weibull) may swap on a finite sample
        for name, true in parameters_of(dist).items():
            low, high = found.intervals[name]
            assert abs(found.params[name] - true) <= high - low, (scope, key, name, found.params[name], true)
            checked += 1
    assert checked >= 6


def test_calibration_recovers_the_rates(round_trip):
    scenario, _, calibration = round_trip
    for mode in calibration.modes:
        true = next(m for m in scenario.failure_modes if m.name == mode.name).rate
        low, high = mode.rate.interval
        assert abs(mode.rate.rate - true) <= high - low, (mode.name, mode.rate.rate, true)


def test_the_calibrated_scenario_reproduces_the_history_medians_and_p90s(round_trip):
    _, history, calibration = round_trip
    calibrated = parse_scenario(scenario_yaml(calibration))
    results = simulate(calibrated, replications=30, seed=5, keep_events=False)
    table = results.incidents
    phases = {DETECTION: ("onset", "detected"), ACKNOWLEDGEMENT: ("detected", "acknowledged"),
              MITIGATION: ("acknowledged", "mitigated"), RESTORATION: ("onset", "mitigated")}
    for mode in calibration.modes:
        chosen = table.mode == mode.name
        for phase, (start, end) in phases.items():
            observed = sample(history, phase, mode.incidents).observed
            simulated = (getattr(table, end) - getattr(table, start))[chosen]
            simulated = simulated[~np.isnan(simulated)]
            for q in (0.5, 0.9):
                low, high = quantile_interval(observed, q, level=0.999)
                assert low <= np.quantile(simulated, q) <= high, (mode.name, phase.key, q)


def test_the_scenario_is_valid_and_its_comments_give_quality_and_sample_size(round_trip, tmp_path):
    _, _, calibration = round_trip
    text = scenario_yaml(calibration, name="Our checkout")
    path = tmp_path / "ours.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    for _, _, found in calibration.fits():
        assert f"{found.sample.count} incidents, {found.sample.open} still open" in text
        assert f"p = {found.p_value:.2f}" in text
    assert text.count("Kolmogorov–Smirnov distance") == len(calibration.fits())
    scenario = parse_scenario(text)
    assert scenario.name == "Our checkout"
    assert {m.name for m in scenario.failure_modes} == {"bad-deploy", "config-push", "payment-provider"}


@pytest.mark.parametrize("minutes", [0.0, 0.05, 1.5, 4.25, 61.0, 1441.5, 20000.0])
def test_durations_are_written_precisely_enough_to_read_back(minutes):
    assert parse_duration(duration_text(minutes)) == pytest.approx(minutes, rel=0.002, abs=1 / 120)


def test_an_analytics_export_folds_the_missing_times_into_the_next_phase():
    history = read_history(FIXTURES / "analytics.csv", preset="analytics")
    calibration = calibrate(history, bootstrap=20)
    assert calibration.phases["detection"] is None and calibration.phases["declaration"] is None
    assert (calibration.phases["acknowledgement"].start, calibration.phases["acknowledgement"].end) == \
        ("detected_at", "acknowledged_at")
    assert (calibration.phases["mitigation"].start, calibration.phases["mitigation"].end) == \
        ("acknowledged_at", "resolved_at")
    assert calibration.phases["confirmation"] is None
    scenario = parse_scenario(scenario_yaml(calibration))
    assert [m.name for m in scenario.failure_modes] == ["SEV2", "SEV4"]  # urgency high and low
    for mode in scenario.failure_modes:
        (_, channel), = mode.detection.channels()
        assert channel.delay.mean == 0
    assert scenario.policy.declare_after.mean == 0
    assert scenario.policy.confirm.mean == 0
    assert scenario.team.acknowledge.kind == "empirical"  # 3 incidents: too few to fit a family
    assert sorted(scenario.team.acknowledge.values) == pytest.approx([45.5 / 60, 2.0, 15.0], abs=1 / 120)
    assert any(w.startswith("time to detect (MTTD): ") and "no failure onsets (started_at)" in w
               for w in calibration.warnings)


def test_without_modes_incidents_are_grouped_by_severity():
    history = read_history(FIXTURES / "lifecycle.csv", preset="lifecycle")
    calibration = calibrate(history, bootstrap=20)
    assert calibration.grouped_by == "severity"
    assert [m.name for m in calibration.modes] == ["SEV1", "SEV3"]
    scenario = parse_scenario(scenario_yaml(calibration))
    assert [(m.name, m.severity) for m in scenario.failure_modes] == [("SEV1", "SEV1"), ("SEV3", "SEV3")]


def test_open_incidents_are_censored_in_the_fits(tmp_path):
    _, path = simulated_history(tmp_path, "120d")
    rows = list(read_history(path).incidents)
    # The last three are still open after their acknowledgement at the export.
    reopened = rows[:-3] + [replace(r, mitigated_at=None, resolved_at=None) for r in rows[-3:]]
    history = read_history(write_history(tmp_path / "open.csv", reopened), as_of=datetime(2026, 5, 5, tzinfo=PARIS))
    calibration = calibrate(history, bootstrap=20)
    fits = [m.mitigation for m in calibration.modes]
    assert sum(f.sample.open for f in fits) == 3
    text = scenario_yaml(calibration)
    for found in fits:
        assert f"{found.sample.count} incidents, {found.sample.open} still open" in text


def test_the_command_writes_the_scenario_fits_and_figures(tmp_path):
    _, path = simulated_history(tmp_path, "91d")
    out = tmp_path / "ours.yaml"
    result = runner.invoke(app, ["calibrate", str(path), "--out", str(out), "--bootstrap", "30"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "ours-fits"
    assert out.is_file() and (folder / "calibration.json").is_file()
    assert (folder / "fit-team-acknowledgement.png").is_file()
    assert (folder / "fit-bad-deploy-detection.png").is_file()
    assert "time to acknowledge" in result.stdout
    printed = runner.invoke(app, ["calibrate", str(path), "--bootstrap", "30", "--quiet"])
    assert printed.exit_code == 0
    assert parse_scenario(printed.stdout).name.startswith("Calibrated from")


def test_the_command_lists_every_bad_row_and_exits_2():
    result = runner.invoke(app, ["calibrate", str(FIXTURES / "several_bad.csv")])
    assert result.exit_code == 2
    assert "several_bad.csv:3: severity:" in result.output
    assert "several_bad.csv:4: acknowledged_at:" in result.output
    assert "4 problems found." in result.output
    assert "Traceback" not in result.output


def test_skip_bad_says_how_many_rows_it_left_out():
    result = runner.invoke(app, ["calibrate", str(FIXTURES / "several_bad.csv"), "--skip-bad", "--bootstrap", "20"])
    assert result.exit_code == 0, result.output
    assert "Skipped 3 bad rows of 5 (lines 3, 4, 6)." in result.output


def named_history(tmp_path: Path, lag: str = "2m") -> Path:
    """40 incidents a few days apart, declared exactly `lag` after detection, acknowledged by ana, ben or
    cleo in weekly turns."""
    rng = np.random.default_rng(1)
    lines = ["incident,mode,severity,started_at,detected_at,declared_at,acknowledged_at,mitigated_at,resolved_at,"
             "responder"]
    start = datetime(2026, 1, 5, 9, tzinfo=ZoneInfo("UTC"))
    moment = start
    for i in range(40):
        moment += parse_duration(f"{round(float(rng.exponential(3 * 1440)))}m") * _MINUTE
        detected = moment + parse_duration(f"{round(float(rng.lognormal(np.log(300), 0.5)))}s") * _MINUTE
        declared = detected + parse_duration(lag) * _MINUTE
        acknowledged = declared + parse_duration(f"{180 + round(float(rng.exponential(300)))}s") * _MINUTE
        mitigated = acknowledged + parse_duration(f"{round(float(rng.gamma(2, 1200)))}s") * _MINUTE
        resolved = mitigated + parse_duration(f"{round(float(rng.lognormal(np.log(600), 0.3)))}s") * _MINUTE
        who = ("ana", "ben", "cleo")[((moment - start).days // 7) % 3]
        times = ",".join(t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in (moment, detected, declared, acknowledged,
                                                                     mitigated, resolved))
        lines.append(f"INC-{i},db,SEV2,{times},{who}")
    path = tmp_path / "named.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_MINUTE = __import__("datetime").timedelta(minutes=1)


@pytest.mark.parametrize(("lag", "written"), [("2m", "declare_after: 2m\n"), ("0s", "declare_after: 0s\n")])
def test_a_phase_that_always_takes_the_same_time_is_written_as_that_constant(tmp_path, lag, written):
    calibration = calibrate(read_history(named_history(tmp_path, lag)), bootstrap=30, seed=1)
    assert calibration.team["declaration"].family == "constant"
    assert written in scenario_yaml(calibration)


def test_the_history_s_people_are_the_team_and_pages_never_wait_on_top_of_the_fitted_times(tmp_path):
    from scipy import stats

    from simulator.history.calibrate import WAIT_RISK
    from simulator.history.plan import on_call

    calibration = calibrate(read_history(named_history(tmp_path)), bootstrap=30, seed=1)
    assert calibration.people == {"ana": 15, "ben": 13, "cleo": 12}
    assert stats.poisson.sf(calibration.responders - 1, calibration.load) <= WAIT_RISK
    text = scenario_yaml(calibration)
    assert "  names: [ana, ben, cleo]\n" in text and "  secondary: null" in text and "\n  escalate_after:" not in text
    assert "acknowledge: {kind: exponential, mean: " in text and ", shift: 3m" in text  # the 3m lag
    scenario = parse_scenario(text)
    roster = on_call(scenario)
    assert [page.who for page in roster.pages] == [("ana", "ben", "cleo")]  # no "on-call #1", no "after 1d"


def test_calibration_says_on_stderr_what_it_is_fitting_unless_quiet(tmp_path):
    path = named_history(tmp_path)
    loud = runner.invoke(app, ["calibrate", str(path), "--out", str(tmp_path / "a.yaml"), "--bootstrap", "20"])
    assert loud.exit_code == 0, loud.output
    assert "fitting db: time to detect (40 incidents, 20 bootstrap samples)\n" in loud.stderr
    assert "fitting all modes: time to acknowledge (40 incidents, 20 bootstrap samples)\n" in loud.stderr
    assert "fitting" not in loud.stdout
    quiet = runner.invoke(app, ["calibrate", str(path), "--out", str(tmp_path / "b.yaml"), "--bootstrap", "20",
                                "-q"])
    assert quiet.exit_code == 0 and "fitting" not in quiet.stderr


def test_a_weekly_rotation_is_inferred_from_who_acknowledged_when(tmp_path):
    calibration = calibrate(read_history(named_history(tmp_path)), bootstrap=20, seed=1)
    rotation = calibration.rotation
    # named_history hands over on Mondays at 09:00 UTC (its first week starts Mon 5 January, 09:00); the window
    # opens at the first incident, Thursday 8 January: ana's week.
    assert (rotation.people, rotation.shift, rotation.handoff) == (("ana", "ben", "cleo"), 10080.0, "Mon 09:00")
    assert rotation.matched == rotation.total == 40
    assert not calibration.uses_rotation  # one person on call would be busy at 2% of pages: the pool is kept
    text = scenario_yaml(calibration)
    assert "# the history shows a rotation: weekly turns handed over at Mon 09:00 of ana, ben, cleo" in text
    assert "  names: [ana, ben, cleo]\n" in text


def test_a_rotation_is_paged_as_one_when_its_person_is_practically_never_busy(tmp_path, monkeypatch):
    from simulator.history import calibrate as calibrate_module
    from simulator.history import calibrated_scenario
    from simulator.history.plan import on_call

    monkeypatch.setattr(calibrate_module, "WAIT_RISK", 0.5)
    monkeypatch.setattr(calibrated_scenario, "WAIT_RISK", 0.5)
    calibration = calibrate(read_history(named_history(tmp_path)), bootstrap=20, seed=1)
    assert calibration.uses_rotation
    text = scenario_yaml(calibration)
    assert '    primary: {people: [ana, ben, cleo], shift: 7d, handoff: "Mon 09:00"}\n' in text
    assert "responders:" not in text and "secondary:" not in text
    scenario = parse_scenario(text)
    roster = on_call(scenario, datetime(2026, 1, 13, 12, tzinfo=ZoneInfo("UTC")))  # the second week: ben's
    assert [page.who for page in roster.pages] == [("ben",)]
