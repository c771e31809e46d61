"""The public API in a few calls: load a scenario, simulate it, summarise it, write the results.

    results = simulate(load_scenario("scenarios/default.yaml"), replications=20_000, workers=4,
                       keep_events=False)                      # or events_to="out/events.jsonl"
    write_results(results, "out")
"""

from __future__ import annotations

from pathlib import Path

from simulator.metrics import summarize
from simulator.outputs import EVENTS, INCIDENTS, SUMMARY, summary_document, write_events, write_incidents, write_summary
from simulator.runner import Results, simulate
from simulator.scenario import load_scenario, parse_scenario


def write_results(results: Results, folder: str | Path) -> list[Path]:
    """Write incidents.csv and summary.json (last, so that a folder with a summary is complete), and
    events.jsonl when the results kept the event log in memory. A run with `events_to=folder/events.jsonl`
    has written that file already; it is listed among the files written."""
    folder = Path(folder)
    stats = results.summary()
    events = None
    if results.events is not None:
        events = write_events(folder, results.events)
    elif results.events_path is not None and results.events_path.resolve() == (folder / EVENTS).resolve():
        events = results.events_path
    incidents = write_incidents(folder, results.incidents)
    summary = write_summary(folder, summary_document(results.scenario, results.seed, results.replications,
                                                     results.incidents, stats, results.load))
    return [summary, incidents] + ([events] if events is not None else [])


__all__ = ["EVENTS", "INCIDENTS", "SUMMARY", "Results", "load_scenario", "parse_scenario", "simulate", "summarize",
           "write_results"]
