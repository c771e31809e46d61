"""The one guarded way in for every file drillsim reads: scenarios, histories, journals, answers and injects
files, and the results folders `drillsim report` reads back.

Each reader asks here for its bytes and its text, so that every file, whatever it holds, is

- a regular file: a directory, a FIFO (named pipe), a device (/dev/zero, /dev/urandom) or a socket is refused
  at once, from its status, before anything is read, so that nothing blocks on a pipe nobody writes to and
  nothing reads an endless device;
- within a size (the file's own size is checked before it is read, and no more than the limit is ever read);
- UTF-8 text (a byte-order mark allowed), or refused naming the line and column of the first byte that is not;
- for JSON: nested no deeper than a limit (checked before decoding, so no RecursionError), with whole numbers
  of a bounded number of digits (checked before decoding, with their line and column) and strings of a bounded
  length;
- for CSV: cells of a bounded length, refused (with their line) rather than crashing the csv module.

Every refusal is an InputError (a ScenarioError, so the command line prints it as FILE:LINE[:COL]: reason and
exits with status 2), never a traceback and never a hang. Types and ranges are then checked by each reader's
pydantic models (`validated` turns their errors into the same FILE:LINE problems).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import math
import os
import re
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from simulator.errors import Problem, ScenarioError
from simulator.limits import MAX_FIELD_CHARS, MAX_JSON_DEPTH, MAX_NUMBER_DIGITS

_SAVE_AS = "save the file as UTF-8"


class InputError(ScenarioError):
    """A file could not be read as what it should hold: every problem, each with the file, line and column."""


def refuse(message: str, file: str | Path | None, line: int | None = None, column: int | None = None,
           path: str = "", error: type[ScenarioError] = InputError) -> ScenarioError:
    return error([Problem(message, path=path, line=line, column=column, file=None if file is None else str(file))])


def _a(what: str) -> str:
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


# ── Bytes ─────────────────────────────────────────────────────────────────────────────────────────────────


def _kind(mode: int) -> str | None:
    """What a file is when it is not a regular file."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def read_bytes(path: str | Path, limit: int, what: str = "file",
               error: type[ScenarioError] = InputError) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them. A directory, FIFO, device or socket
    is refused from its status before any read (opened without blocking, so a FIFO without a writer does not
    wait); so is a file larger than `limit` (a sparse 6 GB file included, unread)."""
    file = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise refuse("no such file", file, error=error) from None
    except IsADirectoryError:
        raise refuse(f"is a directory, not {_a(what)}", file, error=error) from None
    except (OSError, ValueError) as exc:
        raise refuse(f"cannot read the {what}: {getattr(exc, 'strerror', None) or exc}", file, error=error) from None
    try:
        status = os.fstat(fd)
        kind = _kind(status.st_mode)
        if kind is not None:
            raise refuse(f"is {kind}, not {_a(what)}: give a regular file", file, error=error)
        if status.st_size > limit:
            raise refuse(f"the {what} has {status.st_size:,} bytes; drillsim reads at most {limit:,}", file,
                         error=error)
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise refuse(f"cannot read the {what}: {exc.strerror or exc}", file, error=error) from None
    finally:
        os.close(fd)
    if size > limit:
        raise refuse(f"the {what} has more than {limit:,} bytes; drillsim reads at most {limit:,}", file,
                     error=error)
    return b"".join(chunks)


def regular_size(path: str | Path, limit: int, what: str = "file", error: type[ScenarioError] = InputError) -> int:
    """The size of the regular file at `path`, refused (like read_bytes) when it is not one or is too large:
    for files read in passes rather than at once."""
    file = str(path)
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise refuse("no such file", file, error=error) from None
    except (OSError, ValueError) as exc:
        raise refuse(f"cannot read the {what}: {getattr(exc, 'strerror', None) or exc}", file, error=error) from None
    kind = _kind(status.st_mode)
    if kind is not None:
        raise refuse(f"is {kind}, not {_a(what)}: give a regular file", file, error=error)
    if status.st_size > limit:
        raise refuse(f"the {what} has {status.st_size:,} bytes; drillsim reads at most {limit:,}", file, error=error)
    return status.st_size


# ── Text ──────────────────────────────────────────────────────────────────────────────────────────────────


def position(text: str | bytes, index: int) -> tuple[int, int]:
    """The 1-based line and column of `index` in `text`."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    line = text.count(newline, 0, index) + 1  # type: ignore[arg-type]
    start = text.rfind(newline, 0, index) + 1  # type: ignore[arg-type]
    piece = text[start:index]
    column = len(piece.decode("utf-8", "replace") if isinstance(piece, bytes) else piece) + 1
    return line, column


def decode(data: bytes, file: str | Path | None, error: type[ScenarioError] = InputError) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is dropped); a byte that is not UTF-8 is refused with its line and
    column."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = position(data, exc.start)
        raise refuse(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); {_SAVE_AS}", file, line, column,
                     error=error) from None


def read_text(path: str | Path, limit: int, what: str = "file", error: type[ScenarioError] = InputError) -> str:
    """read_bytes then decode."""
    return decode(read_bytes(path, limit, what, error), path, error)


