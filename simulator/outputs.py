"""Results on disk: the one way drillsim writes a file, results folders that are always one run's and whole,
and summary.json, incidents.csv and events.jsonl read back.

Files. Every file is written under a temporary name beside its target (`.NAME.PID-TOKEN.tmp`), flushed to
disk and renamed into place, so a file is the old one or the new one, never a truncated mix. Temporary files
are created with the permissions of any other new file (the umask applies, as for open()); a process that
dies leaves its temporary file behind, and the next write of the same file removes it.

Folders. A results folder is built whole in a staging folder beside it (`.NAME.PID-TOKEN.staging`) and
swapped in with one atomic exchange (renameat2 on Linux; elsewhere two renames, and the next run puts the old
folder back if it was killed between them). A lock (`.NAME.lock`, beside the folder) keeps two drillsim
commands from writing into the same folder at once, and whoever holds it removes the staging folders of dead
runs. A folder is only replaced when drillsim wrote everything in it (listed in its `.drillsim` file).

Run id. summary.json, incidents.csv (its `run_id` column) and the first line of events.jsonl carry the same
run id: a digest of everything that determines a run's results (file format, drillsim version, scenario,
seed, replications, policy), so that the same run gives the same bytes and files from different runs never
pass for one. summary.json also records the size and SHA-256 of the other two files.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import errno
import hashlib
import io
import json
import math
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import numpy as np

from simulator.breakdowns import breakdowns, breakdowns_document
from simulator.errors import DrillsimError
from simulator.events import Event
from simulator.load import LoadTable, load_summary
from simulator.metrics import METRICS, IncidentTable, Stats, organic
from simulator.scenario.model import Scenario

SUMMARY, INCIDENTS, EVENTS = "summary.json", "incidents.csv", "events.jsonl"
DATA_FILES = (SUMMARY, INCIDENTS, EVENTS)
MANIFEST = ".drillsim"
"""In every folder drillsim writes: the names of the files it wrote there."""
FORMAT_VERSION = 2
"""2: the run id in all three files and the files' sizes and digests in summary.json."""
RUN_ID = "run_id"
DIGEST = "digest"
"""summary.json's own SHA-256, of everything else in it."""

# Names a folder written by drillsim before it kept a manifest may hold; such a folder may be replaced too.
_LEGACY = re.compile(r"(summary\.json|incidents\.csv|events\.jsonl|report\.(html|md)|[\w-]+\.png|"
                     r"detectability\.json|comparison\.json|differences\.csv|sweep(_summary)?\.csv)")


def drillsim_version() -> str:
    try:
        return version("drillsim")
    except PackageNotFoundError:
        return "0+unknown"


# ── Files ──────────────────────────────────────────────────────────────────────────────────────────────────


