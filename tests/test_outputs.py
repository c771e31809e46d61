"""Results on disk: every file written whole, every results folder one run's and whole (built beside its
target, swapped in, locked against a second command, cleaned of what dead runs left), and the same run id in
summary.json, incidents.csv and events.jsonl."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator import api
from simulator.api import simulate
from simulator.cli import app
from simulator.engine.policy import AutomaticPolicy
from simulator.errors import DrillsimError
from simulator.outputs import folders
from simulator.outputs import run as run_out
from simulator.outputs.eventlog import log_run_id
from simulator.outputs.files import atomic_open, write_csv, write_json
from simulator.outputs.folders import FolderLock, results_folder
from simulator.outputs.names import EVENTS, INCIDENTS, MANIFEST, SUMMARY
from simulator.outputs.run import write_incidents, write_summary
from simulator.report.results import read_results
from simulator.results.metrics import TEXT, IncidentTable
from simulator.scenario.bundled import default_scenario
from simulator.scenario.validate import load_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def default():
    return load_scenario(default_scenario())


def temporaries(folder: Path) -> list[str]:
    """drillsim's temporary files and folders in `folder`."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".part", ".staging", ".old")))


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# ── One file ───────────────────────────────────────────────────────────────────────────────────────────────


def test_an_interrupted_write_leaves_the_previous_file_intact(tmp_path):
    write_summary(tmp_path, {"old": True})
    before = (tmp_path / SUMMARY).read_bytes()
    with pytest.raises(KeyboardInterrupt), atomic_open(tmp_path / SUMMARY) as handle:
        handle.write('{"metrics": {')
        raise KeyboardInterrupt
    assert (tmp_path / SUMMARY).read_bytes() == before
    assert temporaries(tmp_path) == []


def test_a_full_disk_part_way_through_a_csv_leaves_no_file(default, tmp_path, monkeypatch):
    table = simulate(default, replications=20, keep_events=False, workers=1).incidents
    real = IncidentTable.codes
    calls = []

    def failing(self, name):
        calls.append(name)
        if len(calls) > 2 * len(TEXT):  # the categories, then the first block's codes, then the second block's
            raise OSError(28, "No space left on device")
        return real(self, name)

    monkeypatch.setattr(IncidentTable, "codes", failing)
    with pytest.raises(DrillsimError, match=r"cannot write .*incidents\.csv: No space left on device"):
        write_incidents(tmp_path, table, block=50)  # fails on the second block of rows
    assert not (tmp_path / INCIDENTS).exists() and temporaries(tmp_path) == []


class FailingPolicy(AutomaticPolicy):
    """Breaks in the eleventh replication (a policy is made for each)."""

    made = 0

    def __init__(self, scenario):
        super().__init__(scenario)
        FailingPolicy.made += 1
        if FailingPolicy.made > 10:
            raise RuntimeError("the policy broke")


def test_a_run_that_fails_part_way_leaves_no_event_log(default, tmp_path):
    FailingPolicy.made = 0
    with pytest.raises(RuntimeError, match="the policy broke"):
        simulate(default, replications=20, policy=FailingPolicy, events_to=tmp_path / EVENTS, workers=1, chunk=2)
    assert not (tmp_path / EVENTS).exists() and temporaries(tmp_path) == []


def test_files_get_the_usual_permissions_and_importing_leaves_the_umask_alone(tmp_path):
    check = ("import os; os.umask(0o027); import simulator.outputs, simulator.report.build, simulator.api; "
             "assert os.umask(0o027) == 0o027; from simulator.outputs.files import write_json; "
             f"write_json({str(tmp_path / 'a.json')!r}, {{'a': 1}})")
    subprocess.run([sys.executable, "-c", check], check=True)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o640


