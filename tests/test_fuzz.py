"""Fuzzing: scenario files mutated every way a hand or a disk can damage them, command lines of odd options,
and results folders damaged on disk. Every input ends in exit status 0 (or 1 where a command says so) or 2,
never in a traceback, and within bounded time.

`make test` tries a modest number of examples of each, the same ones every time. `make fuzz` runs a large
campaign: DRILLSIM_FUZZ_EXAMPLES examples of each, random ones (a new campaign each time), and the scenario
mutants also in real processes with limited memory and time. With DRILLSIM_FUZZ_LOG=FILE every input's exit
status is appended to FILE, one JSON line each, for the campaign's figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simulator import simulate
from simulator.cli import app
from simulator.errors import DrillsimError
from simulator.results.runner import expected_incidents
from simulator.scenario import reader
from simulator.scenario.validate import parse_scenario

CAMPAIGN = "DRILLSIM_FUZZ_EXAMPLES" in os.environ
if CAMPAIGN:  # a memory blow-up fails the input it came from (MemoryError), not the whole campaign (OOM)
    resource.setrlimit(resource.RLIMIT_AS, (16 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))
EXAMPLES = int(os.environ.get("DRILLSIM_FUZZ_EXAMPLES", "60"))
LOG = os.environ.get("DRILLSIM_FUZZ_LOG")
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not CAMPAIGN, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
SECONDS = 30
"""The most CPU time one input's real process may take (a run is capped to a few thousand incidents here)."""
HANG_SECONDS = 300
"""Wall-clock seconds after which an input is taken to hang. No test asks the clock how long an input took
(on a busy machine an honest one takes many times its usual time); this limit is far beyond any of them."""
RUN_INCIDENTS = 5_000
"""A valid mutant is also run when its replications hold about this many incidents at most."""

ROOT = Path(__file__).resolve().parents[1]
VALID = sorted([*ROOT.glob("scenarios/*.yaml"), ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml"])
HOSTILE = sorted([*ROOT.glob("tests/fixtures/invalid/*.yaml"), *ROOT.glob("tests/fixtures/invalid/hostile/*.yaml")])
runner = CliRunner()


def record(kind: str, outcome: str, detail: str = "") -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"kind": kind, "outcome": outcome, "detail": detail[:300]}) + "\n")


class Hang(Exception):
    """An input that ran for HANG_SECONDS: a hang, as far as the fuzzer is concerned."""


def _hang(signum, frame):
    raise Hang(f"more than {HANG_SECONDS} s")


