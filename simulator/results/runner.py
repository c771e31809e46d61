"""Replications: play a scenario many times, in chunks, and reduce each chunk to incident rows as it goes.

`simulate` splits the replications into chunks (contiguous ranges of replication indices) and runs them in
this process, in a local process pool (`workers`) or on a Dask cluster (`executor="dask"`). Each chunk comes
back reduced to its incident table (a few dozen bytes an incident), plus its event log when one is wanted,
and chunks are taken in replication order. So:

- results are byte-identical for any number of workers, any executor and any chunk size: replication r
  always plays the dice of index r (simulator.dice), and the chunks are put together in order;
- memory stays flat: this process holds the incident table, never every replication's event log. With
  `events_to`, each chunk's log comes back as an Arrow table and goes straight to that sink (simulator.api
  opens events.parquet atomically: the file appears, complete, when the run ends); with `keep_events`, it is
  kept in memory, which is only sensible for small runs.
"""

from __future__ import annotations

import contextlib
import math
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simulator.collector import paused
from simulator.errors import DrillsimError
from simulator.events import Event
from simulator.limits import MAX_WORKERS
from simulator.results import executors
from simulator.results.metrics import (
    COLUMNS,
    TEXT,
    Coded,
    IncidentRows,
    IncidentTable,
    Stats,
    code_dtype,
    incident_table,
    organic,
    summarize,
)
from simulator.results.oncall_load import LoadRows, LoadTable, rota
from simulator.results.practice_log import PracticeRows, PracticeTable
from simulator.results.recording import Recorder
from simulator.scenario.guards import check_run
from simulator.scenario.model import Scenario

if TYPE_CHECKING:  # the engine (and SimPy) load with the first run, not with `import simulator.api`
    from simulator.engine.run import Engine, PolicyFactory

Progress = Callable[[int], None]

CHUNK_INCIDENTS = 10_000
"""About how many incidents a chunk plays (half a second of work on one core)."""
CHUNK_INCIDENTS_WITH_EVENTS = 4_000
"""The same when the chunk also carries its event log back (some fifteen events an incident)."""
PARALLEL_INCIDENTS = 40_000
"""Below about this many incidents in all, a run stays in this process: starting workers would cost more.
Above it, chunks run in worker processes, even with one worker: this process then only collects the
results, and its memory is that of the results, not of the engine at work."""

NO_EVENTS, KEEP_EVENTS, TABLE_EVENTS = "none", "keep", "table"


class EventSink(Protocol):
    """Where a run's event log goes, a chunk at a time (simulator.outputs.eventlog.EventLogWriter)."""

    def write(self, table: Any) -> None:
        """Take the next chunk's events, an Arrow table of the log's columns, in log order."""


@dataclass(frozen=True)
class Results:
    """What a simulation produced. `events` is None unless the run kept the event log in memory;
    `events_path` names the events.parquet the run wrote, if it wrote one; `load` is each person's on-call load
    per replication (simulator.results.oncall_load). The statistics leave out drills (incidents started on purpose)."""

    scenario: Scenario
    seed: int
    replications: int
    incidents: IncidentTable
    events: tuple[Event, ...] | None
    events_path: Path | None = None
    load: LoadTable | None = None
    practice: PracticeTable | None = None
    """What the practices logged per replication (simulator.results.practice_log), for a scenario with practices."""
    without_learning: IncidentTable | None = None
    """The incidents of the same runs with no action items (a scenario with a learning loop, played by api.run):
    what the loop is worth."""
    policy: Any = None
    """The policy factory the run was played with (part of what determines its results, so of its run id)."""
    events_level: str = "full"
    """How much of the event log the run keeps, in memory or in its file: "full", "incidents" (without the
    deployment pipeline's events) or "none" (simulator.outputs.eventlog.LEVELS)."""

    def summary(self) -> dict[str, Stats]:
        """Statistics of every metric (worked out once, then kept)."""
        cached = self.__dict__.get("_summary")
        if cached is None:
            cached = summarize(organic(self.incidents), self.replications, self.scenario.horizon)
            object.__setattr__(self, "_summary", cached)
        return dict(cached)


# ── One chunk ────────────────────────────────────────────────────────────────────────────────────────────

