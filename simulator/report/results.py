"""A results folder read back for reporting: summary.json, incidents.csv and, when present, the event log
(events.parquet; events.jsonl in a folder written before it).

Everything a report shows comes from these files, so a report can be rebuilt at any time from a folder
written by `drillsim run --out`. What is read is checked before it is used: summary.json against the fields a
report reads (types, ranges, a horizon the calendar can hold), and the other files against summary.json (the
same run id, the sizes and SHA-256 digests it recorded, replications within the run), so that a damaged
folder, or files of two runs side by side, are refused with what is wrong, never reported as one run.

A results folder is data, not trust. Every file comes in through the guarded reader (simulator.inputs):
regular files only, each bounded in size before it is read (a sparse 6 GB incidents.csv is refused by its
size, unread), JSON within depth and digit limits with no NaN or Infinity, and summary.json is then validated
by pydantic models of what `drillsim run` writes (types, ranges, finite numbers, replication counts and dates
within drillsim's limits, the escalation and on-call load sections). The digest in summary.json is a
corruption check, not a signature: anyone can recompute it, so it tells a damaged or mixed-up folder from a
whole one, and says nothing of who wrote the folder. What the models refuse, and anything the report still
cannot render, ends in a DrillsimError naming the file and the reason (exit status 2).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from simulator import inputs
from simulator.errors import DrillsimError
from simulator.events import Event
from simulator.inputs import check_date
from simulator.limits import (
    MAX_EVENT_LINE,
    MAX_FIELD_CHARS,
    MAX_MINUTES,
    MAX_REPLICATIONS,
    MAX_RESPONDERS,
    MAX_RUN_INCIDENTS,
    MAX_SEED,
    MAX_SUMMARY_BYTES,
    MAX_TABLE_BYTES,
)
from simulator.outputs import eventlog
from simulator.outputs.files import csv_text_read
from simulator.outputs.names import DIGEST, EVENTS, EVENTS_JSONL, FORMAT_VERSION, INCIDENTS, RUN_ID, SUMMARY
from simulator.outputs.run import summary_digest
from simulator.results.incidents import OPTIONAL
from simulator.results.metrics import METRICS, IncidentTable
from simulator.scenario.guards import check_calendar

_TEXT = ("mode", "cause", "severity", "channel", "responder", "mitigation")
_REPLICATION = re.compile(rb'"replication":\s*(\d+)')

Count = Annotated[int, Field(ge=0, le=MAX_RUN_INCIDENTS * 1000)]
Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e300, le=1e300)]
Short = Annotated[str, Field(max_length=MAX_FIELD_CHARS)]
Long = Annotated[str, Field(max_length=100_000)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=False, allow_inf_nan=False)


def _in_calendar(value: datetime | None) -> datetime | None:
    if value is not None:
        check_date(value, "the start")
    return value


class _Step(_Open):
    """A level of the escalation policy, as the summary records it."""

    notifies: Short
    after_minutes: Minutes | None = None


class _ScenarioPart(_Open):
    name: Short
    description: Long = ""
    horizon_minutes: Annotated[float, Field(gt=0, le=MAX_MINUTES, allow_inf_nan=False)]
    start: Annotated[datetime | None, AfterValidator(_in_calendar)] = None
    failure_modes: list[Short] = []
    responders: Annotated[int, Field(ge=1, le=MAX_RESPONDERS)] = 1
    mitigation_policy: Short | list[Short] = ""
    responder_names: list[Short] = []
    secondary: Short | None = None
    escalate_after_minutes: Minutes | None = None
    escalation: list[_Step] | None = None
    severities: list[Short] = []
    postmortem_severities: list[Short] = []
    failure_mode_descriptions: dict[Short, Long] = {}
    mitigation_descriptions: dict[Short, Long] = {}


class _Metric(_Open):
    label: Short = ""
    definition: Short = ""
    count: Count
    censored: Count = 0
    mean: Minutes | None = None
    median: Minutes | None = None
    p90: Minutes | None = None
    p95: Minutes | None = None
    p99: Minutes | None = None
    max: Minutes | None = None
    ci_low: Finite | None = None
    ci_high: Finite | None = None
    follow_up: Minutes | None = None


class _Spread(_Open):
    mean: Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
    p95: Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]


class _Load(_Open):
    """The on-call load section: per person, each figure's mean and 95th percentile per replication."""

    per: Short = "replication"
    sustainable_incidents_per_12h: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] = 2
    people: dict[Short, dict[Short, _Spread]] = {}


