"""Results folders read back: summary.json and the event log, through the guarded reader (simulator.inputs).

The event log is events.parquet (simulator.outputs.eventlog); a folder written before it holds events.jsonl,
which is read the same way.

These read a folder as it is, for tests and notebooks; `drillsim report` reads a folder through
simulator.report.results, which also validates it against summary.json.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from simulator import inputs
from simulator.errors import DrillsimError
from simulator.events import Event
from simulator.limits import MAX_EVENT_LINE, MAX_SUMMARY_BYTES, MAX_TABLE_BYTES
from simulator.outputs import eventlog
from simulator.outputs.names import EVENTS, EVENTS_JSONL, RUN_ID, SUMMARY

# ── Reading back ───────────────────────────────────────────────────────────────────────────────────────────


def read_summary(folder: Path) -> dict[str, Any]:
    path = Path(folder) / SUMMARY
    summary = inputs.load_json(inputs.read_text(path, MAX_SUMMARY_BYTES, SUMMARY), path)
    if not isinstance(summary, dict):
        raise DrillsimError(f"{path}: not a summary drillsim writes (a JSON object)")
    return summary


def event_log(folder: Path) -> Path | None:
    """The folder's event log: events.parquet, or events.jsonl in a folder written before it; None when the
    folder keeps none (a run with --events none)."""
    for name in (EVENTS, EVENTS_JSONL):
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    return None


def read_events(folder: Path, replications: Iterable[int] | None = None) -> Iterator[Event]:
    """The events of a folder's event log, in log order (only those of `replications` when given);
    DrillsimError when the folder has none."""
    path = event_log(folder)
    if path is None:
        raise DrillsimError(f"{folder} holds no event log ({EVENTS}): the run that wrote it kept none "
                            "(--events none); run it again with --events full")
    if path.name == EVENTS:
        yield from eventlog.read_log(path, replications)
        return
    wanted = None if replications is None else set(replications)
    for event in _read_jsonl(path):
        if wanted is None or event.replication in wanted:
            yield event


def event_lines(folder: Path, out: IO[bytes]) -> None:
    """Write a folder's event log as the lines of events.jsonl, without the line naming the run: byte for byte
    what events.jsonl held, whichever of the two files the folder keeps."""
    path = event_log(folder)
    if path is None:
        raise DrillsimError(f"{folder} holds no event log ({EVENTS})")
    if path.name == EVENTS:
        eventlog.json_lines(path, out)
        return
    with open(path, "rb") as handle:
        for raw in handle:
            if b'"run_id"' not in raw:
                out.write(raw)


def _read_jsonl(path: Path) -> Iterator[Event]:
    inputs.regular_size(path, MAX_TABLE_BYTES * 10, EVENTS_JSONL)
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
