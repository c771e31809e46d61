"""Replications at scale: the same results for any split of the work, the event log streamed to a file, and
the engine's fast paths held equal to the plain ones they replace."""

from __future__ import annotations

import json
import math
import pickle
import sys
from operator import itemgetter
from pathlib import Path

import numpy as np
import pytest

from simulator import api
from simulator.api import simulate
from simulator.engine.policy import AutomaticPolicy
from simulator.engine.run import Engine, play
from simulator.errors import DrillsimError
from simulator.events import COLUMNS, Event, event_columns, event_lines, event_table
from simulator.outputs.names import EVENTS, INCIDENTS, SUMMARY
from simulator.results.metrics import IncidentRows, IncidentTable, incident_table
from simulator.results.oncall_load import load_summary
from simulator.results.recording import Recorder
from simulator.results.runner import Several, chunk_size, play_chunk
from simulator.scenario import parse_scenario
from simulator.scenario.bundled import default_scenario

# Constant delays, one responder and failures that start together: many events share an instant, so any
# change to the order in which the engine schedules them would show in the log.
TIES = """\
name: ties
horizon: 2d
replications: 6
seed: 3
team:
  responders: 1
  acknowledge: 5m
  miss_probability: 0.3
  escalate_after: 5m
  secondary: {name: Boss, acknowledge: 5m}
  assemble: 5m
policy:
  declare_after: 0s
  mitigation: [drain, rollback]
  confirm: 10m
  cleanup: 30m
  postmortem: {severities: [SEV1], within: 1h}
failure_modes:
  - name: every-half-hour
    cause: deployment
    every: 30m
    severity: {SEV1: 1, SEV3: 1}
    detection:
      monitoring: {probability: 0.5, delay: 5m}
      customer_report: {delay: 10m}
    mitigations:
      rollback: {duration: 10m, success: 0.5}
      drain: {duration: 5m, success: 0.5}
      debug: {duration: 25m}
  - name: hourly
    cause: config
    every: 1h
    detection:
      slo_burn: {slo: 0.99, error_ratio: 0.5, window: 1h, burn_rate: 10, probability: 0.5}
      synthetic: {delay: {kind: empirical, values: [5m, 10m]}}
    mitigations:
      rollback: {duration: {kind: gamma, shape: 2, mean: 10m}, success: 0.9}
      failover: {duration: {kind: weibull, shape: 0.8, scale: 20m}}
      debug: {duration: {kind: uniform, low: 10m, high: 40m}}
  - name: rare
    cause: capacity
    every: {kind: exponential, mean: 20d}
    detection:
      customer_report: {delay: {kind: triangular, low: 1m, mode: 2m, high: 9m}}
    mitigations:
      debug: {duration: 1h}
"""


@pytest.fixture(scope="module")
def default():
    return api.load_scenario(default_scenario())


@pytest.fixture(scope="module")
def ties():
    return parse_scenario(TIES)


@pytest.fixture(scope="module")
def follow_the_sun():
    """Shifts that end while a page rings: the shortcut must not hand over a page nobody has answered yet."""
    return api.load_scenario(Path(default_scenario()).with_name("follow-the-sun.yaml"))


class AskingPolicy(AutomaticPolicy):
    """Answers as AutomaticPolicy does, but is asked at every decision point (not worked out once)."""


@pytest.mark.parametrize("name", ["default", "ties", "follow_the_sun"])
def test_the_engines_shortcuts_log_exactly_what_the_plain_way_logs(name, request):
    """The automatic policy's answers are known in advance: its pages that nothing can change wait without
    timers, its declaration and mitigations run as one chain. A policy asked at every decision point gets none
    of these shortcuts, and must play exactly the same."""
    scenario = request.getfixturevalue(name)
    for replication in range(12):
        assert play(scenario, 5, replication, AskingPolicy) == play(scenario, 5, replication)