_engines: dict[tuple[int, Any], tuple[Scenario, Engine]] = {}


def _engine(scenario: Scenario, policy: PolicyFactory) -> Engine:
    """The engine of (scenario, policy), kept for the next chunk of the same run in this process."""
    key = (id(scenario), policy)
    cached = _engines.get(key)
    if cached is None or cached[0] is not scenario:
        _engines.clear()
        from simulator.engine.run import Engine

        cached = _engines[key] = (scenario, Engine(scenario, policy))
    return cached[1]


class Reductions(IncidentRows):
    """The reductions of a run's log, fed by one `append`: incident rows and, passed on, on-call load and (for
    a scenario with practices) what the practices log."""

    __slots__ = ("load", "practice")

    def __init__(self, practice: bool = False, load: bool = True):
        self.load = LoadRows() if load else None
        self.practice = PracticeRows() if practice else None
        passed = [part for part in (self.load, self.practice) if part is not None]
        super().__init__(also=None if not passed else passed[0] if len(passed) == 1 else Several(*passed))

    def tables(self, engine: Engine, first: int, stop: int) -> tuple[IncidentTable, LoadTable | None,
                                                                      PracticeTable | None]:
        scenario = engine.scenario
        oncall = engine.rules.oncall
        load = None
        if self.load is not None:
            load = self.load.table(oncall.names, range(first, stop), scenario.calendar, scenario.horizon,
                                   rota(scenario, oncall))
        practice = None
        if self.practice is not None:
            practice = self.practice.table(range(first, stop), tuple(mode.name for mode in scenario.failure_modes))
        return self.table(), load, practice


class Several:
    """Reductions that read different actions, fed as one."""

    def __init__(self, *parts):
        self.parts = parts
        self.wants = frozenset().union(*(part.wants for part in parts))

    def sinks(self) -> dict:
        """Each part's sinks, by action: an action has one sink, so two parts that read the same one are refused
        (merged, the later would silently take the earlier's events)."""
        found: dict = {}
        for part in self.parts:
            for action, sink in part.sinks().items():
                if action in found:
                    raise ValueError(f"two reductions read {action!r}, and an action's events go to one sink")
                found[action] = sink
        return found

    def append(self, event) -> None:
        for part in self.parts:
            if event[4] in part.wants:
                part.append(event)


Chunk = tuple[IncidentTable, LoadTable | None, PracticeTable | None, Any]
"""What a chunk of replications gives back: its incident table, on-call load, practice log and events."""


def play_chunk(scenario: Scenario, policy: PolicyFactory, seed: int, first: int, stop: int,
               events: str = NO_EVENTS, incidents_only: bool = False, oncall_load: bool = True,
               played: Progress | None = None) -> Chunk:
    """Replications first..stop-1 reduced to their incident table, on-call load (unless not `oncall_load`) and
    (with practices) what the practices logged, with their events when asked for: as raw records (KEEP_EVENTS)
    or as an Arrow table of the log's columns (TABLE_EVENTS); with `incidents_only`, without the deployment
    pipeline's events. `played(r + 1)` is called as each replication r ends (a run in this process shows its
    progress from it)."""
    engine = _engine(scenario, policy)
    reductions = Reductions(practice=scenario.practiced, load=oncall_load)
    recorder = None if events == NO_EVENTS else Recorder(reductions)
    log = reductions if recorder is None else recorder  # no event kept: the engine logs straight into the reductions
    # The collector is paused for the whole chunk, not only for each replication (Engine.play): a replication
    # lets go of its objects through reference counting when it ends, and what it leaves (the reductions' rows)
    # lives on, so the passes that the chunk's allocations would set off in between free next to nothing.
    with paused():
        for replication in range(first, stop):
            engine.play(seed, replication, log)
            if played is not None:
                played(replication + 1)
        engine.let_go()  # the engine held on to the log (the reductions, or the recorder and all its events)
        if recorder is None:
            return (*reductions.tables(engine, first, stop), None)
        # (sorting a chunk's events and making their table: thousands of objects, none garbage yet)
        kept = recorder.events(incidents_only) if events == KEEP_EVENTS else recorder.table(incidents_only)
        return (*reductions.tables(engine, first, stop), kept)


