"""The game-day calls of the API: calibrate a scenario from an incident history, plan a drill, score what
happened (drillsim calibrate, gameday plan, score)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.api.scenarios import ScenarioLike, scenario_of
from simulator.errors import DrillsimError
from simulator.limits import MAX_FIT_BOOTSTRAP
from simulator.outputs.files import write_text
from simulator.scenario.model import Scenario

if TYPE_CHECKING:
    from simulator.history.calibrate import Calibration
    from simulator.history.plan import Plan
    from simulator.history.score import Score


@dataclass(frozen=True)
class Calibrated:
    """What `calibrate` produced: the fits, the scenario's YAML text, and the files written."""

    calibration: Calibration
    scenario: str
    written: list[Path]


def calibrate(history: str | Path, *, out: str | Path | None = None, figures: str | Path | None = None,
              preset: str | None = None, mapping: Sequence[str] = (), severities: Sequence[str] = (),
              timezone: str | None = None, skip_bad: bool = False, since: str | None = None,
              until: str | None = None, family: str = "auto",
              bootstrap: int | None = None, seed: int = 0, name: str | None = None,
              progress: Callable[[str], None] | None = None) -> Calibrated:
    """Fit a scenario to an incident history (`drillsim calibrate`). Writes the scenario YAML to `out`, and
    calibration.json with a figure per fitted quantity into `figures` (default, with `out`: OUT-STEM-fits
    beside it). `since`/`until` are ISO 8601 times bounding the observation window (`until` is also the export
    time, where open incidents are censored); `bootstrap` samples (default 200) give the intervals; `progress`
    is told what is being fitted before each fit. `preset` names an export's preset (default: the one its header
    identifies); `mapping` ('COLUMN=FIELD') and `severities` ('Critical=SEV1') read columns and values the preset
    does not."""
    from simulator.history import calibrate as calibration_module
    from simulator.history.calibrated_scenario import scenario_yaml
    from simulator.history.fit import BOOTSTRAP
    from simulator.history.format import read_history
    from simulator.history.presets import parse_mapping, parse_severities
    from simulator.history.timestamps import option_time, time_zone

    if bootstrap is not None and not 1 <= bootstrap <= MAX_FIT_BOOTSTRAP:
        raise DrillsimError(f"bootstrap samples must be between 1 and {MAX_FIT_BOOTSTRAP:,} (got {bootstrap:,})")
    zone = time_zone(timezone) if timezone else None
    window = [option_time(text, zone, option) for text, option in ((since, "--since"), (until, "--until"))]
    read = read_history(history, preset=preset, mapping=parse_mapping(mapping), zone=zone, skip_bad=skip_bad,
                        as_of=window[1], severities=parse_severities(severities))
    found = calibration_module.calibrate(read, since=window[0], until=window[1], family=family,
                                         bootstrap=BOOTSTRAP if bootstrap is None else bootstrap, seed=seed,
                                         progress=progress)
    text = scenario_yaml(found, name=name)
    written: list[Path] = []
    if out is not None:
        out = write_text(out, text)
        written.append(out)
        if figures is None:
            figures = out.with_name(f"{out.stem}-fits")
    if figures is not None:
        from simulator.outputs.folders import write_files
        from simulator.report.calibration_figures import calibration_figures
        from simulator.report.style import png_bytes

        document = json.dumps(calibration_module.calibration_document(found), indent=2, allow_nan=False) + "\n"
        written += write_files(figures, {"calibration.json": document.encode("utf-8"),
                                         **{f"{stem}.png": png_bytes(figure)
                                            for stem, figure in calibration_figures(found).items()}})
    return Calibrated(found, text, written)


@dataclass(frozen=True)
class Planned:
    """What `plan_gameday` produced: the plan and the files written (plan.md, plan.html, plan.png, drill.csv)."""

    plan: Plan
    written: list[Path]