def invoke(args: list[str]):
    """The command line run in this process, stopped (Hang) after HANG_SECONDS."""
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(HANG_SECONDS)
    try:
        return runner.invoke(app, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def exit_of(result) -> str:
    """The exit status of a CliRunner result: 'hang' when it was stopped, 'traceback' when it raised."""
    if isinstance(result.exception, Hang):
        return "hang"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return "traceback"
    return str(result.exit_code)


# ── Mutations of scenario files ────────────────────────────────────────────────────────────────────────────

TOKENS = [b"\x00", "\x85".encode(), "\x9b".encode(), "\u2028".encode(), b"\t", b"\r", b"&a ", b"*a", b"!foo ",
          b"!!python/object/apply:os.system [echo] ", b"!!binary ", b"!!int ", b"<<: ", b"{", b"[", b"]", b"}",
          b"---\n", b"...\n", b"? ", b": ", b"- ", b"#", b"'", b'"', b"\\", b"\xe9", b"\xff\xfe", "💥".encode(),
          b" .nan", b" .inf", b" -.inf", b" 1e309", b" -1", b" 0", b" 99999999999999999999", b"1e-320m", b" 5",
          b" 5m", b" ~", b" null", b" 2026-02-30", b" 9999-12-31T23:59:59", b"%", b"@", b"`", b"|", b">",
          b"\n  ", b"\n", b" &b [*b]", b" *undefined"]
VALUES = [None, True, False, 0, -1, 1, 2, 3.5, -3.5, 1e308, -1e308, float("nan"), float("inf"), 10**30, "",
          "x", "5m", "0s", "-5m", "1e9w", "999999w", "1e-9s", "nan/w", "inf/w", "0/w", "1000000/s", "1/0s",
          "SEV0", "SEV1", "debug-first", "2026-02-30", "9999-12-31", [], {}, [1, 2], ["a", "a"], "<script>",
          "$x^$", "[bold]", "x" * 2000,
          {"kind": "weibull", "shape": 0.0001, "scale": "1h"}, {"kind": "gamma", "shape": 1e-9, "mean": "1h"},
          {"kind": "lognormal", "mu": 700, "sigma": 30}, {"kind": "lognormal", "median": "1h", "p95": "1m"},
          {"kind": "empirical", "values": []}, {"kind": "uniform", "low": "1h", "high": "1h"},
          {"kind": "triangular", "low": "1m", "mode": "5d", "high": "1h"}, {"kind": "exponential", "mean": "0s"},
          {"kind": "nope"}, {"SEV1": 1e308, "SEV2": 1e308}, {"SEV1": 0}, "Mon-Fri", "Sun-Mon", "Funday",
          "25:00-26:00", "09:00-09:00", "Mars/Olympus", "Europe/London", "2026-01-05T09:00", "Mon 99:00",
          {"business_hours": "1m"}, {"people": []}, {"rotation": "nope"}, {"everyone": True}, [{"name": "x"}]]


def paths(data, prefix=()):
    """Every path of keys and indices into plain data."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*prefix, index))


def change_one(draw, data, values: list) -> bool:
    """Delete one node of plain data, or give it one of `values`; False when there is no node to change."""
    chosen = draw(st.sampled_from(list(paths(data))[1:] or [()]))
    if not chosen:
        return False
    parent = data
    for part in chosen[:-1]:
        parent = parent[part]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[chosen[-1]]
    else:
        parent[chosen[-1]] = draw(st.sampled_from(values))
    return True


def structured(draw, text: bytes) -> bytes:
    """Parse, change one node (delete it or give it another value or type), write back."""
    try:
        doc = reader.parse_yaml(text.decode("utf-8"))
    except UnicodeDecodeError:
        return text
    if not isinstance(doc.data, dict) or doc.problems:
        return text
    if not change_one(draw, doc.data, VALUES):
        return text
    try:
        return yaml.safe_dump(doc.data, allow_unicode=True, sort_keys=False, width=200).encode("utf-8")
    except (yaml.YAMLError, ValueError, RecursionError):
        return text


KINDS = ["structured"] * 4 + ["insert"] * 2 + ["truncate", "delete", "duplicate"]


@st.composite
def mutants(draw) -> bytes:
    """A bundled scenario (three times in four) or a hand-made hostile file, mutated one to three times."""
    seeds = VALID if draw(st.integers(0, 3)) else HOSTILE
    text = draw(st.sampled_from(seeds)).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(KINDS))
        at = draw(st.integers(0, max(0, len(text))))
        if kind == "truncate":
            text = text[:at]
        elif kind == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif kind == "duplicate":
            lines = text.splitlines(keepends=True)
            if lines:
                index = draw(st.integers(0, len(lines) - 1))
                lines.insert(index, lines[index])
                text = b"".join(lines)
        else:
            text = structured(draw, text)
    return text


def runnable(path: Path) -> bool:
    """Whether a valid mutant's run is small enough to play here (a real run of millions is not a bug)."""
    try:
        scenario = parse_scenario(reader.decode(path.read_bytes()))
    except (DrillsimError, RecursionError):
        return False
    return expected_incidents(scenario) * 2 <= RUN_INCIDENTS


@FUZZ
@given(text=mutants())
def test_a_mutated_scenario_is_refused_or_run_never_a_traceback(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("mutant") / "scenario.yaml"
    path.write_bytes(text)
    result = invoke(["validate", str(path)])
    outcome = exit_of(result)
    if outcome == "0" and runnable(path):
        result = invoke(["run", str(path), "-n", "2", "--quiet", "--workers", "1"])
        outcome = exit_of(result)
    record("scenario", outcome, repr(result.exception) if outcome == "traceback" else "")
    assert outcome in ("0", "2"), f"{outcome}: {result.output}\n{result.exception!r}"


def limits():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (SECONDS, SECONDS))


@settings(FUZZ, max_examples=EXAMPLES // 4 if CAMPAIGN else 4)
@given(text=mutants())
def test_a_mutated_scenario_in_a_real_process_stays_within_memory_and_time(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("mutant") / "scenario.yaml"
    path.write_bytes(text)
    command = [sys.executable, "-m", "simulator", "validate", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=HANG_SECONDS, preexec_fn=limits)
    if done.returncode == 0 and runnable(path):
        command = [sys.executable, "-m", "simulator", "run", str(path), "-n", "2", "--quiet", "--workers", "1"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=HANG_SECONDS, preexec_fn=limits)
    outcome = "traceback" if "Traceback" in done.stderr else str(done.returncode)
    record("process", outcome, done.stderr[-300:] if outcome not in ("0", "2") else "")
    assert outcome in ("0", "2"), done.stderr


# ── Command lines ──────────────────────────────────────────────────────────────────────────────────────────

NUMBERS = ["0", "-1", "1", "2", "3", "abc", "1e3", "2.5", "", " ", "99999999999", "1" * 40, "nan", "inf", "-0",
           "0x10", "٣"]
OPTIONS = {
    "-n": NUMBERS, "--seed": NUMBERS, "-w": NUMBERS, "--workers": NUMBERS,
    "--out": ["{tmp}/out", "{tmp}/file", "{tmp}/file/out", "/proc/drillsim", "/", "", "{tmp}/[bold]x", "{tmp}"],
    "--set": ["team.responders=3", "team.responders=-1", "team.responders=[", "policy.mitigation=[failover, rollback]",
              "x=1", "=", "team.names=!foo x", "team.names=&a [*a]", "failure_modes[99].rate=1/d", "seed=3",
              "policy.declare_after=1e309m", "team.responders=1000000000", "policy.confirm={kind: nope}",
              "horizon=999999w", "failure_modes.nope.rate=1/d"],
    "--metric": ["mttr", "MTTD", "mtbf", "time-to-resolve", "nope", "", "[red]"],
    "--scheduler": ["not a url", "http://x:1", "tcp://host", "tcp://[::1]:99999", "", "tcp://:0"],
    "--executor": ["local", "dask", "spark", ""],
    "--improvement": ["20%", "0.2", "200%", "-1", "abc", "nan", "inf%", "0%", "100%"],
    "--false-improvement": ["20%", "0", "1.5"],
    "-N": ["1", "2", "30", "0", "-3", "99999999999", "abc"],
    "--trials": ["100", "0", "99", "1000000000", "x"],
    "--variant": ["nope", "", "[bold]"], "--name": ["x", "", "[bold]y[/bold]", "<b>"],
    "--fail-if-worse": ["mttr", "mttr.median", "mttr.p99", "nope"], "--resamples": [*NUMBERS, "100", "200"],
    "--baseline": ["baseline", "nope"], "--by": ["mode", "severity", "nope", ""],
    "--figures": ["{tmp}/figures", "{tmp}/file", "/proc/x"], "--preset": ["analytics", "lifecycle", "nope", ""],
    "--timezone": ["UTC", "Europe/Paris", "Nope/No", "", "../../etc/passwd"],
    "--since": ["2026-01-01T00:00:00Z", "x", "2026-02-30", ""], "--until": ["2027-01-01T00:00:00Z", "0000-00-00"],
    "--family": ["auto", "gamma", "nope"], "--bootstrap": ["20", "19", "99999999999", "x"],
    "--map": ["opened=detected_at", "=", "x=y", "a=started_at"],
    "--scenario": ["{drill_scenario}", "{tmp}/missing.yaml", "{tmp}"], "--mode": ["bad-deploy", "nope", ""],
    "--fail-above": ["50", "101", "-1", "x"], "--inject": ["bad-deploy", "nope", ""],
    "--at": ["2026-01-05T09:00:00Z", "x", "9999-12-31T23:59:59Z", "Wed 14:00", "25:61", "Mon 00:00"],
    "--severity": ["SEV1", "SEV9", ""], "--explain": [], "--speed": ["1", "0", "301", "x"],
    "--turn": ["5m", "0s", "-1m", "1e9w", "x"],
    "--answers": ["{answers}", "{garbage_answers}", "{tmp}/file", "{tmp}/missing.txt", "/dev/null", "{tmp}"],
    "--incident": ["0:1", "1:2", "x", "0:999", "-1:1", "99999999999:1"], "--replication": NUMBERS,
}
COMMANDS = {
    "run": ["-n", "--seed", "-w", "--workers", "--out", "--by", "--scheduler", "--executor"],
    "validate": [],
    "schema": ["--out"],
    "compare": ["-n", "--seed", "--set", "--metric", "--name", "--fail-if-worse", "--resamples", "--baseline",
                "--variant", "--out"],
    "sweep": ["-n", "--seed", "--set", "--metric", "--out", "--baseline"],
    "detectability": ["-n", "--seed", "-N", "--trials", "--improvement", "--false-improvement", "--set",
                      "--variant", "--metric", "--out"],
    "report": ["--incident", "--replication"],
    "calibrate": ["--out", "--figures", "--preset", "--timezone", "--since", "--until", "--family", "--bootstrap",
                  "--seed", "--name", "--map"],
    "score": ["--scenario", "--mode", "--fail-above", "--timezone", "--out", "-n", "--seed", "--preset"],
    "gameday plan": ["--inject", "--at", "--timezone", "--severity", "--out", "-n", "--seed"],
    "maturity": ["-n", "--seed", "--out", "--explain"],
    "drill": ["--answers", "-n", "--seed", "--mode", "--at", "--out", "--speed", "--turn"],
}
SMALL = {"-n": "2", "--trials": "100", "--resamples": "100", "--bootstrap": "20"}
"""Added where the command line does not give them, so that a valid command line runs in a moment."""


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = command.split()
    if command in ("run", "compare", "sweep", "detectability", "validate"):
        args.append(draw(st.sampled_from(["", "{scenario}", "{tmp}/missing.yaml", "{tmp}", "/dev/null"])))
    if command == "report":
        args.append(draw(st.sampled_from(["{results}", "{tmp}", "{tmp}/nowhere", "/proc"])))
    if command in ("calibrate", "score"):
        args.append(draw(st.sampled_from(["{history}", "{journal}", "{tmp}/missing.csv", "{tmp}", "/dev/null"])))
    if command == "gameday plan":
        args.append(draw(st.sampled_from(["{drill_scenario}", "", "{tmp}/missing.yaml"])))
    if command in ("maturity", "drill"):
        args.append(draw(st.sampled_from(["", "{scenario}", "{drill_scenario}", "{tmp}/missing.yaml"])))
    if command == "drill" and "--answers" not in args:  # a drill without answers waits for a person
        args += ["--answers", "{answers}"]
    for _ in range(draw(st.integers(0, 4))):
        option = draw(st.sampled_from(COMMANDS[command] or ["--help"]))
        args.append(option)
        if OPTIONS.get(option):
            args.append(draw(st.sampled_from(OPTIONS[option])))
    for option, value in SMALL.items():
        if option in COMMANDS[command] and option not in args:
            args += [option, value]
    if command in ("compare", "sweep") and "--set" not in args:
        args += ["--set", "team.responders=1,2" if command == "sweep" else "policy.mitigation=debug-first"]
    return [arg for arg in args if arg != ""] if draw(st.booleans()) else args


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results") / "out"
    assert runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(folder)]).exit_code == 0
    return folder


@FUZZ
@given(args=command_lines())
def test_odd_command_lines_end_in_a_clear_exit(tmp_path_factory, results_folder, args):
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "file").write_text("x")
    (tmp / "answers.txt").write_text("seed 2\n+1m declare SEV1\n+2m escalate\ninvestigate\nmitigate debug\n")
    (tmp / "garbage.txt").write_bytes(b"+1x declare SEV9\n\x00\nmitigate nope\n" + "💥".encode() + b"\nat 99:99\n")
    scenario = ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml"
    results = tmp / "results"
    shutil.copytree(results_folder, results)
    history = ROOT / "tests" / "fixtures" / "history"
    places = {"{tmp}": tmp, "{scenario}": scenario, "{results}": results, "{history}": history / "valid.csv",
              "{journal}": history / "journal.json", "{drill_scenario}": history / "drill-scenario.yaml",
              "{answers}": tmp / "answers.txt", "{garbage_answers}": tmp / "garbage.txt"}
    for key, value in places.items():
        args = [a.replace(key, str(value)) for a in args]
    with contextlib.chdir(tmp):  # a relative path (even one such as '--out') lands in the test's own folder
        result = invoke(args)
    outcome = exit_of(result)
    record("command line", outcome, f"{args} {result.exception!r}" if outcome == "traceback" else "")
    assert outcome in ("0", "1", "2"), f"{args}: {result.output}\n{result.exception!r}"


