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

import json
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
from simulator.analysis.compare import write_comparison as _write_comparison
from simulator.analysis.detectability import TRIALS, Detectability
from simulator.analysis.sweep import Sweep
from simulator.analysis.sweep import sweep as _sweep
from simulator.analysis.sweep import write_sweep as _write_sweep
from simulator.errors import DrillsimError
from simulator.limits import MAX_FIT_BOOTSTRAP
from simulator.outputs.files import write_text
from simulator.outputs.folders import check_folder, results_folder
from simulator.outputs.names import EVENTS, INCIDENTS, SUMMARY
from simulator.outputs.run import write_run
from simulator.results.metrics import organic, summarize
from simulator.results.runner import Results, simulate
from simulator.scenario import load_scenario, parse_scenario
from simulator.scenario.model import Scenario

ScenarioLike = str | Path | Scenario | None

if TYPE_CHECKING:
    from simulator.analysis.maturity import Ladder
    from simulator.history.calibrate import Calibration
    from simulator.history.plan import Plan
    from simulator.history.score import Score
    from simulator.scenario.variants import ScenarioSource


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
    The event log is kept only when asked (`keep_events`), or written to `events_to` as it is made. A scenario
    with a learning loop is also played without action items, for the trend with and without it."""
    found = scenario_of(scenario)
    results = simulate(found, replications=replications, seed=seed, keep_events=keep_events, events_to=events_to,
                       progress=progress, workers=workers, executor=executor, scheduler=scheduler)
    if found.practices.learning.active:  # what the loop is worth: the same runs without action items
        from simulator.analysis.trend import without_learning

        without = simulate(without_learning(found), replications=results.replications, seed=results.seed,
                           keep_events=False, workers=workers, executor=executor, scheduler=scheduler)
        results = replace(results, without_learning=without.incidents)
    return results


def breakdowns(results: Results, by: Sequence[str] = tuple(By)) -> dict[str, list[Group]]:
    """`drillsim run --by KEY`: MTTD, MTTA and MTTR per failure mode, severity, channel or mitigation."""
    return _breakdowns(organic(results.incidents), results.replications, by)


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
        chosen = comparison_scenarios(scenarios, variants=variants, sets=sets, name=name)
    return _compare(chosen, baseline=baseline, replications=replications, seed=seed, resamples=resamples,
                    fail_if_worse=fail_if_worse, workers=workers, executor=executor, scheduler=scheduler,
                    min_effect=min_effect)


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
    from simulator.analysis.detectability import scenario_detectability
    from simulator.errors import DrillsimError
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
    from simulator.outputs.files import write_json
    from simulator.report.detectability_figures import detectability_figure
    from simulator.report.style import save_png

    with results_folder(folder) as staging:
        written = [write_json(staging / "detectability.json", found.as_document()),
                   save_png(detectability_figure(found), staging / f"detectability-{found.metric}.png")]
    return [Path(folder) / path.name for path in written]


def sweep(scenario: str | Path | None = None, sets: Sequence[str] | dict = (), *,
          baseline: Sequence[str] | dict | None = None, replications: int | None = None, seed: int | None = None,
          resamples: int = RESAMPLES, workers: int | None = None, executor: str = "local",
          scheduler: str | None = None, min_effect: str | float | None = None) -> Sweep:
    """`drillsim sweep`: every combination of the swept values ('PATH=V1,V2,...', or {path: [values]}), each
    point with the same seed and replications, and each compared with the baseline point ('PATH=VALUE', or
    {path: value}; default: the scenario as written, or the first point)."""
    return _sweep(scenario, sets, baseline=baseline, replications=replications, seed=seed, resamples=resamples,
                  workers=workers, executor=executor, scheduler=scheduler, min_effect=min_effect)


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



# ── Game days: calibrate a scenario from history, plan a drill, score what happened ───────────────────────


@dataclass(frozen=True)
class Calibrated:
    """What `calibrate` produced: the fits, the scenario's YAML text, and the files written."""

    calibration: Calibration
    scenario: str
    written: list[Path]