def plan_gameday(scenario: ScenarioLike, inject: str, *, at: str | None = None, timezone: str | None = None,
                 severity: str | None = None, under_load: bool = False, out: str | Path | None = None,
                 seed: int | None = None, replications: int | None = None, workers: int | None = None,
                 executor: str = "local", scheduler: str | None = None,
                 chaostoolkit: str | Path | None = None) -> Planned:
    """Plan a game day that injects failure mode `inject` (`drillsim gameday plan`): writes plan.md,
    plan.html, the expected timeline as plan.png, and a drill.csv for the Scribe into `out` (default:
    gameday-MODE). `at` is an ISO 8601 time, with its offset or read in `timezone`. With `chaostoolkit`, also
    writes there a Chaos Toolkit experiment that injects the failure (history/chaostoolkit.py)."""
    from simulator.history.format import FIELDS, Incident, history_bytes
    from simulator.history.plan import plan_gameday as make_plan
    from simulator.history.timestamps import option_time, time_zone
    from simulator.outputs.folders import write_files
    from simulator.report.calibration_figures import slug
    from simulator.report.gameday import plan_blocks
    from simulator.report.gameday_figures import plan_figure
    from simulator.report.html import render_html
    from simulator.report.markdown import render_markdown
    from simulator.report.style import png_bytes

    zone = time_zone(timezone) if timezone else None
    moment = option_time(at, zone, "--at")
    plan = make_plan(scenario_of(scenario), inject, at=moment, severity=severity, under_load=under_load, seed=seed,
                     replications=replications, workers=workers, executor=executor, scheduler=scheduler)
    folder = Path(out) if out is not None else Path(f"gameday-{slug(inject)}")
    png = png_bytes(plan_figure(plan))
    blocks = plan_blocks(plan, png, "SCENARIO.yaml" if isinstance(scenario, Scenario) or scenario is None
                         else str(scenario))
    stamp = f"{moment:%Y%m%d-%H%M}" if moment is not None else "1"
    row = Incident(f"DRILL-{stamp}", 2, mode=inject, severity=plan.severity, started_at=moment)
    # a drill.csv the Scribe has filled in, or any file of the user's, is never overwritten (outputs.write_files)
    written = write_files(folder, {"plan.md": render_markdown(blocks).encode("utf-8"),
                                   "plan.html": render_html(blocks, f"Game-day plan: {plan.mode.name}").encode("utf-8"),
                                   "plan.png": png,
                                   "drill.csv": history_bytes([row], fields=[*FIELDS[:9], "responder"])})
    if chaostoolkit is not None:
        from simulator.history.chaostoolkit import experiment_text

        written.append(write_text(chaostoolkit, experiment_text(plan)))
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
          mapping: Sequence[str] = (), severities: Sequence[str] = (), timezone: str | None = None,
          skip_bad: bool = False, under_load: bool = False,
          fail_above: float | None = None, out: str | Path | None = None, seed: int | None = None,
          replications: int | None = None, workers: int | None = None, executor: str = "local",
          scheduler: str | None = None) -> Scored:
    """Score a drill or real incidents against a scenario (`drillsim score`). `drill` names history files and
    at most one Chaos Toolkit journal (whose run's start is the injection time). Writes score.json, score.md and
    the figures into `out` (default: the first drill file's folder)."""
    from simulator.history import score as scoring
    from simulator.history.presets import parse_mapping, parse_severities
    from simulator.history.timestamps import time_zone
    from simulator.outputs.folders import write_files
    from simulator.report.gameday import figure_names, score_blocks
    from simulator.report.gameday_figures import score_figure
    from simulator.report.markdown import render_markdown
    from simulator.report.style import png_bytes

    if not drill:
        raise DrillsimError("give the drill's times: a history file and/or a Chaos Toolkit journal")
    zone = time_zone(timezone) if timezone else None
    incidents, end, notes = scoring.read_drill(drill, mode=mode, preset=preset, mapping=parse_mapping(mapping),
                                               zone=zone, skip_bad=skip_bad, severities=parse_severities(severities))
    scores = scoring.score_drills(incidents, scenario_of(scenario), end, under_load=under_load, seed=seed,
                                  replications=replications, source=", ".join(map(str, drill)), workers=workers,
                                  executor=executor, scheduler=scheduler)
    folder = Path(out) if out is not None else Path(drill[0]).parent
    figures = {name: png_bytes(score_figure(s, fail_above))
               for s, name in zip(scores, figure_names(scores), strict=True)}
    document = json.dumps(scoring.score_document(scores), indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    # beside the drill's own files: only what drillsim wrote there is ever replaced (outputs.write_files)
    written = write_files(folder, {"score.json": document.encode("utf-8"),
                                   "score.md": render_markdown(score_blocks(scores, figures)).encode("utf-8"),
                                   **{f"{name}.png": png for name, png in figures.items()}})
    failed = scoring.failing(scores, fail_above) if fail_above is not None else []
    return Scored(scores, failed, written, notes)


__all__ = ["Calibrated", "Planned", "Scored", "calibrate", "plan_gameday", "score"]
