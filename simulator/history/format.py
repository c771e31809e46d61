"""The incident-history format: one incident a row, as CSV or JSON Lines, and presets of common exports.

Columns (names as below, in any order; others are ignored):

    incident          an id, unique in the file (default: the row's line number)
    mode              the failure mode (optional; without it, incidents are grouped by severity)
    severity          SEV1 … SEV5 (P1 … P5 and 1 … 5 are read as SEV1 … SEV5)
    started_at        failure onset             ┐
    detected_at       the first alert           │ ISO 8601 times with a time zone
    declared_at       incident declared, paged  │ (2026-01-05T09:00:00+01:00, or …Z for UTC);
    acknowledged_at   a responder acknowledged  │ empty where unknown or not reached yet
    mitigated_at      service restored          │
    resolved_at       health confirmed          ┘
    cause, mitigation, channel, responder   optional, with the scenario format's words (a channel also in common
                                            words: "social media", "twitter", "support")

Times must follow the lifecycle's order (a missing one is skipped), and one incident may span at most a year.
Trailing empty times mean the incident is still open: the phases it had not finished are right-censored at
the time of the export (the latest time in the file, or the `as_of` given). A column of another name is read
with a mapping (`column=field`; `column=` ignores a column); a preset maps a whole export at once.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, get_args

from pydantic import ConfigDict, RootModel, StrictBool, StrictFloat, StrictInt, StrictStr

from simulator import inputs
from simulator.errors import DrillsimError, Problem, ScenarioError
from simulator.history.fields import FIELDS, TEXT_FIELDS, TIME_FIELDS
from simulator.history.presets import PRESETS, Preset
from simulator.history.timestamps import format_time, parse_time
from simulator.limits import MAX_HISTORY_BYTES
from simulator.scenario.model import CHANNELS, MITIGATIONS, Cause

"""Every field, in the order the format writes its columns."""
CAUSES: tuple[str, ...] = get_args(Cause)
MAX_SPAN = timedelta(days=365)
"""The longest an incident may run from its first time to its last: beyond, a year or a unit is wrong."""
_SEVERITY = re.compile(r"^\s*(?:sev|p)?[\s_-]*([1-5])\s*$", re.IGNORECASE)


class HistoryError(ScenarioError):
    """A history file could not be read: every problem found, each with the file, the line and the field,
    reported like a scenario's problems."""


@dataclass(frozen=True)
class Incident:
    """One row of a history: its times are aware datetimes (None where unknown or not reached)."""

    incident: str
    line: int
    mode: str | None = None
    severity: str | None = None
    started_at: datetime | None = None
    detected_at: datetime | None = None
    declared_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    cause: str | None = None
    mitigation: str | None = None
    channel: str | None = None
    responder: str | None = None

    def times(self) -> tuple[datetime | None, ...]:
        return tuple(getattr(self, name) for name in TIME_FIELDS)

    @property
    def first(self) -> datetime:
        """The earliest time known: the onset, or the first time after it that the row gives."""
        return next(t for t in self.times() if t is not None)

    @property
    def last(self) -> datetime:
        return next(t for t in reversed(self.times()) if t is not None)


@dataclass(frozen=True)
class History:
    """A history file read: its incidents in file order, and what was left out on the way."""

    file: str
    incidents: tuple[Incident, ...]
    fields: frozenset[str]
    """The fields the file gives (mapped columns included)."""
    as_of: datetime
    """When the history was exported: open incidents are censored here."""
    rows: int = 0
    skipped: tuple[Problem, ...] = ()
    """With skip_bad: the problems of the rows left out."""
    notes: tuple[str, ...] = ()
    """Things worth knowing that are not errors (columns not read that look like fields, say)."""
    zone: tzinfo | None = None
    """The time zone named for times written without an offset."""

    @property
    def skipped_lines(self) -> tuple[int, ...]:
        return tuple(sorted({p.line for p in self.skipped if p.line is not None}))

    def has(self, name: str) -> bool:
        return name in self.fields


# ── Reading ───────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Source:
    column: str
    after: str | None = None  # for a column of seconds: the column of the time they count from