def calibrate(history: str | Path, *, out: str | Path | None = None, figures: str | Path | None = None,
              preset: str | None = None, mapping: Sequence[str] = (), timezone: str | None = None,
              skip_bad: bool = False, since: str | None = None, until: str | None = None, family: str = "auto",
              bootstrap: int | None = None, seed: int = 0, name: str | None = None) -> Calibrated:
    """Fit a scenario to an incident history (`drillsim calibrate`). Writes the scenario YAML to `out`, and
    calibration.json with a figure per fitted quantity into `figures` (default, with `out`: OUT-STEM-fits
    beside it). `since`/`until` are ISO 8601 times bounding the observation window (`until` is also the export
    time, where open incidents are censored); `bootstrap` samples (default 200) give the intervals."""
    from simulator.history import calibrate as calibration_module
    from simulator.history.fit import BOOTSTRAP
    from simulator.history.format import parse_mapping, read_history
    from simulator.history.timestamps import time_zone
    from simulator.outputs.files import atomic_open

    if bootstrap is not None and not 1 <= bootstrap <= MAX_FIT_BOOTSTRAP:
        raise DrillsimError(f"bootstrap samples must be between 1 and {MAX_FIT_BOOTSTRAP:,} (got {bootstrap:,})")
    zone = time_zone(timezone) if timezone else None
    window = [_moment(text, zone, option) for text, option in ((since, "--since"), (until, "--until"))]
    read = read_history(history, preset=preset, mapping=parse_mapping(mapping), zone=zone, skip_bad=skip_bad,
                        as_of=window[1])
    found = calibration_module.calibrate(read, since=window[0], until=window[1], family=family,
                                         bootstrap=BOOTSTRAP if bootstrap is None else bootstrap, seed=seed)
    text = calibration_module.scenario_yaml(found, name=name)
    written: list[Path] = []
    if out is not None:
        out = Path(out)
        with atomic_open(out) as handle:
            handle.write(text)
        written.append(out)
        if figures is None:
            figures = out.with_name(f"{out.stem}-fits")
    if figures is not None:
        from simulator.report.calibration_figures import calibration_figures
        from simulator.report.style import png_bytes

        folder = Path(figures)
        with atomic_open(folder / "calibration.json") as handle:
            json.dump(calibration_module.calibration_document(found), handle, indent=2, allow_nan=False)
            handle.write("\n")
        written.append(folder / "calibration.json")
        for stem, figure in calibration_figures(found).items():
            with atomic_open(folder / f"{stem}.png", "wb") as handle:
                handle.write(png_bytes(figure))
            written.append(folder / f"{stem}.png")
    return Calibrated(found, text, written)


def _moment(text: str | None, zone, option: str):
    """An ISO 8601 option value as an aware datetime (None stays None)."""
    from simulator.history.timestamps import parse_time

    if text is None:
        return None
    try:
        return parse_time(text, zone)
    except ValueError as exc:
        raise DrillsimError(f"{option}: {exc}") from None


@dataclass(frozen=True)
class Planned:
    """What `plan_gameday` produced: the plan and the files written (plan.md, plan.html, plan.png, drill.csv)."""

    plan: Plan
    written: list[Path]


def plan_gameday(scenario: ScenarioLike, inject: str, *, at: str | None = None, timezone: str | None = None,
                 severity: str | None = None, under_load: bool = False, out: str | Path | None = None,
                 seed: int | None = None, replications: int | None = None, workers: int | None = None,
                 executor: str = "local", scheduler: str | None = None) -> Planned:
    """Plan a game day that injects failure mode `inject` (`drillsim gameday plan`): writes plan.md,
    plan.html, the expected timeline as plan.png, and a drill.csv for the Scribe into `out` (default:
    gameday-MODE). `at` is an ISO 8601 time, with its offset or read in `timezone`."""
    from simulator.history.format import FIELDS, Incident, write_history
    from simulator.history.plan import plan_gameday as make_plan
    from simulator.history.timestamps import time_zone
    from simulator.outputs.files import atomic_open
    from simulator.report.calibration_figures import slug
    from simulator.report.gameday import plan_blocks
    from simulator.report.gameday_figures import plan_figure
    from simulator.report.html import render_html
    from simulator.report.markdown import render_markdown
    from simulator.report.style import png_bytes

    zone = time_zone(timezone) if timezone else None
    moment = _moment(at, zone, "--at")
    plan = make_plan(scenario_of(scenario), inject, at=moment, severity=severity, under_load=under_load, seed=seed,
                     replications=replications, workers=workers, executor=executor, scheduler=scheduler)
    folder = Path(out) if out is not None else Path(f"gameday-{slug(inject)}")
    png = png_bytes(plan_figure(plan))
    blocks = plan_blocks(plan, png, "SCENARIO.yaml" if isinstance(scenario, Scenario) or scenario is None
                         else str(scenario))
    written = []
    for name, text in (("plan.md", render_markdown(blocks)),
                       ("plan.html", render_html(blocks, f"Game-day plan: {plan.mode.name}"))):
        with atomic_open(folder / name) as handle:
            handle.write(text)
        written.append(folder / name)
    with atomic_open(folder / "plan.png", "wb") as handle:
        handle.write(png)
    written.append(folder / "plan.png")
    stamp = f"{moment:%Y%m%d-%H%M}" if moment is not None else "1"
    row = Incident(f"DRILL-{stamp}", 2, mode=inject, severity=plan.severity, started_at=moment)
    written.append(write_history(folder / "drill.csv", [row], fields=[*FIELDS[:9], "responder"]))
    return Planned(plan, written)


