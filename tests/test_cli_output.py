"""What the commands print where their output goes (a terminal, a pipe or a file), what their help lists, where
they read a scenario from, and the Makefile's fuzz target."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# ── make fuzz ──────────────────────────────────────────────────────────────────────────────────────────────


def _make_fuzz(tmp_path: Path, failing: str) -> subprocess.CompletedProcess:
    """`make fuzz` with the Makefile as it is, its pytest replaced by one that fails when its arguments hold
    `failing` (and passes otherwise)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    bin_ = tmp_path / ".venv" / "bin"
    bin_.mkdir(parents=True)
    (bin_ / "python").symlink_to(sys.executable)
    (bin_ / "pytest").write_text(f'#!/bin/sh\ncase "$*" in *{failing}*) exit 1;; esac\nexit 0\n', encoding="utf-8")
    (bin_ / "pytest").chmod(0o755)
    for stamp in (".installed", ".installed-dev"):  # installed already: make does not try pip
        (tmp_path / ".venv" / stamp).touch()
    return subprocess.run(["make", "--no-print-directory", "fuzz"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "MAKEFLAGS": ""})


@pytest.mark.parametrize("failing", ["tests/test_fuzz.py", "tests/test_fuzz_surfaces.py", "-m slow"])
def test_make_fuzz_fails_when_a_fuzz_test_fails(tmp_path, failing):
    done = _make_fuzz(tmp_path, failing)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "make fuzz: a fuzz or slow test failed" in done.stderr


def test_make_fuzz_passes_when_every_fuzz_test_passes(tmp_path):
    done = _make_fuzz(tmp_path, "nothing-fails")
    assert done.returncode == 0, done.stdout + done.stderr


# ── --preset's help ────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("command", ["calibrate", "score"])
def test_preset_help_lists_every_preset_with_what_it_reads(command):
    from typer.testing import CliRunner

    from simulator.cli import app
    from simulator.history.presets import PRESETS

    done = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "1000", "NO_COLOR": "1"})
    assert done.exit_code == 0, done.output
    line = next(line for line in done.output.splitlines() if "Read a known export" in line)
    for name, preset in PRESETS.items():
        assert f" {name} ({preset.brief})" in line, name
    assert all(preset.brief for preset in PRESETS.values())


# ── Width of the output ────────────────────────────────────────────────────────────────────────────────────


def _drillsim(*args: str, columns: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """drillsim in a fresh process, its stdout and stderr pipes (not a terminal), COLUMNS as given or unset."""
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "FORCE_COLOR", "TERM")}
    env.update({"NO_COLOR": "1", **({"COLUMNS": columns} if columns is not None else {})})
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True, env=env,
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL, timeout=600)


SWEEP = ("sweep", "--set", "team.escalate_after=2m", "-n", "4")


def test_piped_output_without_columns_cuts_and_wraps_no_table():
    """A table wider than any fixed width (the sweep's cost table is 160 columns and more) stays whole, a row a
    line, when stdout is a pipe or a file and COLUMNS says no width."""
    done = _drillsim(*SWEEP)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for figure in ("users affected per 90d", "cost of downtime per 90d"):
        assert any(line.startswith(f"│ {figure} ") and "(as written)" in line for line in lines), figure
    assert max(len(line) for line in lines) > 160
    table = lines[lines.index(next(line for line in lines if line.startswith("What the incidents cost"))) + 1:]
    table = table[:next(i for i, line in enumerate(table) if line.startswith("└")) + 1]
    assert len({len(line) for line in table}) == 1  # every line of the table as wide: nothing wrapped


def test_piped_output_lines_end_without_padding():
    """Piped, a table's title is not padded out to the table's width with spaces (rich pads it so on a
    terminal): no line of a run's output ends in a space, with or without COLUMNS."""
    for columns in (None, "200"):
        done = _drillsim("run", "-n", "3", columns=columns)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert any(line.startswith("On-call load per person") for line in lines)
        assert [line for line in lines if line.endswith(" ")] == []


@pytest.mark.parametrize("args", [SWEEP, ("compare", "--set", "team.escalate_after=2m", "-n", "4", "-q"),
                                  ("run", "-n", "3"), ("maturity", "-n", "2", "-q", "--out", "{tmp}")])
def test_piped_output_honours_columns(args, tmp_path):
    done = _drillsim(*(arg.format(tmp=tmp_path / "out") for arg in args), columns="100")
    assert done.returncode == 0, done.stderr
    widest = max(len(line) for line in done.stdout.splitlines())
    assert widest <= 100 and widest >= 90, done.stdout


def test_output_width_follows_where_the_output_goes(monkeypatch):
    import io

    from simulator.cli.common import UNBOUNDED, console, output_width

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert output_width() == UNBOUNDED and console().width == UNBOUNDED
    assert output_width(stderr=True) is None
    monkeypatch.setenv("COLUMNS", "97")
    assert output_width() == 97 and console().width == 97 and console(stderr=True).width == 97
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert output_width() is None and console().width == 97  # a terminal: rich's own, which reads COLUMNS


def test_every_command_prints_through_the_one_console():
    """No command builds its own rich Console with a width of its own: they all ask common.console."""
    for path in sorted((ROOT / "simulator" / "cli").glob("*.py")):
        if path.name != "common.py":
            text = path.read_text(encoding="utf-8")
            assert "Console(" not in text and "isatty() else" not in text, path.name


# ── A scenario from standard input ─────────────────────────────────────────────────────────────────────────



def _default_text() -> str:
    from simulator.scenario.bundled import default_scenario

    return default_scenario().read_text(encoding="utf-8")


@pytest.mark.parametrize("spelling", ["-", "/dev/stdin"])
def test_run_reads_a_piped_scenario_from_standard_input(spelling):
    done = _drillsim("run", spelling, "-n", "3", "-q", stdin=_default_text())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Online shop checkout: 3 replications × 90d, seed 20261127; 38 incidents")
    from_file = _drillsim("run", "-n", "3", "-q")
    assert done.stdout == from_file.stdout  # the same scenario, the same numbers


def test_a_bad_piped_scenario_is_named_stdin_with_its_line_and_field():
    text = _default_text()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "monitoring: {probability: 0.85" in row)
    done = _drillsim("run", "-", "-n", "3", stdin=text.replace("monitoring: {probability: 0.85", "monitoring: "
                                                                "{probability: 1.85", 1))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [f"<stdin>:{line}:20: failure_modes[0].detection.monitoring.probability: "
                                        "must be at most 1.0 (got 1.85)", "1 problem found."]
    broken = _drillsim("validate", "-", stdin="name: x\nfailure_modes: [\n")
    assert broken.returncode == 2 and broken.stderr.startswith("<stdin>:3:1: ")
    assert _drillsim("validate", "-", stdin=text).stdout == "<stdin>: ok (Online shop checkout: 4 failure modes)\n"


def test_a_terminal_on_standard_input_is_refused_rather_than_waited_on(monkeypatch):
    import io

    from simulator.errors import ScenarioError
    from simulator.scenario import validate

    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(validate, "_stdin", [])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(Terminal(b"name: never read\n")))
    with pytest.raises(ScenarioError, match=r"^<stdin>: standard input is a terminal: pipe a scenario into it"):
        validate.load_scenario("-")
