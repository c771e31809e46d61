"""Results folders read back: summary.json and the event log, through the guarded reader (simulator.inputs).

These read a folder as it is, for tests and notebooks; `drillsim report` reads a folder through
simulator.report.results, which also validates it against summary.json.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simulator import inputs
from simulator.errors import DrillsimError
from simulator.events import Event
from simulator.limits import MAX_EVENT_LINE, MAX_SUMMARY_BYTES, MAX_TABLE_BYTES
from simulator.outputs.names import EVENTS, RUN_ID, SUMMARY

# ── Reading back ───────────────────────────────────────────────────────────────────────────────────────────


def read_summary(folder: Path) -> dict[str, Any]:
    path = Path(folder) / SUMMARY
    summary = inputs.load_json(inputs.read_text(path, MAX_SUMMARY_BYTES, SUMMARY), path)
    if not isinstance(summary, dict):
        raise DrillsimError(f"{path}: not a summary drillsim writes (a JSON object)")
    return summary


def read_events(folder: Path) -> Iterator[Event]:
    """The events of a folder's events.jsonl, in log order (its header line skipped)."""
    path = Path(folder) / EVENTS
    inputs.regular_size(path, MAX_TABLE_BYTES * 10, EVENTS)
    with open(path, "rb") as handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_EVENT_LINE + 1), b""), 1):
            if len(raw) > MAX_EVENT_LINE:
                raise DrillsimError(f"{path}:{number}: a line of more than {MAX_EVENT_LINE:,} bytes")
            line = inputs.decode(raw, path)
            if line.strip():
                data = inputs.load_json(line, path, line=number)
                if not isinstance(data, dict):
                    raise DrillsimError(f"{path}:{number}: not an event drillsim writes")
                if RUN_ID not in data:
                    yield Event.from_json(data)
