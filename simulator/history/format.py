"""The incident-history format: one incident a row, as CSV or JSON Lines; and the exports of incident platforms
(CSV, or an API's JSON), read through their presets (presets.py), found from the header when not named.

Columns (names as below, in any order; others are ignored):

    incident          an id, unique in the file (default: the row's line number)
    mode              the failure mode (optional; without it, incidents are grouped by severity)
    severity          SEV1 … SEV5 (P1 … P5, 1 … 5, SEV0, critical, major, minor, high, low: presets.VOCABULARY)
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
with a mapping (`column=field`; `column=` ignores a column); a preset maps a whole export at once. Every problem
names the file, the row (its line, or `incidents[3]` in a JSON export) and the column.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, get_args

from simulator import inputs
from simulator.errors import DrillsimError, Problem
from simulator.history.fields import FIELDS, TEXT_FIELDS, TIME_FIELDS
from simulator.history.presets import (
    PRESETS,
    Offset,
    Preset,
    detect,
    normalise,
    preset_named,
    severity_of,
)
from simulator.history.rows import HistoryError, Rows, read_rows
from simulator.history.timestamps import format_time, parse_time
from simulator.limits import MAX_FIELD_CHARS, MAX_HISTORY_BYTES
from simulator.scenario.model import CHANNELS, MITIGATIONS, Cause

"""Every field, in the order the format writes its columns."""
CAUSES: tuple[str, ...] = get_args(Cause)
MAX_SPAN = timedelta(days=365)
"""The longest an incident may run from its first time to its last: beyond, a year or a unit is wrong."""


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
    preset: str | None = None
    """The preset the file was read with (given, or detected from its header)."""

    @property
    def skipped_lines(self) -> tuple[int, ...]:
        return tuple(sorted({p.line for p in self.skipped if p.line is not None}))

    def has(self, name: str) -> bool:
        return name in self.fields


# ── Reading ───────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Source:
    """Where a field is read from: the first of `columns` not empty in a row, else `offset`'s duration after
    its base column's time. Column names are normalised (presets.normalise)."""

    columns: tuple[str, ...] = ()
    offset: Offset | None = None