@dataclass(frozen=True)
class Scored:
    """What `score` produced: a score per drill (or incident), the phases slower than `fail_above`, and the
    files written (score.json, score.md, and a figure per drill)."""

    scores: list[Score]
    failing: list
    written: list[Path]
    notes: list[str]


def score(drill: Sequence[str | Path], scenario: ScenarioLike, *, mode: str | None = None, preset: str | None = None,
          mapping: Sequence[str] = (), timezone: str | None = None, skip_bad: bool = False, under_load: bool = False,
          fail_above: float | None = None, out: str | Path | None = None, seed: int | None = None,
          replications: int | None = None, workers: int | None = None, executor: str = "local",
          scheduler: str | None = None) -> Scored:
    """Score a drill or real incidents against a scenario (`drillsim score`). `drill` names history files and
    at most one Chaos Toolkit journal (whose run's start is the injection time). Writes score.json, score.md and
    the figures into `out` (default: the first drill file's folder)."""
    from simulator.history import score as scoring
    from simulator.history.format import parse_mapping
    from simulator.history.timestamps import time_zone
    from simulator.outputs.files import atomic_open
    from simulator.report.gameday import figure_name, score_blocks
    from simulator.report.gameday_figures import score_figure
    from simulator.report.markdown import render_markdown
    from simulator.report.style import png_bytes

    if not drill:
        raise DrillsimError("give the drill's times: a history file and/or a Chaos Toolkit journal")
    zone = time_zone(timezone) if timezone else None
    incidents, end, notes = scoring.read_drill(drill, mode=mode, preset=preset, mapping=parse_mapping(mapping),
                                               zone=zone, skip_bad=skip_bad)
    scores = scoring.score_drills(incidents, scenario_of(scenario), end, under_load=under_load, seed=seed,
                                  replications=replications, source=", ".join(map(str, drill)), workers=workers,
                                  executor=executor, scheduler=scheduler)
    folder = Path(out) if out is not None else Path(drill[0]).parent
    figures = {figure_name(s, len(scores)): png_bytes(score_figure(s)) for s in scores}
    written = []
    with atomic_open(folder / "score.json") as handle:
        json.dump(scoring.score_document(scores), handle, indent=2, allow_nan=False, ensure_ascii=False)
        handle.write("\n")
    written.append(folder / "score.json")
    with atomic_open(folder / "score.md") as handle:
        handle.write(render_markdown(score_blocks(scores, figures)))
    written.append(folder / "score.md")
    for name, png in figures.items():
        with atomic_open(folder / f"{name}.png", "wb") as handle:
            handle.write(png)
        written.append(folder / f"{name}.png")
    failed = scoring.failing(scores, fail_above) if fail_above is not None else []
    return Scored(scores, failed, written, notes)


__all__ += ["Calibrated", "Planned", "Scored", "calibrate", "plan_gameday", "score"]


# ── The maturity ladder ─────────────────────────────────────────────────────────────────────────────────────


def maturity(scenario: str | Path | ScenarioSource | None = None, *, replications: int | None = None,
             seed: int | None = None,
             progress=None, workers: int | None = None, executor: str = "local",
             scheduler: str | None = None) -> Ladder:
    """`drillsim maturity`: play the scenario file (default: the bundled one) at every maturity level with the
    same failures, and judge each step up with paired intervals. `progress` is called with the replications
    done over the four levels."""
    from simulator.analysis.maturity import ladder

    return ladder(scenario, replications=replications, seed=seed, progress=progress, workers=workers,
                  executor=executor, scheduler=scheduler)


def write_maturity(found: Ladder, folder: str | Path) -> list[Path]:
    """`drillsim maturity --out`: maturity.json, maturity.csv and the ladder figure maturity.png."""
    from simulator.analysis.maturity import write_ladder

    with results_folder(folder) as staging:  # the folder is replaced whole (outputs.results_folder)
        written = write_ladder(found, staging)
    return [Path(folder) / path.name for path in written]


__all__ += ["maturity", "write_maturity"]