def _temporary_name(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.{suffix}")


def _owner(name: str, target: str, suffix: str) -> int | None:
    """The process id in a temporary name `.TARGET.PID-TOKEN.SUFFIX`, or None when it is not one."""
    prefix = f".{target}."
    if not (name.startswith(prefix) and name.endswith(f".{suffix}")):
        return None
    middle = name[len(prefix):-len(suffix) - 1]
    pid, dash, token = middle.partition("-")
    return int(pid) if dash and pid.isdigit() and token.isalnum() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_leftovers(path: Path) -> list[Path]:
    """Remove the temporary files that processes no longer alive left beside `path`; returns those removed."""
    path = Path(path)
    removed = []
    with contextlib.suppress(OSError):
        for entry in path.parent.iterdir():
            pid = _owner(entry.name, path.name, "tmp")
            if pid is not None and not _alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()
                    removed.append(entry)
    return removed


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside `path` (text, UTF-8; or bytes with mode "wb"); rename it to `path` only
    when the block finishes cleanly. An exception, an interrupt or a kill leaves `path` as it was.

    Failures to write (a full disk, a read-only folder) raise DrillsimError naming the file."""
    path = Path(path)
    remove_leftovers(path)
    tmp = _temporary_name(path, "tmp")
    _make_parent(path)
    with _os_errors(path):
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with _os_errors(path), os.fdopen(fd, mode, **text) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with _os_errors(path):
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _os_errors(path: Path) -> Iterator[None]:
    """OSError (no space, no permission, not a folder ...) as a DrillsimError that names the path."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, FileExistsError | InterruptedError):
            raise
        raise DrillsimError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def plain(value: Any) -> Any:
    """A value as JSON and CSV take it: numpy scalars as Python numbers, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def json_text(document: Any) -> str:
    """JSON as drillsim writes it: indented, numpy numbers as plain ones, never NaN (which is not JSON)."""
    return json.dumps(_finite(document), indent=2, allow_nan=False, default=_json_default) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return plain(value)


def write_json(path: str | Path, document: Any) -> Path:
    return write_text(path, json_text(document))


def csv_cell(value: Any) -> Any:
    """A CSV cell: numbers rounded to 6 decimals and written as Python writes them ('0.5', never
    'np.float64(0.5)'), empty for None and NaN."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    return value


def write_csv(path: str | Path, header: Iterable[str] | None, rows: Iterable[Iterable[Any] | dict]) -> Path:
    """A CSV file from rows (sequences in the order of `header`, or mappings: then `header` may be None and
    the first row's keys are the header). Cells go through csv_cell."""
    with atomic_open(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        columns = list(header) if header is not None else None
        if columns is not None:
            writer.writerow(columns)
        for row in rows:
            if isinstance(row, dict):
                if columns is None:
                    columns = list(row)
                    writer.writerow(columns)
                row = [row.get(name) for name in columns]
            writer.writerow([csv_cell(value) for value in row])
    return Path(path)


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
                with _os_errors(self.target):
                    fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                with contextlib.suppress(OSError):
                    holder = self.path.read_text(encoding="ascii", errors="replace").strip()
                    if not (holder.isdigit() and _alive(int(holder))):
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
            with _os_errors(self.target):
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


_TEMPORARY = re.compile(r"\..+\.(\d+-[0-9a-f]+\.tmp|[^.]+\.part)")
"""A temporary file of drillsim's (or of its versions that named them `.NAME.XXXX.part`)."""


def _foreign(folder: Path) -> list[str]:
    """The entries of `folder` that drillsim did not write (by its manifest, or for a folder written before
    manifests, by name)."""
    listed: set[str] | None = None
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        listed = set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"])
    foreign = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name == MANIFEST or (_TEMPORARY.fullmatch(name) and entry.is_file()):
            continue
        if listed is not None and name in listed:
            continue
        if listed is None and _LEGACY.fullmatch(name) and entry.is_file():
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
    foreign = _foreign(target)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise DrillsimError(f"{target} holds {shown}, which drillsim did not write; drillsim replaces a results "
                            "folder as a whole, so move them or choose another folder")


def _recover(target: Path) -> None:
    """Put back the old folder of a run killed between the two renames of a swap (where no exchange exists),
    then remove the staging folders and old folders that dead runs left beside `target`."""
    leftovers = [entry for entry in target.parent.iterdir()
                 for suffix in ("staging", "old") if _owner(entry.name, target.name, suffix) is not None]
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
    _make_parent(target)
    with FolderLock(target):
        with _os_errors(target.parent):
            _recover(target)
        _check_replaceable(target)
        staging = _temporary_name(target, "staging")
        with _os_errors(target.parent):
            os.mkdir(staging, 0o777)
        try:
            with _os_errors(target):
                if target.is_dir():
                    os.chmod(staging, target.stat().st_mode & 0o7777)  # the folder keeps its permissions
                for name in keep:
                    if (target / name).is_file():
                        try:
                            os.link(target / name, staging / name)
                        except OSError:
                            shutil.copy2(target / name, staging / name)
            yield staging
            with _os_errors(target):
                _write_manifest(staging)
                _fsync_folder(staging)
                _swap(staging, target)
                _fsync_folder(target.parent)
        except BaseException:
            _remove(staging)
            raise


def _make_parent(target: Path) -> None:
    """Create the folder that will hold `target`, or say why it cannot be."""
    for ancestor in target.parents:
        if os.path.lexists(ancestor):
            if not ancestor.is_dir():
                raise DrillsimError(f"cannot write {target}: {ancestor} is a file, not a folder")
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DrillsimError(f"cannot write {target}: {exc.strerror or exc}") from None


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
    old = _temporary_name(target, "old")
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


BYTES_PER_INCIDENT = {INCIDENTS: 250, EVENTS: 3000}
"""About what one incident takes in incidents.csv and in events.jsonl (the default scenario's: some 205 and
2,460 bytes), rounded up."""


def expected_bytes(scenario: Scenario, replications: int, events: bool = True) -> float:
    """About how many bytes a run's results folder takes."""
    from simulator.runner import expected_incidents

    per_incident = BYTES_PER_INCIDENT[INCIDENTS] + (BYTES_PER_INCIDENT[EVENTS] if events else 0)
    return expected_incidents(scenario) * replications * per_incident


def _size(count: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if count < 1000 or unit == "TB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    return ""


# ── One run's files ────────────────────────────────────────────────────────────────────────────────────────


def run_id(scenario: Scenario, seed: int, replications: int, policy: Any = None) -> str:
    """A digest of everything that determines a run's results: two runs with the same id give the same bytes."""
    name = "" if policy is None else f"{getattr(policy, '__module__', '')}.{getattr(policy, '__qualname__', policy)}"
    text = json.dumps([FORMAT_VERSION, drillsim_version(), scenario.model_dump_json(), seed, replications, name])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def events_header(run: str) -> bytes:
    """The first line of events.jsonl: which run the events belong to."""
    return (json.dumps({"drillsim": "events", "format": FORMAT_VERSION, RUN_ID: run}, separators=(",", ":"))
            + "\n").encode("ascii")


@contextlib.contextmanager
def events_file(path: str | Path, run: str) -> Iterator[IO[bytes]]:
    """events.jsonl written atomically, opened for bytes, its header written."""
    with atomic_open(path, "wb") as handle:
        handle.write(events_header(run))
        yield handle


def file_digest(path: Path) -> dict[str, Any]:
    """{"bytes": size, "sha256": hex digest} of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return {"bytes": size, "sha256": digest.hexdigest()}


def _notifies(level) -> str:
    """Whom an escalation level pages, in words."""
    if level.rotation is not None:
        return f"rotation {level.rotation}"
    return "everyone" if level.everyone else ", ".join(level.people)


def summary_document(scenario: Scenario, seed: int, replications: int, table: IncidentTable,
                     stats: dict[str, Stats], load: LoadTable | None = None, run: str | None = None,
                     files: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The content of summary.json: what was run and every statistic, in minutes; with the run id and the
    sizes and digests of the other files when given."""
    open_at_horizon = int(np.count_nonzero(np.isnan(table.mitigated)))
    return {
        "format": FORMAT_VERSION,
        "drillsim_version": drillsim_version(),
        **({RUN_ID: run} if run is not None else {}),
        "scenario": {
            "name": scenario.name,
            "description": scenario.description.strip(),
            "horizon_minutes": scenario.horizon,
            "start": scenario.start.isoformat() if scenario.start else None,
            "failure_modes": [mode.name for mode in scenario.failure_modes],
            "responders": scenario.team.responders,
            "mitigation_policy": scenario.policy.mitigation if isinstance(scenario.policy.mitigation, str)
            else list(scenario.policy.mitigation),
            # For reports: who the timelines name, and what the postmortem draft may say about the policy.
            "responder_names": list(scenario.team.names) if scenario.team.escalation is None
            else [person.name for person in scenario.team.person_list],
            "secondary": scenario.team.secondary.name if scenario.team.secondary and not scenario.team.escalation
            else None,
            "escalate_after_minutes": scenario.team.escalate_after,
            "severities": sorted({level for mode in scenario.failure_modes for level, _ in mode.severities}),
            "postmortem_severities": list(scenario.policy.postmortem.severities),
            "failure_mode_descriptions": {mode.name: mode.description.strip() for mode in scenario.failure_modes},
            "mitigation_descriptions": {name: entry.description for name, entry in scenario.catalogue.items()
                                        if entry.description},
            "escalation": [{"notifies": _notifies(level),
                            "after_minutes": level.after if level.after is not None else scenario.team.escalate_after}
                           for level in scenario.team.levels] if scenario.team.escalation is not None else None,
        },
        "seed": seed,
        "replications": replications,
        "incidents": len(table),
        "not_restored_at_horizon": open_at_horizon,
        "units": "minutes",
        "metrics": {
            key: {"label": metric.label, "definition": metric.definition, **stats[key].as_dict()}
            for key, metric in METRICS.items()
        },
        "on_call_load": load_summary(load, scenario.timezone) if load is not None else None,
        **({"files": files} if files is not None else {}),
    }


def write_summary(folder: Path, document: dict[str, Any]) -> Path:
    """summary.json, signed with the digest of its own content (`digest`), so that a reader can tell it from
    one changed since."""
    plain_document = _finite(document)
    plain_document.pop(DIGEST, None)
    return write_json(Path(folder) / SUMMARY, {**plain_document, DIGEST: summary_digest(plain_document)})


def summary_digest(document: dict[str, Any]) -> str:
    """The SHA-256 of a summary's content (all but its `digest`), written canonically."""
    content = {key: value for key, value in document.items() if key != DIGEST}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_incidents(folder: Path, table: IncidentTable, block: int = 20_000, run: str | None = None) -> Path:
    """incidents.csv: one row per incident, times in minutes rounded to 6 decimals, empty where not reached,
    and the run id in a last column when given. Written column by column in blocks of rows, so that a large
    table is never all text at once."""
    path = Path(folder) / INCIDENTS
    columns = IncidentTable.columns()
    with atomic_open(path, "wb") as handle:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([*columns, RUN_ID] if run is not None else columns)
        for start in range(0, len(table), block):
            cells = []
            for name in columns:
                values = getattr(table, name)[start:start + block].tolist()
                if values and isinstance(values[0], float):
                    values = [repr(round(v, 6)) if v == v else "" for v in values]
                cells.append(values)
            if run is not None:
                cells.append([run] * len(cells[0]))
            writer.writerows(zip(*cells, strict=True))
            handle.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
        handle.write(text.getvalue().encode("utf-8"))
    return path


def event_lines(events: Iterable[tuple]) -> str:
    """Events (or plain tuples in Event's field order) as lines of events.jsonl: exactly what json.dumps of
    `Event.to_json()` with compact separators gives, a few times faster."""
    lines = []
    append = lines.append
    for time, replication, incident, phase, action, actor, detail in events:
        append(f'{{"time":{_number(time)},"replication":{replication},"incident":{incident},'
               f'"phase":{_text(phase)},"action":{_text(action)},"actor":{_text(actor)},'
               f'"detail":{_detail(detail) if detail else "{}"}}}\n')
    return "".join(lines)


_text = json.encoder.encode_basestring_ascii


def _number(value) -> str:
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value)


def _detail(detail: dict) -> str:
    parts = []
    for key, value in detail.items():
        kind = type(value)
        if type(key) is not str or kind not in (str, int, float):
            return json.dumps(detail, separators=(",", ":"))
        parts.append(f"{_text(key)}:{_text(value) if kind is str else _number(value)}")
    return "{" + ",".join(parts) + "}"


def write_events(folder: Path, events: Iterable[Event], block: int = 50_000, run: str | None = None) -> Path:
    path = Path(folder) / EVENTS
    batch: list = []
    with atomic_open(path, "wb") as handle:
        if run is not None:
            handle.write(events_header(run))
        for event in events:
            batch.append(event)
            if len(batch) >= block:
                handle.write(event_lines(batch).encode("utf-8"))
                batch.clear()
        handle.write(event_lines(batch).encode("utf-8"))
    return path


def write_run(results, folder: str | Path) -> list[Path]:
    """Write a run's incidents.csv, events.jsonl (when the results kept the event log in memory) and
    summary.json (with every breakdown) into `folder`, an existing folder (a staging one, say). An
    events.jsonl already in `folder` (streamed there by the run) is listed in summary.json with its size and
    digest."""
    folder = Path(folder)
    run = getattr(results, "run_id", None) or run_id(results.scenario, results.seed, results.replications)
    events = None
    if results.events is not None:
        events = write_events(folder, results.events, run=run)
    elif (folder / EVENTS).is_file():  # streamed there by the run, or carried over from where it streamed
        events = folder / EVENTS
    incidents = write_incidents(folder, results.incidents, run=run)
    files = {INCIDENTS: file_digest(incidents)}
    if events is not None:
        files[EVENTS] = file_digest(events)
    document = summary_document(results.scenario, results.seed, results.replications, results.incidents,
                                results.summary(), results.load, run, files)
    document["breakdowns"] = breakdowns_document(breakdowns(organic(results.incidents), results.replications))
    from simulator.practice_summary import practice_sections  # what a scenario's practices logged, if any

    document.update(practice_sections(results))
    summary = write_summary(folder, document)
    return [summary, incidents] + ([events] if events is not None else [])


# ── Reading back ───────────────────────────────────────────────────────────────────────────────────────────


def read_summary(folder: Path) -> dict[str, Any]:
    return json.loads((Path(folder) / SUMMARY).read_text(encoding="utf-8"))


def read_events(folder: Path) -> Iterator[Event]:
    """The events of a folder's events.jsonl, in log order (its header line skipped)."""
    with open(Path(folder) / EVENTS, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                data = json.loads(line)
                if RUN_ID not in data:
                    yield Event.from_json(data)
