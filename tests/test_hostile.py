"""Hostile input: every class of file or option that once crashed, hung or poisoned a run is refused with
exit status 2 and FILE:LINE:COL: field: message, within bounded time and memory, never with a traceback.

One fixture per class in fixtures/invalid/hostile/ (except where the class is size itself: those files are
made here), each checked for its one problem, in the library and in a real process."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator import load_scenario, parse_scenario
from simulator.cli import app
from simulator.errors import DrillsimError, ScenarioError
from simulator.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES
from simulator.results import executors
from simulator.results.runner import simulate
from simulator.scenario import reader
from simulator.scenario.variants import load_source

HOSTILE = Path(__file__).parent / "fixtures" / "invalid" / "hostile"
MINIMAL = (Path(__file__).parent / "fixtures" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
runner = CliRunner()

# fixture → (line, column, field path, the start of the message)
CLASSES = {
    # YAML that expands or recurses
    "alias_bomb": (2, 14, "", f"the aliases in the file expand to more than {MAX_VALUES:,} values"),
    "recursive_alias": (7, 23, "", "the alias *names refers to a node that contains it (a recursive alias)"),
    "deep_nesting": (4, 54, "", f"nested more than {MAX_DEPTH} levels deep"),
    # tags
    "tag_on_scalar": (2, 7, "name", "the tag '!foo' is not one drillsim reads"),
    "python_tag": (2, 7, "name", "the tag '!!python/object/apply:os.system' is not one drillsim reads"),
    "value_unfit_for_its_tag": (4, 15, "replications", "'two' is not a whole number"),
    # characters YAML rejects
    "nul_character": (1, 12, "", "the character U+0000 is not allowed in YAML; remove it or save the file as UTF-8"),
    "c1_control_character": (1, 12, "", "the character U+009B is not allowed in YAML"),
    "utf16_without_bom": (1, 1, "", "the file looks like UTF-16 text without a byte-order mark; save the file as "
                                    "UTF-8"),
    "latin1_not_utf8": (1, 9, "", "not UTF-8 text (byte 0xe9); save the file as UTF-8"),
    # values that validate one by one and then crash or poison a run
    "nan_parameter": (19, 43, "failure_modes[0].mitigations.debug.duration.mu", "must be a finite number (got nan)"),
    "infinite_parameter": (19, 39, "failure_modes[0].mitigations.debug.duration.shape",
                           "must be a finite number (got inf)"),
    "mean_overflows": (19, 15, "failure_modes[0].mitigations.debug.duration",
                       "the mean of this distribution is more than 1,000 years"),
    "lognormal_sigma_50": (19, 15, "failure_modes[0].mitigations.debug.duration",
                           "the mean of this distribution is more than 1,000 years"),
    "gamma_tiny_shape": (2, 1, "", "200 replications of about 100,721 incidents each would hold about 20,144,200"),
    "infinite_severity_weight": (13, 16, "failure_modes[0].severity.SEV1", "must be a finite number (got inf)"),
    "enormous_severity_weights": (13, 5, "failure_modes[0].severity", "the weights are too large to add up"),
    "empty_severity_map": (13, 5, "failure_modes[0].severity", "give at least one severity and its weight"),
    "nan_rate": (13, 5, "failure_modes[0].rate", "the count in rate 'nan/w' is not a number"),
    "billion_responders": (6, 3, "team.responders", "must be at most 10000 (got 1000000000)"),
    "run_beyond_memory": (2, 1, "", "10,000,000 replications of about 11 incidents each would hold about "
                                    "110,000,000 incidents (more than 10,000,000"),
    "bad_calendar_date": (5, 8, "start", "'2026-02-30T09:00:00' is not a date (day is out of range for month)"),
    "horizon_past_the_calendar": (2, 1, "", "the horizon runs from 2200-12-15T00:00:00 past the end of 2200"),
    "slo_alert_never_fires": (15, 7, "failure_modes[0].detection.slo_burn", "an error ratio of 1e-300 burns the "
                                                                           "budget of a 0.5 SLO at 2e-300×"),
    "only_null": (1, 1, "", "the file holds no scenario, only an empty document"),
    "only_document_marker": (2, 1, "", "the file holds no scenario, only an empty document"),
}


def expected(name: str) -> str:
    line, column, path, message = CLASSES[name]
    where = f"{HOSTILE / name}.yaml:{line}:{column}:"
    return f"{where} {path}: {message}" if path else f"{where} {message}"


def test_every_hostile_fixture_is_listed():
    assert {p.stem for p in HOSTILE.glob("*.yaml")} == set(CLASSES)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_is_refused_with_its_one_problem(name):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(HOSTILE / f"{name}.yaml")
    assert [str(p) for p in caught.value.problems] == [str(caught.value.problems[0])]
    assert str(caught.value.problems[0]).startswith(expected(name))


HANG_SECONDS = 600
"""A real process's wall-clock limit: only a hang comes near it, however busy the machine."""


def limited(seconds: int = 60, memory: int = 2 << 30):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))

    return limit


def drillsim(*args: str, stdin=None, seconds: int = 60) -> subprocess.CompletedProcess:
    """drillsim in a real process, with at most 2 GB of memory and `seconds` of CPU: the work it may do,
    whatever the load. The wall clock only catches a hang, with room for a machine busy with other work."""
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                          timeout=HANG_SECONDS, preexec_fn=limited(seconds), stdin=stdin)


