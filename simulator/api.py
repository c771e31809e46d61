"""The public API in a few calls: load a scenario, simulate it, summarise it, write the results."""

from __future__ import annotations

from pathlib import Path

from simulator.metrics import summarize
from simulator.outputs import summary_document, write_events, write_incidents, write_summary
from simulator.runner import Results, simulate
from simulator.scenario import load_scenario, parse_scenario


def write_results(results: Results, folder: str | Path) -> list[Path]:
    """Write summary.json and incidents.csv, and events.jsonl when the results kept the event log."""
    folder = Path(folder)
    stats = results.summary()
    written = [
        write_summary(folder, summary_document(results.scenario, results.seed, results.replications,
                                               results.incidents, stats)),
        write_incidents(folder, results.incidents),
    ]
    if results.events is not None:
        written.append(write_events(folder, results.events))
    return written


__all__ = ["Results", "load_scenario", "parse_scenario", "simulate", "summarize", "write_results"]
