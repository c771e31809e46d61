"""A fuzz campaign per surface that reads a file or an option: incident histories, Chaos Toolkit journals,
answers and injects files, results folders read back by `report`, dates and time zones, and odd command-line
options. Each surface is a Hypothesis strategy of hostile inputs (mutations of real files: huge integers, deep
nesting, long fields, bytes that are not UTF-8, rich markup, control characters, and special files: a FIFO,
/dev/zero, /dev/urandom, a folder), played through the command line in this process. Every input ends in exit
status 0 or 2, never in a traceback (nor a hang, which the alarm turns into a failure).

`make test` plays a small deterministic slice (the same examples every time). `make fuzz` runs the campaign:
DRILLSIM_FUZZ_EXAMPLES examples of each surface, random ones, and with DRILLSIM_FUZZ_LOG=FILE every input's
outcome appended to FILE as one JSON line, for the campaign's figures. No test here measures wall-clock time:
a hang is caught by an alarm generous enough for a loaded machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simulator.cli import app
from simulator.outputs.names import DIGEST
from simulator.outputs.run import summary_digest

CAMPAIGN = "DRILLSIM_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("DRILLSIM_FUZZ_EXAMPLES", "0"))
LOG = os.environ.get("DRILLSIM_FUZZ_LOG")
HANG = 300
"""Seconds after which an input counts as a hang: far beyond any input's work, even on a loaded machine."""


def examples(slice_: int) -> settings:
    """The slice `make test` plays, or the campaign's size."""
    return settings(max_examples=EXAMPLES if CAMPAIGN else slice_, deadline=None, derandomize=not CAMPAIGN,
                    database=None, suppress_health_check=list(HealthCheck),
                    phases=[Phase.explicit, Phase.generate])  # no shrinking: each input is played (and logged) once


ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "history"
SCENARIO = FIXTURES / "drill-scenario.yaml"
runner = CliRunner()


class Hang(Exception):
    pass


def _hang(signum, frame):
    raise Hang(f"more than {HANG} s")


def play(surface: str, args: list[str], cwd: Path) -> str:
    """Run the command line in this process; record and return its outcome ('0', '2', 'traceback', 'hang')."""
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(HANG)
    try:
        with contextlib.chdir(cwd):
            result = runner.invoke(app, [str(a) for a in args])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if isinstance(result.exception, Hang):
        outcome = "hang"
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        outcome = "traceback"
    else:
        outcome = str(result.exit_code)
    if LOG:
        detail = f"{args} {result.exception!r}" if outcome in ("traceback", "hang") else ""
        with open(LOG, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"kind": surface, "outcome": outcome, "detail": detail[:400]}) + "\n")
    assert outcome in ("0", "2"), f"{surface} {args}: {outcome}\n{result.output[-2000:]}\n{result.exception!r}"
    assert "Traceback" not in result.output
    return outcome


# ── Hostile pieces ─────────────────────────────────────────────────────────────────────────────────────────

HOSTILE_TEXT = ["[/x]", "[bold]", "[link=file:///etc/passwd]x[/link]", "\x1b]0;title\x07", "\x1b[2J", "\x00",
                "\u202e", "\x85", "=cmd|' /C calc'!A0", "💥", "x" * 200_000, "1" + "0" * 5000, "²", "-5", "",
                "NaN", "Infinity", "1e999", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
                "2200-12-31T23:00:00+00:00", "1899-12-31T23:59:59Z", "America", "Etc", "Europe/Londn"]
HOSTILE_VALUES = [None, True, 5, -1, 10**30, 1.5, float("inf"), [], {}, [[[]]], {"a": {"b": {}}},
                  *HOSTILE_TEXT]
BYTES = [b"\xe9", b"\xff\xfe", b"\x00", b"\r", b'"', b",", b"\n", b"[" * 5000, b"{" * 200, b"9" * 5000,
         "²".encode(), b"\x1b[2J", b"[/x]"]
SPECIAL = ["/dev/zero", "/dev/urandom", "/dev/null", "{fifo}", "{folder}", "{missing}"]


