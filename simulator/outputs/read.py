"""Results folders read back: summary.json and the event log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simulator.events import Event
from simulator.outputs.names import EVENTS, RUN_ID, SUMMARY

# ── Reading back ───────────────────────────────────────────────────────────────────────────────────────────


def read_summary(folder: Path) -> dict[str, Any]:
    return json.loads((Path(folder) / SUMMARY).read_text(encoding="utf-8"))


def read_events(folder: Path) -> Iterator[Event]:
    """The events of a folder's events.jsonl, in log order (its header line skipped)."""
    with open(Path(folder) / EVENTS, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                data = json.loads(line)
                if RUN_ID not in data:
                    yield Event.from_json(data)
