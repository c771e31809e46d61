"""Results on disk: summary.json, incidents.csv and events.jsonl, written atomically, and read back.

Every file is written to a temporary name in the same folder and renamed into place, so a run that is
killed part-way never leaves a truncated file that looks complete.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from simulator.events import Event
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
def atomic_open(path: Path, mode: str = "w") -> Iterator[io.TextIOBase]:
    """Open a temporary file beside `path`; rename it to `path` only when the block finishes cleanly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def summary_document(scenario: Scenario, seed: int, replications: int, table: IncidentTable,
                     stats: dict[str, Stats]) -> dict[str, Any]:
    """The content of summary.json: what was run and every statistic, in minutes."""
    open_at_horizon = int(sum(1 for v in table.mitigated if math.isnan(v)))
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
            "responder_names": list(scenario.team.names),
            "secondary": scenario.team.secondary.name,
            "escalate_after_minutes": scenario.team.escalate_after,
            "severities": sorted({level for mode in scenario.failure_modes for level, _ in mode.severities}),
            "postmortem_severities": list(scenario.policy.postmortem.severities),
            "failure_mode_descriptions": {mode.name: mode.description.strip() for mode in scenario.failure_modes},
        },
        "seed": seed,
        "replications": replications,
        "incidents": len(table),
        "not_restored_at_horizon": open_at_horizon,
        "units": "minutes",
        "metrics": {
            key: {"label": label, "definition": f"{what}: {span}", **stats[key].as_dict()}
            for key, (label, what, span) in METRICS.items()
        },
    }


def write_summary(folder: Path, document: dict[str, Any]) -> Path:
    path = Path(folder) / SUMMARY
    with atomic_open(path) as handle:
        json.dump(document, handle, indent=2, sort_keys=False, allow_nan=False)
        handle.write("\n")
    return path


def write_incidents(folder: Path, table: IncidentTable) -> Path:
    path = Path(folder) / INCIDENTS
    columns = IncidentTable.columns()
    with atomic_open(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in table.rows():
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else _cell(v)
                             for v in (row[c] for c in columns)])
    return path


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return repr(round(value, 6))
    return value


def write_events(folder: Path, events: Iterable[Event]) -> Path:
    path = Path(folder) / EVENTS
    with atomic_open(path) as handle:
        for event in events:
            handle.write(json.dumps(event.to_json(), separators=(",", ":")))
            handle.write("\n")
    return path


def read_summary(folder: Path) -> dict[str, Any]:
    return json.loads((Path(folder) / SUMMARY).read_text(encoding="utf-8"))


def read_events(folder: Path) -> Iterator[Event]:
    with open(Path(folder) / EVENTS, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Event.from_json(json.loads(line))
