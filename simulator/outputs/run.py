"""One run's files: summary.json, incidents.csv and events.parquet (the event log, simulator.outputs.eventlog).

Run id. summary.json, incidents.csv (its `run_id` column) and the metadata of events.parquet carry the same
run id: a digest of everything that determines a run's results (file format, drillsim version, scenario,
seed, replications, policy, and how much of the event log it keeps when that is not all of it), so that the
same run gives the same bytes and files from different runs never pass for one. summary.json also records
how much of the log the run kept (`events`) and the size and SHA-256 of the other two files.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from simulator.analysis.breakdowns import breakdowns, breakdowns_document
from simulator.events import Event
from simulator.outputs import cells
from simulator.outputs.eventlog import check_level, write_event_log
from simulator.outputs.files import CsvWriter, atomic_open, csv_text, drillsim_version, finite, write_json
from simulator.outputs.names import DIGEST, EVENTS, FORMAT_VERSION, INCIDENTS, RUN_ID, SUMMARY
from simulator.results.metrics import METRICS, TEXT, IncidentTable, Stats, organic
from simulator.results.oncall_load import LoadTable, load_summary
from simulator.scenario.model import Scenario

# ── One run's files ────────────────────────────────────────────────────────────────────────────────────────


def run_id(scenario: Scenario, seed: int, replications: int, policy: Any = None, events: str = "full") -> str:
    """A digest of everything that determines a run's results: two runs with the same id give the same bytes.
    The event log level (`events`) counts when it leaves something out ("incidents", "none"): the log of such a
    run is not the full one, and a full run's id is what it was before levels were."""
    name = "" if policy is None else f"{getattr(policy, '__module__', '')}.{getattr(policy, '__qualname__', policy)}"
    parts = [FORMAT_VERSION, drillsim_version(), scenario.model_dump_json(), seed, replications, name]
    text = json.dumps(parts if events == "full" else [*parts, check_level(events)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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
                     files: dict[str, dict[str, Any]] | None = None, events: str = "full") -> dict[str, Any]:
    """The content of summary.json: what was run and every statistic, in minutes; with the run id and the
    sizes and digests of the other files when given, and how much of the event log the run kept (`events`)."""
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
        "events": events,
        "incidents": len(table),
        "not_restored_at_horizon": open_at_horizon,
        "units": "minutes",
        "metrics": {
            key: {"label": metric.label, "definition": metric.definition, **stats[key].as_dict()}
            for key, metric in METRICS.items()
        },
        "on_call_load": load_summary(load, scenario.timezone, scenario.team.pay.currency if scenario.team.pay
                                     else None) if load is not None else None,
        **({"files": files} if files is not None else {}),
    }


def write_summary(folder: Path, document: dict[str, Any]) -> Path:
    """summary.json, signed with the digest of its own content (`digest`), so that a reader can tell it from
    one changed since."""
    plain_document = finite(document)
    plain_document.pop(DIGEST, None)
    return write_json(Path(folder) / SUMMARY, {**plain_document, DIGEST: summary_digest(plain_document)})


def summary_digest(document: dict[str, Any]) -> str:
    """The SHA-256 of a summary's content (all but its `digest`), written canonically."""
    content = {key: value for key, value in document.items() if key != DIGEST}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_incidents(folder: Path, table: IncidentTable, block: int = 1 << 14, run: str | None = None) -> Path:
    """incidents.csv: one row per incident, times in minutes rounded to 6 decimals, empty where not reached,
    and the run id in a last column when given. Written a block of rows at a time, each block's cells made
    column by column (simulator.outputs.cells), so that a large table is never all text at once."""
    path = Path(folder) / INCIDENTS
    columns = IncidentTable.columns()
    categories = {name: cells.category_cells(table.codes(name).categories) for name in TEXT}
    if any(cells.needs_row_quoting(found) for found in categories.values()):
        return _write_incidents_by_row(path, table, block, run)

    def column(name: str, start: int, stop: int) -> Any:
        if name in TEXT:
            return cells.coded_cells(table.codes(name).codes[start:stop], categories[name])
        values = getattr(table, name)[start:stop]
        kind = values.dtype.kind
        return cells.float_cells(values) if kind == "f" else cells.bool_cells(values) if kind == "b" else \
            cells.int_cells(values)

    # Arrow's kernels and numpy let go of the GIL: a block's columns are made on a few threads at once.
    with atomic_open(path, "wb") as handle, ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        header = io.StringIO()
        CsvWriter(header).writerow([*columns, RUN_ID] if run is not None else columns)
        handle.write(header.getvalue().encode("utf-8"))
        for start in range(0, len(table), block):
            row_cells = list(pool.map(column, columns, repeat(start), repeat(start + block)))
            if run is not None:
                row_cells.append(run)
            cells.write_lines(handle, row_cells)
            del row_cells
    cells.release_memory()
    return path


def _write_incidents_by_row(path: Path, table: IncidentTable, block: int, run: str | None) -> Path:
    """incidents.csv through the csv module, a row at a time: for a table whose text holds a carriage return
    (CsvWriter quotes every cell of such a row)."""
    columns = IncidentTable.columns()
    with atomic_open(path, "wb") as handle:
        text = io.StringIO()
        writer = CsvWriter(text)
        writer.writerow([*columns, RUN_ID] if run is not None else columns)
        for start in range(0, len(table), block):
            row_cells = []
            for name in columns:
                values = getattr(table, name)[start:start + block].tolist()
                if values and isinstance(values[0], float):
                    values = [repr(round(v, 6)) if v == v else "" for v in values]
                elif values and isinstance(values[0], str):  # names from the scenario: never a formula
                    values = [csv_text(v) for v in values]
                row_cells.append(values)
            if run is not None:
                row_cells.append([run] * len(row_cells[0]))
            writer.writerows(zip(*row_cells, strict=True))  # a row at a time: one with a carriage return is quoted
            handle.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
        handle.write(text.getvalue().encode("utf-8"))
    return path


def write_events(folder: Path, events: Iterable[Event], run: str, incidents_only: bool = False) -> Path:
    """events.parquet of a log held in memory (with `incidents_only`, without the deployment pipeline's events)."""
    return write_event_log(Path(folder) / EVENTS, events, run, incidents_only=incidents_only)


def write_run(results, folder: str | Path) -> list[Path]:
    """Write a run's incidents.csv, events.parquet (when the results kept the event log in memory, as much of it
    as their `events_level` keeps) and summary.json (with every breakdown) into `folder`, an existing folder (a
    staging one, say). An events.parquet already in `folder` (streamed there by the run) is listed in
    summary.json with its size and digest."""
    folder = Path(folder)
    level = check_level(results.events_level)
    run = run_id(results.scenario, results.seed, results.replications, results.policy, level)
    events = None
    if level != "none" and results.events is not None:
        events = write_events(folder, results.events, run, incidents_only=level == "incidents")
    elif level != "none" and (folder / EVENTS).is_file():  # streamed there by the run, or carried over
        events = folder / EVENTS
    incidents = write_incidents(folder, results.incidents, run=run)
    files = {INCIDENTS: file_digest(incidents)}
    if events is not None:
        files[EVENTS] = file_digest(events)
    document = summary_document(results.scenario, results.seed, results.replications, results.incidents,
                                results.summary(), results.load, run, files, level)
    document["breakdowns"] = breakdowns_document(breakdowns(organic(results.incidents), results.replications))
    from simulator.analysis.practice_summary import practice_sections

    document.update(practice_sections(results))
    summary = write_summary(folder, document)
    return [summary, incidents] + ([events] if events is not None else [])
