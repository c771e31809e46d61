"""The `drillsim` command line: `run` on the bundled default, the files `--out` writes, help for every command,
and every command documented in the README."""

import csv
import json
import re
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import typer.main
from eventlog_helpers import log_records
from typer.testing import CliRunner

from simulator import cli, load_scenario, simulate
from simulator.cli import app
from simulator.outputs.eventlog import log_run_id
from simulator.outputs.read import read_events
from simulator.results.metrics import METRICS
from simulator.scenario.bundled import default_scenario

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


@pytest.fixture(scope="module")
def default_run():
    result = runner.invoke(app, ["run", "-n", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results") / "out"
    result = runner.invoke(app, ["run", str(default_scenario()), "-n", "3", "--seed", "7", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    assert "summary.json" in result.stdout and "incidents.csv" in result.stdout and "events.parquet" in result.stdout
    return folder


def test_run_without_a_scenario_plays_the_bundled_default(default_run):
    scenario = load_scenario(default_scenario())
    heading = f"{scenario.name}: 3 replications × 90d, seed {scenario.seed}"
    assert heading in default_run.stdout


@pytest.mark.parametrize("label", [metric.label for metric in METRICS.values()])
def test_run_prints_a_row_per_metric(default_run, label):
    rows = [line for line in default_run.stdout.splitlines() if re.match(rf"\W*{label}\s", line)]
    assert len(rows) == 1, default_run.stdout


def test_run_prints_the_same_numbers_as_the_library():
    """The MTTR median of the bundled default over 3 replications, formatted as the table formats it."""
    from simulator.units import format_duration

    stats = simulate(load_scenario(default_scenario()), replications=3, seed=5, keep_events=False).summary()
    result = runner.invoke(app, ["run", "-n", "3", "-s", "5", "-q"])
    (row,) = [line for line in result.stdout.splitlines() if re.match(r"\W*MTTR\s", line)]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells[1] == format_duration(stats["mttr"].mean)
    assert cells[3] == format_duration(stats["mttr"].median)
    assert cells[-2] == str(stats["mttr"].count)


def test_summary_json(written):
    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    scenario = load_scenario(default_scenario())
    assert summary["scenario"]["name"] == scenario.name
    assert summary["scenario"]["horizon_minutes"] == scenario.horizon
    assert (summary["seed"], summary["replications"]) == (7, 3)
    assert summary["drillsim_version"] == version("drillsim")
    assert summary["units"] == "minutes"
    assert set(summary["metrics"]) == set(METRICS)
    stats = simulate(scenario, replications=3, seed=7, keep_events=False).summary()
    for key, document in summary["metrics"].items():
        assert document["label"] == METRICS[key].label
        assert document["count"] == stats[key].count
        assert document["mean"] == pytest.approx(stats[key].mean)  # minutes, not formatted text
        assert document["ci_low"] < document["mean"] < document["ci_high"]


def test_incidents_csv_has_a_row_per_incident_per_replication(written):
    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    with open(written / "incidents.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary["incidents"] > 0
    keys = [(int(row["replication"]), int(row["incident"])) for row in rows]
    assert len(set(keys)) == len(keys)
    per_replication = Counter(replication for replication, _ in keys)
    assert set(per_replication) == {0, 1, 2}
    for replication, count in per_replication.items():
        assert sorted(i for r, i in keys if r == replication) == list(range(1, count + 1))
    assert {"onset", "detected", "acknowledged", "mitigated", "resolved", "waited", "mode"} <= set(rows[0])
    restored = [row for row in rows if row["mitigated"]]
    assert sum(1 for row in rows if not row["mitigated"]) == summary["not_restored_at_horizon"]
    mttr = np.mean([float(row["mitigated"]) - float(row["onset"]) for row in restored])
    assert mttr == pytest.approx(summary["metrics"]["mttr"]["mean"], rel=1e-6)


def test_the_event_log_is_the_whole_log(written):
    events = list(read_events(written))
    with open(written / "incidents.csv", newline="", encoding="utf-8") as handle:
        incidents = len(list(csv.DictReader(handle)))
    assert sum(1 for e in events if e.action == "onset") == incidents
    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    assert log_run_id(written / "events.parquet") == summary["run_id"]
    first = log_records(written)[0]
    assert list(first) == ["time", "replication", "incident", "phase", "action", "actor", "detail"]
    assert pq.read_schema(written / "events.parquet").names == list(first)


def commands():
    return typer.main.get_command(app).commands


def test_every_listed_command_is_registered():
    assert set(commands()) == set(cli.COMMANDS)


@pytest.mark.parametrize("name", cli.COMMANDS)
def test_every_command_has_help_text(name):
    help_text = (commands()[name].help or "").strip()
    assert len(help_text) > 20, f"`drillsim {name}` needs a docstring saying what it does"
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0
    assert help_text.split()[0] in result.stdout


@pytest.mark.parametrize("name", cli.COMMANDS)
def test_every_command_is_documented_in_the_readme(name):
    text = README.read_text(encoding="utf-8")
    assert re.search(rf"drillsim {re.escape(name)}\b", text), f"README.md does not mention `drillsim {name}`"


def test_no_arguments_prints_the_help():
    result = runner.invoke(app, [])
    assert "Usage" in result.output
    for name in cli.COMMANDS:
        assert name in result.output


def test_help_lists_the_commands_in_their_order_command_groups_included():
    listed = re.findall(r"^│ ([a-z]+) ", runner.invoke(app, ["--help"]).stdout, flags=re.MULTILINE)
    assert listed == list(cli.COMMANDS)  # gameday (a group) between calibrate and score, not last


# ── Conventions ────────────────────────────────────────────────────────────────────────────────────────────


def test_version_prints_the_installed_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"drillsim {version('drillsim')}"


@pytest.mark.parametrize("name", ["", *cli.COMMANDS])
def test_help_names_arguments_and_shows_no_value_for_flags(name):
    result = runner.invoke(app, [name, "--help"] if name else ["--help"])
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout  # a flag takes no value
    assert not re.search(r"\{[a-z_]+\}", result.stdout), result.stdout  # arguments are named like RESULTS_DIR


def test_help_shows_what_arguments_hold():
    assert "RESULTS_DIR" in runner.invoke(app, ["report", "--help"]).stdout
    assert "{FILE}..." in runner.invoke(app, ["validate", "--help"]).stdout
    assert "[SCENARIO]" in runner.invoke(app, ["run", "--help"]).stdout


def _drillsim(args: list[str], **env: str):
    """drillsim in a process of its own, named as the shell calls it (completion reads the program's name and
    the environment, which CliRunner does not pass through)."""
    import os
    import subprocess
    import sys

    code = "import sys; sys.argv[0] = 'drillsim'; from simulator.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=600)


def test_shell_completion_completes_commands_options_and_choices():
    def complete(words: str) -> list[str]:
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        done = _drillsim([], _DRILLSIM_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(cword))
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("drillsim ru") == ["run"]
    assert "--by" in complete("drillsim run --b")
    assert complete("drillsim run --by m") == ["mode", "mitigation"]
    # choices, never file names, for the options whose value is a word
    assert complete("drillsim compare --metric mt") == ["mttd", "mtta", "mttr", "mtbf"]
    assert complete("drillsim sweep --metric time") == ["time_to_resolve"]
    assert complete("drillsim calibrate history.csv --preset ") == [
        "generic", "lifecycle", "pagerduty", "pagerduty-analytics", "pagerduty-api", "opsgenie", "incident-io",
        "incident-io-api"]
    assert complete("drillsim calibrate history.csv --preset pagerduty-a") == ["pagerduty-analytics", "pagerduty-api"]
    assert complete("drillsim drill --mode ") == ["bad-deploy", "config-push", "traffic-peak",
                                                  "payment-provider-outage"]
    other = README.parent / "scenarios" / "payment-outage.yaml"
    assert complete(f"drillsim drill {other} --mode provider-") == ["provider-outage", "provider-degradation"]
    assert complete(f"drillsim score drill.csv --scenario {other} --mode i") == ["integration-release"]
    assert complete(f"drillsim gameday plan {other} --inject i") == ["integration-release"]
    assert complete("drillsim drill no-such-file.yaml --mode ") == []
    script = _drillsim(["--show-completion", "bash"], SHELL="/bin/bash")
    assert script.returncode == 0, script.stderr
    assert "_DRILLSIM_COMPLETE=complete_bash" in script.stdout


def test_calibrate_help_does_not_promise_a_scenarios_seed():
    """A history has no seed: calibrate's --seed is the bootstrap's own, 0 unless given."""
    seed = next(param for param in commands()["calibrate"].params if param.name == "seed")
    assert "bootstrap" in seed.help and "scenario" not in seed.help
    assert seed.default == 0


def test_schema_and_report_say_what_they_wrote(tmp_path):
    schema = runner.invoke(app, ["schema", "--out", str(tmp_path / "schema.json")])
    assert schema.exit_code == 0 and f"to {tmp_path / 'schema.json'}" in schema.output
    assert json.loads((tmp_path / "schema.json").read_text(encoding="utf-8"))["$schema"]
    assert runner.invoke(app, ["run", "-n", "2", "-q", "--out", str(tmp_path / "r")]).exit_code == 0
    report = runner.invoke(app, ["report", str(tmp_path / "r")])
    assert report.exit_code == 0
    assert "Wrote report.html, report.md, mttd.png" in report.stdout and f"to {tmp_path / 'r'}/" in report.stdout


def test_the_folders_the_documentation_writes_into_are_ignored_by_git():
    ignored = set((README.parent / ".gitignore").read_text(encoding="utf-8").split())
    docs = [README, *(README.parent / "docs").rglob("*.md"), *(README.parent / "docs" / "excerpts").glob("*.txt")]
    text = "\n".join(path.read_text(encoding="utf-8") for path in docs)
    folders = set(re.findall(r"--out (\w[\w-]*)/(?![\w.])", text))
    assert folders >= {"results", "compare", "sweep"}
    # anchored to the top of the project ("/results/"), so that simulator/results/ is not ignored too
    assert {f"/{folder}/" for folder in folders} <= ignored


# ── Ctrl-C, and what reaches the terminal ─────────────────────────────────────────────────────────────────


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def test_ctrl_c_exits_130_and_says_what_was_kept(tmp_path, monkeypatch):
    from simulator import api
    from simulator.outputs import files

    monkeypatch.setattr(files, "_written", [])
    monkeypatch.setattr(files, "_untouched", [])
    out = tmp_path / "results"
    assert runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(files, "_written", [])
    monkeypatch.setattr(api, "run", _interrupt)
    result = runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(out)])
    assert result.exit_code == 130
    assert f"interrupted: nothing written; {out} left as it was" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    monkeypatch.setattr(files, "_untouched", [])
    result = runner.invoke(app, ["run", "-n", "2", "--quiet"])
    assert result.exit_code == 130 and "interrupted: nothing written" in result.output


def test_control_characters_in_names_are_refused_and_never_reach_the_terminal(tmp_path):
    minimal = (Path(__file__).parent / "fixtures" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
    for spelled in ("\\e]0;pwned\\a", "\\e[2J", "\\x9b2J", "\\u202egnp.exe"):
        scenario = tmp_path / "control.yaml"
        scenario.write_text(minimal.replace("name: checkout", f'name: "shop{spelled}"')
                            .replace("name: bad-deploy", f'name: "bad{spelled}"'))
        for command in (["validate", str(scenario)], ["run", str(scenario), "-n", "2", "--quiet"]):
            result = runner.invoke(app, command)
            assert result.exit_code == 2, result.output
            assert "control character" in result.output
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", result.output), repr(result.output)
    description = tmp_path / "described.yaml"
    description.write_text(minimal.replace("name: checkout", 'name: checkout\ndescription: "two\\nlines\\tand a tab"'))
    assert runner.invoke(app, ["validate", str(description)]).exit_code == 0
    description.write_text(minimal.replace("name: checkout", 'name: checkout\ndescription: "bell\\a"'))
    assert runner.invoke(app, ["validate", str(description)]).exit_code == 2


def test_a_file_name_with_control_characters_is_shown_escaped(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "x\x1b]0;title\x07.yaml")])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output and "\\x1b" in result.output