def test_temporary_files_of_dead_processes_are_removed_by_the_next_write(tmp_path):
    dead = tmp_path / f".summary.json.{dead_pid()}-0a1b.tmp"
    living = tmp_path / f".summary.json.{os.getppid()}-0a1b.tmp"  # a process still running
    other = tmp_path / f".other.json.{dead_pid()}-0a1b.tmp"  # another file's: left for its own next write
    for path in (dead, living, other):
        path.write_text("half")
    write_summary(tmp_path, {"a": 1})
    assert not dead.exists() and living.exists() and other.exists()


def test_json_and_csv_take_numpy_numbers_as_plain_ones(tmp_path):
    import numpy as np

    write_json(tmp_path / "a.json", {"x": np.float64(0.5), "n": np.int64(3), "nan": float("nan"),
                                     "list": np.array([1.5, 2.0])})
    assert json.loads((tmp_path / "a.json").read_text()) == {"x": 0.5, "n": 3, "nan": None, "list": [1.5, 2.0]}
    write_csv(tmp_path / "a.csv", ["x", "n", "nan"], [[np.float64(0.5), np.int32(3), np.float64("nan")]])
    assert (tmp_path / "a.csv").read_text() == "x,n,nan\n0.5,3,\n"


# ── Whole folders ──────────────────────────────────────────────────────────────────────────────────────────


def test_a_folder_is_replaced_whole(tmp_path):
    target = tmp_path / "out"
    with results_folder(target) as staging:
        (staging / "a.txt").write_text("first")
        (staging / "b.txt").write_text("first")
    with results_folder(target) as staging:
        assert staging.parent == tmp_path and not target.samefile(staging)
        (staging / "a.txt").write_text("second")
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "a.txt"]
    assert (target / "a.txt").read_text() == "second"
    assert json.loads((target / MANIFEST).read_text())["files"] == ["a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no lock, staging or old folder left


def test_a_failed_build_leaves_the_old_folder_as_it_was(tmp_path):
    target = tmp_path / "out"
    with results_folder(target) as staging:
        (staging / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), results_folder(target) as staging:
        (staging / "a.txt").write_text("new")
        raise RuntimeError("the run broke")
    assert (target / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_folder_keeps_its_permissions(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    target.chmod(0o750)
    with results_folder(target) as staging:
        (staging / "a.txt").write_text("x")
    assert target.stat().st_mode & 0o777 == 0o750


def test_a_folder_with_files_drillsim_did_not_write_is_never_replaced(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "summary.json").write_text("{}")
    (target / "notes.txt").write_text("mine")
    with pytest.raises(DrillsimError, match=r"holds 'notes\.txt', 'summary\.json', which drillsim did not write "
                                            r"\(it has no \.drillsim file"), results_folder(target):
        pass
    assert (target / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("names", [["photo.png"], ["report.md"], ["sweep.csv"], [".thesis.draft.part"],
                                   ["summary.json", "incidents.csv", "events.jsonl", "report.html"],
                                   [".summary.json.123-abcd.tmp"]])
def test_no_name_is_taken_for_drillsims_by_its_look(tmp_path, names):
    """Without drillsim's manifest, a folder that is not empty is the user's, whatever its files are called."""
    target = tmp_path / "out"
    target.mkdir()
    for name in names:
        (target / name).write_text("mine")
    result = runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert "which drillsim did not write" in result.output and repr(names[0]) in " ".join(result.output.split())
    assert sorted(p.name for p in target.iterdir()) == sorted(names)
    assert all((target / name).read_text() == "mine" for name in names)


def test_a_drillsim_folder_with_one_foreign_file_is_refused_and_names_it(tmp_path):
    target = tmp_path / "out"
    with results_folder(target) as staging:
        (staging / "report.md").write_text("drillsim's")
    (target / ".thesis.draft.part").write_text("mine")
    (target / "holiday.png").write_bytes(b"mine")
    with pytest.raises(DrillsimError, match=r"holds '\.thesis\.draft\.part', 'holiday\.png', which drillsim did not "
                                            r"write;"), results_folder(target):
        pass
    assert (target / ".thesis.draft.part").read_text() == "mine"
    # a listed name that became a folder of the user's is not drillsim's either
    (target / ".thesis.draft.part").unlink()
    (target / "holiday.png").unlink()
    (target / "report.md").unlink()
    (target / "report.md").mkdir()
    (target / "report.md" / "draft.txt").write_text("mine")
    with pytest.raises(DrillsimError, match=r"holds 'report\.md'"), results_folder(target):
        pass
    assert (target / "report.md" / "draft.txt").read_text() == "mine"


def test_an_empty_folder_and_drillsims_own_are_replaced(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    with results_folder(target) as staging:
        (staging / "a.txt").write_text("first")
    (target / f".a.txt.{dead_pid()}-beef.tmp").write_text("left by a killed write")
    with results_folder(target) as staging:
        (staging / "b.txt").write_text("second")
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "b.txt"]


def test_a_file_the_user_puts_in_while_drillsim_works_is_kept(tmp_path):
    target = tmp_path / "out"
    with results_folder(target) as staging:
        (staging / "a.txt").write_text("first")
    with pytest.raises(DrillsimError, match=r"'notes\.txt'"), results_folder(target) as staging:
        (staging / "a.txt").write_text("second")
        (target / "notes.txt").write_text("mine")
    assert (target / "notes.txt").read_text() == "mine" and (target / "a.txt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_is_not_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    for target, message in ((tmp_path / "file", "is a file, not a folder"),
                            (tmp_path / "file" / "out", "file is a file, not a folder")):
        with pytest.raises(DrillsimError, match=message), results_folder(target):
            pass


def test_a_second_command_into_the_same_folder_is_refused(tmp_path):
    target = tmp_path / "out"
    with FolderLock(target):
        result = runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(target)])
    assert result.exit_code == 2
    assert f"another drillsim command is writing into {target} (process {os.getpid()})" in result.output
    assert not target.exists()
    result = runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(target)])  # the lock is gone with it
    assert result.exit_code == 0, result.output


