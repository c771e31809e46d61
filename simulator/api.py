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

    noise = detectability(None, improvement="20%", incidents_per_period=40)       # drillsim detectability
    write_detectability(noise, "noise")                                           # … --out noise

A scenario is given as a path (None for the bundled default) or as a loaded Scenario. The runner's options
(workers, executor, scheduler) go to `simulate` as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from simulator.breakdowns import By, Group
from simulator.breakdowns import breakdowns as _breakdowns
from simulator.breakdowns import keys as breakdown_keys
from simulator.candidates import comparison_scenarios
from simulator.compare import RESAMPLES, Comparison
from simulator.compare import compare as _compare
from simulator.compare import write_comparison as _write_comparison
from simulator.detectability import TRIALS, Detectability
from simulator.metrics import summarize
from simulator.outputs import EVENTS, INCIDENTS, SUMMARY, check_folder, results_folder, write_run, write_text
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
    """Write the results folder: incidents.csv, summary.json and, when the results kept the event log in
    memory, events.jsonl. The folder is built whole beside `folder` and swapped in (outputs.results_folder),
    so it is always one run's. A run with `events_to=folder/events.jsonl` has written that file already; it
    is carried into the new folder and listed among the files written. summary.json holds the pooled
    statistics and every breakdown."""
    folder = Path(folder)
    streamed = results.events is None and results.events_path is not None and \
        Path(results.events_path).resolve() == (folder / EVENTS).resolve()
    with results_folder(folder, keep=[EVENTS] if streamed else []) as staging:
        written = write_run(results, staging)
    return [folder / path.name for path in written]


def report(results_dir: str | Path, *, incidents: Sequence[str] = (), replication: int | None = None) -> list[Path]:
    """`drillsim report`: write report.html, report.md and the figures into a results folder; returns the
    paths written (HTML, Markdown, then the PNGs)."""
    from simulator.report.build import build_report

    return build_report(results_dir, incidents=incidents, replication=replication)


def write_schema(path: str | Path) -> Path:
    """`drillsim schema --out FILE`: the JSON Schema of the scenario format, written atomically."""
    from simulator.scenario.schema import scenario_schema_text

    return write_text(path, scenario_schema_text())


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

    with results_folder(folder) as staging:  # the folder is replaced whole (outputs.results_folder)
        written = _write_comparison(comparison, staging) + write_comparison_report(comparison, staging, metric)
    return [Path(folder) / path.name for path in written]


def detectability(scenario: str | Path | None = None, *, metric: str = "mttr",
                  incidents_per_period: int | None = None, improvement: float | str = 0.2,
                  false_improvement: float | str | None = None, variant: str | None = None, sets: Sequence[str] = (),
                  replications: int | None = None, seed: int | None = None, trials: int = TRIALS,
                  workers: int | None = None, executor: str = "local", scheduler: str | None = None) -> Detectability:
    """`drillsim detectability`: how noisy a period's metric is on a dashboard, and whether a real change
    shows through: `improvement` (a share, 0.2 or '20%'), or the change the scenario's variant `variant`, or
    the ad-hoc variant of `sets` ('PATH=VALUE'), brings."""
    from simulator.detectability import scenario_detectability
    from simulator.errors import DrillsimError
    from simulator.metrics import metric_key
    from simulator.scenario.bundled import default_scenario
    from simulator.scenario.variants import load_source
    from simulator.units import parse_share

    try:
        shares = [parse_share(improvement)] + ([parse_share(false_improvement)] if false_improvement is not None
                                               else [])
    except ValueError as exc:
        raise DrillsimError(str(exc)) from None
    if variant is not None and sets:
        raise DrillsimError("give either a variant or --set overrides, not both")
    metric = metric_key(metric)
    source = load_source(default_scenario() if scenario is None else scenario)
    changed = None
    if variant is not None or sets:
        changed = list(source.variants([variant] if variant else [], sets=sets).values())[-1]
    return scenario_detectability(
        source.scenario, changed, metric=metric, incidents_per_period=incidents_per_period, improvement=shares[0],
        false_improvement=shares[1] if len(shares) > 1 else None, replications=replications, seed=seed,
        trials=trials, workers=workers, executor=executor, scheduler=scheduler)


def write_detectability(found: Detectability, folder: str | Path) -> list[Path]:
    """`drillsim detectability --out`: detectability.json and detectability-METRIC.png, in a folder replaced
    whole; returns the paths written."""
    from simulator.outputs import write_json
    from simulator.report.detectability_figures import detectability_figure
    from simulator.report.style import save_png

    with results_folder(folder) as staging:
        written = [write_json(staging / "detectability.json", found.as_document()),
                   save_png(detectability_figure(found), staging / f"detectability-{found.metric}.png")]
    return [Path(folder) / path.name for path in written]


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

    with results_folder(folder) as staging:  # the folder is replaced whole (outputs.results_folder)
        written = _write_sweep(result, staging) + write_sweep_figures(result, staging, metric)
    return [Path(folder) / path.name for path in written]


__all__ = ["EVENTS", "INCIDENTS", "SUMMARY", "By", "Comparison", "Detectability", "Results", "Sweep",
           "breakdown_keys", "breakdowns", "check_folder", "compare", "detectability", "load_scenario",
           "parse_scenario", "report", "run", "scenario_of", "simulate", "summarize", "sweep", "write_comparison",
           "write_detectability", "write_results", "write_schema", "write_sweep"]
