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
    ladder = maturity("scenarios/default.yaml", replications=400)   # drillsim maturity
    write_maturity(ladder, "maturity")                              # … --out maturity

A scenario is given as a path (None for the bundled default) or as a loaded Scenario. The runner's options
(workers, executor, scheduler) go to `simulate` as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.analysis.breakdowns import By, Group
from simulator.analysis.breakdowns import breakdowns as _breakdowns
from simulator.analysis.breakdowns import keys as breakdown_keys
from simulator.analysis.candidates import comparison_scenarios
from simulator.analysis.compare import RESAMPLES, Comparison
from simulator.analysis.compare import compare as _compare
from simulator.analysis.detectability import TRIALS, Detectability
from simulator.analysis.sweep import Sweep
from simulator.analysis.sweep import sweep as _sweep
from simulator.api.scenarios import ScenarioLike, scenario_of
from simulator.errors import DrillsimError
from simulator.outputs import analyses
from simulator.outputs.eventlog import LEVELS, check_level, event_log_file
from simulator.outputs.files import write_text
from simulator.outputs.folders import check_folder, results_folder
from simulator.outputs.names import EVENTS, INCIDENTS, SUMMARY
from simulator.outputs.run import run_id, write_run
from simulator.results import runner
from simulator.results.metrics import CENSORED_WARNING, METRICS, metric_key, organic, summarize
from simulator.results.runner import Results
from simulator.scenario import load_scenario, parse_scenario
from simulator.scenario.model import Scenario

if TYPE_CHECKING:
    from simulator.analysis.maturity import Ladder
    from simulator.scenario.variants import ScenarioSource


def simulate(scenario: Scenario, *, events_to: str | Path | None = None, events: str = "full",
             **options) -> Results:
    """Play a Scenario (simulator.results.runner.simulate, whose options it takes), writing the event log to
    `events_to` (events.parquet, naming the run id; it appears whole when the run ends) as it is made.
    `events` says how much of the log to keep, in memory or in the file: "full", "incidents" (without the
    deployment pipeline's events) or "none" (no log at all)."""
    if check_level(events) == "none":
        return replace(runner.simulate(scenario, **{**options, "keep_events": False}), events_level=events)
    options["incidents_only"] = events == "incidents"
    if events_to is None or not isinstance(scenario, Scenario):
        return replace(runner.simulate(scenario, **options), events_level=events)
    seed = scenario.seed if options.get("seed") is None else options["seed"]
    replications = scenario.replications if options.get("replications") is None else options["replications"]
    run = run_id(scenario, seed, replications, options.get("policy") or runner.default_policy(), events)
    with event_log_file(Path(events_to), run) as writer:
        results = runner.simulate(scenario, events_to=writer, **options)
    return replace(results, events_path=Path(events_to), events_level=events)


def run(scenario: ScenarioLike = None, *, replications: int | None = None, seed: int | None = None,
        events_to: str | Path | None = None, keep_events: bool = False, events: str = "full", progress=None,
        workers: int | None = None, executor: str = "local", scheduler: str | None = None) -> Results:
    """`drillsim run`: play a scenario (default: the bundled one) its replications (or `replications`) times.
    The event log is kept only when asked (`keep_events`), or written to `events_to` as it is made; `events`
    ("full", "incidents", "none") says how much of it. A scenario with a learning loop is also played without
    action items, for the trend with and without it."""
    found = scenario_of(scenario)
    results = simulate(found, replications=replications, seed=seed, keep_events=keep_events, events_to=events_to,
                       events=events, progress=progress, workers=workers, executor=executor, scheduler=scheduler)
    if found.practices.learning.active:  # what the loop is worth: the same runs without action items
        from simulator.analysis.trend import without_learning

        without = simulate(without_learning(found), replications=results.replications, seed=results.seed,
                           keep_events=False, workers=workers, executor=executor, scheduler=scheduler)
        results = replace(results, without_learning=without.incidents)
    return results


