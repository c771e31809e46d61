"""`drillsim score`: a drill at the simulated medians scores near 50, at known quantiles scores those
quantiles, constants score exactly (ties count half); an unfinished phase is a lower bound; the phase that cost
the most is found; Chaos Toolkit journals give the injection time and the mode; --fail-above gates."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from simulator import load_scenario
from simulator.cli import app
from simulator.errors import DrillsimError
from simulator.history.format import HistoryError, Incident, write_history
from simulator.history.journal import read_journal
from simulator.history.score import read_drill, score_drills
from simulator.history.simulated import Conditions, simulate_phases
from simulator.units import format_duration

FIXTURES = Path(__file__).parent / "fixtures" / "history"
SCENARIO = FIXTURES / "drill-scenario.yaml"
JOURNAL = FIXTURES / "journal.json"
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=timezone(timedelta(hours=1)))
Z95 = 1.6448536269514722
runner = CliRunner()


@pytest.fixture(scope="module")
def known():
    return load_scenario(SCENARIO)


def drill(mode="db", detect=5.0, ack=5.0, mitigate=20.0, **extra) -> Incident:
    """A drill injected at T0 whose phases took these many minutes (None: not reached)."""
    times, now = {}, T0
    for name, minutes in (("detected_at", detect), ("acknowledged_at", ack), ("mitigated_at", mitigate)):
        if minutes is None:
            break
        now += timedelta(minutes=minutes)
        times[name] = now
    return Incident("DRILL-1", 2, mode=mode, started_at=T0, **times, **extra)


def scored(scenario, incident, end=None, **options):
    (found,) = score_drills([incident], scenario, end or incident.last, minimum=2500, **options)
    return found


def test_constants_score_exactly_with_ties_counting_half(known):
    at_constants = scored(known, drill())
    assert [p.percentile for p in at_constants.phases] == [50.0, 50.0, 50.0, 50.0]
    slower = scored(known, drill(detect=6.0, ack=4.0))
    assert slower.phase("detection").percentile == 100.0
    assert slower.phase("acknowledgement").percentile == 0.0
    assert slower.phase("restoration").percentile == 50.0  # 6 + 4 + 20 = 30, the constant
    assert slower.phase("acknowledgement").verdict == "time to acknowledge faster than 100% of simulated runs"
    assert slower.phase("detection").verdict == "time to detect slower than 100% of simulated runs"


def test_a_drill_at_the_simulated_medians_scores_near_50(known):
    simulated = simulate_phases(known, Conditions("lognormal-detect"), minimum=2500)
    median = simulated["detection"].quantile(0.5)
    found = scored(known, drill("lognormal-detect", detect=median))
    assert found.phase("detection").percentile == pytest.approx(50, abs=1.0)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.85, 0.95])
def test_times_at_known_quantiles_score_those_quantiles(known, q):
    """The time to detect is lognormal (median 6m, p95 30m): a drill at its q-quantile scores about 100·q."""
    from statistics import NormalDist

    sigma = math.log(30 / 6) / Z95
    minutes = 6 * math.exp(sigma * NormalDist().inv_cdf(q))
    found = scored(known, drill("lognormal-detect", detect=minutes))
    # 2,500 draws: the empirical CDF's standard error at q is at most 1 point.
    assert found.phase("detection").percentile == pytest.approx(100 * q, abs=3.5)


def test_an_unfinished_phase_is_a_lower_bound(known):
    open_drill = drill(ack=5.0, mitigate=None)
    found = scored(known, open_drill, end=open_drill.last + timedelta(minutes=25))
    mitigation = found.phase("mitigation")
    assert not mitigation.reached and mitigation.lower_bound and mitigation.minutes == pytest.approx(25)
    assert mitigation.percentile == 100.0
    assert "not finished by the end of the log" in mitigation.verdict


def test_the_phase_that_cost_the_most_is_the_furthest_over_its_median(known):
    found = scored(known, drill(detect=9.0, ack=20.0, mitigate=22.0))
    assert found.costliest.key == "acknowledgement"
    assert found.cost_sentence == "Acknowledgement cost the most: 15m over the simulated median (20m against 5m)."
    quick = scored(known, drill(detect=4.0, ack=5.0, mitigate=19.0))
    assert quick.cost_sentence.startswith("Every phase was at or under its simulated median")


def test_the_severity_of_the_drill_is_held_when_the_mode_has_it(known):
    assert scored(known, drill(severity="SEV2")).simulated.conditions.severity == "SEV2"
    assert scored(known, drill(severity="SEV1")).simulated.conditions.severity is None


def test_the_chaos_toolkit_journal_fixture_is_read():
    journal = read_journal(JOURNAL)
    # chaostoolkit-lib before 1.45 wrote UTC without an offset.
    assert journal.start == datetime(2026, 3, 10, 13, 0, 4, 120356, tzinfo=UTC)
    assert journal.end == datetime(2026, 3, 10, 13, 1, 10, 125031, tzinfo=UTC)
    assert (journal.mode, journal.severity, journal.status, journal.deviated) == ("bad-deploy", "SEV2", "completed",
                                                                                   True)
    assert journal.title == "A bad deploy of checkout is rolled back before customers notice"


def test_a_journal_with_an_offset_and_no_extension(tmp_path):
    data = json.loads(JOURNAL.read_text())
    data["start"] = "2026-03-10T13:00:04.120356+00:00"
    data["experiment"]["extensions"] = []
    path = tmp_path / "journal.json"
    path.write_text(json.dumps(data))
    journal = read_journal(path)
    assert journal.start.utcoffset() == timedelta(0) and journal.mode is None


def test_bad_journals_are_clear(tmp_path):
    path = tmp_path / "journal.json"
    path.write_text(json.dumps({"experiment": {}, "run": [], "start": "the other day"}))
    with pytest.raises(HistoryError) as caught:
        read_journal(path)
    (problem,) = caught.value.problems
    assert problem.path == "start" and "cannot read 'the other day'" in problem.message


def team_log(tmp_path: Path, **times) -> Path:
    row = Incident("DRILL-7", 2, mode=None, **times)
    return write_history(tmp_path / "team.csv", [row], fields=["incident", "started_at", "detected_at",
                                                                "acknowledged_at", "mitigated_at"])


def test_a_journal_gives_the_injection_and_the_team_log_the_rest(tmp_path):
    start = datetime(2026, 3, 10, 13, 0, 4, 120356, tzinfo=UTC)
    log = team_log(tmp_path, detected_at=start + timedelta(minutes=6), acknowledged_at=start + timedelta(minutes=15))
    (row,), end, _ = read_drill([log, JOURNAL])
    assert row.started_at == start and row.mode == "bad-deploy" and row.severity == "SEV2"
    assert row.incident == "DRILL-7" and end == row.acknowledged_at


def test_a_journal_and_a_team_log_that_disagree_are_refused(tmp_path):
    start = datetime(2026, 3, 10, 13, 0, 4, tzinfo=UTC)
    twice = team_log(tmp_path, started_at=start - timedelta(minutes=3), detected_at=start + timedelta(minutes=6))
    with pytest.raises(DrillsimError, match="started_at is given twice"):
        read_drill([twice, JOURNAL])
    early = team_log(tmp_path, detected_at=start - timedelta(minutes=6))
    with pytest.raises(DrillsimError, match="times before the injection"):
        read_drill([early, JOURNAL])


def test_a_mode_is_needed_when_the_scenario_has_several(known):
    with pytest.raises(DrillsimError, match="which failure mode was DRILL-1"):
        scored(known, drill(mode=None))


def write_drill(tmp_path: Path, **phases) -> Path:
    return write_history(tmp_path / "drill.csv", [drill(**phases)])


def test_the_command_prints_writes_and_gates(tmp_path):
    path = write_drill(tmp_path, detect=9.0, ack=20.0, mitigate=22.0)
    result = runner.invoke(app, ["score", str(path), "--scenario", str(SCENARIO)])
    assert result.exit_code == 0, result.output
    assert "time to acknowledge slower than 100% of simulated runs" in result.stdout
    assert "Acknowledgement cost the most" in result.stdout
    for name in ("score.json", "score.md", "score.png"):
        assert (tmp_path / name).is_file()
    document = json.loads((tmp_path / "score.json").read_text())
    (entry,) = document["drills"]
    assert entry["costliest"] == "acknowledgement"
    assert [p["percentile"] for p in entry["phases"]] == [100.0, 100.0, 100.0, 100.0]
    gated = runner.invoke(app, ["score", str(path), "--scenario", str(SCENARIO), "--fail-above", "90", "-q"])
    assert gated.exit_code == 1
    assert "DRILL-1: time to acknowledge slower than 100% of simulated runs, above percentile 90" in gated.output
    typical = write_drill(tmp_path, detect=5.0, ack=5.0, mitigate=20.0)
    assert runner.invoke(app, ["score", str(typical), "--scenario", str(SCENARIO), "--fail-above", "90"]).exit_code == 0


def test_several_real_incidents_are_scored_one_by_one(tmp_path):
    rows = [drill(), Incident("INC-2", 3, mode="db", started_at=T0 + timedelta(days=1),
                              detected_at=T0 + timedelta(days=1, minutes=12))]
    path = write_history(tmp_path / "incidents.csv", rows)
    out = tmp_path / "scores"
    result = runner.invoke(app, ["score", str(path), "--scenario", str(SCENARIO), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "score-drill-1.png").is_file() and (out / "score-inc-2.png").is_file()
    entries = json.loads((out / "score.json").read_text())["drills"]
    assert [e["incident"] for e in entries] == ["DRILL-1", "INC-2"]
    assert entries[1]["phases"][1]["percentile"] is None  # INC-2 gives no acknowledgement: nothing to score


def test_a_bad_drill_file_exits_2_with_its_line(tmp_path):
    result = runner.invoke(app, ["score", str(FIXTURES / "out_of_order.csv"), "--scenario", str(SCENARIO)])
    assert result.exit_code == 2
    assert "out_of_order.csv:2: acknowledged_at: times out of order" in result.output


def test_the_score_figure_marks_the_drill(known):
    from simulator.report.gameday_figures import score_figure
    from simulator.report.style import png_bytes

    found = scored(known, drill("lognormal-detect", detect=12.0))
    figure = score_figure(found)
    assert len([ax for ax in figure.axes if ax.axison]) == 4
    assert any(text.get_text().startswith("drill 12m: p") for text in figure.axes[0].get_legend().get_texts())
    assert png_bytes(figure) == png_bytes(score_figure(found))


def test_the_examples_walk_from_history_to_score(tmp_path):
    """The game-day guide's walk-through on the bundled, synthetic examples: calibrate, plan, score."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    scenario = tmp_path / "ours.yaml"
    calibrated = runner.invoke(app, ["calibrate", str(examples / "history.csv"), "--bootstrap", "30", "-q"])
    assert calibrated.exit_code == 0, calibrated.output
    scenario.write_text(calibrated.stdout)  # printed without --out: no figures to draw here
    steps = [
        ["validate", str(scenario)],
        ["gameday", "plan", str(scenario), "--inject", "bad-deploy", "--at", "2026-04-14T14:00+02:00", "--out",
         str(tmp_path / "plan"), "-q"],
        ["score", str(examples / "drill.csv"), str(examples / "journal.json"), "--scenario", str(scenario),
         "--out", str(tmp_path / "score")],
    ]
    for args in steps:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    (entry,) = json.loads((tmp_path / "score" / "score.json").read_text())["drills"]
    assert entry["incident"] == "GAMEDAY-2026-04-14" and entry["mode"] == "bad-deploy"
    assert entry["started_at"] == "2026-04-14T12:00:03+00:00"
    assert [p["minutes"] for p in entry["phases"]][:2] == pytest.approx([6 + 56.488 / 60, 17.0], abs=0.01)
    assert "synthetic" in (examples / "README.md").read_text().lower()


