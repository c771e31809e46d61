"""drillsim drill in a real terminal: tmux runs it, send-keys types, capture-pane reads the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_drill import HIDDEN, PROVIDER

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(
    TMUX is None, reason="tmux is not installed, so drillsim drill cannot be tried in a real terminal: install it "
    "(apt-get install tmux; `make test` does so where it can) to run this test")


def drillsim() -> str:
    found = Path(sys.executable).with_name("drillsim")
    return str(found) if found.exists() else f"{sys.executable} -m simulator"


class Terminal:
    def __init__(self, name: str, command: str):
        self.name = name
        subprocess.run([TMUX, "new-session", "-d", "-s", name, "-x", "160", "-y", "50", command], check=True,
                       env={**os.environ, "TERM": "xterm-256color"})

    def screen(self) -> str:
        return subprocess.run([TMUX, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True,
                              check=True).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run([TMUX, "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.3)

    def wait_for(self, text: str, seconds: float = 300) -> str:  # only a hang waits so long, busy or not
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{self.screen()}")

    def turns_until(self, text: str, most: int = 60) -> str:
        """Press n (the next event) until `text` is on the screen."""
        for _ in range(most):
            if text in self.screen():
                break
            self.keys("n")
        return self.wait_for(text)

    def close(self) -> None:
        subprocess.run([TMUX, "kill-session", "-t", self.name], capture_output=True)


def test_a_drill_at_a_real_terminal_plays_again_to_the_same_bytes(tmp_path):
    (tmp_path / "p.yaml").write_text(PROVIDER)
    out = tmp_path / "drill"
    command = f"cd {tmp_path} && {drillsim()} drill p.yaml --seed 5 --turns --turn 2m -n 50 -o {out}; sleep 60"
    terminal = Terminal(f"drillsim-{os.getpid()}", command)
    try:
        first = terminal.wait_for("card payments declined")
        assert "monitoring alert" in first
        terminal.keys("n", "d")
        assert "Declare INC-0001 at which severity?" in terminal.wait_for("at which severity")
        terminal.keys("2")
        screen = terminal.turns_until("Who takes the Comms lead role?")
        assert not any(word in screen.lower() for word in HIDDEN)
        terminal.keys("1")
        assert "1  rollback" in terminal.wait_for("what next?")
        terminal.keys("1")
        terminal.turns_until("did not restore service")
        terminal.wait_for("what next?")
        terminal.keys("1")
        assert "diagnosed: provider-outage" in terminal.turns_until("Every incident is resolved")
        terminal.keys("q")
        debrief = terminal.wait_for("Timeline beside the policy", 600)
        assert "Debrief: INC-0001, provider-outage" in debrief
        terminal.keys("q")
        assert "answers.txt" in terminal.wait_for("Wrote")
    finally:
        terminal.close()
    again = subprocess.run([*drillsim().split(), "drill", str(tmp_path / "p.yaml"), "--answers",
                            str(out / "answers.txt"), "-n", "50", "-o", str(tmp_path / "again"), "-q"],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    for name in ("events.parquet", "incidents.csv", "debrief.md"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
