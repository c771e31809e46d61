"""Peak memory of a large run written to a results folder: does this process hold the incident table only?

Runs `drillsim run --out` of the default scenario (as the API call `run_into`) in a fresh process, the event
log streamed to events.parquet chunk by chunk, and prints that process's peak resident set (ru_maxrss), its
workers' peak, the size of each file per incident and the CPU seconds spent. The same run without --out
(`--no-out`) shows what the folder costs on top. The incident table's own size (its columns' bytes) is
printed beside the peak, so that what the process holds beyond the table can be read off.

    python benchmarks/memory.py                       # 1,000,000 incidents, 2 workers, full event log
    python benchmarks/memory.py --incidents 200000 --events incidents

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


def one(incidents: int, workers: int, events: str, out: bool) -> dict:
    """Runs in the child process: one run, measured."""
    from simulator import api
    scenario, replications = machine.default_scenario_for(incidents)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="drillsim-memory-") as folder:
        target = Path(folder) / "out" if out else None
        done = api.run_into(scenario, target, replications=replications, seed=7, workers=workers, events=events)
        results = done.results
        results.summary()
        sizes = {path.name: path.stat().st_size for path in done.written} if out else {}
    seconds = time.perf_counter() - start
    table = results.incidents
    table_bytes = sum(getattr(getattr(table, name), "nbytes", 0) for name in type(table).columns())
    return {
        "replications": replications,
        "incidents": len(table),
        "seconds": seconds,
        "cpu_self": machine.cpu_seconds(resource.RUSAGE_SELF),
        "cpu_workers": machine.cpu_seconds(resource.RUSAGE_CHILDREN),
        "peak_mb": machine.peak_mb(resource.RUSAGE_SELF),
        "workers_peak_mb": machine.peak_mb(resource.RUSAGE_CHILDREN),
        "table_mb": table_bytes / 1e6,
        "sizes": sizes,
    }


def measure(incidents: int, workers: int, events: str, out: bool) -> dict:
    return machine.in_fresh_process(__file__, incidents, workers, events, int(out))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000, help="about how many incidents (default 1M)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--events", default="full", choices=("full", "incidents", "none"))
    parser.add_argument("--no-out", action="store_true", help="also measure the same run without --out")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(int(args.one[0]), int(args.one[1]), args.one[2], bool(int(args.one[3])))))
        return

    print(f"machine: {machine.describe()}; load average {machine.load()}")
    print(f"work: the default scenario, about {args.incidents:,} incidents, {args.workers} workers, "
          f"--events {args.events}")
    runs = [("--out", True)] + ([("no --out", False)] if args.no_out else [])
    for label, out in runs:
        row = measure(args.incidents, args.workers, args.events, out)
        print(f"\n{label}: {row['incidents']:,} incidents in {row['replications']:,} replications, "
              f"{row['seconds']:.1f} s wall, CPU {row['cpu_self']:.1f} s in this process and "
              f"{row['cpu_workers']:.1f} s in workers")
        print(f"  peak memory: {row['peak_mb']:.0f} MB in the results process (the incident table's columns: "
              f"{row['table_mb']:.0f} MB), {row['workers_peak_mb']:.0f} MB in the largest worker")
        for name, size in row["sizes"].items():
            print(f"  {name}: {size / 1e6:,.1f} MB, {size / row['incidents']:,.0f} bytes an incident")


if __name__ == "__main__":
    main()
