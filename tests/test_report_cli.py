"""`drillsim report`, `drillsim run --report`, and the progress bar that shows only on slow runs in a
terminal."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from simulator import load_scenario, simulate, write_results
from simulator.cli import app
from simulator.report.progress import RunProgress
from simulator.scenario.bundled import default_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    write_results(simulate(load_scenario(default_scenario()), replications=2), folder)
    return folder


def test_report_tells_the_chosen_incident(folder):
    result = runner.invoke(app, ["report", str(folder), "--incident", "1:2", "--replication", "0"])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert "INC-0002 of replication 1 (`1:2`): postmortem draft" in markdown
    assert "Timeline of replication 0" in markdown


@pytest.mark.parametrize(("options", "message"), [
    (["--incident", "seven"], "REPLICATION:INCIDENT"),
    (["--incident", "0:999"], "0:999 is not in these results"),
    (["--replication", "5"], "replication 5 is not in these results"),
])  # fmt: skip
def test_report_refuses_what_is_not_there(folder, options, message):
    result = runner.invoke(app, ["report", str(folder), *options])
    assert result.exit_code == 2
    assert message in result.output


def test_report_on_a_missing_folder(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2


def test_run_report_writes_the_report_into_out(tmp_path, monkeypatch):
    built = []
    def write_report(out):
        built.append(out)
        return [out / "report.html", out / "report.md"]

    monkeypatch.setattr("simulator.report.build.write_report", write_report)
    result = runner.invoke(app, ["run", "-n", "2", "--out", str(tmp_path), "--report"])
    assert result.exit_code == 0, result.output
    assert len(built) == 1 and built[0].parent == tmp_path.parent  # written in the folder being built beside it
    assert (tmp_path / "summary.json").exists()
    assert "Wrote report.html, report.md" in result.output


def test_run_report_needs_out():
    result = runner.invoke(app, ["run", "-n", "1", "--report"])
    assert result.exit_code == 2
    assert "--report needs --out" in result.output


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def terminal(buffer) -> Console:
    return Console(file=buffer, force_terminal=True, width=100)


def test_the_progress_bar_waits_a_second_then_shows_rate_and_time_left():
    buffer, clock = io.StringIO(), FakeClock()
    with RunProgress(100, console=terminal(buffer), clock=clock) as progress:
        progress(10)
        clock.now = 0.5
        progress(20)
        assert progress.bar is None  # a fast run shows nothing
        clock.now = 2.0
        progress(50)
        assert progress.bar is not None
        task = progress.bar.tasks[0]
        assert task.completed == 50
        assert task.fields["rate"] == "· 25/s" and task.fields["left"] == "· 2s left"
    assert progress.bar is None


@pytest.mark.parametrize("enabled", [True, False])
def test_no_progress_bar_off_a_terminal_or_when_quiet(enabled):
    buffer, clock = io.StringIO(), FakeClock()
    console = Console(file=buffer, force_terminal=False) if enabled else terminal(buffer)
    with RunProgress(100, console=console, clock=clock, enabled=enabled) as progress:
        clock.now = 5.0
        progress(50)
        assert progress.bar is None
    assert buffer.getvalue() == ""
