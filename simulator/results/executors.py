"""Where chunks of replications run: this process, a local process pool, or a Dask distributed cluster.

An executor takes tasks (a function and its arguments) and gives their results back in the order the tasks
were given, keeping only a few tasks in flight, so that results that arrive early wait in a short queue and
memory stays bounded however many tasks there are. Which executor runs a task never changes its result:
every replication draws from streams keyed by its own index.

    serial   in this process, one task after the other
    local    a pool of worker processes on this machine (concurrent.futures)
    dask     an existing Dask cluster (`scheduler="tcp://host:8786"`), or a local one started for the run;
             needs the optional extra: pip install 'drillsim[dask]'
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

from simulator.errors import DrillsimError

ExecutorName = Literal["local", "dask"]
EXECUTORS: tuple[ExecutorName, ...] = ("local", "dask")
Task = tuple[Callable[..., Any], tuple[Any, ...]]


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


LOCAL_WORKERS_PER_CORE = 4
"""More processes than this many per core (or 8 in all) only cost memory, some 50 MB each."""


def check_local_workers(workers: int) -> None:
    """Refuse (DrillsimError) more worker processes than this machine can put to any use."""
    most = max(8, LOCAL_WORKERS_PER_CORE * default_workers())
    if workers > most:
        raise DrillsimError(f"{workers:,} worker processes on a machine with {default_workers()} cores: at most "
                            f"{most} (more only take memory); send the work to a Dask cluster (--scheduler) for "
                            "more")


def ordered(submit: Callable[..., Any], tasks: Iterable[Task], window: int) -> Iterator[Any]:
    """Results of `tasks` in task order, with at most `window` submitted and not yet returned."""
    tasks = iter(tasks)
    pending: deque = deque()
    try:
        for function, args in tasks:
            pending.append(submit(function, *args))
            if len(pending) >= window:
                break
        while pending:
            result = pending.popleft().result()
            for function, args in tasks:
                pending.append(submit(function, *args))
                break
            yield result
    finally:
        for future in pending:
            future.cancel()


def run_serial(tasks: Iterable[Task]) -> Iterator[Any]:
    for function, args in tasks:
        yield function(*args)


@contextlib.contextmanager
def local_pool(workers: int, initializer: Callable[..., None] | None = None,
               initargs: tuple = ()) -> Iterator[Callable[..., Any]]:
    """A process pool of `workers` processes; yields its `submit`.

    Workers are forked where the platform can (start-up in milliseconds, the parent's imports shared) and
    started by a fork server elsewhere. A failure or an interrupt cancels what has not started yet.
    """
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker, initargs=(os.getpid(), initializer, initargs))
    try:
        yield pool.submit
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)


def _start_worker(parent: int, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    """A pool worker's first act: watch its parent, and leave if the parent dies (killed, say) instead of
    waiting forever for work that will not come."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="drillsim-parent-watch", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise DrillsimError(
            "the Dask executor needs the optional extra: pip install 'drillsim[dask]' "
            "(it installs dask[distributed])"
        ) from None
    return distributed


def dask_threads(client) -> int:
    """How many tasks a Dask cluster runs at once (its workers' threads)."""
    try:
        return sum(client.nthreads().values())
    except Exception:  # a cluster that cannot say: the caller keeps its own count
        return 0


CONNECT_SECONDS = 10
"""How long to wait for a Dask scheduler to answer before giving up."""
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_ADDRESS = re.compile(r"(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})/?")


def check_scheduler(address: str) -> str:
    """A Dask scheduler's address as Dask reads it (tcp://HOST:PORT; tls, ws, wss and ucx too), or
    DrillsimError saying how to write one."""
    text = address.strip()
    match = _ADDRESS.fullmatch(text)
    scheme = match["scheme"] if match else None
    if (not match or (scheme is not None and scheme not in _SCHEMES) or not 0 < int(match["port"]) < 65536) \
            and not text.startswith("inproc://"):
        raise DrillsimError(f"{address!r} is not a Dask scheduler address; write tcp://HOST:PORT, e.g. "
                            "tcp://10.0.0.5:8786 (schemes: " + ", ".join(_SCHEMES) + ")")
    return text


def _connect(distributed, scheduler: str):
    """A client of the scheduler at `scheduler`, or DrillsimError when none answers within CONNECT_SECONDS
    (Dask's own timeout covers a refused connection, not a service that accepts and then says nothing)."""
    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = distributed.Client(scheduler, timeout=f"{CONNECT_SECONDS}s")
        except BaseException as exc:  # anything at all: what answered may not be Dask
            box["error"] = exc

    thread = threading.Thread(target=connect, name="drillsim-dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_SECONDS + 0.5)
    if "client" in box:
        return box["client"]
    error = box.get("error")
    if error is None:
        why = "no answer"
    elif isinstance(error, OSError):
        why = str(error).split("\n")[0]
    else:
        why = "what answers there is not a Dask scheduler"
    raise DrillsimError(f"cannot reach a Dask scheduler at {scheduler} within {CONNECT_SECONDS} s: {why}")


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A Dask client: connected to `scheduler` when given (giving up after CONNECT_SECONDS), otherwise to a
    local cluster of `workers` processes (one thread each) started for the run and closed after it."""
    distributed = _import_distributed()
    if scheduler:
        with _connect(distributed, check_scheduler(scheduler)) as client:
            yield client
        return
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield client