def _layout(header: Sequence[str], preset: Preset | None, mapping: Mapping[str, str], file: str
            ) -> tuple[dict[str, _Source], list[Problem], list[str]]:
    """Which column each field is read from; problems with the header, and notes."""
    problems: list[Problem] = []
    notes: list[str] = []
    present = set(header)

    def problem(message: str) -> None:
        problems.append(Problem(message, line=1, file=file))

    layout: dict[str, _Source] = {name: _Source(name) for name in FIELDS if name in present}
    if preset is not None:
        missing = [c for c in preset.required if c not in present]
        if missing:
            problem(f"the {preset.name} preset needs the columns {', '.join(missing)}, which the file lacks "
                    f"(its columns: {', '.join(header)})")
        for column, name in preset.columns.items():
            if column in present:
                layout = {f: s for f, s in layout.items() if s.column != column or f == name}
                layout[name] = _Source(column)
        for column, (name, base) in preset.offsets.items():
            if column in present:
                layout[name] = _Source(column, after=base)
    targets: dict[str, str] = {}
    for column, name in mapping.items():
        if name and name in targets:
            problem(f"--map {column}={name}: {name} is already read from column {targets[name]!r}")
            continue
        targets[name] = column
        if column not in present:
            close = difflib.get_close_matches(column, header, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(f"--map {column}={name}: the file has no column {column!r}{hint}")
            continue
        layout = {f: s for f, s in layout.items() if s.column != column and s.after != column}
        if name:
            layout[name] = _Source(column)
    used = {s.column for s in layout.values()} | {s.after for s in layout.values() if s.after}
    if not any(name in layout for name in TIME_FIELDS):
        problem(f"no time columns: expected some of {', '.join(TIME_FIELDS)}; map yours with --map "
                f"COLUMN=FIELD or read a known export with --preset ({', '.join(PRESETS)})")
    for column in header:
        if column in used or column in mapping:
            continue
        close = difflib.get_close_matches(column, [f for f in FIELDS if f not in layout], n=1, cutoff=0.8)
        if close:
            notes.append(f"{file}: column {column!r} is not read; did you mean {close[0]!r}? "
                         f"(--map {column}={close[0]})")
    return layout, problems, notes


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def severity_level(text: str) -> str:
    """'SEV2', 'sev 2', 'P2', '2' → 'SEV2'. Raises ValueError otherwise."""
    match = _SEVERITY.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a severity (SEV1 … SEV5; P1 … P5 and 1 … 5 are read as SEV1 … SEV5)")
    return f"SEV{match.group(1)}"


CHANNEL_WORDS = {
    "social media": "social_media", "social": "social_media", "twitter": "social_media", "x": "social_media",
    "reddit": "social_media", "mastodon": "social_media", "bluesky": "social_media", "facebook": "social_media",
    "customer support": "customer_report", "support": "customer_report", "customer": "customer_report",
    "support ticket": "customer_report", "alert": "monitoring", "slo": "slo_burn", "synthetics": "synthetic",
}  # fmt: skip
"""What exports call a detection channel, in the scenario format's words."""


def channel_name(text: str) -> str | None:
    """A history's channel in the scenario format's words: 'social_media', 'Social media', 'twitter' →
    'social_media'; None when it names no channel."""
    key = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    if key.replace(" ", "_") in CHANNELS:
        return key.replace(" ", "_")
    return CHANNEL_WORDS.get(key)


def _row(cells: Mapping[str, object], line: int, layout: Mapping[str, _Source], zone: tzinfo | None,
         file: str) -> tuple[Incident | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(message: str, name: str = "") -> None:
        problems.append(Problem(message, path=name, line=line, file=file))

    values: dict[str, Any] = {}  # by field: its text, its aware datetime, or None (as Incident's fields)
    for name in TEXT_FIELDS:
        source = layout.get(name)
        text = _cell(cells.get(source.column)) if source else ""
        if name == "incident":
            values[name] = text or f"line {line}"
        elif not text:
            if name == "mode" and source is not None:
                problem("empty; every incident needs its failure mode (or drop the column to group by severity)",
                        name)
            values[name] = None
        elif name == "severity":
            try:
                values[name] = severity_level(text)
            except ValueError as exc:
                problem(str(exc), name)
        elif name == "cause" and text not in CAUSES:
            problem(f"{text!r} is not a cause ({', '.join(CAUSES)}); ignore the column with --map "
                    f"{source.column if source else name}=", name)
        elif name == "mitigation" and text not in MITIGATIONS:
            problem(f"{text!r} is not a mitigation ({', '.join(MITIGATIONS)})", name)
        elif name == "channel" and channel_name(text) is None:
            problem(f"{text!r} is not a detection channel ({', '.join(CHANNELS)})", name)
        elif name == "channel":
            values[name] = channel_name(text)
        else:
            values[name] = text
    bases: dict[str, datetime | None] = {}
    for name in TIME_FIELDS:
        source = layout.get(name)
        if source is None:
            continue
        if source.after is None:
            text = _cell(cells.get(source.column))
            try:
                values[name] = parse_time(text, zone) if text else None
            except ValueError as exc:
                problem(str(exc), name)
            continue
        if source.after not in bases:
            base_text = _cell(cells.get(source.after))
            try:
                bases[source.after] = parse_time(base_text, zone) if base_text else None
            except ValueError as exc:
                bases[source.after] = None
                if not any(p.path == source.after for p in problems):
                    problem(str(exc), source.after)
        text = _cell(cells.get(source.column))
        if not text:
            values[name] = None
            continue
        try:
            seconds = float(text)
        except ValueError:
            problem(f"{text!r} is not a number of seconds", source.column)
            continue
        if not math.isfinite(seconds) or seconds < 0:
            problem(f"{text!r} seconds: expected a number of seconds, 0 or more", source.column)
            continue
        if seconds > MAX_SPAN.total_seconds():
            problem(f"{text!r} seconds is over a year: is a unit wrong?", source.column)
            continue
        base = bases[source.after]
        if base is None:
            if not any(p.path == source.after for p in problems):
                problem(f"{source.column} counts from {source.after}, which is empty", source.column)
            continue
        values[name] = base + timedelta(seconds=seconds)
    if problems:
        return None, problems
    known = [(name, values[name]) for name in TIME_FIELDS if values.get(name) is not None]
    if not known:
        problem(f"no times: a row needs at least one of {', '.join(n for n in TIME_FIELDS if n in layout)}")
        return None, problems
    for (before, earlier), (after, later) in itertools.pairwise(known):
        if later < earlier:
            hint = ""
            if before == "declared_at" and after == "acknowledged_at":
                hint = ("; drillsim's lifecycle declares, then pages: if your team declares after acknowledging, "
                        f"leave declared_at out (--map {layout['declared_at'].column}=)")
            problem(f"times out of order: {after} ({format_time(later)}) is before {before} "
                    f"({format_time(earlier)}){hint}", after)
    first_name, first = known[0]
    last_name, last = known[-1]
    if last - first > MAX_SPAN:
        problem(f"{last_name} is {(last - first).days} days after {first_name}: an incident of over a year; "
                "is a year or a unit wrong?", last_name)
    if problems:
        return None, problems
    return Incident(line=line, **values), problems


def _rows_csv(text: str, file: str) -> tuple[list[str], list[tuple[int, dict[str, object], str | None]]]:
    from simulator.outputs.files import csv_text_read  # a cell drillsim kept from being a formula, as it was

    rows = inputs.csv_rows(text, file, error=HistoryError)
    if not rows:
        return [], []
    header = [name.strip() for name in rows[0][1]]
    out: list[tuple[int, dict[str, object], str | None]] = []
    for line, cells in rows[1:]:
        if any(cell.strip() for cell in cells):
            error = None
            if len(cells) != len(header):
                error = f"{len(cells)} cells for {len(header)} columns"
            out.append((line, dict(zip(header, (csv_text_read(c) for c in cells), strict=False)), error))
    return header, out


_Cell = StrictStr | StrictInt | StrictFloat | StrictBool | None


class _Record(RootModel[dict[str, _Cell]]):
    """A line of a JSON Lines history: an object of column: value, each value a string, number, true, false or
    null (not a list or an object)."""

    model_config = ConfigDict(allow_inf_nan=False)


def _rows_jsonl(text: str, file: str) -> tuple[list[str], list[tuple[int, dict[str, object], str | None]]]:
    rows: list[tuple[int, dict[str, object], str | None]] = []
    header: list[str] = []
    for line, content in enumerate(text.splitlines(), 1):
        if not content.strip():
            continue
        try:
            record = inputs.load_json(content, file, depth=2, line=line, error=HistoryError)
            inputs.check_strings(record, file, line=line, error=HistoryError)
            if not isinstance(record, dict):
                raise ValueError("each line must be a JSON object of column: value")
            record = inputs.validated(_Record, record, file, line, error=HistoryError).root
        except HistoryError as exc:
            rows.append((line, {}, "; ".join(f"{p.path}: {p.message}" if p.path else p.message
                                            for p in exc.problems)))
            continue
        except ValueError as exc:
            rows.append((line, {}, str(exc)))
            continue
        for key in record:
            if key not in header:
                header.append(key)
        rows.append((line, dict(record), None))
    return header, rows


def read_history(path: str | Path, *, preset: str | None = None, mapping: Mapping[str, str] | None = None,
                 zone: tzinfo | None = None, skip_bad: bool = False, as_of: datetime | None = None) -> History:
    """Read a history file (.csv, or .jsonl/.ndjson for JSON Lines).

    preset    read a known export ('analytics', 'lifecycle'; see PRESETS)
    mapping   column → field ('' ignores the column), applied after the preset
    zone      the time zone of times written without an offset (otherwise they are refused)
    skip_bad  leave bad rows out (History.skipped lists their problems) instead of raising HistoryError
    as_of     when the history was exported (default: its latest time): open incidents are censored there

    Raises HistoryError listing every problem, each with the file, the line and the field.
    """
    path = Path(path)
    file = str(path)
    if preset is not None and preset not in PRESETS:
        close = difflib.get_close_matches(preset, PRESETS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DrillsimError(f"unknown preset {preset!r} (presets: {', '.join(PRESETS)}){hint}")
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".csv"):
        inputs.regular_size(path, MAX_HISTORY_BYTES, "history file", error=HistoryError)
        raise HistoryError([Problem("expected a .csv or .jsonl (JSON Lines) history file", file=file)])
    text = inputs.read_text(path, MAX_HISTORY_BYTES, "history file", error=HistoryError)
    header, rows = _rows_csv(text, file) if suffix == ".csv" else _rows_jsonl(text, file)
    if not header and rows:  # JSON Lines with no line read: say why each was not
        raise HistoryError([Problem(error or "", line=line, file=file) for line, _, error in rows[:20]])
    if not header:
        raise HistoryError([Problem("the file is empty; a history has a header row and one row per incident",
                                    line=1, file=file)])
    layout, problems, notes = _layout(header, PRESETS[preset] if preset else None, mapping or {}, file)
    if problems:
        raise HistoryError(problems)
    incidents: list[Incident] = []
    bad: list[Problem] = []
    seen: dict[str, int] = {}
    count = 0
    for line, cells, error in rows:
        count += 1
        if error is not None:
            bad.append(Problem(error, line=line, file=file))
            continue
        incident, found = _row(cells, line, layout, zone, file)
        if incident is not None and incident.incident in seen:
            found = [Problem(f"{incident.incident!r} appears again (first on line {seen[incident.incident]})",
                             path="incident", line=line, file=file)]
            incident = None
        if incident is None:
            bad.extend(found)
            continue
        seen[incident.incident] = line
        incidents.append(incident)
    if bad and not skip_bad:
        raise HistoryError(bad)
    if not incidents:
        raise HistoryError([*bad, Problem("no incidents: the file has a header and no usable rows",
                                          line=1, file=file)])
    latest = max(incident.last for incident in incidents)
    if as_of is None:
        as_of = latest
    elif as_of < latest:
        raise DrillsimError(f"{file}: the export time {format_time(as_of)} is before the latest time in the "
                            f"file ({format_time(latest)})")
    skipped = tuple(sorted(bad, key=lambda p: (p.line or 0, p.path)))
    return History(file=file, incidents=tuple(incidents), fields=frozenset(layout), as_of=as_of, rows=count,
                   skipped=skipped, notes=tuple(notes), zone=zone)


# ── Writing ───────────────────────────────────────────────────────────────────────────────────────────────


def incident_cells(incident: Incident, fields: Sequence[str] = FIELDS) -> dict[str, str]:
    """A row of the format: times as ISO 8601 to the second with their offset, empty where None."""
    cells = {}
    for name in fields:
        value = getattr(incident, name)
        cells[name] = "" if value is None else format_time(value) if isinstance(value, datetime) else str(value)
    return cells


def history_bytes(incidents: Iterable[Incident], fields: Sequence[str] | None = None, jsonl: bool = False) -> bytes:
    """A history file's content, as write_history writes it (CSV, or JSON Lines)."""
    import io

    from simulator.outputs.files import CsvWriter, csv_text

    incidents = list(incidents)
    if fields is None:
        fields = [name for name in FIELDS
                  if name == "incident" or any(getattr(i, name) is not None for i in incidents)]
    handle = io.StringIO(newline="")
    if jsonl:
        for incident in incidents:
            cells = incident_cells(incident, fields)
            handle.write(json.dumps({k: (v or None) for k, v in cells.items()}, ensure_ascii=False) + "\n")
    else:
        writer = CsvWriter(handle)
        writer.writerow(fields)
        for incident in incidents:  # a spreadsheet opens it: no cell is a formula
            writer.writerow(csv_text(cell) for cell in incident_cells(incident, fields).values())
    return handle.getvalue().encode("utf-8")


def write_history(path: str | Path, incidents: Iterable[Incident], fields: Sequence[str] | None = None) -> Path:
    """Write incidents in the history format: CSV, or JSON Lines for a .jsonl path (written atomically). The
    columns are `fields` (default: the incident and every field some incident gives, in the format's order)."""
    from simulator.outputs.files import write_bytes

    path = Path(path)
    return write_bytes(path, history_bytes(incidents, fields, jsonl=path.suffix.lower() in (".jsonl", ".ndjson")))