def test_a_real_process_refuses_every_class_quickly_and_without_a_traceback():
    result = drillsim("validate", *(str(HOSTILE / f"{name}.yaml") for name in sorted(CLASSES)), seconds=20)
    assert result.returncode != -signal.SIGXCPU, "more than 20 s of CPU to refuse them"
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for name in CLASSES:
        assert expected(name) in result.stderr, name
    assert f"{len(CLASSES)} of {len(CLASSES)} files invalid." in result.stderr


@pytest.mark.parametrize("name", ["alias_bomb", "gamma_tiny_shape", "run_beyond_memory", "nan_parameter"])
def test_run_refuses_them_too(name):
    result = drillsim("run", str(HOSTILE / f"{name}.yaml"), "--quiet")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert expected(name) in result.stderr


# ── Size ───────────────────────────────────────────────────────────────────────────────────────────────────


def test_a_huge_flow_list_is_refused_at_the_value_limit(monkeypatch):
    monkeypatch.setattr(reader, "MAX_VALUES", 1000)  # the same check as at 100,000, a hundred times faster
    with pytest.raises(ScenarioError, match=r"<scenario>:1:\d+: the file holds more than 1,000 values"):
        parse_scenario("values: [" + "1m, " * 2000 + "1m]\n" + MINIMAL)


def test_a_file_beyond_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(MINIMAL + "#" * MAX_FILE_BYTES)
    with pytest.raises(ScenarioError, match=f"the scenario file has {path.stat().st_size:,} bytes"):
        load_scenario(path)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_unread(device):
    with pytest.raises(ScenarioError, match="is a device, not a scenario file"):
        load_scenario(device)


def test_a_pipe_is_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="is a FIFO"):
        load_scenario(fifo)


# ── YAML read the safe way, and only the safe way ──────────────────────────────────────────────────────────


def test_merge_keys_let_explicit_keys_win():
    text = MINIMAL.replace("policy:\n  declare_after: 5m", "policy:\n  <<: {declare_after: 9m, confirm: 7m}\n"
                                                            "  declare_after: 5m")
    scenario = parse_scenario(text)
    assert scenario.policy.declare_after.value == 5 and scenario.policy.confirm.value == 7


def test_an_alias_used_a_few_times_is_fine():
    text = MINIMAL.replace("acknowledge: 3m", "acknowledge: &quick 3m\n  assemble: *quick")
    assert parse_scenario(text).team.assemble.value == 3


def test_utf8_and_utf16_with_a_byte_order_mark_are_read(tmp_path):
    for encoding in ("utf-8-sig", "utf-16"):
        path = tmp_path / f"{encoding}.yaml"
        path.write_bytes(MINIMAL.encode(encoding))
        assert load_scenario(path).name == "checkout"


@pytest.mark.parametrize(("value", "message"), [
    ("!foo x", "the tag '!foo' is not one drillsim reads"),
    ("[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], "
     "&d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]]",
     "the aliases in the file expand to more than"),
    ("&a [*a]", "a recursive alias"),
])  # fmt: skip
def test_set_values_are_read_within_the_same_bounds(value, message):
    source = load_source(HOSTILE.parent.parent / "valid" / "minimal.yaml")
    with pytest.raises(ScenarioError, match=message):
        source.variants(sets=[f"team.names={value}"])
    result = runner.invoke(app, ["sweep", str(HOSTILE.parent.parent / "valid" / "minimal.yaml"),
                                 "--set", f"team.names={value}"])
    assert result.exit_code == 2 and message in result.output


# ── Command-line options ───────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("options", "message"), [
    (["--replications", "99999999999"], "less than or equal to 10000000"),
    (["--seed", str(2**70)], "less than or equal to"),
    (["--scheduler", "not a url"], "is not a Dask scheduler address; write tcp://HOST:PORT"),
    (["--scheduler", "http://example.org:80"], "is not a Dask scheduler address"),
    (["--scheduler", "tcp://10.0.0.5:99999"], "is not a Dask scheduler address"),
])  # fmt: skip
def test_options_beyond_their_limits_are_refused(options, message):
    result = runner.invoke(app, ["run", "--quiet", *options])
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())


def test_replications_times_incidents_is_counted_for_the_whole_run(tmp_path):
    scenario = load_scenario(HOSTILE.parent.parent / "valid" / "minimal.yaml")
    with pytest.raises(DrillsimError, match=r"5,000,000 replications of about 11 incidents each"):
        simulate(scenario, replications=5_000_000)


def test_a_scheduler_that_never_answers_is_given_up_on_in_time(monkeypatch, no_hang):
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "CONNECT_SECONDS", 1)
    with socket.socket() as server:  # accepts connections and then says nothing
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        with no_hang("a run waiting for a silent scheduler"):
            result = runner.invoke(app, ["run", "-n", "2", "--quiet", "--scheduler",
                                         f"tcp://127.0.0.1:{server.getsockname()[1]}"])
    assert result.exit_code == 2  # given up on after CONNECT_SECONDS, as the message says
    assert "cannot reach a Dask scheduler at tcp://127.0.0.1:" in result.output and "within 1 s" in result.output


@pytest.mark.parametrize(("options", "message"), [
    (["compare", "--set", "team.responders=3", "--resamples", "99999999999", "-n", "2"],
     "less than or equal to 100000"),
    (["run", "-w", "100000", "-n", "2"], "less than or equal to 1024"),
    (["run", "--executor", "dask", "-w", "1000", "-n", "2"], "worker processes on a machine with"),
    (["calibrate", str(Path(__file__).parent / "fixtures" / "history" / "valid.csv"), "--bootstrap", "99999999999"],
     "less than or equal to 10000"),
])  # fmt: skip
def test_options_that_would_take_the_memory_are_refused(options, message):
    result = runner.invoke(app, options)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert message in " ".join(result.output.replace("│", " ").split())