_worker_scenario: tuple[Scenario, PolicyFactory] | None = None


def _install(scenario: Scenario, policy: PolicyFactory) -> None:
    """Process-pool initializer: the scenario travels to each worker once, not with every chunk."""
    global _worker_scenario
    _worker_scenario = (scenario, policy)


def _play_installed(seed: int, first: int, stop: int, events: str, incidents_only: bool,
                    oncall_load: bool) -> Chunk:
    assert _worker_scenario is not None, "the pool's initializer installs the scenario first"
    scenario, policy = _worker_scenario
    return play_chunk(scenario, policy, seed, first, stop, events, incidents_only, oncall_load)


# ── Chunks ───────────────────────────────────────────────────────────────────────────────────────────────


def expected_incidents(scenario: Scenario) -> float:
    """Incidents a replication is expected to have (failure modes' rates × the horizon)."""
    return sum(scenario.horizon / max(mode.interarrival.mean, 1e-9) for mode in scenario.failure_modes)


def chunks(replications: int, size: int) -> list[tuple[int, int]]:
    return [(first, min(first + size, replications)) for first in range(0, replications, size)]


def chunk_size(scenario: Scenario, replications: int, workers: int, events: bool) -> int:
    """Replications per chunk: about half a second of work, and at least four chunks a worker when there are
    workers. A run in this process (workers=1) is not cut smaller for its progress: that comes from inside
    the chunk (play_chunk's `played`), and each chunk's tables cost what a few replications do."""
    per_replication = max(expected_incidents(scenario), 1.0)
    size = int((CHUNK_INCIDENTS_WITH_EVENTS if events else CHUNK_INCIDENTS) / per_replication)
    if workers > 1:
        size = min(size, math.ceil(replications / (4 * workers)))
    return max(1, min(size, replications))


# ── The run ──────────────────────────────────────────────────────────────────────────────────────────────


def simulate(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
             keep_events: bool = True, policy=None, progress: Progress | None = None,
             workers: int | None = None, executor: str = "local", scheduler: str | None = None,
             events_to: EventSink | None = None, chunk: int | None = None, incidents_only: bool = False,
             oncall_load: bool = True) -> Results:
    """Play `scenario` `replications` times (default: the scenario's) from `seed` (default: the scenario's).

    workers     worker processes to use (default: the machine's cores); small runs stay in this process
    executor    "local" (a process pool on this machine) or "dask" (a Dask cluster; needs drillsim[dask])
    scheduler   with executor="dask": the address of a running scheduler, e.g. "tcp://10.0.0.5:8786"
                (the cluster's own workers are used); without it, a local Dask cluster of `workers`
                processes is started for the run
    events_to   write the event log to this sink chunk by chunk (each chunk an Arrow table of the log's
                columns), instead of keeping it in memory; `keep_events` is then ignored and `Results.events`
                is None (simulator.api.simulate takes a path and writes events.parquet)
    incidents_only  leave the deployment pipeline's events (incident 0) out of the log kept or written
    oncall_load reduce the log to each person's on-call load too (default; `Results.load` is None without:
                what a sweep or a maturity ladder does not read, it does not pay for)
    keep_events keep the event log in memory as `Results.events` (default; turn it off for large runs)
    progress    called in this process with the number of replications done, as chunks complete (and, in a
                run in this process, every fiftieth of the run as replications end)
    chunk       replications per chunk (default: sized to the work); never changes the results
    policy      a callable that makes the policy from the scenario (default, or None: AutomaticPolicy)

    The results do not depend on workers, executor or chunk.
    """
    if not isinstance(scenario, Scenario):
        raise DrillsimError(f"simulate plays a Scenario, not {type(scenario).__name__}: read a file with "
                            "simulator.load_scenario(path) first (simulator.api.run takes a path)")
    replications = scenario.replications if replications is None else replications
    seed = scenario.seed if seed is None else seed
    policy = default_policy() if policy is None else policy
    if replications < 1:
        raise DrillsimError(f"replications must be at least 1, not {replications}")
    check_run(scenario, replications)
    if executor not in executors.EXECUTORS:
        raise DrillsimError(f"unknown executor {executor!r}: choose one of {', '.join(executors.EXECUTORS)}")
    if scheduler and executor != "dask":
        raise DrillsimError("a scheduler address needs executor='dask'")
    workers = executors.default_workers() if workers is None else workers
    if not 1 <= workers <= MAX_WORKERS:
        raise DrillsimError(f"workers must be at least 1 and at most {MAX_WORKERS:,} (got {workers:,})")
    if not scheduler:
        executors.check_local_workers(workers)
    mode = TABLE_EVENTS if events_to is not None else KEEP_EVENTS if keep_events else NO_EVENTS
    large = expected_incidents(scenario) * replications >= PARALLEL_INCIDENTS
    parallel = executor == "dask" or ((large or (chunk is not None and workers > 1)) and _portable(policy))

    builder = _TableBuilder(expected_incidents(scenario) * replications)
    kept: list[Event] = []
    with contextlib.ExitStack() as stack:
        client = None
        if executor == "dask":
            client = stack.enter_context(executors.dask_client(scheduler, workers))
            workers = executors.dask_threads(client) or workers  # a cluster's own size decides its chunks
        size = chunk or chunk_size(scenario, replications, workers if parallel else 1, mode != NO_EVENTS)
        ranges = chunks(replications, size)
        parallel = parallel and (executor == "dask" or len(ranges) > 1)
        shown = _Shown(progress, replications)
        done = _results(scenario, policy, seed, ranges, (mode, incidents_only, oncall_load), workers, client,
                        parallel, shown.played if progress and not parallel else None)
        loads, practices = _LoadBuilder(replications), []
        for (_, stop), (table, load, practice, events) in zip(ranges, done, strict=True):
            builder.add(table)
            if load is not None:
                loads.add(load)
            if practice is not None:
                practices.append(practice)
            if mode == KEEP_EVENTS:
                kept.extend(map(Event._make, events))
            elif events_to is not None:
                events_to.write(events)
            del table, load, practice, events
            shown.chunk_done(stop)
    return Results(scenario, seed, replications, builder.build(),
                   tuple(kept) if mode == KEEP_EVENTS else None, None,
                   loads.build() if oncall_load else None,
                   PracticeTable.concat(practices) if practices else None, policy=policy)


