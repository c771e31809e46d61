"""Files. Every file is written under a temporary name beside its target (`.NAME.PID-TOKEN.tmp`), flushed to
disk and renamed into place, so a file is the old one or the new one, never a truncated mix. Temporary files
are created with the permissions of any other new file (the umask applies, as for open()); a process that
dies leaves its temporary file behind, and the next write of the same file removes it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import numpy as np

from simulator.errors import DrillsimError


def drillsim_version() -> str:
    try:
        return version("drillsim")
    except PackageNotFoundError:
        return "0+unknown"


# ── What this process has written (for what an interrupt leaves) ───────────────────────────────────────────

_written: list[Path] = []
_untouched: list[Path] = []
_written_count = 0
_files: dict[str, tuple[int, int, int]] = {}


def _identity(path: Path) -> tuple[int, int, int] | None:
    with contextlib.suppress(OSError):
        found = os.stat(path, follow_symlinks=False)
        return found.st_dev, found.st_ino, found.st_mtime_ns
    return None


def wrote(path: Path) -> None:
    """Note a file or results folder now in place (not one inside a staging folder, which is not yet)."""
    path = Path(path)
    identity = _identity(path)
    if identity is not None:
        _files[os.path.realpath(path)] = identity
    if not path.parent.name.endswith(".staging"):
        global _written_count
        _written_count += 1
        if len(_written) < 5:  # what an interrupt names; the rest it counts
            _written.append(path)


def written_here(path: Path) -> bool:
    """Whether `path` is the very file this process wrote there (the same inode, unchanged since): the
    event log a run streams into its folder before the folder's manifest exists."""
    identity = _identity(Path(path))
    return identity is not None and _files.get(os.path.realpath(path)) == identity


def untouched(folder: Path) -> None:
    """Note a results folder whose build was given up (an error, an interrupt): left as it was."""
    _untouched.append(Path(folder))


def interrupt_note() -> str:
    """What an interrupt leaves behind: 'nothing written', 'results/ left as it was', or the files in place."""
    parts = []
    if _written:
        more = max(_written_count - len(_written), 0)
        shown = ", ".join(str(path) for path in _written) + (f" and {more} more" if more else "")
        parts.append(f"kept what was written whole ({shown}); nothing else changed")
    else:
        parts.append("nothing written")
    parts += [f"{folder} left as it was" for folder in dict.fromkeys(_untouched)]
    return "; ".join(parts)


# ── Files ──────────────────────────────────────────────────────────────────────────────────────────────────


def temporary_name(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.{suffix}")


def owner_pid(name: str, target: str, suffix: str) -> int | None:
    """The process id in a temporary name `.TARGET.PID-TOKEN.SUFFIX`, or None when it is not one."""
    prefix = f".{target}."
    if not (name.startswith(prefix) and name.endswith(f".{suffix}")):
        return None
    middle = name[len(prefix):-len(suffix) - 1]
    pid, dash, token = middle.partition("-")
    return int(pid) if dash and pid.isdigit() and token.isalnum() else None


def alive(pid: int) -> bool:
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
            pid = owner_pid(entry.name, path.name, "tmp")
            if pid is not None and not alive(pid):
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
    tmp = temporary_name(path, "tmp")
    make_parent(path)
    with os_errors(path):
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        text: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os_errors(path), os.fdopen(fd, mode, **text) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with os_errors(path):
            os.replace(tmp, path)
        wrote(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def os_errors(path: Path) -> Iterator[None]:
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
    return json.dumps(finite(document), indent=2, allow_nan=False, default=_json_default) + "\n"


def finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return plain(value)


def write_json(path: str | Path, document: Any) -> Path:
    return write_text(path, json_text(document))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text)


def csv_text(text: str) -> str:
    """Text as a CSV cell that a spreadsheet shows and never runs: one that begins with =, +, -, @, a tab or a
    carriage return gets a single quote before it, as OWASP recommends ('=HYPERLINK(…)' → "'=HYPERLINK(…)").
    A number written as text ('-2.5', '1e-06') stays as it is, and so does any other text; text that already
    begins with a quote before such a character gets one more, so that csv_text_read gives back exactly what
    was written."""
    if _formula_like(text) or (text.startswith("'") and _formula_like(text.lstrip("'"))):
        return "'" + text
    return text


def csv_text_read(text: str) -> str:
    """A cell written by csv_text as the text it was."""
    if text.startswith("'") and _formula_like(text.lstrip("'")):
        return text[1:]
    return text


def csv_cell(value: Any) -> Any:
    """A CSV cell: numbers rounded to 6 decimals and written as Python writes them ('0.5', never
    'np.float64(0.5)'), empty for None and NaN, text through csv_text (never a formula)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, str):
        return csv_text(value)
    return value


class CsvWriter:
    """csv.writer with lines ending in '\\n' that also quotes a row whose text holds a carriage return (which
    csv.writer leaves bare unless it ends its own lines with one, and which every reader takes for a line's
    end)."""

    def __init__(self, handle: IO[str]):
        self.plain = csv.writer(handle, lineterminator="\n")
        self.quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[Any]) -> None:
        row = list(row)
        risky = any(isinstance(cell, str) and "\r" in cell for cell in row)
        (self.quoted if risky else self.plain).writerow(row)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_csv(path: str | Path, header: Iterable[str] | None, rows: Iterable[Iterable[Any] | dict]) -> Path:
    """A CSV file from rows (sequences in the order of `header`, or mappings: then `header` may be None and
    the first row's keys are the header). Cells go through csv_cell."""
    with atomic_open(path) as handle:
        writer = CsvWriter(handle)
        columns = list(header) if header is not None else None
        if columns is not None:
            writer.writerow([csv_cell(name) for name in columns])
        for row in rows:
            if isinstance(row, dict):
                if columns is None:
                    columns = list(row)
                    writer.writerow([csv_cell(name) for name in columns])
                row = [row.get(name) for name in columns]
            writer.writerow([csv_cell(value) for value in row])
    return Path(path)


def make_parent(target: Path) -> None:
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