def test_staging_folders_of_dead_runs_are_removed_by_the_next_run(tmp_path):
    target = tmp_path / "out"
    dead = tmp_path / f".out.{dead_pid()}-00ff.staging"
    dead.mkdir()
    (dead / "events.jsonl").write_text("half a run")
    with results_folder(target) as staging:
        (staging / "a.txt").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_without_an_atomic_exchange_a_kill_between_the_renames_is_repaired(tmp_path, monkeypatch):
    target = tmp_path / "out"
    with results_folder(target) as staging:
        (staging / "a.txt").write_text("old")
    monkeypatch.setattr(folders, "_exchange", lambda a, b: False)
    renames = []
    real_rename = os.rename

    def killed_after_one_rename(a, b):
        if renames:
            raise KeyboardInterrupt  # stands for a kill: nothing after the first rename happens
        renames.append((a, b))
        real_rename(a, b)

    monkeypatch.setattr(os, "rename", killed_after_one_rename)
    with pytest.raises(KeyboardInterrupt), results_folder(target) as staging:
        (staging / "a.txt").write_text("new")
    monkeypatch.setattr(os, "rename", real_rename)
    assert not target.exists()  # the old folder is beside it, under a temporary name
    with results_folder(target) as staging:  # the next run puts it back first, then replaces it
        assert (target / "a.txt").read_text() == "old"
        (staging / "a.txt").write_text("newer")
    assert (target / "a.txt").read_text() == "newer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ── A run's folder ─────────────────────────────────────────────────────────────────────────────────────────