def default_policy() -> Any:
    """AutomaticPolicy: the scenario's own answers to every decision."""
    from simulator.engine.policy import AutomaticPolicy

    return AutomaticPolicy


def _portable(policy) -> bool:
    """Whether the policy can travel to worker processes (a class or function defined at module level can;
    a lambda or a local class cannot, and then the run stays in this process)."""
    try:
        pickle.dumps(policy)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


class _Shown:
    """A run's progress as `progress` is told it: at the end of each chunk, and, in this process, as
    replications end within a chunk, every fiftieth of the run (a chunk holds hundreds of replications)."""

    def __init__(self, progress: Progress | None, replications: int):
        self.progress, self.last = progress, 0
        self.step = max(1, math.ceil(replications / 50))

    def played(self, done: int) -> None:
        if done - self.last >= self.step:
            self.show(done)

    def chunk_done(self, stop: int) -> None:
        if stop > self.last:
            self.show(stop)

    def show(self, done: int) -> None:
        self.last = done
        if self.progress is not None:
            self.progress(done)


def _results(scenario: Scenario, policy, seed: int, ranges: list[tuple[int, int]], mode: tuple[str, bool, bool],
             workers: int, client, parallel: bool, played: Progress | None = None) -> Iterator[Chunk]:
    """Each chunk's (table, load, practices, events), in chunk order; `mode` is (what of the events comes
    back, whether only incidents' events do, whether the on-call load does). `played` hears of each
    replication as it ends, in a run in this process."""
    if not parallel:
        yield from executors.run_serial((play_chunk, (scenario, policy, seed, first, stop, *mode, played))
                                        for first, stop in ranges)
        return
    window = 2 * workers
    if client is not None:
        shared = client.scatter(scenario, broadcast=True)

        def submit(function, *args):
            return client.submit(function, *args, pure=False)

        yield from executors.ordered(submit, ((play_chunk, (shared, policy, seed, first, stop, *mode))
                                              for first, stop in ranges), max(window, 4))
        return
    with executors.local_pool(min(workers, len(ranges)), _install, (scenario, policy)) as submit:
        yield from executors.ordered(submit, ((_play_installed, (seed, first, stop, *mode))
                                              for first, stop in ranges), window)


