"""What tests read of a results folder's event log, in one place: its lines as events.jsonl held them, and an
older folder's layout (events.jsonl) made from a new one."""

from __future__ import annotations

import io
import json
from pathlib import Path

from simulator.outputs.eventlog import log_run_id
from simulator.outputs.names import EVENTS, EVENTS_JSONL, MANIFEST, SUMMARY
from simulator.outputs.read import event_lines
from simulator.outputs.run import file_digest, summary_digest


def log_bytes(folder: Path) -> bytes:
    """The folder's event log as the bytes of events.jsonl without its run id line (the log's content)."""
    out = io.BytesIO()
    event_lines(Path(folder), out)
    return out.getvalue()


def log_lines(folder: Path) -> list[str]:
    """The folder's event log, a line of events.jsonl per event."""
    return log_bytes(folder).decode("utf-8").splitlines()


def log_records(folder: Path) -> list[dict]:
    """The folder's event log, a JSON object per event."""
    return [json.loads(line) for line in log_lines(folder)]


def as_jsonl_folder(folder: Path) -> Path:
    """Turn a results folder into one as drillsim wrote them before events.parquet: the log in events.jsonl
    (headed by its run id line), recorded in summary.json (signed again)."""
    folder = Path(folder)
    run = log_run_id(folder / EVENTS)
    header = json.dumps({"drillsim": "events", "format": 2, "run_id": run}, separators=(",", ":")) + "\n"
    (folder / EVENTS_JSONL).write_bytes(header.encode("ascii") + log_bytes(folder))
    (folder / EVENTS).unlink()
    document = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    document["files"].pop(EVENTS)
    document["files"][EVENTS_JSONL] = file_digest(folder / EVENTS_JSONL)
    document["digest"] = summary_digest(document)
    (folder / SUMMARY).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    manifest = folder / MANIFEST
    if manifest.is_file():
        listed = json.loads(manifest.read_text(encoding="utf-8"))
        listed["files"] = sorted(EVENTS_JSONL if name == EVENTS else name for name in listed["files"])
        manifest.write_text(json.dumps(listed, indent=2) + "\n", encoding="utf-8")
    return folder