def test_incident_rows_read_only_what_they_need(ties):
    engine = Engine(ties)
    rows, logs = IncidentRows(), []
    for replication in range(6):
        engine.play(1, replication, rows)  # the engine leaves out what rows ignore
        logs.extend(engine.play(1, replication))
    assert_tables_equal(rows.table(), incident_table(logs))
    assert_tables_equal(incident_table(logs), incident_table(map(Event._make, logs)))


# ── The incident table ───────────────────────────────────────────────────────────────────────────────────


def assert_tables_equal(a: IncidentTable, b: IncidentTable) -> None:
    assert len(a) == len(b)
    for name in IncidentTable.columns():
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


def test_text_columns_are_stored_as_small_codes_and_read_as_strings(default):
    table = simulate(default, replications=50, keep_events=False, workers=1).incidents
    codes, categories = table.codes("mode")
    assert codes.dtype == np.uint8 and categories == tuple(sorted(m.name for m in default.failure_modes))
    assert table.mode.dtype == object and set(table.mode.tolist()) == set(categories)
    assert np.array_equal(table.severity == "SEV1", np.array([s == "SEV1" for s in table.severity.tolist()]))
    assert table.nbytes < 110 * len(table)  # a byte a text cell, two a count, eight a time
    assert_tables_equal(pickle.loads(pickle.dumps(table)), table)
    built = IncidentTable(**{name: getattr(table, name) for name in IncidentTable.columns()})
    assert_tables_equal(built, table)


def test_concatenated_tables_merge_their_categories():
    def table(modes):
        n = len(modes)
        return IncidentTable(replication=range(n), incident=[1] * n, mode=modes, cause=["x"] * n,
                             severity=["SEV3"] * n, channel=[""] * n, responder=[""] * n, mitigation=[""] * n,
                             escalated=[False] * n, level=[1] * n, preempted=[0] * n, handovers=[0] * n,
                             updates=[0] * n, updates_late=[0] * n, waited=[math.nan] * n, held=[0.0] * n,
                             longest_silence=[math.nan] * n, onset=[0.0] * n, detected=[1.0] * n,
                             declared=[1.0] * n, acknowledged=[1.0] * n, mitigated=[2.0] * n, resolved=[3.0] * n,
                             cleaned_up=[4.0] * n)

    joined = IncidentTable.concat([table(["b", "c"]), table(["a", "c", "b"]), table([])])
    assert joined.mode.tolist() == ["b", "c", "a", "c", "b"]
    assert joined.codes("mode").categories == ("a", "b", "c")


# ── Workers, executors and chunks ────────────────────────────────────────────────────────────────────────


def run_to(folder: Path, scenario, **options) -> dict[str, bytes]:
    results = simulate(scenario, replications=60, keep_events=False, events_to=folder / EVENTS, **options)
    api.write_results(results, folder)
    return {name: (folder / name).read_bytes() for name in (SUMMARY, INCIDENTS, EVENTS)}


@pytest.fixture(scope="module")
def serial_outputs(default, tmp_path_factory):
    return run_to(tmp_path_factory.mktemp("serial"), default, workers=1)


def test_two_workers_write_byte_identical_files(default, serial_outputs, tmp_path):
    assert run_to(tmp_path, default, workers=2, chunk=7) == serial_outputs


def test_the_chunk_size_changes_nothing(default, serial_outputs, tmp_path):
    assert run_to(tmp_path / "one", default, workers=1, chunk=1) == serial_outputs
    assert run_to(tmp_path / "all", default, workers=1, chunk=60) == serial_outputs


def test_more_incidents_than_expected_only_grow_the_columns(default, serial_outputs, tmp_path, monkeypatch):
    monkeypatch.setattr("simulator.results.runner.expected_incidents", lambda scenario: 0.01)
    assert run_to(tmp_path, default, workers=1, chunk=5) == serial_outputs


