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