# ── JSON ──────────────────────────────────────────────────────────────────────────────────────────────────

_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
_DIGITS = re.compile(r"(?<![\w.])-?(\d+)")


def check_json(text: str, file: str | Path | None, *, depth: int = MAX_JSON_DEPTH,
               digits: int = MAX_NUMBER_DIGITS, line: int | None = None,
               error: type[ScenarioError] = InputError) -> None:
    """Refuse JSON text nested deeper than `depth`, or holding a number of more than `digits` digits, before
    it is decoded (json would recurse to the interpreter's limit, and int() refuses over 4,300 digits with an
    exception that names no place). Strings are blanked first, so brackets and digits inside them count not."""
    bare = _STRING.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)

    def where(index: int) -> tuple[int, int]:
        found_line, column = position(text, index)
        return (line, column) if line is not None else (found_line, column)

    level = 0
    for match in _BRACKETS.finditer(bare):
        level += 1 if match.group() in "[{" else -1
        if level > depth:
            raise refuse(f"nested more than {depth} levels deep; drillsim reads JSON far shallower", file,
                         *where(match.start()), error=error)
    for match in _DIGITS.finditer(bare):
        if len(match.group(1)) > digits:
            raise refuse(f"a number of {len(match.group(1)):,} digits; drillsim reads numbers of at most "
                         f"{digits} digits", file, *where(match.start()), error=error)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large a number")
    return value


def load_json(text: str, file: str | Path | None, *, depth: int = MAX_JSON_DEPTH, line: int | None = None,
              constants: bool = False, error: type[ScenarioError] = InputError) -> Any:
    """JSON text decoded within the limits (check_json); a syntax error names its line and column. NaN and
    Infinity (which Python's json writes but JSON has not) are refused unless `constants`."""
    check_json(text, file, depth=depth, line=line, error=error)
    try:
        if constants:
            return json.loads(text)
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise refuse(f"not JSON: {exc.msg}", file, line if line is not None else exc.lineno, exc.colno,
                     error=error) from None
    except (ValueError, RecursionError) as exc:
        raise refuse(f"not JSON: {str(exc).splitlines()[0]}", file, line, error=error) from None


# ── CSV ───────────────────────────────────────────────────────────────────────────────────────────────────


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def csv_rows(text: str, file: str | Path | None, field_chars: int = MAX_FIELD_CHARS,
             error: type[ScenarioError] = InputError) -> list[tuple[int, list[str]]]:
    """The rows of CSV text, each with the line it starts on. A cell longer than `field_chars` characters, a
    NUL or an unclosed quote is refused with its line, never raised as csv.Error."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    with _field_limit(field_chars):
        line = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                reason = str(exc)
                if "field larger than field limit" in reason:
                    reason = f"a cell of more than {field_chars:,} characters; drillsim reads shorter cells"
                raise refuse(reason, file, reader.line_num or line, error=error) from None
            rows.append((line, cells))
            line = reader.line_num + 1
    return rows


# ── Values ────────────────────────────────────────────────────────────────────────────────────────────────

Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], data: Any, file: str | Path | None, line: int | None = None,
              error: type[ScenarioError] = InputError, limit: int = 10) -> Model:
    """`data` validated by `model`; its errors as problems naming the file, the line and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(f"{err['msg']} (got {short(err.get('input'))})",
                            path=".".join(str(part) for part in err["loc"]), line=line,
                            file=None if file is None else str(file))
                    for err in exc.errors()[:limit]]
        raise error(problems) from None


def short(value: Any, width: int = 60) -> str:
    """A value for a message: its repr, cut to `width` characters."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= width else text[:width - 3] + "..."


def check_strings(data: Any, file: str | Path | None, chars: int = MAX_FIELD_CHARS, line: int | None = None,
                  error: type[ScenarioError] = InputError, path: Sequence[str | int] = ()) -> None:
    """Refuse any string (key or value) of more than `chars` characters in decoded JSON."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, tuple(path))]
    while stack:
        value, at = stack.pop()
        if isinstance(value, str):
            if len(value) > chars:
                shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in at).lstrip(".")
                raise refuse(f"a text of {len(value):,} characters; drillsim reads at most {chars:,}", file, line,
                             path=shown, error=error)
        elif isinstance(value, dict):
            stack.extend((key, (*at, "<key>")) for key in value)
            stack.extend((item, (*at, str(key)[:40])) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, (*at, index)) for index, item in enumerate(value))


# ── Dates ─────────────────────────────────────────────────────────────────────────────────────────────────


def check_date(moment: Any, what: str = "the date") -> None:
    """Raise ValueError when a date (or date-time) falls outside the years MIN_YEAR to MAX_YEAR, the calendar
    drillsim reads: year 1 and year 9999 are typing mistakes, and arithmetic near them overflows."""
    from simulator.limits import MAX_YEAR, MIN_YEAR

    year = getattr(moment, "year", None)
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{what} is in the year {year}; drillsim reads dates from {MIN_YEAR} to {MAX_YEAR}")