def test_the_event_log_kept_in_memory_is_the_streamed_one(default, serial_outputs, tmp_path):
    results = simulate(default, replications=60, keep_events=True, workers=2, chunk=13)
    assert results.events_path is None and isinstance(results.events[0], Event)
    api.write_results(results, tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in serial_outputs} == serial_outputs


def test_a_run_without_the_on_call_load_has_the_same_incidents_and_no_load(default):
    """simulate(oncall_load=False), as sweeps and maturity ladders run: the incident table is the same, the
    on-call load is not worked out."""
    both = simulate(default, replications=30, keep_events=False, workers=1)
    without = simulate(default, replications=30, keep_events=False, workers=2, chunk=7, oncall_load=False)
    assert without.load is None and both.load is not None
    for name in ("replication", "incident", "onset", "acknowledged", "resolved", "held"):
        assert getattr(without.incidents, name).tobytes() == getattr(both.incidents, name).tobytes()


def test_a_dask_cluster_gives_the_local_results(default, serial_outputs, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=50) as cluster:
        outputs = run_to(tmp_path, default, executor="dask", scheduler=cluster.scheduler_address, chunk=9)
    assert outputs == serial_outputs


def test_drillsim_run_on_a_local_dask_cluster_of_two_writes_the_local_folder(tmp_path):
    pytest.importorskip("distributed")
    from typer.testing import CliRunner

    from simulator.cli import app

    folders = {}
    for name, options in (("local", ["-w", "1"]), ("dask", ["--executor", "dask", "-w", "2"])):
        result = CliRunner().invoke(app, ["run", "-n", "40", "--seed", "7", "-q", "--out", str(tmp_path / name),
                                          *options])
        assert result.exit_code == 0, result.output
        folders[name] = {file: (tmp_path / name / file).read_bytes() for file in (SUMMARY, INCIDENTS, EVENTS)}
    assert folders["dask"] == folders["local"]


def test_progress_is_reported_in_this_process_as_chunks_complete(default):
    seen: list[int] = []
    simulate(default, replications=30, keep_events=False, workers=2, chunk=4, progress=seen.append)
    assert seen == [4, 8, 12, 16, 20, 24, 28, 30]


def test_a_run_in_this_process_reports_progress_from_inside_its_chunks(default):
    """Its chunks are as large as a large run's (one here), and progress still moves every fiftieth of the run
    (rounded up: every third replication of 101 to 150), and at the end of each chunk."""
    cases = [(30, None, list(range(1, 31))), (30, 4, list(range(1, 31))), (120, None, list(range(3, 121, 3))),
             (101, 50, [*range(3, 49, 3), 50, *range(53, 99, 3), 100, 101])]
    for replications, chunk, expected in cases:
        seen: list[int] = []
        simulate(default, replications=replications, keep_events=False, workers=1, chunk=chunk,
                 progress=seen.append)
        assert seen == expected, (replications, chunk)
    assert chunk_size(default, 120, 1, False) == 120  # not cut into fiftieths for its progress
    assert chunk_size(default, 120, 2, False) == 15  # four chunks a worker


