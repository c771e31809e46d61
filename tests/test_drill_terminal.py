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


def test_a_two_incident_drill_at_a_real_terminal_plays_again_to_the_same_bytes(tmp_path):
    """Declare, inject a second failure, Tab to it (Tab is the drill's, not Textual's focus key), declare it too,
    write a stakeholder update, play both to their end; the saved answers play again to the same bytes."""
    (tmp_path / "p.yaml").write_text(PROVIDER)
    out = tmp_path / "drill"
    command = f"cd {tmp_path} && {drillsim()} drill p.yaml --seed 5 --turns --turn 2m -n 50 -o {out}; sleep 60"
    terminal = Terminal(f"drillsim-{os.getpid()}", command)
    try:
        first = terminal.wait_for("card payments declined")
        assert "monitoring alert" in first
        terminal.keys("n", "d")
        assert "Declare INC-0001 at which severity?" in terminal.wait_for("at which severity")
        assert "SEV2  a core function fails" in terminal.screen()
        terminal.keys("2")
        terminal.wait_for("INC-0001: you declared it at SEV2")
        terminal.keys("g")
        terminal.wait_for("a second failure starts")
        terminal.keys("2")
        terminal.wait_for("a second failure has started (INC-0002)")
        screen = terminal.turns_until("Who takes the Comms lead role?")
        assert not any(word in screen.lower() for word in HIDDEN)
        assert "1  Ben" in screen
        terminal.keys("1")
        assert "Ben takes the Comms lead role" in terminal.wait_for("Comms lead role")
        for _ in range(80):                            # on to INC-0002's alert, answering what INC-0001 asks
            screen = terminal.screen()
            if "INC-0002 monitoring alert" in screen and "what next?" not in screen:
                break
            terminal.keys("1" if "what next?" in screen else "n")
        terminal.keys("Tab")
        terminal.wait_for("Focus: INC-0002")
        terminal.keys("d", "2")
        terminal.wait_for("INC-0002: you declared it at SEV2")
        terminal.keys("u")
        terminal.wait_for("Stakeholder update about INC-0002")
        for text in ("checkout fails for card payers", "rolling back", "15m"):
            subprocess.run([TMUX, "send-keys", "-t", terminal.name, "-l", text], check=True)
            time.sleep(0.3)
            terminal.keys("Enter")
        terminal.wait_for("INC-0002: you sent a stakeholder update (next in 15m)")
        for _ in range(300):
            screen = terminal.screen()
            if "Every incident is resolved" in screen:
                break
            asked = any(words in screen for words in ("what next?", "Who takes", "Confirm it is"))
            terminal.keys("1" if asked else "n")
        assert "diagnosed: provider-outage" in terminal.wait_for("Every incident is resolved")
        terminal.keys("q")
        debrief = terminal.wait_for("Timeline beside the policy", 600)
        assert "Debrief: INC-0001, provider-outage" in debrief
        terminal.keys("q")
        assert "answers.txt" in terminal.wait_for("Wrote")
    finally:
        terminal.close()
    answers = (out / "answers.txt").read_text()
    assert "inject failure" in answers and "declare SEV2 INC-2" in answers
    assert "update INC-2 | checkout fails for card payers | rolling back | 15m" in answers
    assert "# Debrief: INC-0002" in (out / "debrief.md").read_text()
    again = subprocess.run([*drillsim().split(), "drill", str(tmp_path / "p.yaml"), "--answers",
                            str(out / "answers.txt"), "-n", "50", "-o", str(tmp_path / "again"), "-q"],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    for name in ("events.parquet", "incidents.csv", "debrief.md"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
