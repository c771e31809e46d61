"""Folders. A results folder is built whole in a staging folder beside it (`.NAME.PID-TOKEN.staging`) and
swapped in with one atomic exchange (renameat2 on Linux; elsewhere two renames, and the next run puts the old
folder back if it was killed between them). A lock (`.NAME.lock`, beside the folder) keeps two drillsim
commands from writing into the same folder at once, and whoever holds it removes the staging folders of dead
runs. A folder is only replaced when it is empty or drillsim wrote everything in it (listed in its `.drillsim`
file); a folder without that file, or with anything it does not list, is refused and named, never deleted.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from simulator.errors import DrillsimError
from simulator.outputs.files import (
    alive,
    atomic_open,
    drillsim_version,
    make_parent,
    os_errors,
    owner_pid,
    temporary_name,
    untouched,
    written_here,
    wrote,
)
from simulator.outputs.names import MANIFEST
from simulator.scenario.model import Scenario

# ── Whole folders ──────────────────────────────────────────────────────────────────────────────────────────


class FolderLock:
    """An exclusive lock on writing into a folder: `.NAME.lock` beside it, held with flock while a command
    writes (where there is no flock, the file's existence is the lock, and the file of a process no longer
    alive is taken over). Refused at once (DrillsimError) when another process holds it."""

    def __init__(self, target: Path):
        self.target = Path(target)
        self.path = self.target.with_name(f".{self.target.name}.lock")
        self.fd: int | None = None

    def _refuse(self, holder: str) -> DrillsimError:
        who = f" (process {holder})" if holder.isdigit() else ""
        return DrillsimError(f"another drillsim command is writing into {self.target}{who}; wait for it to finish "
                             "or choose another folder")

    def _without_flock(self) -> FolderLock:
        for _ in range(10):
            try:
                with os_errors(self.target):
                    fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                with contextlib.suppress(OSError):
                    holder = self.path.read_text(encoding="ascii", errors="replace").strip()
                    if not (holder.isdigit() and alive(int(holder))):
                        self.path.unlink()  # left by a process that died
                        continue
                    raise self._refuse(holder) from None
                continue
            os.write(fd, str(os.getpid()).encode("ascii"))
            self.fd = fd
            return self
        raise DrillsimError(f"cannot lock {self.target} for writing; try again")

    def __enter__(self) -> FolderLock:
        try:
            import fcntl
        except ImportError:  # not POSIX
            return self._without_flock()

        for _ in range(10):
            with os_errors(self.target):
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 64).decode("ascii", "replace").strip()
                os.close(fd)
                raise self._refuse(holder) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino  # not unlinked by the last holder meanwhile
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode("ascii"))
                self.fd = fd
                return self
            os.close(fd)
        raise DrillsimError(f"cannot lock {self.target} for writing; try again")

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)  # still held: nobody can take it between the unlink and the close
            os.close(self.fd)
            self.fd = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync_folder(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _listed(folder: Path) -> set[str] | None:
    """The names drillsim listed in a folder's manifest, or None when it has none (or one that cannot be read)."""
    path = folder / MANIFEST
    if not path.is_file() or path.is_symlink() or path.stat().st_size > 1_000_000:
        return None
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None
    return set(files)


def _temporary(name: str, listed: set[str]) -> bool:
    """A temporary file of drillsim's for one of the files it listed (`.NAME.PID-TOKEN.tmp`)."""
    return any(owner_pid(name, target, "tmp") is not None for target in (*listed, MANIFEST)
               if name.startswith(f".{target}."))


def _foreign(folder: Path) -> list[str]:
    """The entries of `folder` that drillsim did not write: all of them when it has no manifest, else those
    its manifest does not list (and a listed name that is no longer a plain file). A name is never taken for
    drillsim's by its look alone: a user's `report.md`, `photo.png` or `.thesis.draft.part` stays foreign."""
    listed = _listed(folder)
    foreign = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if entry.is_file() and not entry.is_symlink() and written_here(entry):
            continue  # written by this very command (a run's event log streamed into its folder)
        if listed is not None:
            if name == MANIFEST:
                continue
            plain_file = entry.is_file() and not entry.is_symlink()
            if plain_file and (name in listed or _temporary(name, listed)):
                continue
        foreign.append(name)
    return foreign


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise DrillsimError(f"{target} is a file, not a folder")
    if os.path.ismount(target):
        raise DrillsimError(f"{target} is a mount point; drillsim builds a results folder beside its target and "
                            "swaps it in, so choose a folder inside it")
    _refuse_foreign(target)