def special_file(name: str, tmp: Path, suffix: str = ".csv") -> Path:
    """A FIFO, a folder or a missing file in `tmp`, or a device as it is."""
    if name == "{fifo}":
        path = tmp / f"fifo{suffix}"
        os.mkfifo(path)
        return path
    if name == "{folder}":
        (tmp / f"folder{suffix}").mkdir()
        return tmp / f"folder{suffix}"
    if name == "{missing}":
        return tmp / f"missing{suffix}"
    return Path(name)


def mutate_bytes(draw, data: bytes) -> bytes:
    """Insert, truncate or replace a stretch of bytes."""
    at = draw(st.integers(0, len(data)))
    kind = draw(st.sampled_from(["insert", "truncate", "replace", "last"]))
    piece = draw(st.sampled_from(BYTES))
    if kind == "insert":
        return data[:at] + piece + data[at:]
    if kind == "truncate":
        return data[:at]
    if kind == "last":  # a bad byte in the last row
        return data.rstrip(b"\n") + piece + b"\n"
    return data[:at] + piece + data[at + draw(st.integers(1, 20)):]


def change_json(draw, data):
    """Give one node of JSON data (found by a random walk) a hostile value."""
    node = data
    for _ in range(draw(st.integers(0, 6))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node, key=str)))
            if not isinstance(node[key], dict | list) or draw(st.booleans()):
                node[key] = draw(st.sampled_from(HOSTILE_VALUES))
                return data
            node = node[key]
        elif isinstance(node, list) and node:
            index = draw(st.integers(0, len(node) - 1))
            if not isinstance(node[index], dict | list) or draw(st.booleans()):
                node[index] = draw(st.sampled_from(HOSTILE_VALUES))
                return data
            node = node[index]
        else:
            break
    if isinstance(data, dict):
        data[draw(st.sampled_from(["extra", *sorted(data, key=str)]))] = draw(st.sampled_from(HOSTILE_VALUES))
    return data


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# ── Histories ──────────────────────────────────────────────────────────────────────────────────────────────

HISTORIES = sorted([*FIXTURES.glob("*.csv"), *FIXTURES.glob("*.jsonl")])


@st.composite
def histories(draw) -> tuple[str, bytes | str]:
    """(suffix, content) or ('special', name): a history fixture with a hostile cell, bytes or line."""
    if draw(st.integers(0, 9)) == 0:
        return "special", draw(st.sampled_from(SPECIAL))
    source = draw(st.sampled_from(HISTORIES))
    data = source.read_bytes()
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["cell", "cell", "bytes", "line"]))
        lines = data.splitlines(keepends=True) or [b"\n"]
        index = draw(st.integers(0, len(lines) - 1))
        if kind == "cell" and source.suffix == ".jsonl":
            try:
                record = json.loads(lines[index])
                lines[index] = json.dumps(change_json(draw, record)).encode() + b"\n"
            except ValueError:
                pass
        elif kind == "cell":
            cells = lines[index].rstrip(b"\n").split(b",")
            text = draw(st.sampled_from(HOSTILE_TEXT))
            cells[draw(st.integers(0, len(cells) - 1))] = (f'"{text}"' if draw(st.booleans()) else text).encode()
            lines[index] = b",".join(cells) + b"\n"
        elif kind == "line":
            lines.insert(index, draw(st.sampled_from([
                deep(100_000).encode() + b"\n", b'{"incident": ' + b"1" * 5000 + b"}\n", b"[]\n", b"null\n",
                b'{"started_at": {"a": 1}}\n', b'{"started_at": NaN}\n', b"x" * 300_000 + b"\n"])))
        else:
            lines = [mutate_bytes(draw, b"".join(lines))]
        data = b"".join(lines)
    return source.suffix, data


def _history_file(case, tmp: Path) -> Path:
    kind, content = case
    if kind == "special":
        return special_file(content, tmp)
    path = tmp / f"history{kind}"
    path.write_bytes(content)
    return path


@examples(12)
@given(case=histories(), command=st.sampled_from(["calibrate", "score"]),
       options=st.lists(st.sampled_from([["--timezone", "Europe/Paris"], ["--timezone", "America"],
                                         ["--skip-bad"], ["--preset", "lifecycle"]]), max_size=2))
