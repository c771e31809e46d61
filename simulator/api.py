"""The public API in a few calls: load a scenario, simulate it, summarise it, write the results.

    results = simulate(load_scenario("scenarios/default.yaml"), replications=20_000, workers=4,
                       keep_events=False)                      # or events_to="out/events.jsonl"
    write_results(results, "out")
"""

from __future__ import annotations

from pathlib import Path

from simulator.metrics import summarize
from simulator.outputs import EVENTS, INCIDENTS, SUMMARY, results_folder, write_run
from simulator.runner import Results, simulate
from simulator.scenario import load_scenario, parse_scenario


def write_results(results: Results, folder: str | Path) -> list[Path]:
    """Write the results folder: incidents.csv, summary.json and, when the results kept the event log in
    memory, events.jsonl. The folder is built whole beside `folder` and swapped in (outputs.results_folder),
    so it is always one run's. A run with `events_to=folder/events.jsonl` has written that file already; it
    is carried into the new folder and listed among the files written."""
    folder = Path(folder)
    streamed = results.events is None and results.events_path is not None and \
        Path(results.events_path).resolve() == (folder / EVENTS).resolve()
    with results_folder(folder, keep=[EVENTS] if streamed else []) as staging:
        written = write_run(results, staging)
    return [folder / path.name for path in written]


__all__ = ["EVENTS", "INCIDENTS", "SUMMARY", "Results", "load_scenario", "parse_scenario", "simulate", "summarize",
           "write_results"]
