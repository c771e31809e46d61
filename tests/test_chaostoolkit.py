"""A planned game day written as a Chaos Toolkit experiment: valid for `chaos validate` (the real package, a
development dependency), holding the plan's timings, and, run with trivial commands, giving a journal that
`drillsim score` reads with the Scribe's drill.csv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator import load_scenario
from simulator.cli import app
from simulator.history.chaostoolkit import experiment
from simulator.history.plan import plan_gameday

pytest.importorskip("chaoslib")

SCENARIO = Path(__file__).parent / "fixtures" / "history" / "drill-scenario.yaml"
CHAOS = Path(sys.executable).parent / "chaos"
runner = CliRunner()


def chaos(*args: str, cwd: Path, commands: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRILLSIM_")}
    env.update(commands or {})
    return subprocess.run([str(CHAOS), "--no-version-check", "--log-file", str(cwd / "chaostoolkit.log"), *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gameday")
    result = runner.invoke(app, ["gameday", "plan", str(SCENARIO), "--inject", "db", "--out", str(folder / "plan"),
                                 "--chaostoolkit", str(folder / "experiment.json"), "--replications", "50",
                                 "-q"])
    assert result.exit_code == 0, result.output
    assert f"Wrote the Chaos Toolkit experiment to {folder / 'experiment.json'}" in result.output
    return folder


def test_the_experiment_holds_the_plan_s_timings_and_the_mode(planned):
    document = json.loads((planned / "experiment.json").read_text(encoding="utf-8"))
    plan = plan_gameday(load_scenario(SCENARIO), "db", replications=50)
    assert document == experiment(plan)
    config = document["configuration"]
    # The fixture's phases are constants: detect 5m, acknowledge 5m, mitigate 20m; restore 30m, abort at 1h.
    assert (config["detection_median_seconds"], config["acknowledgement_median_seconds"],
            config["mitigation_median_seconds"], config["restoration_p90_seconds"]) == (300, 300, 1200, 1800)
    assert config["abort_after_seconds"] == 3600 == document["method"][0]["pauses"]["after"]
    assert config["step_in_acknowledgement_after_seconds"] == 600
    assert document["extensions"][0] == {"name": "drillsim", "mode": "db", "severity": "SEV2",
                                         "expected_minutes": document["extensions"][0]["expected_minutes"],
                                         "abort_after_minutes": 60.0}
    assert [a["name"] for a in document["rollbacks"]] == ["undo-db"]


def test_chaos_validate_accepts_it(planned):
    result = chaos("validate", str(planned / "experiment.json"), cwd=planned)
    assert result.returncode == 0, result.stdout + result.stderr


def quick(planned: Path) -> Path:
    """The experiment without its pause (the drill's hour), to run in a test."""
    document = json.loads((planned / "experiment.json").read_text(encoding="utf-8"))
    document["method"][0]["pauses"]["after"] = 0
    path = planned / "quick.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_left_unfilled_it_stops_at_the_steady_state_and_injects_nothing(planned):
    result = chaos("run", str(quick(planned)), "--journal-path", str(planned / "unfilled.json"), cwd=planned)
    journal = json.loads((planned / "unfilled.json").read_text(encoding="utf-8"))
    assert journal["run"] == [], result.stderr
    before = journal["steady_states"]["before"]
    assert before["steady_state_met"] is False
    assert "set DRILLSIM_HEALTH_COMMAND" in before["probes"][0]["output"]["stderr"]


def test_run_with_trivial_commands_its_journal_is_scored(planned):
    commands = {name: "true" for name in ("DRILLSIM_HEALTH_COMMAND", "DRILLSIM_INJECT_COMMAND",
                                          "DRILLSIM_ROLLBACK_COMMAND")}
    result = chaos("run", str(quick(planned)), "--journal-path", str(planned / "journal.json"), cwd=planned,
                   commands=commands)
    assert result.returncode == 0, result.stdout + result.stderr
    journal = json.loads((planned / "journal.json").read_text(encoding="utf-8"))
    assert journal["status"] == "completed" and journal["deviated"] is False
    assert [a["status"] for a in journal["run"]] == ["succeeded"]
    assert [a["status"] for a in journal["rollbacks"]] == ["succeeded"]
    start = datetime.fromisoformat(journal["start"]).replace(microsecond=0) + timedelta(seconds=1)
    times = [(start + timedelta(minutes=m)).isoformat() for m in (5, 5, 10, 30, 31)]
    drill = planned / "drill.csv"
    drill.write_text("incident,detected_at,declared_at,acknowledged_at,mitigated_at,resolved_at\n"
                     f"DRILL-1,{','.join(times)}\n", encoding="utf-8")
    scored = runner.invoke(app, ["score", str(drill), str(planned / "journal.json"), "--scenario", str(SCENARIO),
                                 "--replications", "50", "-q"])
    assert scored.exit_code == 0, scored.output
    (entry,) = json.loads((planned / "score.json").read_text(encoding="utf-8"))["drills"]
    assert entry["mode"] == "db"
    phases = {p["phase"]: p for p in entry["phases"]}
    injected = datetime.fromisoformat(journal["start"])  # the run's start is the injection time
    detected = start + timedelta(minutes=5)
    assert phases["detection"]["minutes"] == pytest.approx((detected - injected).total_seconds() / 60, abs=1e-5)
    assert [phases[k]["minutes"] for k in ("acknowledgement", "mitigation")] == [5.0, 20.0]
