"""`drillsim gameday plan`: expected ranges equal the scenario's known answers (constants exactly, a lognormal's
quantiles within sampling error), the cues and the abort follow from them, who is on call comes from the team,
load is told apart exactly, and the plan is written as Markdown, self-contained HTML, a figure and a drill log."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator import load_scenario, parse_scenario
from simulator.cli import app
from simulator.errors import DrillsimError
from simulator.history.format import read_history
from simulator.history.plan import plan_gameday
from simulator.history.simulated import PERIODS, Conditions, period_at, periods_of, select, simulate_phases, under_load
from simulator.results.metrics import incident_table
from simulator.scenario.bundled import default_scenario

FIXTURES = Path(__file__).parent / "fixtures" / "history"
SCENARIO = FIXTURES / "drill-scenario.yaml"
PLUS_ONE = timezone(timedelta(hours=1))
runner = CliRunner()


@pytest.fixture(scope="module")
def known():
    return load_scenario(SCENARIO)


def test_constant_phases_give_their_constants(known):
    plan = plan_gameday(known, "db", minimum=300)
    expected = {e.key: e for e in plan.expected}
    # detect 5m; acknowledge = declare 2m + page 3m; mitigate 20m; restore 5 + 5 + 20.
    for key, minutes in (("detection", 5), ("acknowledgement", 5), ("mitigation", 20), ("restoration", 30)):
        e = expected[key]
        assert (e.p10, e.median, e.p90, e.p95, e.p99) == pytest.approx((minutes,) * 5), key
    assert plan.expect("resolved").median == pytest.approx(40.0)
    assert [c.wait for c in plan.cues] == pytest.approx([5.0, 5.0, 20.0])
    assert [c.after for c in plan.cues] == pytest.approx([5.0, 10.0, 30.0])
    assert plan.abort_after == pytest.approx(60.0)  # max(p99, twice the p90) of 30m


def test_a_lognormal_phase_gives_its_quantiles(known):
    plan = plan_gameday(known, "lognormal-detect", minimum=8000)
    detect = next(e for e in plan.expected if e.key == "detection")
    sigma = math.log(30 / 6) / 1.6448536269514722
    # With 8,000 draws the p95's relative standard error is about 2.4% (√(p(1−p)/n) / (φ(z)·σ)), the others'
    # less: 10% is four of them.
    for value, q in ((detect.p10, 0.1), (detect.median, 0.5), (detect.p90, 0.9), (detect.p95, 0.95)):
        z = {0.1: -1.2815515655446004, 0.5: 0.0, 0.9: 1.2815515655446004, 0.95: 1.6448536269514722}[q]
        assert value == pytest.approx(6 * math.exp(sigma * z), rel=0.10), q
    assert detect.count >= 8000


def test_who_is_on_call_comes_from_the_team(known):
    plan = plan_gameday(known, "db", minimum=100)
    assert plan.on_call.primaries == ("Ana", "Ben", "Cleo", "Dev", "Eli")
    assert plan.on_call.next_level.who == ("Fran",) and plan.on_call.pages[0].after == 60
    assert any("page Fran by hand" in c.action for c in plan.cues)


def test_the_hint_is_the_first_mitigation_the_policy_tries():
    plan = plan_gameday(load_scenario(default_scenario()), "bad-deploy", replications=200)
    assert plan.hint == "roll back the latest deployment"  # the catalogue's description of rollback


def test_an_unknown_mode_says_which_exist(known):
    with pytest.raises(DrillsimError, match=r"no failure mode 'lognormal-detekt' \(its modes: db, "
                       r"lognormal-detect\); did you mean 'lognormal-detect'"):
        plan_gameday(known, "lognormal-detekt")


def busy_team() -> object:
    return parse_scenario("""
name: One busy responder
horizon: 60d
replications: 10
seed: 1
team: {responders: 1, acknowledge: 3m, secondary: null}   # no one to escalate to: pages wait
policy: {declare_after: 2m, confirm: 10m}
failure_modes:
  - name: db
    cause: infrastructure
    rate: 2/d
    detection: {monitoring: {delay: 5m}}
    mitigations: {debug: {duration: 6h}}
