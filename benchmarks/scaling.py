"""Incidents per second of the default scenario for 1 and 2 workers, on a local process pool and on a local
Dask cluster, without and with --out (the results folder, with the full event log in events.parquet).

Each configuration runs in a fresh process: `drillsim run` as the API call `run_into` (summary statistics
included; with --out, incidents.csv, events.parquet and summary.json written into a temporary folder).
Printed per configuration: incidents per second of wall-clock time, CPU seconds (this process and its
workers), peak memory of the process that holds the results, and the ratios that matter, each taken within
this one invocation (2 workers ÷ 1, Dask ÷ local, --out ÷ without): on a machine that others share, the
ratios say more than the absolute figures.

    python benchmarks/scaling.py                      # about 50,000 incidents per configuration
    python benchmarks/scaling.py --incidents 200000

A figure, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import machine


def one(incidents: int, workers: int, executor: str, out: bool) -> dict:
    """Runs in the child process: one configuration, measured."""
    from simulator import api
    scenario, replications = machine.default_scenario_for(incidents)
    with tempfile.TemporaryDirectory(prefix="drillsim-scaling-") as folder:
        start = time.perf_counter()
        done = api.run_into(scenario, Path(folder) / "out" if out else None, replications=replications, seed=7,
                            workers=workers, executor=executor)
        done.results.summary()
        seconds = time.perf_counter() - start
        written = sum(path.stat().st_size for path in done.written)
    return {
        "incidents": len(done.results.incidents),
        "seconds": seconds,
        "cpu": machine.cpu_seconds(resource.RUSAGE_SELF) + machine.cpu_seconds(resource.RUSAGE_CHILDREN),
        "peak_mb": machine.peak_mb(resource.RUSAGE_SELF),
        "bytes": written,
    }


def measure(incidents: int, workers: int, executor: str, out: bool) -> dict:
    return machine.in_fresh_process(__file__, incidents, workers, executor, int(out))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=50_000, help="about how many incidents per configuration")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        incidents, workers, executor, out = args.one
        print(json.dumps(one(int(incidents), int(workers), executor, bool(int(out)))))
        return
    try:
        import distributed  # noqa: F401
        executors = ("local", "dask")
    except ImportError:
        executors = ("local",)
        print("Dask is not installed (pip install 'drillsim[dask]'): local only")

    print(f"machine: {machine.describe()}; load average before: {machine.load()}")
    print(f"work: the default scenario, about {args.incidents:,} incidents per configuration, seed 7")
    print()
    header = (f"{'executor':>9}{'workers':>8}{'--out':>7}{'incidents':>11}{'seconds':>9}{'CPU s':>8}"
              f"{'incidents/s':>13}{'peak MB':>9}{'folder bytes/incident':>23}")
    print(header)
    print("─" * len(header))
    rows = {}
    for executor in executors:
        for out in (False, True):
            for workers in (1, 2):
                row = rows[executor, workers, out] = measure(args.incidents, workers, executor, out)
                rate = row["incidents"] / row["seconds"]
                print(f"{executor:>9}{workers:>8}{'yes' if out else 'no':>7}{row['incidents']:>11,}"
                      f"{row['seconds']:>9.1f}{row['cpu']:>8.1f}{rate:>13,.0f}{row['peak_mb']:>9.0f}"
                      f"{row['bytes'] / row['incidents'] if out else 0:>23,.0f}", flush=True)
    print(f"\nload average after: {machine.load()}")
    print("ratios of incidents per second, within this run:")

    def rate(key) -> float:
        return rows[key]["incidents"] / rows[key]["seconds"]

    for executor in executors:
        for out in (False, True):
            print(f"  {executor}, {'with' if out else 'without'} --out: 2 workers ÷ 1 = "
                  f"{rate((executor, 2, out)) / rate((executor, 1, out)):.2f}")
    for executor in executors:
        for workers in (1, 2):
            print(f"  {executor}, {workers} worker{'s' if workers > 1 else ''}: with --out ÷ without = "
                  f"{rate((executor, workers, True)) / rate((executor, workers, False)):.2f}")
    if "dask" in executors:
        for workers in (1, 2):
            for out in (False, True):
                print(f"  {workers} worker{'s' if workers > 1 else ''}, {'with' if out else 'without'} --out: "
                      f"Dask ÷ local = {rate(('dask', workers, out)) / rate(('local', workers, out)):.2f}")


if __name__ == "__main__":
    main()