class _File(BaseModel):
    bytes: Count
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Summary(_Open):
    format: int
    drillsim_version: Short = ""
    run_id: Annotated[str, Field(min_length=1, max_length=64)]
    scenario: _ScenarioPart
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)]
    incidents: Annotated[int, Field(ge=0, le=MAX_RUN_INCIDENTS)]
    not_restored_at_horizon: Annotated[int, Field(ge=0, le=MAX_RUN_INCIDENTS)] = 0
    metrics: dict[Short, _Metric]
    files: dict[Short, _File]
    on_call_load: _Load | None = None


@dataclass(frozen=True)
class ResultsFolder:
    """The contents of a results folder; the event log is read on demand, in one pass for what is asked."""

    folder: Path
    summary: dict[str, Any]
    incidents: IncidentTable
    _read: dict[int, list[Event]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def scenario(self) -> dict[str, Any]:
        return self.summary["scenario"]

    @property
    def horizon(self) -> float:
        return float(self.scenario["horizon_minutes"])

    @property
    def replications(self) -> int:
        return int(self.summary["replications"])

    @property
    def start(self) -> datetime | None:
        return self.scenario.get("start")

    @property
    def events_file(self) -> str | None:
        """The name of the folder's event log (events.parquet, or events.jsonl in an older folder), or None."""
        return _events_name(self.folder)

    @property
    def has_events(self) -> bool:
        return self.events_file is not None

    def events_of(self, replications: Iterable[int]) -> dict[int, list[Event]]:
        """The event log of each of `replications`, in log order. One call reads all the replications not
        read before, and checks the whole file against summary.json; ask for everything you will need in one
        call."""
        wanted = set(replications)
        missing = wanted - self._read.keys()
        if missing:
            found: dict[int, list[Event]] = {r: [] for r in missing}
            if self.events_file == EVENTS:
                self._read_log(missing, found)
            elif self.events_file == EVENTS_JSONL:
                self._read_events(missing, found)
            self._read.update(found)
        return {r: self._read[r] for r in wanted}

    def _read_log(self, missing: set[int], found: dict[int, list[Event]]) -> None:
        path = self.folder / EVENTS
        if _sha256(path) != self.summary["files"][EVENTS]["sha256"]:
            raise _damaged(self.folder, f"{EVENTS} is not the file this run wrote (its SHA-256 differs from "
                                        f"the one {SUMMARY} records): it was changed or comes from another run")
        for event in eventlog.read_log(path, missing):
            if event.replication in found and event.incident >= 0:
                found[event.replication].append(event)

    def _read_events(self, missing: set[int], found: dict[int, list[Event]]) -> None:
        path = self.folder / EVENTS_JSONL
        expected = self.summary["files"][EVENTS_JSONL]
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for number, line in enumerate(iter(lambda: handle.readline(MAX_EVENT_LINE + 1), b""), 1):
                if len(line) > MAX_EVENT_LINE:
                    raise DrillsimError(f"{EVENTS_JSONL}:{number}: a line of more than {MAX_EVENT_LINE:,} bytes; "
                                        "not an event drillsim writes")
                digest.update(line)
                if number == 1:
                    continue  # the header, checked when the folder was read
                match = _REPLICATION.search(line)
                if match and int(match.group(1)) in missing:
                    event = _event(line, number)
                    if event.replication in found:
                        found[event.replication].append(event)
        if digest.hexdigest() != expected["sha256"]:
            raise _damaged(self.folder, f"{EVENTS_JSONL} is not the file this run wrote (its SHA-256 differs from "
                                        f"the one {SUMMARY} records): it was changed or comes from another run")


def _events_name(folder: Path) -> str | None:
    for name in (EVENTS, EVENTS_JSONL):
        if (folder / name).is_file():
            return name
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _event(line: bytes, number: int) -> Event:
    try:
        data = inputs.load_json(line.decode("utf-8"), EVENTS_JSONL, line=number)
        event = Event.from_json(data)
        if not (math.isfinite(event.time) and event.incident >= 1 and event.replication >= 0
                and all(isinstance(v, str) for v in (event.phase, event.action, event.actor))
                and isinstance(event.detail, dict | type(None))):
            raise ValueError("a field has the wrong type or range")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, OverflowError,
            DrillsimError) as exc:
        raise DrillsimError(f"{EVENTS_JSONL}:{number}: not an event drillsim writes ({_reason(exc)})") from None
    return event


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, KeyError):
        return f"no field {exc.args[0]!r}"
    return str(exc).split("\n")[0]


def _damaged(folder: Path, what: str) -> DrillsimError:
    return DrillsimError(f"{folder} is not one run's whole results: {what}. Run it again with "
                         f"`drillsim run --out {folder}`")