""")


def test_under_load_incidents_meet_another_open_one_and_wait_for_the_one_responder():
    scenario = busy_team()
    alone = simulate_phases(scenario, Conditions("db", load="alone"), minimum=200)
    busy = simulate_phases(scenario, Conditions("db", load="under-load"), minimum=200)
    assert alone["acknowledgement"].quantile(0.9) == pytest.approx(5.0)  # nobody else holds the responder
    assert busy["acknowledgement"].quantile(0.5) > 60  # behind an incident of six hours


def table_of(rows):
    """An incident table from (replication, onset, resolved) rows: one onset and resolution event each."""
    events = []
    for number, (replication, onset, resolved) in enumerate(rows, 1):
        events.append((onset, replication, number, "detection", "onset", "system",
                       {"mode": "db", "cause": "config", "severity": "SEV3"}))
        if resolved is not None:
            events.append((resolved, replication, number, "resolution", "resolved", "system", {}))
    return incident_table(sorted(events, key=lambda e: (e[1], e[0])))


def test_under_load_is_another_incident_of_the_same_replication_still_open():
    table = table_of([(0, 10.0, 50.0), (0, 40.0, 45.0), (0, 60.0, None), (0, 70.0, 80.0), (1, 65.0, 90.0)])
    keys = zip(table.replication.tolist(), table.onset.tolist(), strict=True)
    by_key = dict(zip(keys, under_load(table).tolist(), strict=True))
    assert by_key == {(0, 10.0): False, (0, 40.0): True, (0, 60.0): False, (0, 70.0): True, (1, 65.0): False}


def test_periods_of_the_day_follow_the_scenarios_clock(known):
    """The fixture starts on Monday 2 March 2026 at 09:00 (UTC): business hours 09:00-17:00 on weekdays,
    night 23:00-07:00."""
    minutes = np.array([0.0, 7 * 60 + 59, 8 * 60, 14 * 60, 22 * 60 - 1, 5 * 1440 + 60])
    assert [PERIODS[i] for i in periods_of(known, minutes)] == [
        "business_hours", "business_hours", "out_of_hours", "night", "night", "out_of_hours"]
    for minute in minutes:
        moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=float(minute))
        assert PERIODS[periods_of(known, np.array([minute]))[0]] == period_at(known, moment)
    table = table_of([(0, 0.0, 10.0), (0, 14 * 60.0, 14 * 60 + 10), (0, 8 * 60.0, 8 * 60 + 10)])
    held = select(table, known, Conditions("db", period="night", load="any"))
    assert held.tolist() == [False, True, False]


def test_the_command_writes_the_plan_the_figure_and_the_drill_log(tmp_path):
    out = tmp_path / "plan"
    result = runner.invoke(app, ["gameday", "plan", str(SCENARIO), "--inject", "db", "--at",
                                 "2026-03-10T14:00:00+01:00", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Step in 5m after the injection if no alert has fired" in result.stdout
    for name in ("plan.md", "plan.html", "plan.png", "drill.csv"):
        assert (out / name).is_file(), name
    markdown = (out / "plan.md").read_text()
    for heading in ("## The failure", "## Who should be on call", "## What to expect", "## When to step in",
                    "## When to stop", "## Roles", "## The Scribe's timeline", "## After the drill"):
        assert heading in markdown
    assert "| first alert | 14:05–14:05 |" in markdown
    assert "Ana or Ben or Cleo or Dev or Eli" in markdown
    html = (out / "plan.html").read_text()
    assert "data:image/png;base64," in html and not re.search(r"(src|href)=\"https?:", html)
    (drill,) = read_history(out / "drill.csv").incidents
    assert drill.started_at == datetime(2026, 3, 10, 14, 0, tzinfo=PLUS_ONE)
    assert (drill.mode, drill.severity, drill.detected_at) == ("db", "SEV2", None)


def test_a_time_without_a_zone_needs_one():
    result = runner.invoke(app, ["gameday", "plan", str(SCENARIO), "--inject", "db", "--at", "2026-03-10T14:00"])
    assert result.exit_code == 2
    assert "--at: '2026-03-10T14:00' has no time zone" in result.output
    assert "Traceback" not in result.output


def test_a_local_time_is_read_in_the_named_zone(tmp_path):
    result = runner.invoke(app, ["gameday", "plan", str(SCENARIO), "--inject", "db", "--at", "2026-07-01T09:30",
                                 "--timezone", "Europe/Paris", "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    (drill,) = read_history(tmp_path / "drill.csv").incidents
    assert drill.started_at.utcoffset() == timedelta(hours=2)


def test_the_plan_figure_is_drawn(known):
    from simulator.report.gameday_figures import plan_figure
    from simulator.report.style import png_bytes

    plan = plan_gameday(known, "lognormal-detect", at=datetime(2026, 3, 10, 14, 0, tzinfo=PLUS_ONE), minimum=300)
    figure = plan_figure(plan)
    (ax,) = figure.axes
    assert ax.get_xlabel() == "clock time (injection at 14:00)"
    assert ax.get_yticklabels()[0].get_text() == "first alert"
    assert png_bytes(figure) == png_bytes(plan_figure(plan))
    assert ax.get_xlim()[1] >= max(m.p90 for m in plan.milestones)


def test_the_comms_lead_is_promised_only_the_cadence_the_scenario_sets(known):
    from simulator.history.plan import update_duty

    assert known.policy.updates.every == {"SEV1": 30.0, "SEV2": 60.0}  # the format's default
    assert update_duty(known, "SEV1") == "☐ post an update at least every 30m, and when service is restored"
    assert update_duty(known, "SEV2") == "☐ post an update at least every 1h, and when service is restored"
    assert update_duty(known, "SEV3").startswith("☐ post when service is restored (the scenario sets no update "
                                                 "cadence for SEV3")
    plan = plan_gameday(known, "db", minimum=100)
    comms = next(duties for role, _, duties in plan.roles if role == "Comms lead")
    assert comms[1] == update_duty(known, plan.severity)
