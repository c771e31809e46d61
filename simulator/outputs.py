"""Results on disk: summary.json, incidents.csv and events.jsonl, written atomically, and read back.

Every file is written to a temporary name in the same folder and renamed into place, so a run that is
killed part-way never leaves a truncated file that looks complete.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from simulator.events import Event
from simulator.load import LoadTable, load_summary
from simulator.metrics import METRICS, IncidentTable, Stats
from simulator.scenario.model import Scenario

SUMMARY, INCIDENTS, EVENTS = "summary.json", "incidents.csv", "events.jsonl"
FORMAT_VERSION = 1


def drillsim_version() -> str:
    try:
        return version("drillsim")
    except PackageNotFoundError:
        return "0+unknown"


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[io.IOBase]:
    """Open a temporary file beside `path` (text, UTF-8; or bytes with mode "wb"); rename it to `path` only
    when the block finishes cleanly. An exception, an interrupt or a kill leaves `path` as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # the permissions of a file opened the usual way, not mkstemp's 0600
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **text) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _notifies(level) -> str:
    """Whom an escalation level pages, in words."""
    if level.rotation is not None:
        return f"rotation {level.rotation}"
    return "everyone" if level.everyone else ", ".join(level.people)


def summary_document(scenario: Scenario, seed: int, replications: int, table: IncidentTable,
                     stats: dict[str, Stats], load: LoadTable | None = None) -> dict[str, Any]:
    """The content of summary.json: what was run and every statistic, in minutes."""
    open_at_horizon = int(np.count_nonzero(np.isnan(table.mitigated)))
    return {
        "format": FORMAT_VERSION,
        "drillsim_version": drillsim_version(),
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
    }


def write_summary(folder: Path, document: dict[str, Any]) -> Path:
    path = Path(folder) / SUMMARY
    with atomic_open(path) as handle:
        json.dump(document, handle, indent=2, sort_keys=False, allow_nan=False)
        handle.write("\n")
    return path


def write_incidents(folder: Path, table: IncidentTable, block: int = 20_000) -> Path:
    """incidents.csv: one row per incident, times in minutes rounded to 6 decimals, empty where not reached.
    Written column by column in blocks of rows, so that a large table is never all text at once."""
    path = Path(folder) / INCIDENTS
    columns = IncidentTable.columns()
    with atomic_open(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for start in range(0, len(table), block):
            cells = []
            for name in columns:
                values = getattr(table, name)[start:start + block].tolist()
                if values and isinstance(values[0], float):
                    values = [repr(round(v, 6)) if v == v else "" for v in values]
                cells.append(values)
            writer.writerows(zip(*cells, strict=True))
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


def write_events(folder: Path, events: Iterable[Event], block: int = 50_000) -> Path:
    path = Path(folder) / EVENTS
    batch: list = []
    with atomic_open(path) as handle:
        for event in events:
            batch.append(event)
            if len(batch) >= block:
                handle.write(event_lines(batch))
                batch.clear()
        handle.write(event_lines(batch))
    return path


def read_summary(folder: Path) -> dict[str, Any]:
    return json.loads((Path(folder) / SUMMARY).read_text(encoding="utf-8"))


def read_events(folder: Path) -> Iterator[Event]:
    with open(Path(folder) / EVENTS, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Event.from_json(json.loads(line))
