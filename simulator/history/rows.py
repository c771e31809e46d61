"""A history file's rows, before they are read as incidents: CSV, JSON Lines, or a platform's JSON export whose
records are flattened into columns (presets.flatten). Column names are normalised (presets.normalise)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ConfigDict, RootModel, StrictBool, StrictFloat, StrictInt, StrictStr

from simulator import inputs
from simulator.errors import Problem, ScenarioError
from simulator.history.presets import flatten, normalise, records


class HistoryError(ScenarioError):
    """A history file could not be read: every problem found, each with the file, the line and the field,
    reported like a scenario's problems."""


@dataclass(frozen=True)
class Rows:
    """A file's rows: the header (normalised names, in order), what each name was called in the file, and each
    row as (line, cells by normalised name, an error, where: 'incidents[3]' in a JSON export, else '')."""

    header: list[str]
    shown: dict[str, str]
    rows: list[tuple[int, dict[str, object], str | None, str]]
    kind: str


def _header(names: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    header: list[str] = []
    shown: dict[str, str] = {}
    for name in names:
        key = normalise(name) or name
        if key not in shown:
            header.append(key)
            shown[key] = name.strip()
    return header, shown


def _rows_csv(text: str, file: str) -> Rows:
    from simulator.outputs.files import csv_text_read  # a cell drillsim kept from being a formula, as it was

    rows = inputs.csv_rows(text, file, error=HistoryError)
    if not rows:
        return Rows([], {}, [], "csv")
    raw = [name.strip().lstrip("\ufeff") for name in rows[0][1]]
    header, shown = _header(raw)
    keys = [normalise(name) or name for name in raw]
    out: list[tuple[int, dict[str, object], str | None, str]] = []
    for line, cells in rows[1:]:
        if any(cell.strip() for cell in cells):
            error = None
            if len(cells) != len(raw):
                error = f"{len(cells)} cells for {len(raw)} columns"
            row: dict[str, object] = {}
            for key, cell in zip(keys, cells, strict=False):
                row.setdefault(key, csv_text_read(cell))
            out.append((line, row, error, ""))
    return Rows(header, shown, out, "csv")


_Cell = StrictStr | StrictInt | StrictFloat | StrictBool | None


class _Record(RootModel[dict[str, _Cell]]):
    """A line of a JSON Lines history: an object of column: value, each value a string, number, true, false or
    null (not a list or an object)."""

    model_config = ConfigDict(allow_inf_nan=False)


def _rows_jsonl(text: str, file: str) -> Rows:
    rows: list[tuple[int, dict[str, object], str | None, str]] = []
    names: list[str] = []
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
                                             for p in exc.problems), ""))
            continue
        except ValueError as exc:
            rows.append((line, {}, str(exc), ""))
            continue
        for key in record:
            if key not in names:
                names.append(key)
        row: dict[str, object] = {}
        for key, value in record.items():
            row.setdefault(normalise(key) or key, value)
        rows.append((line, row, None, ""))
    header, shown = _header(names)
    return Rows(header, shown, rows, "jsonl")


def _rows_json(text: str, file: str) -> Rows:
    """A JSON export (an API's response): its list of records, each flattened into columns (presets.flatten)."""
    # Texts the presets do not read (an alert's description, its body's details) may be long: only the cells
    # read are held to the length of a field (_row).
    document = inputs.load_json(text, file, error=HistoryError)
    found = records(document)
    if found is None:
        raise HistoryError([Problem("expected a JSON export: an object with a list of incidents (\"incidents\": "
                                    "[…], as PagerDuty's and incident.io's APIs return) or of records (\"data\": "
                                    "[…], as PagerDuty's analytics and Opsgenie return), or a list", file=file)])
    key, items = found
    names: list[str] = []
    rows: list[tuple[int, dict[str, object], str | None, str]] = []
    for index, item in enumerate(items):
        where = f"{key}[{index}]" if key else f"[{index}]"
        if not isinstance(item, dict):
            rows.append((index + 1, {}, "expected an object", where))
            continue
        flat = flatten(item)
        for name in flat:
            if name not in names:
                names.append(name)
        rows.append((index + 1, flat, None, where))
    header, shown = _header(names)
    return Rows(header, shown, rows, "json")


def read_rows(text: str, file: str, suffix: str) -> Rows:
    """The rows of a history file's text: `suffix` '.csv', '.json' (an API's export), else JSON Lines."""
    reader = {".csv": _rows_csv, ".json": _rows_json}.get(suffix, _rows_jsonl)
    return reader(text, file)