def test_fuzz_histories(tmp_path_factory, case, command, options):
    tmp = tmp_path_factory.mktemp("history")
    path = _history_file(case, tmp)
    flat = [o for pair in options for o in pair]
    if command == "calibrate":
        args = ["calibrate", path, "--bootstrap", "20", "--quiet", "--out", tmp / "fit.yaml", *flat]
    else:
        args = ["score", path, "--scenario", SCENARIO, "--mode", "db", "-n", "10", "--out", tmp / "score", *flat]
    play("history", args, tmp)


# ── Chaos Toolkit journals ─────────────────────────────────────────────────────────────────────────────────

JOURNAL = json.loads((FIXTURES / "journal.json").read_text(encoding="utf-8"))


@st.composite
def journals(draw) -> bytes | str:
    kind = draw(st.sampled_from(["change", "change", "change", "extensions", "deep", "bytes", "special"]))
    data = json.loads(json.dumps(JOURNAL))
    if kind == "special":
        return draw(st.sampled_from(SPECIAL))
    if kind == "extensions":
        data["experiment"]["extensions"] = draw(st.sampled_from(
            [5, True, "x", [5], [{"name": "drillsim", "mode": v, "severity": w}
                                for v, w in [(draw(st.sampled_from(HOSTILE_VALUES)),
                                              draw(st.sampled_from(HOSTILE_VALUES)))]]]))
    elif kind == "deep":
        levels = draw(st.sampled_from([70, 5_000, 200_000]))
        return ('{"experiment": ' + deep(levels) + ', "start": "2026-03-10T13:00:00"}').encode()
    elif kind == "change":
        for _ in range(draw(st.integers(1, 2))):
            data = change_json(draw, data)
    text = json.dumps(data, ensure_ascii=False).encode()
    return mutate_bytes(draw, text) if kind == "bytes" else text


@examples(12)
@given(case=journals())
def test_fuzz_journals(tmp_path_factory, case):
    tmp = tmp_path_factory.mktemp("journal")
    if isinstance(case, str):
        path = special_file(case, tmp, ".json")
    else:
        path = tmp / "journal.json"
        path.write_bytes(case)
    play("journal", ["score", path, "--scenario", SCENARIO, "--mode", "db", "-n", "10", "--out", tmp / "score"],
         tmp)


# ── Answers and injects files ──────────────────────────────────────────────────────────────────────────────

ANSWERS = (ROOT / "examples" / "drill-answers.txt").read_bytes()
ANSWER_LINES = [b"seed " + b"9" * 4300, "seed ²".encode(), "replication ²".encode(), b"replication 99999999999",
                b"seed -1", b"at Tue 99:99", b"mode [/x]", b"+1x declare SEV9", b"+-5m declare SEV2",
                b"+1m explode", b"items " + b"9" * 5000, "items ³".encode(), b"#" + b"9" * 5000, b"+" + b"9" * 5000
                + b"m update", b"INC-" + b"9" * 100, b"+1m declare SEV2 INC-" + b"9" * 50, b"\x00", b"\xff",
                b"+20m inject customer", b"+1m inject away [bold]", b"roles ic=[/x]", b"+99999w update"]


@st.composite
def answers_files(draw) -> tuple[bytes | str, bytes | str | None]:
    def one() -> bytes | str:
        if draw(st.integers(0, 7)) == 0:
            return draw(st.sampled_from(SPECIAL))
        lines = ANSWERS.splitlines(keepends=True)
        for _ in range(draw(st.integers(0, 3))):  # none: the worked example as it is, played to its debrief
            at = draw(st.integers(0, len(lines)))
            if draw(st.booleans()) and lines:
                lines[min(at, len(lines) - 1)] = draw(st.sampled_from(ANSWER_LINES)) + b"\n"
            else:
                lines.insert(at, draw(st.sampled_from(ANSWER_LINES)) + b"\n")
        return b"".join(lines)

    injects = None
    if draw(st.booleans()):
        injects = draw(st.sampled_from([b"+20m inject customer\n", b"+25m declare SEV1\n", b"seed 3\n",
                                        b"\xff\x00junk\n", b"+5m inject failure\n", "/dev/zero", "{fifo}"]))
    return one(), injects


