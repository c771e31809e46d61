"""The event log on disk (events.parquet): the content of events.jsonl, small, read by Arrow as it is; how much
of it a run keeps (--events); its bytes independent of how the run was chunked."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from eventlog_helpers import log_bytes, log_records
from typer.testing import CliRunner

from simulator import api
from simulator.api import simulate
from simulator.cli import app
from simulator.engine.policy import AutomaticPolicy
from simulator.errors import DrillsimError
from simulator.events import COLUMNS, event_lines
from simulator.outputs import eventlog
from simulator.outputs import run as run_out
from simulator.outputs.names import EVENTS, INCIDENTS, SUMMARY
from simulator.outputs.read import read_events
from simulator.report.progress import RunProgress
from simulator.report.results import read_results
from simulator.scenario import load_scenario
from simulator.scenario.bundled import default_scenario

runner = CliRunner()
LADDER = default_scenario().parent / "maturity-ladder.yaml"


@pytest.fixture(scope="module")
def default():
    return load_scenario(default_scenario())


@pytest.fixture(scope="module")
def written(default, tmp_path_factory):
    """A results folder of 100 replications of the default scenario, and the same run's log kept in memory."""
    folder = tmp_path_factory.mktemp("log") / "out"
    api.run_into(default, folder, replications=100, seed=7, workers=1)
    kept = simulate(default, replications=100, seed=7, workers=1, keep_events=True)
    return folder, kept


def test_the_log_holds_the_lines_of_events_jsonl_byte_for_byte(written):
    folder, kept = written
    assert log_bytes(folder) == event_lines(kept.events).encode("utf-8")


def test_the_log_takes_far_less_than_300_bytes_an_incident(written):
    folder, kept = written
    per_incident = (folder / EVENTS).stat().st_size / len(kept.incidents)
    assert per_incident < 150  # events.jsonl took some 2,500


def test_arrow_reads_the_columns_of_events_jsonl(written):
    folder, kept = written
    table = pq.read_table(folder / EVENTS)
    assert table.column_names == list(COLUMNS)
    assert table.num_rows == len(kept.events)
    assert table["action"][0].as_py() == kept.events[0].action
    assert eventlog.log_run_id(folder / EVENTS) == read_results(folder).summary["run_id"]


def test_events_are_read_back_as_they_were_kept(written):
    folder, kept = written
    assert list(read_events(folder)) == list(kept.events)
    assert list(read_events(folder, replications=[3, 5])) == [e for e in kept.events if e.replication in (3, 5)]


def test_the_file_does_not_depend_on_the_chunks(default, tmp_path, monkeypatch):
    monkeypatch.setattr(eventlog, "ROW_GROUP", 1000)  # several row groups, cut across the chunks
    files = {}
    for chunk in (1, 7, 60):
        simulate(default, replications=60, seed=7, workers=1, chunk=chunk, events_to=tmp_path / f"{chunk}.parquet")
        files[chunk] = (tmp_path / f"{chunk}.parquet").read_bytes()
    assert files[1] == files[7] == files[60]
    assert pq.ParquetFile(tmp_path / "1.parquet").metadata.num_row_groups > 5


def test_events_incidents_leaves_out_the_pipeline_and_none_writes_no_log(tmp_path):
    for level in ("full", "incidents", "none"):
        result = runner.invoke(app, ["run", str(LADDER), "-n", "4", "--seed", "7", "-w", "1", "-q", "--events",
                                     level, "--out", str(tmp_path / level)])
        assert result.exit_code == 0, result.output
    full, incidents = log_records(tmp_path / "full"), log_records(tmp_path / "incidents")
    assert any(record["action"] == "deployed" for record in full)
    assert incidents == [record for record in full if record["incident"] != 0]
    assert sorted(p.name for p in (tmp_path / "none").iterdir()) == [".drillsim", INCIDENTS, SUMMARY]
    summaries = {level: read_results(tmp_path / level).summary for level in ("full", "incidents", "none")}
    assert {level: summary["events"] for level, summary in summaries.items()} == \
        {"full": "full", "incidents": "incidents", "none": "none"}
    runs = {level: summary["run_id"] for level, summary in summaries.items()}
    assert len(set(runs.values())) == 3  # a log that leaves something out is another run's log
    assert eventlog.log_run_id(tmp_path / "incidents" / EVENTS) == runs["incidents"]
    rows = {level: (tmp_path / level / INCIDENTS).read_text().replace(runs[level], "RUN") for level in runs}
    assert rows["none"] == rows["incidents"] == rows["full"]  # the same incidents, whatever the log keeps
    with pytest.raises(DrillsimError, match="holds no event log"):
        list(read_events(tmp_path / "none"))
    report = runner.invoke(app, ["report", str(tmp_path / "none"), "--quiet"])
    assert report.exit_code == 0, report.output