def test_one_run_id_in_all_three_files(default, tmp_path):
    api.write_results(simulate(default, replications=3, workers=1), tmp_path)
    summary = json.loads((tmp_path / SUMMARY).read_text())
    run = summary["run_id"]
    assert len(run) == 16
    assert log_run_id(tmp_path / EVENTS) == run
    lines = (tmp_path / INCIDENTS).read_text().splitlines()
    assert lines[0].endswith(",run_id") and all(line.endswith(f",{run}") for line in lines[1:])
    assert summary["files"][INCIDENTS] == run_out.file_digest(tmp_path / INCIDENTS)
    assert summary["files"][EVENTS] == run_out.file_digest(tmp_path / EVENTS)
    other = json.loads(json.dumps(summary))
    api.write_results(simulate(default, replications=3, seed=default.seed + 1, workers=1), tmp_path)
    assert json.loads((tmp_path / SUMMARY).read_text())["run_id"] != other["run_id"]


def test_an_unwritable_out_is_refused_before_the_run(tmp_path, monkeypatch):
    def no_run(*args, **kwargs):
        raise AssertionError("the simulation started")

    monkeypatch.setattr(api, "simulate", no_run)
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file" / "out", Path("/proc/drillsim-results"), tmp_path / "file"):
        result = runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "error:" in result.output or "Invalid value" in result.output


def test_an_out_without_room_is_refused_before_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(folders.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 10_000))
    result = runner.invoke(app, ["run", "-n", "2000", "--quiet", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "would need about" in result.output and "10.0 kB free" in result.output
    assert not (tmp_path / "out").exists() and os.listdir(tmp_path) == []


def test_a_disk_that_fills_up_during_the_run_leaves_the_old_folder(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def small_files():  # files larger than 64 kB cannot be written: as a disk that fills up
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))

    process = subprocess.run([sys.executable, "-m", "simulator", "run", "-n", "50", "--quiet", "--workers", "1",
                              "--out", str(out)], capture_output=True, text=True, preexec_fn=small_files)
    assert process.returncode == 2, process.stderr
    assert process.stderr.startswith("error: cannot write") and "Traceback" not in process.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def check_whole(out: Path, seeds: set[int]) -> int:
    """The folder is one run's whole results; returns that run's seed."""
    results = read_results(out)  # checks the run id and the digests of summary.json's files
    assert results.summary["seed"] in seeds
    results.events_of([0])  # checks the digest of the whole event log
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*listed, MANIFEST])
    return results.summary["seed"]


