"""A results folder read back for reporting: summary.json, incidents.csv and, when present, events.jsonl.

Everything a report shows comes from these files, so a report can be rebuilt at any time from a folder
written by `drillsim run --out`.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import DrillsimError
from simulator.events import Event
from simulator.incidents import OPTIONAL
from simulator.metrics import IncidentTable
from simulator.outputs import EVENTS, INCIDENTS, SUMMARY, read_summary

_TEXT = ("mode", "cause", "severity", "channel", "responder", "mitigation")
_REPLICATION = re.compile(r'"replication":\s*(\d+)')


@dataclass(frozen=True)
class ResultsFolder:
    """The contents of a results folder; the event log is read on demand, one replication at a time."""

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
        start = self.scenario.get("start")
        return datetime.fromisoformat(start) if start else None

    @property
    def has_events(self) -> bool:
        return (self.folder / EVENTS).is_file()

    def events_of(self, replications: Iterable[int]) -> dict[int, list[Event]]:
        """The event log of each of `replications`, in log order. One pass over events.jsonl reads all the
        replications not read before; ask for everything you will need in one call."""
        wanted = set(replications)
        missing = wanted - self._read.keys()
        if missing:
            found: dict[int, list[Event]] = {r: [] for r in missing}
            if self.has_events:
                with open(self.folder / EVENTS, encoding="utf-8") as handle:
                    for line in handle:
                        match = _REPLICATION.search(line)
                        if match and int(match.group(1)) in missing:
                            event = Event.from_json(json.loads(line))
                            found[event.replication].append(event)
            self._read.update(found)
        return {r: self._read[r] for r in wanted}


def read_results(folder: str | Path) -> ResultsFolder:
    """Read a results folder; a clear DrillsimError when it is not one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DrillsimError(f"{folder} is not a folder; write results with `drillsim run --out {folder}`")
    for name in (SUMMARY, INCIDENTS):
        if not (folder / name).is_file():
            raise DrillsimError(f"{folder} has no {name}; write results with `drillsim run --out {folder}`")
    try:
        summary = read_summary(folder)
        incidents = read_incidents(folder / INCIDENTS)
    except (ValueError, KeyError) as exc:
        raise DrillsimError(f"cannot read the results in {folder}: {exc}") from None
    return ResultsFolder(folder, summary, incidents)


def read_incidents(path: Path) -> IncidentTable:
    """incidents.csv back into an IncidentTable (empty cells are NaN)."""
    columns = IncidentTable.columns()
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(columns) - set(reader.fieldnames or ()) - set(OPTIONAL)
        if missing:
            raise ValueError(f"{path.name} lacks the columns {', '.join(sorted(missing))}")
        rows = list(reader)
    data = {}
    for name in columns:
        if name in OPTIONAL and name not in (reader.fieldnames or ()):  # written before the column was
            continue
        cells = [row[name] for row in rows]
        if name in _TEXT:
            data[name] = np.array(cells, dtype=object)
        elif name in ("replication", "incident"):
            data[name] = np.array([int(c) for c in cells], dtype=np.int64)
        elif name in ("escalated", "drill"):
            data[name] = np.array([c.strip().lower() in ("true", "1") for c in cells], dtype=bool)
        else:
            data[name] = np.array([float(c) if c else math.nan for c in cells], dtype=float)
    return IncidentTable(**data)