def _file(content: bytes | str, tmp: Path, name: str) -> Path:
    if isinstance(content, str):
        return special_file(content, tmp / name)
    path = tmp / name / "file.txt"
    path.write_bytes(content)
    return path


@examples(12)
@given(case=answers_files(), turn=st.sampled_from([None, "-5m", "0s", "10m", "x"]))
def test_fuzz_answers(tmp_path_factory, case, turn):
    tmp = tmp_path_factory.mktemp("answers")
    (tmp / "a").mkdir()
    (tmp / "i").mkdir()
    answers, injects = case
    args = ["drill", ROOT / "scenarios" / "default.yaml", "--answers", _file(answers, tmp, "a"), "--out",
            tmp / "drill", "--quiet", "-n", "5"]
    if injects is not None:
        args += ["--injects", _file(injects, tmp, "i")]
    if turn is not None:
        args += ["--turn", turn]
    play("answers", args, tmp)


# ── Results folders read back by `report` ──────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results") / "run"
    result = runner.invoke(app, ["run", str(SCENARIO), "-n", "2", "--quiet", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _resign(data: dict) -> dict:
    """A changed summary given a matching digest: anyone can recompute it, so it proves nothing."""
    with contextlib.suppress(ValueError, TypeError, RecursionError):
        data[DIGEST] = summary_digest(data)
    return data


@st.composite
def folder_damage(draw) -> list[tuple]:
    out = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["summary", "summary", "summary", "incidents", "events", "sparse", "special"]))
        out.append((kind, draw(st.data())))
    return out


def _damage(folder: Path, kind: str, data) -> None:
    summary = folder / "summary.json"
    if kind == "summary":
        document = json.loads(summary.read_text(encoding="utf-8"))
        for _ in range(data.draw(st.integers(1, 3))):
            document = change_json(data.draw, document)
        text = json.dumps(_resign(document), ensure_ascii=False)
        summary.write_text(text, encoding="utf-8")
    elif kind in ("incidents", "events"):
        path = folder / ("incidents.csv" if kind == "incidents" else "events.parquet")
        if path.exists():
            path.write_bytes(mutate_bytes(data.draw, path.read_bytes()))
    elif kind == "sparse":
        path = folder / data.draw(st.sampled_from(["summary.json", "incidents.csv", "events.parquet"]))
        with open(path, "r+b") as handle:
            handle.truncate(6 << 30)  # 6 GB, sparse: no disk used
    else:
        path = folder / data.draw(st.sampled_from(["summary.json", "incidents.csv", "events.parquet"]))
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        choice = data.draw(st.sampled_from(["fifo", "folder", "link"]))
        if choice == "fifo":
            os.mkfifo(path)
        elif choice == "folder":
            path.mkdir()
        else:
            path.symlink_to("/dev/zero")


@examples(10)
@given(damage=folder_damage())
def test_fuzz_results_folders(tmp_path_factory, results, damage):
    tmp = tmp_path_factory.mktemp("report")
    folder = tmp / "run"
    shutil.copytree(results, folder)
    for kind, data in damage:
        _damage(folder, kind, data)
    play("results folder", ["report", folder, "--quiet"], tmp)


# ── Dates and time zones ───────────────────────────────────────────────────────────────────────────────────

DATES = ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1899-12-31T00:00:00", "1900-01-01T00:00:00",
         "2200-12-31T00:00:00", "2200-06-01T00:00:00", "2026-03-29T01:30:00", "2026-02-30T00:00:00", "x", "",
         "2026-01-05T09:00:00+14:00", "2026-01-05T09:00:00-23:59"]
ZONES = ["UTC", "America", "Etc", "America/", "Europe/Londn", "../../etc/passwd", "Etc/GMT+14", "posixrules",
         "[/x]", "x" * 5000, "Europe/London", "zone.tab", ""]