@pytest.mark.parametrize("every", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_killed_at_any_moment_the_folder_is_the_old_runs_or_the_new_ones_whole(tmp_path, every):
    """Runs killed (SIGKILL) at moments through a run, and as soon as the folder being built holds each of its
    files: `make test` tries two such moments, `make fuzz` all of them. The clock only spreads the kills over
    a run; nothing is asserted about how long anything took."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulator", "run", "-n", "100" if every else "20", "--quiet", "--workers",
               "1", "--out", str(out)]
    started = time.monotonic()
    subprocess.run([*command, "--seed", "1"], check=True, capture_output=True)
    took = time.monotonic() - started
    seeds = {1}
    # At moments from start-up to past the end of a run; then as soon as
    # the folder being built holds each of its files in turn.
    moments: list = [took * share for share in ((0.3, 0.6, 0.8, 0.95, 1.1) if every else (0.8,))]
    moments += [EVENTS, INCIDENTS, SUMMARY, MANIFEST] if every else [SUMMARY]
    for seed, moment in enumerate(moments, 2):
        process = subprocess.Popen([*command, "--seed", str(seed)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        if isinstance(moment, float):
            time.sleep(moment)
        else:
            deadline = time.monotonic() + 600  # only a run that never gets there: generous on a busy machine
            while not list(tmp_path.glob(f".out.*.staging/{moment}")) and process.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.0005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        seeds.add(check_whole(out, seeds | {seed}))
    subprocess.run([*command, "--seed", "99"], check=True, capture_output=True)
    assert check_whole(out, {99}) == 99
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # what the killed runs left is gone


def test_a_read_only_place_is_refused_before_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "simulate", lambda *a, **k: pytest.fail("the simulation started"))
    target = tmp_path / "read-only" / "out"
    target.parent.mkdir()
    if os.geteuid() != 0:
        target.parent.chmod(0o555)
    else:  # root writes anywhere: stand in for a read-only folder where the lock file would be created
        real_open = os.open

        def read_only(path, flags, *args, **kwargs):
            if str(path).startswith(str(target.parent)) and flags & os.O_CREAT:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", read_only)
    result = runner.invoke(app, ["run", "-n", "2", "--quiet", "--out", str(target)])
    assert result.exit_code == 2
    assert f"cannot write {target}" in result.output and "Permission denied" in result.output


def test_without_flock_the_lock_file_itself_is_the_lock(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fcntl", None)  # as on a system without flock
    target = tmp_path / "out"
    with FolderLock(target), pytest.raises(DrillsimError, match=f"process {os.getpid()}"), FolderLock(target):
        pass
    (tmp_path / ".out.lock").write_text(str(dead_pid()))  # left by a killed run
    with results_folder(target) as staging:
        (staging / "a.txt").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ── Names ──────────────────────────────────────────────────────────────────────────────────────────────────


def test_file_names_made_from_user_text_never_collide():
    from simulator.outputs.names import slug, unique_slugs

    names = unique_slugs(["INC 1", "inc-1", "Inc_1", "INC 2", "", "   ", "x" * 300])
    assert len(set(names.values())) == len(names) == 7
    assert names["INC 2"] == "inc-2"  # a slug nobody else has stays plain
    assert all(name.startswith("inc-1-") for name in (names["INC 1"], names["inc-1"], names["Inc_1"]))
    assert all(len(name) < 80 for name in names.values())
    assert unique_slugs(["INC 1", "inc-1"]) == unique_slugs(["inc-1", "INC 1"])  # the same whatever the order
    assert slug("Payment provider (PSP)") == "payment-provider-psp"


def test_score_figures_of_incidents_whose_slugs_agree_are_all_kept():
    from types import SimpleNamespace

    from simulator.report.gameday import figure_names

    scores = [SimpleNamespace(incident=name) for name in ("INC 1", "inc-1", "INC 2", "INC 2")]
    names = figure_names(scores)
    assert len(set(names)) == 4 and names[2] == "score-inc-2" and names[3] == "score-inc-2-2"
    assert figure_names(scores[:1]) == ["score"]


def test_files_written_beside_the_users_own_never_replace_them(tmp_path):
    """score, gameday plan and calibrate write into folders that hold the user's files too (the drill's own
    folder): a file drillsim did not write, or changed since it wrote it (a filled-in drill.csv), is never
    overwritten; the rest of the folder is left alone; a result drillsim wrote is replaced."""
    from simulator.outputs.folders import write_files

    folder = tmp_path / "drill"
    folder.mkdir()
    (folder / "history.csv").write_text("mine")
    (folder / "score.md").write_text("my notes")
    with pytest.raises(DrillsimError, match=r"'score\.md' \(drillsim did not write it\)"):
        write_files(folder, {"score.md": b"# Drill score\n", "score.json": b"{}\n"})
    assert (folder / "score.md").read_text() == "my notes" and not (folder / "score.json").exists()
    (folder / "score.md").unlink()
    write_files(folder, {"score.md": b"first\n", "drill.csv": b"incident\nDRILL-1\n"})
    write_files(folder, {"score.md": b"second\n"})  # drillsim's own, unchanged: replaced
    assert (folder / "score.md").read_text() == "second\n" and (folder / "history.csv").read_text() == "mine"
    (folder / "drill.csv").write_text("incident,started_at\nDRILL-1,2026-03-03T14:00:00Z\n")  # the Scribe's
    with pytest.raises(DrillsimError, match=r"'drill\.csv' \(changed since drillsim wrote it\)"):
        write_files(folder, {"drill.csv": b"incident\nDRILL-1\n"})
    assert "2026-03-03" in (folder / "drill.csv").read_text()
    with pytest.raises(DrillsimError, match="did not write"), results_folder(folder):  # not a results folder
        pass
    assert (folder / "history.csv").read_text() == "mine"