def run_into(scenario: ScenarioLike, out: str | Path | None, *, report: bool = False, events: str = "full",
             **options) -> RunWritten:
    """`drillsim run [--out FOLDER [--report]] [--events full|incidents|none]`: `run` (which takes `options`),
    its event log (as much as `events` keeps) streamed into the results folder as it is made; the folder
    (refused before the run if it cannot be written or the disk cannot hold it) is built whole in staging and
    swapped in, with the report when asked for. incidents.csv and summary.json are always written."""
    from simulator.outputs.folders import check_space, expected_bytes

    found = scenario_of(scenario)
    check_level(events)
    if out is None:
        return RunWritten(run(found, **options), [], [])
    total = found.replications if options.get("replications") is None else options["replications"]
    with results_folder(out) as staging:
        check_space(staging, expected_bytes(found, total, events))
        results = run(found, events_to=None if events == "none" else staging / EVENTS, events=events, **options)
        written = write_run(results, staging)
        if report:
            from simulator.report.build import write_report

            pages = write_report(staging)
        else:
            pages = []
    return RunWritten(results, [Path(out) / path.name for path in written], [Path(out) / path.name for path in pages])


@dataclass(frozen=True)
class RunWritten:
    """A run and the files written for it: the results folder's, and the report's (HTML, Markdown, figures)."""

    results: Results
    written: list[Path]
    pages: list[Path]


def on_call_load(results: Results) -> dict | None:
    """Each person's on-call load, as summary.json writes it (None when the run kept none)."""
    from simulator.results.oncall_load import load_summary

    if results.load is None:
        return None
    pay = results.scenario.team.pay
    return load_summary(results.load, results.scenario.timezone, pay.currency if pay is not None else None)


def practice_sections(results: Results) -> dict:
    """What the practices did (availability and error budget, DORA, drills, the learning loop), as summary.json
    writes it."""
    from simulator.analysis.practice_summary import practice_sections as sections

    return sections(results)


def breakdowns(results: Results, by: Sequence[str] = tuple(By)) -> dict[str, list[Group]]:
    """`drillsim run --by KEY`: MTTD, MTTA and MTTR per failure mode, severity, channel or mitigation."""
    return _breakdowns(organic(results.incidents), results.replications, by)


def expected_size(scenario: ScenarioLike, replications: int | None = None, events: str = "full") -> float:
    """About how many bytes `drillsim run --out` writes for `replications` of `scenario` (its own count when
    None), keeping `events` of the log, rounded up: what the progress line shows before a large run. It plays a
    short pilot of the scenario's first replications (simulator.results.pilot), a fraction of a second."""
    from simulator.outputs.folders import expected_bytes

    found = scenario_of(scenario)
    return expected_bytes(found, found.replications if replications is None else replications, check_level(events))