MINIMAL = (ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
PEOPLE = "team:\n  people:\n    - {{name: Ana, timezone: '{zone}'}}\n    - {{name: Ben}}\n  acknowledge: 3m\n"


@st.composite
def calendars(draw) -> tuple[str, list[str]]:
    command = draw(st.sampled_from(["scenario", "scenario", "person", "plan", "calibrate"]))
    date, zone = draw(st.sampled_from(DATES)), draw(st.sampled_from(ZONES))
    return command, [date, zone, draw(st.sampled_from(["30d", "1000w", "52w"]))]


@examples(12)
@given(case=calendars())
def test_fuzz_dates_and_zones(tmp_path_factory, case):
    tmp = tmp_path_factory.mktemp("calendar")
    command, (date, zone, horizon) = case
    if command in ("scenario", "person"):
        text = MINIMAL.replace("horizon: 30d", f"horizon: {horizon}\nstart: '{date}'\ntimezone: '{zone}'")
        if command == "person":
            text = text.replace("team:\n  responders: 2\n  acknowledge: 3m\n", PEOPLE.format(zone=zone))
        path = tmp / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        if play("dates and zones", ["validate", path], tmp) == "0":
            play("dates and zones", ["run", path, "-n", "1", "--quiet", "--workers", "1"], tmp)
    elif command == "plan":
        play("dates and zones", ["gameday", "plan", SCENARIO, "--inject", "db", "--at", date, "--timezone", zone,
                                 "-n", "10", "--quiet", "--out", tmp / "plan"], tmp)
    else:
        play("dates and zones", ["calibrate", FIXTURES / "local_times.csv", "--timezone", zone, "--since", date,
                                 "--bootstrap", "20", "--quiet", "--out", tmp / "fit.yaml"], tmp)


# ── Command-line options ───────────────────────────────────────────────────────────────────────────────────

VALUES = ["-1", "0", "1", "1" + "0" * 30, "²", "nan", "inf", "-5m", "0s", "1e309", "[/x]", "x" * 5000, "",
          "\x1b[2J", "/dev/zero", "{fifo}", "{folder}", "America"]
COMMANDS = {
    "run": ["--replications", "--seed", "--workers", "--out"],
    "validate": [],
    "calibrate": ["--bootstrap", "--since", "--until", "--timezone", "--map", "--preset", "--name", "--seed"],
    "drill": ["--turn", "--speed", "--at", "--mode", "--seed", "--injects", "--replications"],
    "report": ["--incident", "--replication"],
    "gameday plan": ["--at", "--timezone", "--severity", "--replications", "--seed"],
}


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = command.split()
    if command in ("run", "validate"):
        args.append(str(SCENARIO))
    elif command == "calibrate":
        args += [str(FIXTURES / "valid.csv"), "--quiet", "--out", "{tmp}/fit.yaml"]
    elif command == "drill":
        args += [str(ROOT / "scenarios" / "default.yaml"), "--answers", str(ROOT / "examples" / "drill-answers.txt"),
                 "--out", "{tmp}/drill", "--quiet"]
    elif command == "report":
        args += ["{results}", "--quiet"]
    else:
        args += [str(SCENARIO), "--inject", "db", "--out", "{tmp}/plan", "--quiet"]
    for _ in range(draw(st.integers(1, 3))):
        if COMMANDS[command]:
            args += [draw(st.sampled_from(COMMANDS[command])), draw(st.sampled_from(VALUES))]
    if command in ("run", "gameday plan", "drill") and "--replications" not in args:
        args += ["--replications", "5"]
    return args


@examples(12)
@given(args=command_lines())
def test_fuzz_command_line_options(tmp_path_factory, results, args):
    tmp = tmp_path_factory.mktemp("options")
    folder = tmp / "results"
    shutil.copytree(results, folder)
    fifo = tmp / "fifo"
    os.mkfifo(fifo)
    (tmp / "folder").mkdir()
    places = {"{tmp}": str(tmp), "{results}": str(folder), "{fifo}": str(fifo), "{folder}": str(tmp / "folder")}
    for key, value in places.items():
        args = [a.replace(key, value) for a in args]
    play("command line", args, tmp)