@contextlib.contextmanager
def rendering(folder: str | Path) -> Iterator[None]:
    """The last net under the models above: a folder is data, and one the report cannot render is refused with
    the reason (DrillsimError, exit status 2), never a traceback."""
    try:
        yield
    except (TypeError, KeyError, ValueError, AttributeError, IndexError, OverflowError, ZeroDivisionError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise DrillsimError(f"{folder}: cannot render a report from this folder ({reason}); its files hold values "
                            f"that `drillsim run` does not write: run it again with `drillsim run --out {folder}`"
                            ) from None


def read_results(folder: str | Path) -> ResultsFolder:
    """Read a results folder; a clear DrillsimError when it is not one, or not one run's whole results."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DrillsimError(f"{folder} is not a folder; write results with `drillsim run --out {folder}`")
    for name in (SUMMARY, INCIDENTS):
        if not (folder / name).exists():
            raise DrillsimError(f"{folder} has no {name}; write results with `drillsim run --out {folder}`")
    summary = read_checked_summary(folder)
    incidents = read_incidents(folder / INCIDENTS, summary)
    for name in (EVENTS, EVENTS_JSONL):
        if (folder / name).exists() or (folder / name).is_symlink():
            _check_events_header(folder, summary, name)
    return ResultsFolder(folder, summary, incidents)


def read_checked_summary(folder: Path) -> dict[str, Any]:
    """summary.json, checked against what a report reads; the checked values (numbers as numbers)."""
    path = folder / SUMMARY
    raw = inputs.load_json(inputs.read_text(path, MAX_SUMMARY_BYTES, SUMMARY), path)
    inputs.check_strings(raw, path, chars=100_000)
    if not isinstance(raw, dict):
        raise DrillsimError(f"{path}: not a summary drillsim writes (a JSON object)")
    written_in = raw.get("format")
    if written_in != FORMAT_VERSION:
        by = f" by drillsim {raw['drillsim_version']}" if isinstance(raw.get("drillsim_version"), str) else ""
        raise DrillsimError(f"{path} was written{by} in format {written_in!r}; this drillsim reads format "
                            f"{FORMAT_VERSION}: run it again with `drillsim run --out {folder}`")
    try:
        digest = summary_digest(raw)
    except (ValueError, TypeError, RecursionError):
        digest = None
    if digest is None or raw.get(DIGEST) != digest:
        raise _damaged(folder, f"{SUMMARY} was changed since drillsim wrote it (its content no longer matches its "
                               "digest)")
    try:
        checked = _Summary.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']} (got {_short(error.get('input'))})"
                    for error in exc.errors()[:10]]
        raise DrillsimError(f"{path} is damaged:\n  " + "\n  ".join(problems)) from None
    missing = [key for key in METRICS if key not in checked.metrics]
    if missing:
        raise DrillsimError(f"{path} is damaged: no statistics of {', '.join(missing)}")
    if INCIDENTS not in checked.files:
        raise DrillsimError(f"{path} is damaged: it does not record {INCIDENTS}'s size and digest")
    start = checked.scenario.start
    if start is not None:
        try:
            check_calendar(start, checked.scenario.horizon_minutes)
        except ValueError as exc:
            raise DrillsimError(f"{path} is damaged: {exc}") from None
    return checked.model_dump()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_events_header(folder: Path, summary: dict[str, Any], name: str = EVENTS) -> None:
    """The event log `name` beside summary.json is the one summary.json records: its size, and the run id it
    names (the first line of events.jsonl, the metadata of events.parquet)."""
    path = folder / name
    listed = summary["files"].get(name)
    if listed is None:
        raise _damaged(folder, f"{SUMMARY} records no {name}, so the {name} beside it belongs to another run")
    size = inputs.regular_size(path, MAX_TABLE_BYTES * 10, name)
    if size != listed["bytes"]:
        raise _damaged(folder, f"{name} has {size:,} bytes where {SUMMARY} records {listed['bytes']:,}: it was "
                               "cut short, changed or comes from another run")
    if name == EVENTS:
        try:
            run = eventlog.log_run_id(path)
        except DrillsimError:
            raise _damaged(folder, f"{EVENTS} is not an event log drillsim writes") from None
        if run is None:
            raise _damaged(folder, f"{EVENTS} does not name the run it belongs to")
        if run != summary[RUN_ID]:
            raise _damaged(folder, f"{EVENTS} belongs to run {run!r} and {SUMMARY} to run {summary[RUN_ID]!r}")
        return
    with open(path, "rb") as handle:
        first = handle.readline(4096)
    try:
        header = json.loads(first.decode("utf-8"))
        run = header[RUN_ID]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise _damaged(folder, f"{name} does not start with the run id line drillsim writes") from None
    if run != summary[RUN_ID]:
        raise _damaged(folder, f"{name} belongs to run {run!r} and {SUMMARY} to run {summary[RUN_ID]!r}")


def read_incidents(path: Path, summary: dict[str, Any] | None = None) -> IncidentTable:
    """incidents.csv back into an IncidentTable (empty cells are NaN). With the run's `summary`, the file is
    checked against it: size and digest, run id, row count, replications within the run."""
    where = path.name
    size = inputs.regular_size(path, MAX_TABLE_BYTES, INCIDENTS)
    if summary is not None and size != summary["files"][INCIDENTS]["bytes"]:
        raise _damaged(path.parent, f"{INCIDENTS} is not the file this run wrote ({size:,} bytes; {SUMMARY} "
                                    f"records {summary['files'][INCIDENTS]['bytes']:,}): it was cut short, changed "
                                    "or comes from another run")
    data = inputs.read_bytes(path, MAX_TABLE_BYTES, INCIDENTS)
    if summary is not None:
        listed = summary["files"][INCIDENTS]
        if len(data) != listed["bytes"] or hashlib.sha256(data).hexdigest() != listed["sha256"]:
            raise _damaged(path.parent, f"{INCIDENTS} is not the file this run wrote ({len(data):,} bytes; "
                                        f"{SUMMARY} records {listed['bytes']:,} and another SHA-256): it was cut "
                                        "short, changed or comes from another run")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DrillsimError(f"{where}:{line}: not UTF-8 text") from None
    parsed = inputs.csv_rows(text, where)
    header = parsed[0][1] if parsed else []
    columns = IncidentTable.columns()
    missing = set(columns) - set(header) - set(OPTIONAL)
    if missing:
        raise DrillsimError(f"{where} lacks the columns {', '.join(sorted(missing))}")
    index = {name: header.index(name) for name in (*columns, RUN_ID) if name in header}
    rows = [cells for _, cells in parsed[1:]]
    for number, row in enumerate(rows, 2):
        if len(row) != len(header):
            raise DrillsimError(f"{where}:{number}: {len(row)} cells where the header names {len(header)}")
    if summary is not None:
        if RUN_ID not in index:
            raise _damaged(path.parent, f"{INCIDENTS} has no run id column")
        runs = {row[index[RUN_ID]] for row in rows}
        if runs - {summary[RUN_ID]}:
            raise _damaged(path.parent, f"{INCIDENTS} holds rows of run {sorted(runs - {summary[RUN_ID]})[0]!r} and "
                                        f"{SUMMARY} is run {summary[RUN_ID]!r}")
        if len(rows) != summary["incidents"]:
            raise _damaged(path.parent, f"{INCIDENTS} has {len(rows):,} incidents and {SUMMARY} counts "
                                        f"{summary['incidents']:,}")
    table: dict[str, Any] = {}
    for name in columns:
        if name not in index:  # an optional column (incidents.OPTIONAL) of a table that had none of it
            continue
        cells = [row[index[name]] for row in rows]
        if name in _TEXT:
            table[name] = [csv_text_read(cell) for cell in cells]
        elif name in ("replication", "incident"):
            table[name] = _numbers(cells, int, name, where)
        elif name in ("escalated", "drill"):
            table[name] = np.array([c.strip().lower() in ("true", "1") for c in cells], dtype=bool)
        else:
            table[name] = _numbers(cells, float, name, where)
    replication, incident = table["replication"], table["incident"]
    if len(rows) and (replication.min() < 0 or incident.min() < 1):
        raise DrillsimError(f"{where}: replications count from 0 and incidents from 1")
    if summary is not None and len(rows) and replication.max() >= summary["replications"]:
        raise _damaged(path.parent, f"{INCIDENTS} has incidents of replication {int(replication.max())} and "
                                    f"{SUMMARY} counts {summary['replications']} replications (0 to "
                                    f"{summary['replications'] - 1})")
    return IncidentTable(**table)


def _numbers(cells: list[str], kind: type, name: str, where: str) -> np.ndarray:
    """A column of numbers: whole numbers for `kind` int; finite numbers or empty (NaN) for float."""
    out = np.empty(len(cells), dtype=np.int64 if kind is int else float)
    for number, cell in enumerate(cells):
        try:
            if kind is int:
                out[number] = int(cell)
            elif not cell:
                out[number] = math.nan
            else:
                value = float(cell)
                if not math.isfinite(value):
                    raise ValueError
                out[number] = value
        except (ValueError, OverflowError):
            what = "a whole number" if kind is int else "a finite number or empty"
            raise DrillsimError(f"{where}:{number + 2}: {name}: expected {what} (got {_short(cell)})") from None
    return out