# ── Damaged results folders ────────────────────────────────────────────────────────────────────────────────

FILES = ["summary.json", "incidents.csv", "events.parquet", ".drillsim"]


def damage_json(draw, text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text
    change_one(draw, data, [v for v in VALUES if not isinstance(v, float) or v == v])
    return json.dumps(data)


@st.composite
def damages(draw) -> list[tuple]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "delete", "json", "append", "other run", "line"]))
        out.append((kind, draw(st.sampled_from(FILES)), draw(st.integers(0, 10**9)), draw(st.data())))
    return out


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    for name, seed in (("one", "1"), ("other", "2")):
        assert runner.invoke(app, ["run", "-n", "2", "--seed", seed, "--quiet", "--out", str(base / name)]) \
            .exit_code == 0
    return base


@settings(FUZZ, max_examples=EXAMPLES // 2 if CAMPAIGN else 6)  # each report of a folder costs seconds
@given(damage=damages())
def test_a_damaged_results_folder_is_refused_or_reported(tmp_path_factory, two_runs, damage):
    folder = tmp_path_factory.mktemp("damaged") / "results"
    shutil.copytree(two_runs / "one", folder)
    for kind, name, number, data in damage:
        path = folder / name
        if not path.exists():
            continue
        content = path.read_bytes()
        at = number % (len(content) + 1)
        if kind == "truncate":
            path.write_bytes(content[:at])
        elif kind == "flip" and content:
            flipped = bytearray(content)
            flipped[at % len(content)] ^= 1 << (number % 8)
            path.write_bytes(bytes(flipped))
        elif kind == "delete":
            path.unlink()
        elif kind == "json" and name == "summary.json":
            path.write_text(damage_json(data.draw, content.decode("utf-8", "replace")))
        elif kind == "append":
            path.write_bytes(content + data.draw(st.sampled_from(TOKENS)) + b"\n")
        elif kind == "other run":
            shutil.copy(two_runs / "other" / name, path)
        elif kind == "line":
            lines = content.splitlines(keepends=True)
            if lines:
                lines[at % len(lines)] = data.draw(st.sampled_from(
                    [b"{}\n", b"[]\n", b'{"time": NaN}\n', b"\n", b"x,y\n", b'{"run_id": "x"}\n']))
                path.write_bytes(b"".join(lines))
    result = invoke(["report", str(folder), "--quiet"])
    outcome = exit_of(result)
    record("results folder", outcome, repr(result.exception) if outcome == "traceback" else "")
    assert outcome in ("0", "2"), f"{damage}: {result.output}\n{result.exception!r}"


# ── Incident histories ─────────────────────────────────────────────────────────────────────────────────────

HISTORIES = sorted([*ROOT.glob("tests/fixtures/history/*.csv"), *ROOT.glob("tests/fixtures/history/*.jsonl")])
CELLS = ["", "nan", "inf", "-1", "0", "1e309", "99999999999999999999", "2026-02-30T00:00:00Z", "9999-12-31T23:59Z",
         "0001-01-01T00:00:00Z", "2026-03-29T02:30:00", "x" * 5000, "=cmd|' /C calc'!A0", "\x00", "SEV9", "<b>",
         '"', "'", ",", "\n", "💥", "2026-01-01T00:00:00+25:00", "P1D", "1h"]


@st.composite
def histories(draw) -> bytes:
    """A history fixture with one to three cells, bytes or lines changed."""
    text = draw(st.sampled_from(HISTORIES)).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cell", "cell", "insert", "truncate", "duplicate"]))
        at = draw(st.integers(0, max(0, len(text))))
        lines = text.splitlines(keepends=True)
        if kind == "cell" and lines:
            index = draw(st.integers(0, len(lines) - 1))
            cells = lines[index].rstrip(b"\n").split(b",")
            cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(CELLS)).encode("utf-8")
            lines[index] = b",".join(cells) + b"\n"
            text = b"".join(lines)
        elif kind == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif kind == "truncate":
            text = text[:at]
        elif lines:
            index = draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[index])
            text = b"".join(lines)
    return text


