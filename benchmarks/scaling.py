"""Time and peak memory of drillsim runs against replications, horizon and workers, printed as a table.

Each configuration runs in a fresh process: `simulate(default scenario, replications, horizon, workers,
keep_events=False)` and its summary statistics, as `drillsim run` does without --out. Peak memory is the
maximum resident set of that process (which holds the results) and, separately, of its worker processes.

    python benchmarks/scaling.py            # replications 1k, 2k, 5k, 20k; horizons 1, 5, 20 years
    python benchmarks/scaling.py --quick    # a smaller grid, for a first look

A figure, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import machine

DAY, YEAR = 1440.0, 525_600.0


def one(replications: int, horizon: float, workers: int) -> dict:
    """Runs in the child process: one configuration, measured."""
    from simulator import load_scenario, simulate
    from simulator.scenario.bundled import default_scenario

    scenario = load_scenario(default_scenario())
    if horizon != scenario.horizon:
        scenario = scenario.model_copy(update={"horizon": horizon})
    start = time.perf_counter()
    results = simulate(scenario, replications=replications, keep_events=False, workers=workers)
    results.summary()
    seconds = time.perf_counter() - start
    return {
        "incidents": len(results.incidents),
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure(replications: int, horizon: float, workers: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--one", str(replications), str(horizon), str(workers)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def workers_mb(row: dict) -> str:
    return f"{row['workers_peak_mb']:.1f}" if row["workers_peak_mb"] else "-"


def horizon_label(minutes: float) -> str:
    return f"{minutes / YEAR:g}y" if minutes >= YEAR else f"{minutes / DAY:g}d"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="replications 1k, 2k, 5k; horizons 1 and 5 years")
    parser.add_argument("--one", nargs=3, metavar=("REPLICATIONS", "HORIZON", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(int(args.one[0]), float(args.one[1]), int(args.one[2]))))
        return

    replications = (1000, 2000, 5000) if args.quick else (1000, 2000, 5000, 20_000)
    horizons = (YEAR, 5 * YEAR) if args.quick else (YEAR, 5 * YEAR, 20 * YEAR)
    grid = [(r, 90 * DAY) for r in replications] + [(1000, h) for h in horizons]

    print(f"machine: {machine.describe()}")
    print("work: the default scenario; replications at its 90-day horizon, then horizons at 1,000 replications")
    print()
    header = (f"{'replications':>12}{'horizon':>9}{'workers':>9}{'incidents':>11}{'seconds':>9}"
              f"{'incidents/s':>13}{'speed-up':>10}{'peak MB':>9}{'workers MB':>12}")
    print(header)
    print("─" * len(header))
    rows = {}
    for count, horizon in grid:
        for workers in (1, 2):
            row = rows[count, horizon, workers] = measure(count, horizon, workers)
            speedup = rows[count, horizon, 1]["seconds"] / row["seconds"]
            print(f"{count:>12,}{horizon_label(horizon):>9}{workers:>9}{row['incidents']:>11,}"
                  f"{row['seconds']:>9.2f}{row['incidents'] / row['seconds']:>13,.0f}{speedup:>9.2f}x"
                  f"{row['peak_mb']:>9.1f}{workers_mb(row):>12}", flush=True)
    print()
    low, high = 2000, max(replications)
    for workers in (1, 2):
        small, large = rows[low, 90 * DAY, workers], rows[high, 90 * DAY, workers]
        print(f"peak memory, {high:,} vs {low:,} replications, {workers} worker{'s' if workers > 1 else ''}: "
              f"{large['peak_mb'] / small['peak_mb']:.2f}x in this process"
              + (f" (and {large['workers_peak_mb']:.0f} MB in each worker)" if large["workers_peak_mb"] else ""))

if __name__ == "__main__":
    main()