def test_the_run_id_names_the_level_only_when_the_log_leaves_something_out(default):
    base = run_out.run_id(default, 7, 10, AutomaticPolicy)
    assert run_out.run_id(default, 7, 10, AutomaticPolicy, "full") == base  # as before levels were
    assert len({base, run_out.run_id(default, 7, 10, AutomaticPolicy, "incidents"),
                run_out.run_id(default, 7, 10, AutomaticPolicy, "none")}) == 3
    with pytest.raises(DrillsimError, match="unknown event log level"):
        run_out.run_id(default, 7, 10, AutomaticPolicy, "most")


def test_a_drill_keeps_as_much_of_its_log_as_asked(tmp_path):
    (tmp_path / "answers.txt").write_text("seed 7\nmode config-push\nat Tue 03:00\n+3m declare SEV2\n"
                                          "roles comms=yes\ninvestigate\nmitigate debug\n")
    written = {}
    for level in ("full", "none"):
        result = runner.invoke(app, ["drill", "--answers", str(tmp_path / "answers.txt"), "-n", "20", "--events",
                                     level, "-o", str(tmp_path / level), "-q"])
        assert result.exit_code == 0, result.output
        written[level] = sorted(p.name for p in (tmp_path / level).iterdir())
        assert read_results(tmp_path / level).summary["events"] == level
    assert EVENTS in written["full"] and EVENTS not in written["none"]
    assert set(written["full"]) - set(written["none"]) == {EVENTS}


def test_an_unknown_level_is_refused(default, tmp_path):
    result = runner.invoke(app, ["run", "-n", "2", "--events", "some", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    with pytest.raises(DrillsimError, match="unknown event log level 'some'"):
        api.run_into(default, tmp_path / "y", replications=2, events="some")


def test_the_expected_size_follows_the_level(default):
    full = api.expected_size(default, 1000)
    assert api.expected_size(default, 1000, "none") < full
    assert RunProgress(10, size=1.25e9).size_text() == "· up to 1.2 GB on disk"
    assert RunProgress(10).size_text() == ""


@pytest.mark.parametrize("name", ["maturity-ladder", "learning-loop"])
def test_the_expected_size_is_what_the_folder_takes_rounded_up(name, tmp_path):
    # Their failure modes' rates alone were wrong both ways: the maturity ladder's deployments and sales peaks
    # bring a seventh more incidents (and a log of the deployment pipeline), the learning loop's action items
    # half as many. The pilot counts them.
    scenario = load_scenario(Path(default_scenario()).parent / f"{name}.yaml")
    sizes = {level: api.expected_size(scenario, 200, level) for level in ("none", "incidents", "full")}
    for level, expected in sizes.items():
        folder = tmp_path / level
        api.run_into(scenario, folder, replications=200, events=level)
        written = sum(path.stat().st_size for path in folder.iterdir())
        assert written <= expected <= 2 * written, level
    assert sizes["none"] < sizes["incidents"] <= sizes["full"]
    if name == "maturity-ladder":  # the deployment pipeline's events are the difference
        assert sizes["incidents"] < sizes["full"]


def test_a_file_that_is_not_an_event_log_is_refused(tmp_path):
    path = tmp_path / EVENTS
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(DrillsimError, match=r"events\.parquet: not an event log drillsim writes"):
        list(eventlog.read_log(path))
    pq.write_table(_other_table(), path)
    with pytest.raises(DrillsimError, match="its columns are"):
        list(eventlog.read_log(path))


def _other_table():
    import pyarrow as pa

    return pa.table({"time": [1.0], "who": ["me"]})
