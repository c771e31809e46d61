"""The event log on disk: events.parquet, written as a run goes and read back.

The log is a Parquet file (columnar, Zstandard-compressed) with the columns of each line of the older
events.jsonl: time, replication, incident, phase, action, actor and detail (the detail object's JSON text,
exactly as a line of events.jsonl writes it). pandas, Polars, DuckDB and Arrow read it as it is; a run's log
takes some 100 bytes an incident where events.jsonl took 2,500. Its schema's metadata names the run it
belongs to (`run_id`), as the first line of events.jsonl did.

Rows go in log order, in row groups of ROW_GROUP rows whatever the chunks of the run were, so the file's
bytes do not depend on workers, executor or chunk size. `json_lines` gives the log back as the lines of
events.jsonl, byte for byte: the content of the log is that of events.jsonl.

How much of the log a run keeps (`--events`):

    full       every event
    incidents  the events of incidents (the deployment pipeline's `deployed` events left out)
    none       no event log: incidents.csv and summary.json only
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from simulator import inputs
from simulator.errors import DrillsimError
from simulator.events import COLUMNS, Event, column_lines, event_schema, event_table
from simulator.limits import MAX_TABLE_BYTES
from simulator.outputs.files import atomic_open
from simulator.outputs.names import EVENTS, FORMAT_VERSION, RUN_ID

if TYPE_CHECKING:
    import pyarrow as pa

LEVELS = ("full", "incidents", "none")
"""How much of the event log a run keeps (see the module's docstring)."""
ROW_GROUP = 1 << 17
"""Rows per row group (some 8,000 incidents): large enough to compress well, small enough to hold twice."""
COMPRESSION, COMPRESSION_LEVEL = "zstd", 3
DICTIONARY = ["phase", "action", "actor", "detail"]
"""Columns written with a dictionary: a few dozen distinct values each (details repeat a lot too)."""


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise DrillsimError(f"unknown event log level {level!r}: choose one of {', '.join(LEVELS)}")
    return level


def schema(run: str | None = None) -> pa.Schema:
    """The log's columns and types; with `run`, the metadata that names the run."""
    fields = event_schema()
    if run is None:
        return fields
    return fields.with_metadata({"drillsim": "events", "format": str(FORMAT_VERSION), RUN_ID: run})


class EventLogWriter:
    """events.parquet, written from tables of events as they come (`write`), in row groups of ROW_GROUP rows.
    It holds at most about two row groups of events at a time."""

    def __init__(self, handle: IO[bytes], run: str, row_group: int | None = None):
        import pyarrow.parquet as pq

        self.row_group = ROW_GROUP if row_group is None else row_group
        self.schema = schema(run)
        self.writer = pq.ParquetWriter(handle, self.schema, compression=COMPRESSION,
                                       compression_level=COMPRESSION_LEVEL, use_dictionary=DICTIONARY)
        self.handle = handle
        self.pending: list[pa.Table] = []
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        import pyarrow as pa

        if not table.num_rows:
            return
        self.pending.append(table)
        self.rows += table.num_rows
        while self.rows >= self.row_group:
            whole = pa.concat_tables(self.pending)
            self._flush(whole.slice(0, self.row_group))
            rest = whole.slice(self.row_group)
            self.pending, self.rows = ([rest] if rest.num_rows else []), rest.num_rows

    def _flush(self, table: pa.Table) -> None:
        # one contiguous table per row group, so that the pages do not depend on how the rows were chunked
        self.writer.write_table(table.combine_chunks().replace_schema_metadata(self.schema.metadata),
                                row_group_size=self.row_group)

    def close(self) -> None:
        import pyarrow as pa

        if self.rows:
            self._flush(pa.concat_tables(self.pending))
        self.pending, self.rows = [], 0
        self.writer.close()
        pa.default_memory_pool().release_unused()  # what the chunks' tables took, free for what comes next

    def abandon(self) -> None:
        """Give the file up (the run failed): nothing more is written, not even the footer."""
        self.pending, self.rows = [], 0
        self.writer.is_open = False  # so that pyarrow does not write a footer into the closed file later

    def written(self) -> int:
        """Bytes in the file so far (the row groups written, not those still held)."""
        with contextlib.suppress(OSError, ValueError):
            return self.handle.tell()
        return 0


@contextlib.contextmanager
def event_log_file(path: str | Path, run: str) -> Iterator[EventLogWriter]:
    """events.parquet written atomically (it appears, whole, when the block ends)."""
    with atomic_open(path, "wb") as handle:
        writer = EventLogWriter(handle, run)
        try:
            yield writer
        except BaseException:
            writer.abandon()
            raise
        writer.close()


def write_event_log(path: str | Path, events: Iterable[tuple], run: str, block: int = 50_000,
                    incidents_only: bool = False) -> Path:
    """events.parquet of events held in memory (a drill's, or a run that kept its log)."""
    batch: list = []
    with event_log_file(path, run) as writer:
        for event in events:
            batch.append(event)
            if len(batch) >= block:
                writer.write(event_table(batch, incidents_only))
                batch.clear()
        writer.write(event_table(batch, incidents_only))
    return Path(path)


# ── Reading back ───────────────────────────────────────────────────────────────────────────────────────────


def _damaged(path: Path, why: str) -> DrillsimError:
    return DrillsimError(f"{path}: not an event log drillsim writes ({why})")


def open_log(path: str | Path) -> Any:
    """The Parquet file at `path` (pyarrow.parquet.ParquetFile), checked: a regular file within the size
    limit, readable as Parquet, with the log's columns and types. DrillsimError naming the file otherwise."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    inputs.regular_size(path, MAX_TABLE_BYTES, EVENTS)
    try:
        found = pq.ParquetFile(path)
        arrow = found.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _damaged(path, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__) from None
    if arrow.remove_metadata() != schema():
        raise _damaged(path, f"its columns are {', '.join(f'{f.name}: {f.type}' for f in arrow)}; drillsim's "
                             f"are {', '.join(f'{f.name}: {f.type}' for f in schema())}")
    return found


def log_run_id(path: str | Path) -> str | None:
    """The run id the log's metadata names (None when it names none)."""
    metadata = open_log(path).schema_arrow.metadata or {}
    run = metadata.get(RUN_ID.encode("ascii"))
    return run.decode("utf-8", "replace") if run is not None else None


def column_chunks(path: str | Path, replications: Iterable[int] | None = None) -> Iterator[dict[str, list]]:
    """The log's columns as lists, a row group at a time, in log order; with `replications`, only their rows
    (row groups that hold none of them are skipped unread)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    path = Path(path)
    log = open_log(path)
    wanted = None if replications is None else sorted(set(replications))
    try:
        for group in range(log.metadata.num_row_groups):
            if wanted is not None and not _may_hold(log.metadata.row_group(group), wanted):
                continue
            table = log.read_row_group(group)
            if wanted is not None:
                table = table.filter(pc.is_in(table["replication"], value_set=pa.array(wanted, pa.int64())))
            if table.num_rows:
                yield {name: table[name].to_pylist() for name in COLUMNS}
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _damaged(path, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__) from None


def _may_hold(group: Any, wanted: list[int]) -> bool:
    """Whether a row group's replication statistics leave room for any of `wanted` (True without them)."""
    column = group.column(COLUMNS.index("replication"))
    stats = column.statistics
    if stats is None or not stats.has_min_max:
        return True
    return any(stats.min <= r <= stats.max for r in wanted)


def read_log(path: str | Path, replications: Iterable[int] | None = None) -> Iterator[Event]:
    """The events of an events.parquet, in log order (only those of `replications` when given)."""
    path = Path(path)
    for columns in column_chunks(path, replications):
        for number, row in enumerate(zip(*(columns[n] for n in COLUMNS), strict=True)):
            yield _event(path, number, row)


def _event(path: Path, number: int, row: tuple) -> Event:
    time, replication, incident, phase, action, actor, detail = row
    if None in row or not math.isfinite(time) or replication < 0 or incident < 0:
        raise _damaged(path, f"an event with an empty or out-of-range field near row {number:,}")
    try:
        data = inputs.load_json(detail, path) if detail != "{}" else None
    except DrillsimError as exc:
        raise _damaged(path, f"a detail that is not a JSON object ({exc})") from None
    if data is not None and not isinstance(data, dict):
        raise _damaged(path, "a detail that is not a JSON object")
    return Event(time, replication, incident, phase, action, actor, data or None)


def json_lines(path: str | Path, out: IO[bytes]) -> None:
    """Write the log as the lines of events.jsonl (without the line naming the run): the same bytes, line for
    line, as the events.jsonl of the same run."""
    for columns in column_chunks(path):
        out.write(column_lines(columns).encode("utf-8"))