class _LoadBuilder:
    """Chunk load tables, in order, copied into arrays of one row per replication allocated at the first chunk:
    the run never holds every chunk's table and their concatenation at once; pages by hour of the week are
    summed as they come."""

    def __init__(self, replications: int):
        self.replications = replications
        self.rows = 0
        self.table: LoadTable | None = None

    def add(self, load: LoadTable) -> None:
        start, stop = self.rows, self.rows + load.replications
        if self.table is None:
            def room(column: np.ndarray) -> np.ndarray:
                return np.empty((max(self.replications, stop), *column.shape[1:]), column.dtype)

            self.table = LoadTable(load.people, {name: room(column) for name, column in load.figures.items()},
                                   np.zeros_like(load.week), load.clocked)
        for name, column in load.figures.items():
            self.table.figures[name][start:stop] = column
        self.table.week[:] += load.week
        self.rows = stop

    def build(self) -> LoadTable:
        assert self.table is not None and self.rows == self.replications, "every chunk's load is added"
        return self.table


class _TableBuilder:
    """Chunk tables, in order, copied into columns allocated once for the whole run.

    The columns are sized from the expected number of incidents (and grown if a run has more), so a run
    never holds all its chunk tables and their concatenation at once, and the small arrays of each chunk are
    freed as soon as they are copied. Text columns are re-coded into one category list as chunks arrive and
    into sorted order at the end."""

    def __init__(self, expected_rows: float):
        self.rows = 0
        self.capacity = int(expected_rows + 6 * math.sqrt(expected_rows) + 256)
        self.numbers: dict[str, np.ndarray] = {}
        self.codes: dict[str, np.ndarray] = {}
        self.categories: dict[str, dict[str, int]] = {name: {} for name in TEXT}

    def add(self, table: IncidentTable) -> None:
        start, stop = self.rows, self.rows + len(table)
        if not self.numbers:
            self.numbers = {name: np.empty(max(self.capacity, stop), getattr(table, name).dtype)
                            for name in COLUMNS if name not in TEXT}
            self.codes = {name: np.empty(max(self.capacity, stop), np.uint8) for name in TEXT}
        elif stop > len(self.numbers["replication"]):
            self._grow(stop)
        for name, column in self.numbers.items():
            column[start:stop] = getattr(table, name)
        for name in TEXT:
            codes, categories = table.codes(name)
            index = self.categories[name]
            remap = np.array([index.setdefault(c, len(index)) for c in categories], dtype=np.int64)
            column = self.codes[name]
            if len(index) > np.iinfo(column.dtype).max + 1:
                column = self.codes[name] = column.astype(np.uint16 if len(index) <= 1 << 16 else np.int32)
            column[start:stop] = remap[codes] if len(remap) else 0
        self.rows = stop

    def _grow(self, needed: int) -> None:
        size = max(needed, int(len(self.numbers["replication"]) * 1.25))
        for columns in (self.numbers, self.codes):
            for name, column in columns.items():
                bigger = np.empty(size, column.dtype)
                bigger[:self.rows] = column[:self.rows]
                columns[name] = bigger

    def build(self) -> IncidentTable:
        if not self.rows:
            return incident_table([])
        data: dict = {name: column[:self.rows] for name, column in self.numbers.items()}
        for name in TEXT:
            index = self.categories[name]
            ordered = sorted(index)
            to_sorted: np.ndarray = np.empty(len(ordered), dtype=code_dtype(len(ordered)))
            for rank, category in enumerate(ordered):
                to_sorted[index[category]] = rank
            data[name] = Coded(to_sorted[self.codes.pop(name)[:self.rows]], tuple(ordered))
        return IncidentTable(**data)


def replicate(scenario: Scenario, seed: int, first: int, stop: int,
              policy=None) -> Iterable[list[Event]]:
    """The event logs of replications first..stop-1, one list per replication."""
    from simulator.engine.run import Engine

    for log in Engine(scenario, default_policy() if policy is None else policy).replications(seed, first, stop):
        yield list(map(Event._make, log))


__all__ = ["Progress", "Results", "expected_incidents", "replicate", "simulate"]