def by_period() -> object:
    """A scenario whose acknowledgement depends on the period of the day (constants: the answers are exact)."""
    from simulator import parse_scenario

    return parse_scenario("""
name: Slower at night
horizon: 30d
replications: 20
seed: 4
start: 2026-03-02T00:00:00
timezone: Europe/London
team:
  responders: 5
  acknowledge: {business_hours: 3m, out_of_hours: 10m, night: 20m}
  secondary: null
policy: {declare_after: 2m}
failure_modes:
  - name: db
    cause: infrastructure
    rate: 2/d
    detection: {monitoring: {delay: 5m}}
    mitigations: {debug: {duration: 20m}}
""")


def test_a_drill_is_scored_against_runs_of_the_same_period_of_the_day():
    scenario = by_period()
    london = ZoneInfo("Europe/London")
    at_ten = datetime(2026, 3, 10, 10, 0, tzinfo=london)  # a Tuesday, in business hours
    at_three = datetime(2026, 3, 10, 3, 0, tzinfo=london)  # the night

    def night_drill(start, ack):
        return Incident("D", 2, mode="db", started_at=start, detected_at=start + timedelta(minutes=5),
                        acknowledged_at=start + timedelta(minutes=5 + ack))
    day = scored(scenario, night_drill(at_ten, 2 + 3))
    night = scored(scenario, night_drill(at_three, 2 + 20))
    assert day.simulated.conditions.period == "business_hours" and night.simulated.conditions.period == "night"
    # Held to the onset's period; the page goes out 7 minutes later, so the few onsets just before a period
    # ends are acknowledged at the next period's pace: the percentile is 50 within a point or two.
    assert day.phase("acknowledgement").percentile == pytest.approx(50, abs=2)
    assert night.phase("acknowledgement").percentile == pytest.approx(50, abs=2)
    # The night's 22 minutes would be slower than every run in business hours.
    assert scored(scenario, night_drill(at_ten, 2 + 20)).phase("acknowledgement").percentile == 100.0


def test_the_figure_draws_the_fail_above_threshold_at_its_percentile_and_duration(tmp_path):
    from simulator import api
    from simulator.report.gameday_figures import score_figure

    path = write_drill(tmp_path, detect=9.0, ack=20.0, mitigate=22.0)
    done = api.score([path], SCENARIO, fail_above=90)
    (found,) = done.scores
    figure = score_figure(found, 90)
    for ax, phase in zip(figure.axes, found.phases, strict=False):
        limit = found.simulated[phase.key].quantile(0.9)
        labels = [line.get_label() for line in ax.get_lines()]
        assert f"--fail-above p90: {format_duration(limit)}" in labels
        assert any(list(line.get_ydata()) == [0.9, 0.9] for line in ax.get_lines())
    without = score_figure(found)
    assert not any("--fail-above" in line.get_label() for ax in without.axes for line in ax.get_lines())
