"""The public API: what every command does, as library calls with the command's arguments.

    results = run("scenarios/default.yaml", replications=20_000, workers=4)   # drillsim run
    write_results(results, "out")                                          # … --out out
    report("out")                                                          # … --report / drillsim report
    breakdowns(results, by=["mode"])                                       # … --by mode

    comparison = compare("before.yaml", "after.yaml", fail_if_worse=["mttr"])   # drillsim compare
    write_comparison(comparison, "compare")                                     # … --out compare
    comparison.failures()                                                       # … exit status 1 if any

    grid = sweep(None, ["team.responders=1,2,3"], baseline=["team.responders=2"])   # drillsim sweep
    write_sweep(grid, "sweep")                                                     # … --out sweep

A scenario is given as a path (None for the bundled default) or as a loaded Scenario. The runner's options
(workers, executor, scheduler) go to `simulate` as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from simulator.breakdowns import By, Group, breakdowns_document
from simulator.breakdowns import breakdowns as _breakdowns
from simulator.breakdowns import keys as breakdown_keys
from simulator.candidates import comparison_scenarios
from simulator.compare import RESAMPLES, Comparison
from simulator.compare import compare as _compare
from simulator.compare import write_comparison as _write_comparison
from simulator.metrics import summarize
from simulator.outputs import EVENTS, INCIDENTS, SUMMARY, summary_document, write_events, write_incidents, write_summary
from simulator.runner import Results, simulate
from simulator.scenario import load_scenario, parse_scenario
from simulator.scenario.model import Scenario
from simulator.sweep import Sweep
from simulator.sweep import sweep as _sweep
from simulator.sweep import write_sweep as _write_sweep

ScenarioLike = str | Path | Scenario | None


def scenario_of(scenario: ScenarioLike) -> Scenario:
    """A Scenario from a path, a Scenario, or None for the bundled default scenario."""
    if isinstance(scenario, Scenario):
        return scenario
    from simulator.scenario.bundled import default_scenario

    return load_scenario(default_scenario() if scenario is None else scenario)


def run(scenario: ScenarioLike = None, *, replications: int | None = None, seed: int | None = None,
        events_to: str | Path | None = None, keep_events: bool = False, progress=None, workers: int | None = None,
        executor: str = "local", scheduler: str | None = None) -> Results:
    """`drillsim run`: play a scenario (default: the bundled one) its replications (or `replications`) times.
    The event log is kept only when asked (`keep_events`), or written to `events_to` as it is made."""
    return simulate(scenario_of(scenario), replications=replications, seed=seed, keep_events=keep_events,
                    events_to=events_to, progress=progress, workers=workers, executor=executor, scheduler=scheduler)


def breakdowns(results: Results, by: Sequence[str] = tuple(By)) -> dict[str, list[Group]]:
    """`drillsim run --by KEY`: MTTD, MTTA and MTTR per failure mode, severity, channel or mitigation."""
    return _breakdowns(results.incidents, results.replications, by)


def write_results(results: Results, folder: str | Path) -> list[Path]:
    """Write incidents.csv and summary.json (last, so that a folder with a summary is complete), and
    events.jsonl when the results kept the event log in memory. A run with `events_to=folder/events.jsonl`
    has written that file already; it is listed among the files written. summary.json holds the pooled
    statistics and every breakdown."""
    folder = Path(folder)
    stats = results.summary()
    events = None
    if results.events is not None:
        events = write_events(folder, results.events)
    elif results.events_path is not None and results.events_path.resolve() == (folder / EVENTS).resolve():
        events = results.events_path
    incidents = write_incidents(folder, results.incidents)
    document = summary_document(results.scenario, results.seed, results.replications, results.incidents, stats,
                                results.load)
    document["breakdowns"] = breakdowns_document(breakdowns(results))
    summary = write_summary(folder, document)
    return [summary, incidents] + ([events] if events is not None else [])


def report(results_dir: str | Path, *, incidents: Sequence[str] = (), replication: int | None = None) -> list[Path]:
    """`drillsim report`: write report.html, report.md and the figures into a results folder; returns the
    paths written (HTML, Markdown, then the PNGs)."""
    from simulator.report.build import build_report

    return build_report(results_dir, incidents=incidents, replication=replication)


def write_schema(path: str | Path) -> Path:
    """`drillsim schema --out FILE`: the JSON Schema of the scenario format, written atomically."""
    from simulator.outputs import atomic_open
    from simulator.scenario.schema import scenario_schema_text

    path = Path(path)
    with atomic_open(path) as handle:
        handle.write(scenario_schema_text())
    return path


def compare(*scenarios: str | Path | Mapping[str, Scenario], variants: Sequence[str] | None = None,
            sets: Sequence[str] = (), name: str | None = None, baseline: str | None = None,
            replications: int | None = None, seed: int | None = None, fail_if_worse: Sequence[str] = (),
            resamples: int = RESAMPLES, workers: int | None = None, executor: str = "local",
            scheduler: str | None = None) -> Comparison:
    """`drillsim compare`: play the scenario files (default: the bundled one), their variants and the ad-hoc
    variants of `sets` with common random numbers, and judge each against the baseline (`baseline`, or the
    first). `sets` are 'PATH=VALUE' (one variant, named `name`) or 'NAME:PATH=VALUE' (a variant per NAME); see
    candidates.comparison_scenarios. Instead of files, one mapping of names to Scenarios may be given.
    `fail_if_worse` ('mttr', 'mttr.median') sets the gates of Comparison.failures()."""
    if len(scenarios) == 1 and isinstance(scenarios[0], Mapping):
        chosen = dict(scenarios[0])
    else:
        chosen = comparison_scenarios(scenarios, variants=variants, sets=sets, name=name)
    return _compare(chosen, baseline=baseline, replications=replications, seed=seed, resamples=resamples,
                    fail_if_worse=fail_if_worse, workers=workers, executor=executor, scheduler=scheduler)


def write_comparison(comparison: Comparison, folder: str | Path, metric: str = "mttr") -> list[Path]:
    """`drillsim compare --out`: comparison.json, differences.csv, comparison.md, comparison.html and the
    figures (ecdf-METRIC.png, differences.png, on-call-load.png); returns the paths written."""
    from simulator.report.comparison_files import write_comparison_report

    return _write_comparison(comparison, folder) + write_comparison_report(comparison, folder, metric)


def sweep(scenario: str | Path | None = None, sets: Sequence[str] | dict = (), *,
          baseline: Sequence[str] | dict | None = None, replications: int | None = None, seed: int | None = None,
          resamples: int = RESAMPLES, workers: int | None = None, executor: str = "local",
          scheduler: str | None = None) -> Sweep:
    """`drillsim sweep`: every combination of the swept values ('PATH=V1,V2,...', or {path: [values]}), each
    point with the same seed and replications, and each compared with the baseline point ('PATH=VALUE', or
    {path: value}; default: the scenario as written, or the first point)."""
    return _sweep(scenario, sets, baseline=baseline, replications=replications, seed=seed, resamples=resamples,
                  workers=workers, executor=executor, scheduler=scheduler)


def write_sweep(result: Sweep, folder: str | Path, metric: str = "mttr") -> list[Path]:
    """`drillsim sweep --out`: sweep.csv, sweep_summary.csv, sweep_differences.csv, sweep-METRIC.png and
    sweep-load.png; returns the paths written."""
    from simulator.report.comparison_files import write_sweep_figures

    return _write_sweep(result, folder) + write_sweep_figures(result, folder, metric)


__all__ = ["EVENTS", "INCIDENTS", "SUMMARY", "By", "Comparison", "Results", "Sweep", "breakdown_keys", "breakdowns",
           "compare",
           "load_scenario", "parse_scenario", "report", "run", "scenario_of", "simulate", "summarize", "sweep",
           "write_comparison", "write_results", "write_schema", "write_sweep"]
