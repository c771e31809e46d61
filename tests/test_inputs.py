"""The guarded way in (simulator/inputs.py) and the readers that use it: special files, sizes, depth, digits,
cell length and bad bytes refused with FILE:LINE[:COL]; dates and zones at the edges; the work a run may do;
answers and injects files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator import inputs
from simulator.cli import app
from simulator.drill.answers import parse_answers, read_answers, read_injects, with_injects
from simulator.errors import DrillsimError, ScenarioError
from simulator.history.format import HistoryError, read_history
from simulator.history.journal import read_journal
from simulator.limits import MAX_ARRIVALS
from simulator.scenario.validate import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "history"
MINIMAL = (ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
runner = CliRunner()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_unread(device):
    with pytest.raises(inputs.InputError, match="is a device, not a history file"):
        inputs.read_bytes(device, 100, "history file")


def test_a_fifo_and_a_folder_are_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    with pytest.raises(HistoryError, match=r"is a FIFO \(named pipe\)"):
        read_history(fifo)
    with pytest.raises(DrillsimError, match="is a FIFO"):
        read_answers(fifo)
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(ScenarioError, match="is a directory"):
        read_history(tmp_path / "folder.csv")


def test_a_file_too_large_is_refused_by_its_size_unread(tmp_path):
    path = tmp_path / "sparse.csv"
    with open(path, "wb") as handle:
        handle.truncate(6 << 30)
    with pytest.raises(inputs.InputError, match="6,442,450,944 bytes; drillsim reads at most 100"):
        inputs.read_bytes(path, 100)


def test_json_depth_and_digits_are_refused_with_their_place():
    with pytest.raises(inputs.InputError, match=r"x.json:2:65: nested more than 64 levels"):
        inputs.load_json("\n" + "[" * 100_000 + "]" * 100_000, "x.json")
    with pytest.raises(inputs.InputError, match=r"x.json:1:7: a number of 5,000 digits"):
        inputs.load_json('{"a": ' + "9" * 5000 + "}", "x.json")
    assert inputs.load_json('{"a": "' + "9" * 5000 + '[[["}', "x.json")["a"].startswith("999")  # text, not numbers
    with pytest.raises(inputs.InputError, match="NaN is not a JSON number"):
        inputs.load_json('{"a": NaN}', "x.json")
    with pytest.raises(inputs.InputError, match="too large a number"):
        inputs.load_json('{"a": 1e999}', "x.json")


def test_a_long_cell_and_a_latin1_byte_in_the_last_row_name_their_line(tmp_path):
    valid = (FIXTURES / "valid.csv").read_text(encoding="utf-8")
    lines = valid.count("\n")
    path = tmp_path / "long.csv"
    path.write_text(valid + 'INC-9,"' + "x" * 200_000 + '",SEV2,2026-03-02T10:00:00Z\n', encoding="utf-8")
    with pytest.raises(HistoryError, match=rf"long.csv:{lines + 1}: a cell of more than 10,000 characters"):
        read_history(path)
    path = tmp_path / "latin1.csv"
    path.write_bytes(valid.encode() + b"INC-9,caf\xe9,SEV2,2026-03-02T10:00:00Z,,,,,,,,,\n")
    with pytest.raises(HistoryError, match=rf"latin1.csv:{lines + 1}:10: not UTF-8 text \(byte 0xe9\)"):
        read_history(path)


def test_json_lines_with_a_huge_integer_or_deep_nesting_name_their_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"incident": 1' + "0" * 5000 + "}\n" + "[" * 50 + "]" * 50 + "\n", encoding="utf-8")
    with pytest.raises(HistoryError) as caught:
        read_history(path)
    assert [p.line for p in caught.value.problems] == [1, 2]
    assert "5,001 digits" in caught.value.problems[0].message
    assert "nested more than 2 levels" in caught.value.problems[1].message


@pytest.mark.parametrize(("extensions", "words"), [(5, "valid list"), (True, "valid list")])
def test_a_journal_of_the_wrong_types_is_refused(tmp_path, extensions, words):
    data = json.loads((FIXTURES / "journal.json").read_text(encoding="utf-8"))
    data["experiment"]["extensions"] = extensions
    path = tmp_path / "journal.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(HistoryError, match=words):
        read_journal(path)
    data["experiment"]["extensions"] = []
    data["experiment"]["title"] = "t" * 100_000
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(HistoryError, match="at most 500 characters"):
        read_journal(path)


def test_markup_in_a_mode_name_is_printed_as_text(tmp_path):
    valid = (FIXTURES / "valid.csv").read_text(encoding="utf-8")
    path = tmp_path / "markup.csv"
    path.write_text(valid.replace("bad-deploy", "[/x]bad"), encoding="utf-8")
    result = runner.invoke(app, ["calibrate", str(path), "--bootstrap", "20", "--out", str(tmp_path / "o.yaml")])
    assert result.exit_code == 0, result.output
    assert "[/x]bad" in result.output


# ── Dates, zones and the work of a run ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00", "9999-12-01T00:00:00", "1899-12-31T00:00:00"])
def test_a_start_outside_1900_to_2200_is_refused(start):
    with pytest.raises(ScenarioError, match="drillsim reads dates from 1900 to 2200"):
        parse_scenario(MINIMAL.replace("horizon: 30d", f"horizon: 30d\nstart: {start}"))


@pytest.mark.parametrize(("name", "suggestion"), [("America", "America/New_York"), ("Etc", "Etc/UTC")])
def test_a_folder_of_the_zone_database_is_not_a_zone(name, suggestion):
    with pytest.raises(ScenarioError, match=f"region of the time-zone database.*did you mean '{suggestion}'"):
        parse_scenario(MINIMAL.replace("horizon: 30d", f"horizon: 30d\ntimezone: {name}"))


def test_gameday_at_year_one_is_refused():
    result = runner.invoke(app, ["gameday", "plan", str(FIXTURES / "drill-scenario.yaml"), "--inject", "db",
                                 "--at", "0001-01-01T00:00Z"])
    assert result.exit_code == 2
    assert "is in the year 1; drillsim reads dates from 1900 to 2200" in result.output


@pytest.mark.parametrize(("mode", "words"), [
    ("deployments: {rate: 10000000/d, change_failure_rate: 0.0}", "300,000,000 deployments"),
    ("deployments: {rate: 1000000/d, change_failure_rate: 0.01}", "30,000,000 deployments"),
])
def test_deployments_count_as_work(mode, words):
    with pytest.raises(ScenarioError, match=rf"{words}.*more than {MAX_ARRIVALS:,}"):
        parse_scenario(MINIMAL.replace("every: 3d", mode))


def test_game_days_every_second_are_refused_up_front():
    with pytest.raises(ScenarioError, match=r"about 2,592,0\d\d incidents per replication"):
        parse_scenario(MINIMAL + "chaos:\n  game_days: {every: 1s}\n")


def test_run_work_is_refused_with_the_figure_and_the_limit():
    text = MINIMAL.replace("every: 3d", "deployments: {rate: 1000/d, change_failure_rate: 0.0}")
    scenario = parse_scenario(text)
    from simulator.scenario.guards import check_run

    with pytest.raises(DrillsimError, match=r"4,000 replications would play about 120,00\d,\d{3} events .*"
                                            r"120,000,000 deployments.*more than 100,000,000"):
        check_run(scenario, 4_000)


# ── Answers and injects ────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("line", ["seed " + "9" * 4300, "seed ²", "replication ²", "seed 99999999999999999999"])
def test_odd_seeds_and_replications_are_refused_with_their_line(line):
    with pytest.raises(DrillsimError, match=r"answers:2: (seed|replication) is a whole number from 0"):
        parse_answers(f"# a drill\n{line}\n+1m declare SEV2\n")


def test_items_with_a_superscript_digit_is_refused():
    with pytest.raises(DrillsimError, match="answers:1: items takes"):
        parse_answers("items ³\n")


def test_injects_hold_only_injects_and_are_merged_at_their_times(tmp_path):
    path = tmp_path / "gm.txt"
    path.write_text("seed 3\n+20m inject customer\n+25m declare SEV1\n", encoding="utf-8")
    with pytest.raises(DrillsimError) as caught:
        read_injects(path)
    assert "seed: settings belong in the answers file" in str(caught.value)
    assert f"{path}:3: declare is a decision of the trainee, not an inject" in str(caught.value)
    path.write_text("+5m inject customer\n", encoding="utf-8")
    answers = parse_answers("+2m declare SEV2\nroles comms=yes\n+10m update\n", "answers.txt")
    merged = with_injects(answers, read_injects(path))
    assert [(e.verb, e.seconds) for e in merged.entries] == [("declare", 120), ("roles", None),
                                                             ("inject", 300), ("update", 600)]
    assert merged.where(merged.entries[2]) == f"{path}:1"


def test_drill_reads_injects_with_answers_and_refuses_a_negative_turn(tmp_path):
    scenario, answers = ROOT / "scenarios" / "default.yaml", ROOT / "examples" / "drill-answers.txt"
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\xff\x00 junk\n+1m explode\n")
    result = runner.invoke(app, ["drill", str(scenario), "--answers", str(answers), "--injects", str(junk),
                                 "--out", str(tmp_path / "d"), "-n", "5"])
    assert result.exit_code == 2
    assert "junk.txt:1:1: not UTF-8 text" in result.output
    result = runner.invoke(app, ["drill", str(scenario), "--answers", str(answers), "--turn", "-5m"])
    assert result.exit_code == 2
    assert "--turn" in result.output
