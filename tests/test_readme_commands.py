"""The README's `drillsim compare` commands that need no file of the reader's own run on the bundled scenario
(briefly: few replications), so that an example that stopped working fails here first."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from simulator.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands(command: str) -> list[list[str]]:
    """Every `drillsim COMMAND …` line of the README's sh blocks (continuations joined) whose arguments name no
    file: those run as they are on the bundled scenario."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:2] == ["drillsim", command] and not any(w.endswith((".yaml", ".yml", "/")) for w in words):
                found.append(words[2:])
    return found


def test_the_readme_compare_examples_run_on_the_bundled_scenario():
    commands = readme_commands("compare")
    assert any("debug-first:policy.mitigation=debug-first" in words for words in commands)
    for words in commands:
        result = CliRunner().invoke(app, ["compare", *words, "-n", "3", "--resamples", "100", "-q"])
        assert result.exit_code == 0, (words, result.output)