def test_a_policy_that_cannot_travel_keeps_the_run_in_this_process(default, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a policy that cannot be pickled")

    monkeypatch.setattr("simulator.results.executors.local_pool", no_pool)
    local = simulate(default, replications=12, keep_events=False, workers=2, chunk=3,
                     policy=lambda scenario: AutomaticPolicy(scenario))
    assert_tables_equal(local.incidents, simulate(default, replications=12, keep_events=False, workers=1).incidents)


def test_small_runs_stay_in_this_process(default, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a small run")

    monkeypatch.setattr("simulator.results.executors.local_pool", no_pool)
    assert len(simulate(default, replications=20, keep_events=False, workers=8).incidents) > 0


def test_bad_executor_options_are_refused(default):
    with pytest.raises(DrillsimError, match="unknown executor"):
        simulate(default, replications=2, executor="spark")
    with pytest.raises(DrillsimError, match="needs executor='dask'"):
        simulate(default, replications=2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(DrillsimError, match="workers must be at least 1"):
        simulate(default, replications=2, workers=0)


def test_without_the_dask_extra_the_error_says_what_to_install(default, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(DrillsimError, match=r"drillsim\[dask\]"):
        simulate(default, replications=2, executor="dask")


# ── Outputs ──────────────────────────────────────────────────────────────────────────────────────────────


def test_event_lines_are_what_json_dumps_writes(ties):
    events = [e for r in range(3) for e in play(ties, 2, r)]
    events += [Event(0, 0, 1, "detection", "odd", "a \"quoted\" ünïcode actor",
                     {"flag": True, "none": None, "nan": math.nan, "list": [1, 2], "n": 3, "x": 1e-300})]
    expected = "".join(json.dumps(e.to_json(), separators=(",", ":")) + "\n" for e in events)
    assert event_lines(events) == expected


def test_pages_by_hour_of_the_week_are_summed_and_their_mean_is_that_of_each_replications_row():
    """The run keeps the week's counts summed over replications, not a row per replication: the mean per
    replication is the very mean of the rows (whole numbers, summed exactly)."""
    scenario = parse_scenario(default_scenario().read_text())
    rows = np.array([play_chunk(scenario, AutomaticPolicy, 3, r, r + 1)[1].week for r in range(12)])
    load = simulate(scenario, replications=12, seed=3, workers=1, keep_events=False, chunk=5).load
    assert load.replications == 12 and load.week.tolist() == rows.sum(axis=0).tolist() and rows.sum() > 0
    assert load.week_mean().tolist() == rows.astype(float).mean(axis=0).tolist()
    assert load_summary(load, "UTC")["pages_by_hour_of_week"]["mean"] == np.round(rows.mean(axis=0), 6).tolist()


def test_a_chunks_log_is_freed_when_the_chunk_ends(default, monkeypatch):
    """The engine keeps the log it plays into from one replication to the next (its action table is made once),
    but not past the chunk: the recorder, with every event of the chunk, is freed when its table is made."""
    import weakref

    import simulator.results.runner as runner

    made: list[Recorder] = []

    def recorder(reductions):
        made.append(Recorder(reductions))
        return made[-1]

    monkeypatch.setattr(runner, "Recorder", recorder)
    play_chunk(default, AutomaticPolicy, 3, 0, 4, runner.TABLE_EVENTS)
    gone = weakref.ref(made.pop())
    assert gone() is None  # nothing else holds it: reference counting freed it, no collector pass needed


def test_a_chunks_events_are_put_in_each_replications_log_order():
    """By replication, then time, then incident; events of one incident at one instant stay in the order logged,
    as the engine's own sort leaves them. The table of the columns is that of the events in that order."""
    logged = [(5.0, 0, 2, "response", "paged", "x", {"level": 1}), (1.0, 0, 3, "detection", "onset", "x", None),
              (5.0, 0, 1, "response", "escalated", "x", {"level": 2, "to": ["a"]}),
              (5.0, 0, 2, "response", "acknowledged", "y", {"level": 1, "waited": 0.5}),
              (0.5, 1, 1, "detection", "onset", "x", None),
              (0.0, 1, 0, "detection", "deployed", "ci", {"failed": False}),
              (2, 1, 1, "response", "paged", "x", {"level": 1})]
    recorder = Recorder()
    sinks = recorder.sinks()
    for event in logged:
        sinks[event[4]](*event)
    expected = sorted(logged[:4], key=itemgetter(0, 2)) + sorted(logged[4:], key=itemgetter(0, 2))
    assert recorder.events() == expected
    assert [event[4] for event in recorder.events()] == ["onset", "escalated", "paged", "acknowledged", "deployed",
                                                          "onset", "paged"]
    assert recorder.events(incidents_only=True) == [event for event in expected if event[2]]
    assert recorder.table().equals(event_table(expected))
    assert recorder.table(incidents_only=True).equals(event_table(expected, incidents_only=True))
    assert Recorder().events() == [] and Recorder().table().num_rows == 0



def test_the_detail_column_is_each_details_json_text_whatever_its_shape(ties):
    """Details encoded a key at a time (by action) give the text json.dumps writes for each, in log order:
    mixed shapes, kinds and keys of one action included."""
    events = [tuple(e) for r in range(3) for e in play(ties, 2, r)]
    odd = [{"due": 12.5, "on_time": True}, {"due": math.nan, "on_time": False}, {"to": [1, 2]}, None, {},
           {"q{": "}x\u00e9\ud800", "n": 3}, {"m": 1, "n": "s"}, {"m": 2.5, "n": 7}, {1: 2},
           {"k": math.inf}, {"k": -0.0}, {"k": 5.0}, {"k": 1e-5}, {"k": 123456789012.5}, {"k": 2**70}]
    events += [(float(i), 9, 1, "response", action, "a", detail) for i, detail in enumerate(odd)
               for action in ("odd", f"own-{i % 4}")]
    detail = event_columns(events)["detail"]
    assert detail == [json.dumps(e[6] or {}, separators=(",", ":")) for e in events]
    assert detail[-30:-20:2] == ['{"due":12.5,"on_time":true}', '{"due":NaN,"on_time":false}', '{"to":[1,2]}',
                                 "{}", "{}"]
    assert event_columns([]) == {name: [] for name in COLUMNS}


def test_details_of_a_few_shapes_and_lists_are_written_as_json_dumps_writes_each():
    """An action whose details mostly share a few shapes (a key only some have), and lists (of text, written once
    per distinct list; of numbers or booleans, which compare equal to one another, one by one), in log order."""
    lists = [["a", "b"], ["\u00e9"], [], ["a", "b"], [1, True], [True, 1], [1.0], [1], ["x", 2]]
    details = [{"level": i % 3, "to": lists[i % len(lists)]} for i in range(60)]
    details[5:60:7] = [{"level": 2, "repeat": i, "to": ["a"]} for i in range(5, 60, 7)]
    details[3], details[30] = None, {}
    for found in (details, [d for d in details if d and all(type(x) is str for x in d["to"])]):
        events = [(float(i), 0, 1, "response", "escalated", "x", d) for i, d in enumerate(found)]
        assert event_columns(events)["detail"] == [json.dumps(d or {}, separators=(",", ":")) for d in found]


def test_a_detail_logged_many_times_as_one_object_is_written_as_each_of_its_events():
    """The same detail object logged with many events (written once) gives the text of each, as distinct equal
    objects would, with other objects and none among them."""
    shared, other = {"level": 1}, {"level": 2, "to": ["a", "b"]}
    details = [shared] * 20 + [other, None] + [shared] * 20 + [{"level": 1}]
    events = [(float(i), 0, 1, "response", "paged", "x", detail) for i, detail in enumerate(details)]
    assert event_columns(events)["detail"] == [json.dumps(d or {}, separators=(",", ":")) for d in details]


def test_simulate_asks_for_a_scenario_not_a_path():
    with pytest.raises(DrillsimError, match=r"simulate plays a Scenario, not PosixPath: .*load_scenario"):
        simulate(default_scenario(), replications=1)


def test_reductions_fed_as_one_may_not_read_the_same_action():
    """Each action's events go to one sink: two reductions that both read one are refused, not one of them
    silently left without its events."""

    class Reads:
        def __init__(self, *actions):
            self.wants = frozenset(actions)

        def sinks(self):
            return {action: print for action in self.wants}

    assert set(Several(Reads("paged"), Reads("detected", "resolved")).sinks()) == {"paged", "detected", "resolved"}
    with pytest.raises(ValueError, match="'paged'"):
        Several(Reads("paged", "acknowledged"), Reads("paged")).sinks()