def _layout(rows: Rows, preset: Preset | None, mapping: Mapping[str, str], file: str
            ) -> tuple[dict[str, _Source], Preset | None, list[Problem], list[str]]:
    """Which columns each field is read from, the preset used (given, or detected from the header); problems
    with the header, and notes (the preset detected, columns that look like fields but are not read)."""
    problems: list[Problem] = []
    notes: list[str] = []
    header, shown = rows.header, rows.shown

    def problem(message: str) -> None:
        problems.append(Problem(message, line=1 if rows.kind != "json" else None, file=file))

    # --map first renames columns: to a field (read as that field) or to a column a preset reads.
    names = {name: name for name in header}  # name as read → column in the file
    forced: dict[str, str] = {}  # field → column, from --map COLUMN=FIELD
    ignored: set[str] = set()
    for column, target in mapping.items():
        key = normalise(column)
        if target and target in forced:
            problem(f"--map {column}={target}: {target} is already read from column {shown[forced[target]]!r}")
            continue
        if key not in header:
            close = difflib.get_close_matches(column, [shown[h] for h in header], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(f"--map {column}={target}: the file has no column {column!r}{hint}")
            continue
        names.pop(key, None)
        if not target:
            ignored.add(key)
            continue
        names[target] = key
        if target in FIELDS:
            forced[target] = key
    if preset is None:
        preset, why = detect(names, rows.kind)
        if preset is None and why:
            problem(f"the file's preset is ambiguous: {why}")
        elif preset is not None and preset.name != "generic":
            notes.append(f"{file}: read as {preset.name} ({why}); choose another with --preset")
    elif preset.signature:
        missing = [c for c in preset.signature if c not in names]
        if missing:
            hints = []
            for name in missing:
                unread = [h for h in names if h not in preset.columns()]
                close = difflib.get_close_matches(name, unread, n=1, cutoff=0.6)
                if close:
                    hints.append(f"--map {shown[close[0]]}={name}")
            problem(f"the {preset.name} preset needs the columns {', '.join(missing)}, which the file lacks "
                    f"(its columns: {', '.join(shown[h] for h in header)})"
                    + (f"; if yours are named otherwise, map them: {' '.join(hints)}" if hints else ""))
    layout: dict[str, _Source] = {}
    reads = preset.columns() if preset is not None else set()
    for name in FIELDS:
        columns: tuple[str, ...] = ()
        offset = None
        if name in forced:
            columns = (forced[name],)
        elif preset is not None:
            columns = tuple(names[c] for c in preset.fields.get(name, ()) if c in names)
            found = preset.offsets.get(name)
            if found is not None and found.column in names and found.after in names:
                offset = Offset(names[found.column], names[found.after], found.unit)
        by_name = preset is None or preset.by_name
        if not columns and offset is None and by_name and name in names and name not in reads:
            columns = (names[name],)
        if columns or offset is not None:
            layout[name] = _Source(columns, offset)
    if not problems and not any(name in layout for name in TIME_FIELDS):
        problem(f"no time columns: expected some of {', '.join(TIME_FIELDS)}; map yours with --map "
                f"COLUMN=FIELD or read a known export with --preset ({', '.join(PRESETS)})")
    used = {c for s in layout.values() for c in s.columns}
    used |= {c for s in layout.values() if s.offset for c in (s.offset.column, s.offset.after)}
    for column in header:
        if column in used or column in ignored or column in reads or \
                (column in FIELDS and preset is not None and not preset.by_name):  # the platform's own `mode`
            continue
        close = difflib.get_close_matches(column, [f for f in FIELDS if f not in layout], n=1, cutoff=0.8)
        if close:
            notes.append(f"{file}: column {shown[column]!r} is not read; did you mean {close[0]!r}? "
                         f"(--map {shown[column]}={close[0]})")
    return layout, preset, problems, notes


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def severity_level(text: str, values: Mapping[str, str] | None = None) -> str:
    """'SEV2', 'sev 2', 'P2', '2', 'Major', 'high' → 'SEV2' (presets.severity_of; `values` from --severity
    first). Raises ValueError otherwise."""
    return severity_of(text, values)


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


def _row(cells: Mapping[str, object], line: int, where: str, layout: Mapping[str, _Source],
         shown: Mapping[str, str], zone: tzinfo | None, file: str, severities: Mapping[str, str] | None = None,
         ) -> tuple[Incident | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(message: str, column: str = "", name: str = "") -> None:
        """A problem with `column` of the file, read as field `name` (said when the names differ)."""
        label = shown.get(column, column)
        if name and label and normalise(label) != name:
            label = f"{label} (as {name})"
        if where:
            problems.append(Problem(message, path=f"{where} {label}".strip(), file=file))
        else:
            problems.append(Problem(message, path=label, line=line, file=file))

    def first(source: _Source | None) -> tuple[str, str]:
        """(text, column) of the first column of `source` not empty in this row."""
        if source is None:
            return "", ""
        for column in source.columns:
            text = _cell(cells.get(column))
            if len(text) > MAX_FIELD_CHARS:
                problem(f"a text of {len(text):,} characters; drillsim reads at most {MAX_FIELD_CHARS:,}", column)
                return "", column
            if text:
                return text, column
        return "", source.columns[0] if source.columns else ""

    values: dict[str, Any] = {}  # by field: its text, its aware datetime, or None (as Incident's fields)
    for name in TEXT_FIELDS:
        source = layout.get(name)
        text, column = first(source)
        if name == "incident":
            values[name] = text or (where or f"line {line}")
        elif not text:
            if name == "mode" and source is not None:
                problem("empty; every incident needs its failure mode (or drop the column to group by severity)",
                        column, name)
            values[name] = None
        elif name == "severity":
            try:
                values[name] = severity_of(text, severities)
            except ValueError as exc:
                problem(str(exc), column, name)
        elif name == "cause" and text not in CAUSES:
            problem(f"{text!r} is not a cause ({', '.join(CAUSES)}); ignore the column with --map "
                    f"{shown.get(column, column)}=", column, name)
        elif name == "mitigation" and text not in MITIGATIONS:
            problem(f"{text!r} is not a mitigation ({', '.join(MITIGATIONS)})", column, name)
        elif name == "channel" and channel_name(text) is None:
            problem(f"{text!r} is not a detection channel ({', '.join(CHANNELS)})", column, name)
        elif name == "channel":
            values[name] = channel_name(text)
        else:
            values[name] = text
    bases: dict[str, datetime | None] = {}
    for name in TIME_FIELDS:
        source = layout.get(name)
        if source is None:
            continue
        text, column = first(source)
        if text or source.offset is None:
            try:
                values[name] = parse_time(text, zone) if text else None
            except ValueError as exc:
                problem(str(exc), column, name)
            continue
        offset = source.offset
        if offset.after not in bases:
            base_text = _cell(cells.get(offset.after))
            try:
                bases[offset.after] = parse_time(base_text, zone) if base_text else None
            except ValueError as exc:
                bases[offset.after] = None
                if not any(p.path.endswith(shown.get(offset.after, offset.after)) for p in problems):
                    problem(str(exc), offset.after)
        text = _cell(cells.get(offset.column))
        unit = "seconds" if offset.unit == 1 else "milliseconds"
        if not text:
            values[name] = None
            continue
        try:
            amount = float(text)
        except ValueError:
            problem(f"{text!r} is not a number of {unit}", offset.column, name)
            continue
        if not math.isfinite(amount) or amount < 0:
            problem(f"{text!r} {unit}: expected a number of {unit}, 0 or more", offset.column, name)
            continue
        if amount * offset.unit > MAX_SPAN.total_seconds():
            problem(f"{text!r} {unit} is over a year: is a unit wrong?", offset.column, name)
            continue
        base = bases[offset.after]
        if base is None:
            if not any(p.path.endswith(shown.get(offset.after, offset.after)) for p in problems):
                problem(f"{shown.get(offset.column, offset.column)} counts from "
                        f"{shown.get(offset.after, offset.after)}, which is empty", offset.column, name)
            continue
        values[name] = base + timedelta(seconds=amount * offset.unit)
    if problems:
        return None, problems
    known = [(name, values[name]) for name in TIME_FIELDS if values.get(name) is not None]
    if not known:
        problem(f"no times: a row needs at least one of {', '.join(n for n in TIME_FIELDS if n in layout)}")
        return None, problems

    def column_of(name: str) -> str:
        source = layout[name]
        return source.columns[0] if source.columns else source.offset.column if source.offset else name

    for (before, earlier), (after, later) in itertools.pairwise(known):
        if later < earlier:
            hint = ""
            if before == "declared_at" and after == "acknowledged_at":
                hint = ("; drillsim's lifecycle declares, then pages: if your team declares after acknowledging, "
                        f"leave declared_at out (--map {shown.get(column_of('declared_at'))}=)")
            problem(f"times out of order: {after} ({format_time(later)}) is before {before} "
                    f"({format_time(earlier)}){hint}", column_of(after), after)
    first_name, first_time = known[0]
    last_name, last_time = known[-1]
    if last_time - first_time > MAX_SPAN:
        problem(f"{last_name} is {(last_time - first_time).days} days after {first_name}: an incident of over a "
                "year; is a year or a unit wrong?", column_of(last_name), last_name)
    if problems:
        return None, problems
    return Incident(line=line, **values), problems


def read_history(path: str | Path, *, preset: str | None = None, mapping: Mapping[str, str] | None = None,
                 zone: tzinfo | None = None, skip_bad: bool = False, as_of: datetime | None = None,
                 severities: Mapping[str, str] | None = None) -> History:
    """Read a history file (.csv, .jsonl/.ndjson for JSON Lines, or .json for an API's export).

    preset      read a known export (see presets.PRESETS); default: the one the header identifies, if any
    mapping     column → field or preset column ('' ignores the column), applied before the preset
    zone        the time zone of times written without an offset (otherwise they are refused)
    skip_bad    leave bad rows out (History.skipped lists their problems) instead of raising HistoryError
    as_of       when the history was exported (default: its latest time): open incidents are censored there
    severities  value → 'SEVn' (normalised keys, presets.parse_severities), before the common vocabulary

    Raises HistoryError listing every problem, each with the file, the row (a line, or a record of a JSON
    export) and the column.
    """
    path = Path(path)
    file = str(path)
    chosen = preset_named(preset) if preset is not None else None
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".csv", ".json"):
        inputs.regular_size(path, MAX_HISTORY_BYTES, "history file", error=HistoryError)
        raise HistoryError([Problem("expected a .csv, a .jsonl (JSON Lines) or a .json (an API's export) history "
                                    "file", file=file)])
    text = inputs.read_text(path, MAX_HISTORY_BYTES, "history file", error=HistoryError)
    found = read_rows(text, file, suffix)
    header, rows = found.header, found.rows
    if not header and rows:  # no record read: say why each was not
        raise HistoryError([Problem(error or "", line=None if where else line, path=where, file=file)
                            for line, _, error, where in rows[:20]])
    if not header:
        raise HistoryError([Problem("the file is empty; a history has a header row and one row per incident",
                                    line=1, file=file)])
    layout, used, problems, notes = _layout(found, chosen, mapping or {}, file)
    if problems:
        raise HistoryError(problems)
    incidents: list[Incident] = []
    bad: list[Problem] = []
    seen: dict[str, str] = {}
    count = 0
    for line, cells, error, where in rows:
        count += 1
        if error is not None:
            bad.append(Problem(error, line=None if where else line, path=where, file=file))
            continue
        incident, problems_found = _row(cells, line, where, layout, found.shown, zone, file, severities)
        if incident is not None and incident.incident in seen:
            column = layout["incident"].columns[0] if "incident" in layout else "incident"
            label = found.shown.get(column, column)
            problems_found = [Problem(f"{incident.incident!r} appears again (first on {seen[incident.incident]})",
                                      path=f"{where} {label}" if where else label, line=None if where else line,
                                      file=file)]
            incident = None
        if incident is None:
            bad.extend(problems_found)
            continue
        seen[incident.incident] = where or f"line {line}"
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
                   skipped=skipped, notes=tuple(notes), zone=zone, preset=used.name if used else None)


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