@settings(FUZZ, max_examples=EXAMPLES // 4 if CAMPAIGN else 15)
@given(text=histories(), options=st.lists(st.sampled_from([
    ["--preset", "analytics"], ["--preset", "lifecycle"], ["--timezone", "Europe/Paris"], ["--timezone", "Nope/No"],
    ["--skip-bad"], ["--since", "2026-01-01T00:00:00Z"], ["--until", "2020-01-01T00:00:00Z"], ["--until", "x"],
    ["--family", "gamma"], ["--map", "opened=detected_at"], ["--map", "=x"]]), max_size=3),
    suffix=st.sampled_from([".csv", ".jsonl"]))
def test_a_mutated_incident_history_is_refused_or_calibrated(tmp_path_factory, text, options, suffix):
    path = tmp_path_factory.mktemp("history") / f"history{suffix}"
    path.write_bytes(text)
    result = invoke(["calibrate", str(path), "--bootstrap", "20", *(o for pair in options for o in pair)])
    outcome = exit_of(result)
    record("history", outcome, repr(result.exception) if outcome == "traceback" else "")
    assert outcome in ("0", "2"), f"{options}: {result.output}\n{result.exception!r}"


def test_the_seeds_run_as_they_are():
    """The unmutated bundled scenarios are valid and run: the mutants start from working files."""
    for path in ROOT.glob("scenarios/*.yaml"):
        scenario = parse_scenario(path.read_text(encoding="utf-8"))
        assert len(simulate(scenario, replications=1, keep_events=False, workers=1).incidents) > 0, path.name