def _refuse_foreign(target: Path) -> None:
    foreign = _foreign(target)
    if foreign:
        shown = ", ".join(repr(name) for name in foreign[:5]) + \
            (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        marker = "" if (target / MANIFEST).is_file() else f" (it has no {MANIFEST} file listing what drillsim wrote)"
        raise DrillsimError(f"{target} holds {shown}, which drillsim did not write{marker}; drillsim replaces a "
                            "results folder as a whole and never deletes what it did not write, so move them or "
                            "choose another folder")


def _recover(target: Path) -> None:
    """Put back the old folder of a run killed between the two renames of a swap (where no exchange exists),
    then remove the staging folders and old folders that dead runs left beside `target`."""
    leftovers = [entry for entry in target.parent.iterdir()
                 for suffix in ("staging", "old") if owner_pid(entry.name, target.name, suffix) is not None]
    olds = sorted((e for e in leftovers if e.name.endswith(".old")), key=lambda e: e.stat().st_mtime)
    if not target.exists() and olds:
        os.rename(olds[-1], target)
        leftovers.remove(olds[-1])
    for entry in leftovers:
        _remove(entry)


@contextlib.contextmanager
def results_folder(target: str | Path, *, keep: Iterable[str] = ()) -> Iterator[Path]:
    """Build a results folder whole: yields an empty staging folder beside `target`; when the block finishes
    cleanly, the staging folder replaces `target` in one atomic exchange, and the old content goes.

    `keep` names files of the old folder to carry into the new one (hard links, or copies where links cannot
    be made), as `drillsim report` keeps the run's data while it rewrites the report. Everything is checked
    before the block runs: a target that is a file, cannot be created or written beside, holds files that
    drillsim did not write, or is being written by another drillsim command is refused with DrillsimError.
    An exception, an interrupt or a kill leaves `target` as it was."""
    target = Path(os.path.realpath(target))
    if target.parent == target:
        raise DrillsimError(f"{target} cannot be a results folder")
    make_parent(target)
    try:
        with _results_folder(target, keep) as staging:
            yield staging
    except _Checked:
        raise
    except BaseException:
        untouched(target)
        raise
    wrote(target)


@contextlib.contextmanager
def _results_folder(target: Path, keep: Iterable[str]) -> Iterator[Path]:
    with FolderLock(target):
        with os_errors(target.parent):
            _recover(target)
        _check_replaceable(target)
        staging = temporary_name(target, "staging")
        with os_errors(target.parent):
            os.mkdir(staging, 0o777)
        try:
            with os_errors(target):
                if target.is_dir():
                    os.chmod(staging, target.stat().st_mode & 0o7777)  # the folder keeps its permissions
                for name in keep:
                    if (target / name).is_file():
                        try:
                            os.link(target / name, staging / name)
                        except OSError:
                            shutil.copy2(target / name, staging / name)
            yield staging
            if target.is_dir():
                _refuse_foreign(target)  # nothing of the user's arrived while the block ran
            with os_errors(target):
                _write_manifest(staging)
                _fsync_folder(staging)
                _swap(staging, target)
                _fsync_folder(target.parent)
        except BaseException:
            _remove(staging)
            raise


def _write_manifest(folder: Path) -> None:
    names = sorted(entry.name for entry in folder.iterdir() if entry.name != MANIFEST)
    document = {"written_by": f"drillsim {drillsim_version()}", "files": names}
    with atomic_open(folder / MANIFEST) as handle:
        handle.write(json.dumps(document, indent=2) + "\n")


def _swap(staging: Path, target: Path) -> None:
    if not os.path.lexists(target):
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        _remove(staging)  # now the old folder
        return
    old = temporary_name(target, "old")
    os.rename(target, old)
    os.rename(staging, target)
    _remove(old)


class _Checked(Exception):
    pass


def check_folder(target: str | Path) -> None:
    """Refuse (DrillsimError) a results folder that results_folder would refuse, before any work is done:
    it takes the lock, builds an empty staging folder beside the target and removes it again, leaving the
    target as it was."""
    try:
        with results_folder(target):
            raise _Checked
    except _Checked:
        pass


def check_space(target: str | Path, needed: float) -> None:
    """Refuse (DrillsimError) to start work whose files would need about `needed` bytes where there is not
    that much free space (checked where `target` is or would be created)."""
    place = Path(os.path.realpath(target))
    while not place.exists() and place.parent != place:
        place = place.parent
    try:
        free = shutil.disk_usage(place).free
    except OSError:
        return
    if needed > free:
        raise DrillsimError(f"{target} would need about {_size(needed)} and {place} has {_size(free)} free; "
                            "free some space, write fewer replications or leave out the event log")


BYTES_PER_INCIDENT = 250
"""About what one incident's row takes in incidents.csv (the bundled scenarios': 210 to 220 bytes), rounded up."""
BYTES_PER_EVENT = 10
"""About what one event takes in events.parquet (the bundled scenarios': 6 to 8 bytes), rounded up."""
BYTES_PER_FOLDER = 100_000
"""What a folder takes whatever its size: summary.json (some 50 kB) and the files' headers and footers."""


def expected_bytes(scenario: Scenario, replications: int, events: str = "full") -> float:
    """About how many bytes a run's results folder takes, with `events` of the log ("full", "incidents" or
    "none"), rounded up: the incidents and events a replication brings, counted by a short pilot of the scenario
    (simulator.results.pilot), times what an incident's row and an event take."""
    from simulator.results.pilot import pilot

    found = pilot(scenario, replications)
    logged = 0.0 if events == "none" else found.incident_events + (found.pipeline_events if events == "full" else 0.0)
    return BYTES_PER_FOLDER + replications * (found.incidents * BYTES_PER_INCIDENT + logged * BYTES_PER_EVENT)


def size_text(count: float) -> str:
    """A size in bytes as a person reads it: '950 bytes', '12.3 MB'."""
    return _size(count)


def _size(count: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if count < 1000 or unit == "TB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    return ""


# ── Files written into a folder that holds others' too ─────────────────────────────────────────────────────


def write_files(folder: str | Path, files: dict[str, bytes]) -> list[Path]:
    """Write `files` (name → bytes) into `folder`, which may hold the user's own files too (a drill's folder,
    beside the history it was scored from): each written atomically, under the folder's lock, and listed with
    its SHA-256 in the folder's `.drillsim` file. A file of that name already there is replaced only when
    drillsim wrote it and nobody changed it since (a filled-in drill.csv, a report.md of the user's, a file
    from before drillsim kept lists: refused, DrillsimError naming them); every other file is left alone."""
    import hashlib

    from simulator.outputs.files import write_bytes, write_text

    folder = Path(folder)
    make_parent(folder / MANIFEST)
    with FolderLock(folder):
        path = folder / MANIFEST
        document: dict = {}
        with contextlib.suppress(OSError, ValueError):
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= 1_000_000:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                document = loaded if isinstance(loaded, dict) else {}
        found_files, found_digests = document.get("files"), document.get("sha256")
        listed: list = found_files if isinstance(found_files, list) else []
        digests: dict = found_digests if isinstance(found_digests, dict) else {}
        clashes = []
        for name in files:
            target = folder / name
            if not os.path.lexists(target):
                continue
            if name not in listed or not target.is_file() or target.is_symlink():
                clashes.append(f"{name!r} (drillsim did not write it)")
            elif name in digests:
                with os_errors(target):
                    found = hashlib.sha256(target.read_bytes()).hexdigest()
                if found != digests[name]:
                    clashes.append(f"{name!r} (changed since drillsim wrote it)")
        if clashes:
            raise DrillsimError(f"{folder} holds {', '.join(clashes)}; drillsim never overwrites what it did not "
                                "write, so move them or choose another folder (--out)")
        written = [write_bytes(folder / name, data) for name, data in files.items()]
        document = {"written_by": f"drillsim {drillsim_version()}",
                    "files": sorted({*(n for n in listed if isinstance(n, str)), *files}),
                    "sha256": {**{k: v for k, v in digests.items() if isinstance(v, str)},
                               **{name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}}
        write_text(path, json.dumps(document, indent=2) + "\n")
    return written