def write_results(results: Results, folder: str | Path) -> list[Path]:
    """Write the results folder: incidents.csv, summary.json and, when the results kept the event log in
    memory, events.parquet. The folder is built whole beside `folder` and swapped in (outputs.results_folder),
    so it is always one run's. A run with `events_to=folder/events.parquet` has written that file already; it
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
    from simulator.report.results import rendering

    with rendering(results_dir):
        return build_report(results_dir, incidents=incidents, replication=replication)


def read_source(scenario: str | Path | None = None) -> ScenarioSource:
    """`drillsim validate`: a scenario file (default: the bundled one) and its variants, every problem at once."""
    from simulator.scenario.bundled import default_scenario
    from simulator.scenario.variants import load_source

    return load_source(default_scenario() if scenario is None else scenario)


def schema_text() -> str:
    """`drillsim schema`: the JSON Schema of the scenario format."""
    from simulator.scenario.schema import scenario_schema_text

    return scenario_schema_text()


def write_schema(path: str | Path) -> Path:
    """`drillsim schema --out FILE`: the JSON Schema of the scenario format, written atomically."""
    from simulator.scenario.schema import scenario_schema_text

    return write_text(path, scenario_schema_text())


def compare(*scenarios: str | Path | Mapping[str, Scenario], variants: Sequence[str] | None = None,
            sets: Sequence[str] = (), name: str | None = None, baseline: str | None = None,
            replications: int | None = None, seed: int | None = None, fail_if_worse: Sequence[str] = (),
            resamples: int = RESAMPLES, workers: int | None = None, executor: str = "local",
            scheduler: str | None = None, min_effect: str | float | None = None) -> Comparison:
    """`drillsim compare`: play the scenario files (default: the bundled one), their variants and the ad-hoc
    variants of `sets` with common random numbers, and judge each against the baseline (`baseline`, or the
    first). `sets` are 'PATH=VALUE' (one variant, named `name`) or 'NAME:PATH=VALUE' (a variant per NAME); see
    candidates.comparison_scenarios. Instead of files, one mapping of names to Scenarios may be given.
    `fail_if_worse` ('mttr', 'mttr.median') sets the gates of Comparison.failures(); `min_effect` ('5%', '5m';
    default 5%) the smallest difference that matters."""
    if len(scenarios) == 1 and isinstance(scenarios[0], Mapping):
        chosen = dict(scenarios[0])
    else:
        files = [file for file in scenarios if not isinstance(file, Mapping)]
        if len(files) < len(scenarios):
            raise TypeError("compare takes scenario files, or one mapping of names to scenarios, not both")
        chosen = comparison_scenarios(files, variants=variants, sets=sets, name=name)
    return _compare(chosen, baseline=baseline, replications=replications, seed=seed, resamples=resamples,
                    fail_if_worse=fail_if_worse, workers=workers, executor=executor, scheduler=scheduler,
                    min_effect=min_effect)


def write_comparison(comparison: Comparison, folder: str | Path, metric: str = "mttr") -> list[Path]:
    """`drillsim compare --out`: comparison.json, differences.csv, comparison.md, comparison.html and the
    figures (ecdf-METRIC.png, differences.png, on-call-load.png); returns the paths written."""
    from simulator.report.comparison_files import write_comparison_report

    with results_folder(folder) as staging:  # the folder is replaced whole (outputs.results_folder)
        written = analyses.write_comparison(comparison, staging) + write_comparison_report(comparison, staging, metric)
    return [Path(folder) / path.name for path in written]


def detectability(scenario: str | Path | None = None, *, metric: str = "mttr",
                  incidents_per_period: int | None = None, improvement: float | str = 0.2,
                  false_improvement: float | str | None = None, variant: str | None = None, sets: Sequence[str] = (),
                  replications: int | None = None, seed: int | None = None, trials: int = TRIALS,
                  workers: int | None = None, executor: str = "local", scheduler: str | None = None) -> Detectability:
    """`drillsim detectability`: how noisy a period's metric is on a dashboard, and whether a real change
    shows through: `improvement` (a share, 0.2 or '20%'), or the change the scenario's variant `variant`, or
    the ad-hoc variant of `sets` ('PATH=VALUE'), brings."""
    from simulator.analysis.simulated_periods import scenario_detectability
    from simulator.results.metrics import metric_key
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
    from simulator.report.detectability_figures import detectability_figure
    from simulator.report.style import save_png

    with results_folder(folder) as staging:
        written = [*analyses.write_detectability(found, staging),
                   save_png(detectability_figure(found), staging / f"detectability-{found.metric}.png")]
    return [Path(folder) / path.name for path in written]


def sweep(scenario: str | Path | None = None, sets: Sequence[str] | dict = (), *,
          baseline: Sequence[str] | dict | None = None, replications: int | None = None, seed: int | None = None,
          resamples: int = RESAMPLES, workers: int | None = None, executor: str = "local",
          scheduler: str | None = None, min_effect: str | float | None = None) -> Sweep:
    """`drillsim sweep`: every combination of the swept values ('PATH=V1,V2,...', or {path: [values]}), each
    point with the same seed and replications, and each compared with the baseline point ('PATH=VALUE', or
    {path: value}; default: the scenario as written, played beside the grid when the grid does not hold it)."""
    return _sweep(scenario, sets, baseline=baseline, replications=replications, seed=seed, resamples=resamples,
                  workers=workers, executor=executor, scheduler=scheduler, min_effect=min_effect)


def write_sweep(result: Sweep, folder: str | Path, metric: str = "mttr") -> list[Path]:
    """`drillsim sweep --out`: sweep.csv, sweep_summary.csv, sweep_differences.csv, sweep-METRIC.png and
    sweep-load.png; returns the paths written."""
    from simulator.report.comparison_files import write_sweep_figures

    with results_folder(folder) as staging:  # the folder is replaced whole (outputs.results_folder)
        written = analyses.write_sweep(result, staging) + write_sweep_figures(result, staging, metric)
    return [Path(folder) / path.name for path in written]


__all__ = ["EVENTS", "INCIDENTS", "LEVELS", "SUMMARY", "By", "Comparison", "Detectability", "Results", "Sweep",
           "breakdown_keys", "breakdowns", "check_folder", "compare", "detectability", "expected_size", "load_scenario",
           "parse_scenario", "report", "run", "scenario_of", "simulate", "summarize", "sweep", "write_comparison",
           "write_detectability", "write_results", "write_schema", "write_sweep"]


# ── Game days: calibrate a scenario from history, plan a drill, score what happened (api.gamedays) ─────────

from simulator.api.gamedays import Calibrated, Planned, Scored, calibrate, plan_gameday, score  # noqa: E402

__all__ += ["Calibrated", "Planned", "Scored", "calibrate", "plan_gameday", "score"]

# ── The maturity ladder ─────────────────────────────────────────────────────────────────────────────────────


def maturity(scenario: str | Path | ScenarioSource | None = None, *, replications: int | None = None,
             seed: int | None = None,
             progress=None, workers: int | None = None, executor: str = "local",
             scheduler: str | None = None, min_effect: str | float | None = None) -> Ladder:
    """`drillsim maturity`: play the scenario file (default: the bundled one) at every maturity level with the
    same failures, and judge each step up with paired intervals against `min_effect`, the smallest difference
    that matters ('5%', the default, or '5m'). `progress` is called with the replications done over the four
    levels."""
    from simulator.analysis.maturity import ladder

    return ladder(scenario, replications=replications, seed=seed, progress=progress, workers=workers,
                  executor=executor, scheduler=scheduler, min_effect=min_effect)


def explain_maturity(source: ScenarioSource) -> list[tuple[str, str]]:
    """`drillsim maturity --explain`: the file's fields the levels replace (refused if a level cannot build)."""
    from simulator.analysis.maturity import ladder_scenarios, replaced

    ladder_scenarios(source)
    return replaced(source)


def maturity_replications(source: ScenarioSource, replications: int | None = None) -> int:
    """Replications the ladder plays over all its levels (for a progress bar's total)."""
    from simulator.analysis.maturity import LEVELS

    return len(LEVELS) * (source.scenario.replications if replications is None else replications)


def write_maturity(found: Ladder, folder: str | Path) -> list[Path]:
    """`drillsim maturity --out`: maturity.json, maturity.csv and the ladder figure maturity.png."""
    from simulator.report.maturity_figures import ladder_figure
    from simulator.report.style import save_png

    with results_folder(folder) as staging:  # the folder is replaced whole (outputs.results_folder)
        written = [*analyses.write_ladder(found, staging), save_png(ladder_figure(found), staging / "maturity.png")]
    return [Path(folder) / path.name for path in written]


__all__ += [
    "CENSORED_WARNING",
    "METRICS",
    "RunWritten",
    "explain_maturity",
    "maturity",
    "maturity_replications",
    "metric_key",
    "on_call_load",
    "practice_sections",
    "read_source",
    "run_into",
    "schema_text",
    "write_maturity",
]
