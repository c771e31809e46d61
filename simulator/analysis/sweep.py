"""Sweeps: the grid of every combination of some fields' values, each point run with common random numbers.

Every point runs with the same seed and replications, so points differ only by their parameters: the same
failures, at the same times, meet each combination. Each point is compared with a baseline point exactly as
`compare` compares a variant with its baseline (paired differences with bootstrap intervals), so a sweep
says which of its differences are real. The baseline is the scenario as written, unless a point of the grid
is chosen: when the grid holds it, that point; when it does not, the scenario as written is played as one
more point beside the grid (`Sweep.as_written`), with the same seed and replications, so that every point of
the grid is compared with what the team does today rather than with whichever point came first.

Results are tidy (as in scikit-learn's grid searches): one row per point and replication, every row carrying
its own parameter values, metrics, on-call load and, where the scenario prices them, the users its incidents
affected and their cost (simulator.analysis.cost).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.analysis.compare import LEVEL, RESAMPLES, Comparison, check_resamples, compare_results
from simulator.analysis.cost import Spread, per_period_figures
from simulator.analysis.workload import Workload, per_replication, workload
from simulator.errors import DrillsimError, Problem, ScenarioError
from simulator.results.incidents import organic
from simulator.results.metrics import METRICS, Stats, metric_values
from simulator.scenario.variants import (
    Override,
    ScenarioSource,
    format_value,
    load_source,
    resolve,
    sweep_values,
)

if TYPE_CHECKING:
    from simulator.results.runner import Results

PER_REPLICATION = ("count", "mean", "median", "p90")
"""What each tidy row holds per metric, for its own replication (minutes)."""
SUMMARY_STATS = ("count", "censored", "mean", "ci_low", "ci_high", "median", "p90", "p95", "p99", "max")
DIFFERENCE_COLUMNS = ("baseline", "value", "difference", "relative", "low", "high", "p_better", "verdict")

AS_WRITTEN = "as written"
"""How the scenario as written is named when it is played beside the grid."""

Axis = tuple[str, Sequence[tuple[str, Any]]]
"""A swept field: its path and its values, each as written and as read."""


@dataclass(frozen=True)
class Point:
    """One combination of the swept values and what it produced."""

    index: int
    values: dict[str, Any]
    written: dict[str, str]
    results: Results
    on_grid: bool = True
    """False for the scenario as written, played beside the grid because the grid does not hold it."""

    @property
    def label(self) -> str:
        return ", ".join(f"{path}={text}" for path, text in self.written.items())

    def summary(self) -> dict[str, Stats]:
        return self.results.summary()

    def workload(self) -> Workload:
        found = self.__dict__.get("_workload")
        if found is None:
            found = workload(self.results.incidents, self.results.replications, self.results.scenario.horizon)
            object.__setattr__(self, "_workload", found)
        return found


@dataclass(frozen=True)
class Sweep:
    """The points of a sweep, in grid order (the last parameter varies fastest), and each point's paired
    differences from the baseline (`comparison`, whose names are the points' labels).

    `as_written` is the scenario as written when the grid does not hold it and no point was chosen as the
    baseline: played beside the grid as point len(points), it is then the baseline."""

    parameters: tuple[str, ...]
    points: tuple[Point, ...]
    seed: int
    replications: int
    baseline: int = 0
    comparison: Comparison | None = None
    as_written: Point | None = None

    @property
    def base(self) -> Point:
        return self.as_written if self.as_written is not None else self.points[self.baseline]

    @property
    def played(self) -> tuple[Point, ...]:
        """Every point played: the grid's, then the scenario as written when it was played beside the grid."""
        return self.points if self.as_written is None else (*self.points, self.as_written)

    def base_text(self) -> str:
        """'the scenario as written (team.escalate_after=10m)' or 'the baseline point (team.escalate_after=2m)'."""
        if self.as_written is not None:
            return f"the scenario as written ({point_label(self.as_written.written, self.parameters)})"
        return f"the baseline point ({self.label(self.base)})"

    @property
    def varied(self) -> tuple[str, ...]:
        """The parameters swept over more than one value (all of them when none is)."""
        return tuple(p for p in self.parameters if len(self.values(p)) > 1) or self.parameters

    def label(self, point: Point) -> str:
        """'team.responders=2, policy.mitigation=debug-first': the point's values of the varied parameters
        ('as written (...)' for the scenario as written played beside the grid)."""
        if not point.on_grid:  # every swept field: the scenario may differ from the grid even in a fixed one
            return f"{AS_WRITTEN} ({point_label(point.written, self.parameters)})"
        return point_label(point.written, self.varied)

    def values(self, parameter: str) -> list[str]:
        """A parameter's values as written, in grid order (the grid's only)."""
        out: list[str] = []
        for point in self.points:
            if point.written[parameter] not in out:
                out.append(point.written[parameter])
        return out

    def difference(self, point: Point, metric: str, statistic: str = "mean"):
        """The point's paired difference from the baseline point (a compare.Difference), or None for the
        baseline itself."""
        if point.index == self.baseline or self.comparison is None:
            return None
        return self.comparison.difference(self.label(point), metric, statistic)

    def best_sentence(self, metric: str = "mttr", statistic: str = "mean") -> str:
        """One sentence: which point is best on the metric's statistic, and whether it beats the baseline (the
        scenario as written, or the chosen point) by more than the smallest difference that matters (the
        comparison's min_effect)."""
        from simulator.analysis.compare import BETTER, signed_duration
        from simulator.results.metrics import METRICS as KNOWN

        if self.comparison is None:
            return ""
        named = f"{statistic} {KNOWN[metric].label}"
        lower = KNOWN[metric].lower_is_better
        found = [(d.value, point, d) for point in self.points if (d := self.difference(point, metric, statistic))]
        base = self.base_text()
        if not found:
            return f"Only {base} was played."
        base_value = found[0][2].baseline
        value, point, d = (min if lower else max)(found, key=lambda item: item[0])
        other = "point of the grid" if self.as_written is not None else "other point"
        if (value >= base_value) if lower else (value <= base_value):
            return f"{base[0].upper()}{base[1:]} has the best {named}: no {other} improves on it."
        matters = self.comparison.min_effect.text()
        level = f"{self.comparison.level:.0%}"
        said = (f"The best {named} is at {self.label(point)}: {signed_duration(d.difference)} against {base}, "
                f"{d.interval_text()} at {level}; ")
        if d.verdict == BETTER:
            return said + f"it beats the baseline by more than the {matters} that matters."
        return said + f"it does not beat the baseline by more than the {matters} that matters ({d.verdict})."

    def rows(self) -> Iterator[dict[str, Any]]:
        """The tidy rows: one per point and replication (the scenario as written last, when played beside the
        grid)."""
        for point in self.played:
            yield from _point_rows(point, self.replications)

    def summary_rows(self) -> Iterator[dict[str, Any]]:
        """One row per point and metric: the statistics `drillsim run` reports for that point alone; then, where
        the scenario prices them, users affected and cost per period (a replication's sum over its incidents)."""
        for point in self.played:
            stats = point.summary()
            for metric in METRICS:
                yield {"point": point.index, **point.written, "metric": metric,
                       **{name: getattr(stats[metric], name) for name in SUMMARY_STATS}}
            results = point.results
            for name, values in per_period_figures(organic(results.incidents), results.scenario,
                                                   self.replications).items():
                spread = Spread.of(values)
                p95, largest = (np.percentile(values, 95).item(), float(values.max())) if len(values) else (
                    math.nan, math.nan)
                found = {**spread.__dict__, "count": len(values), "censored": 0, "p95": p95, "max": largest}
                yield {"point": point.index, **point.written, "metric": name,
                       **{key: found[key] for key in SUMMARY_STATS}}

    def difference_rows(self) -> Iterator[dict[str, Any]]:
        """One row per point (but the baseline), metric and statistic: the paired difference from the baseline
        point, its interval, P(better) and verdict, in minutes."""
        if self.comparison is None:
            return
        for point in self.points:
            if point.index == self.baseline:
                continue
            for metric in METRICS:
                for statistic in ("mean", "median"):
                    d = self.difference(point, metric, statistic).as_dict()
                    yield {"point": point.index, **point.written, "metric": metric, "statistic": statistic,
                           **{name: d[name] for name in DIFFERENCE_COLUMNS}}


def grid(axes: Sequence[Axis]) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Every combination of the axes' values as ({path: value}, {path: value as written})."""
    paths = [path for path, _ in axes]
    if len(set(paths)) != len(paths):
        repeated = sorted({p for p in paths if paths.count(p) > 1})
        raise DrillsimError(f"each field can be swept once; repeated: {', '.join(repeated)}")
    for path, values in axes:
        written = [text for text, _ in values]
        if len(set(written)) != len(written):
            repeated = sorted({t for t in written if written.count(t) > 1})
            raise DrillsimError(f"--set {path}: each value once; repeated: {', '.join(repeated)}")
    out = []
    for combination in itertools.product(*(values for _, values in axes)):
        out.append(({path: value for path, (_, value) in zip(paths, combination, strict=True)},
                    {path: text for path, (text, _) in zip(paths, combination, strict=True)}))
    return out


def sweep(source: ScenarioSource | str | Path | None,
          axes: Sequence[Axis] | Sequence[str] | Mapping[str, Sequence[Any]], *,
          baseline: Mapping[str, Any] | Sequence[str] | None = None, replications: int | None = None,
          seed: int | None = None, resamples: int = RESAMPLES, level: float = LEVEL,
          min_effect: str | float | None = None, **run_options) -> Sweep:
    """Run every point of the grid with the scenario's (or the given) seed and replications, and compare each
    point with the baseline.

    `source` is a ScenarioSource, a scenario file or None (the bundled default). `axes` is a sequence of
    (path, [(written, value), ...]) as simulator.scenario.variants.sweep_values gives, the command's
    'PATH=V1,V2,...' options, or simply {path: [value, ...]}. `baseline` picks the baseline point by some
    parameters' values ({path: value} or ['PATH=VALUE', ...]; the others take their first value); without it,
    the baseline is the scenario as written: the point of the grid that is it, or else the scenario played as
    one more point beside the grid (Sweep.as_written). Every point is checked before any runs;
    every problem is reported. `run_options` go to runner.simulate."""
    check_resamples(resamples)  # before the runs, not after them
    if not isinstance(source, ScenarioSource):
        from simulator.scenario.bundled import default_scenario

        source = load_source(default_scenario() if source is None else source)
    if isinstance(axes, Mapping):
        axes = [(path, [(format_value(v), v) for v in values]) for path, values in axes.items()]
    else:
        axes = [sweep_values(axis) if isinstance(axis, str) else axis for axis in axes]
    if not axes:
        raise DrillsimError("nothing to sweep: give at least one field and its values")
    points = grid(axes)
    chosen = baseline_point(axes, points, baseline)
    scenarios, problems = [], []
    for values, written in points:
        overrides = [Override(path, value, f"--set {path}={written[path]}") for path, value in values.items()]
        try:
            scenarios.append(source.build(overrides))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(_unique(problems))
    extra = None
    if chosen is None:
        as_written = source.build([])
        chosen = next((index for index, scenario in enumerate(scenarios) if scenario == as_written), None)
        if chosen is None:  # not a point of the grid: played beside it, and the baseline
            chosen = len(points)
            extra = (*written_values(source, [path for path, _ in axes]), as_written)
    replications = source.scenario.replications if replications is None else replications
    seed = source.scenario.seed if seed is None else seed
    if replications < 2:
        raise DrillsimError("a sweep compares its points replication by replication: give at least 2 replications")
    options = {"keep_events": False, "oncall_load": False, **run_options}  # a sweep reads the incidents alone
    from simulator.results import runner

    done = tuple(
        Point(index, values, written, runner.simulate(scenario, replications=replications, seed=seed, **options))
        for index, ((values, written), scenario) in enumerate(zip(points, scenarios, strict=True))
    )
    beside = None if extra is None else Point(
        len(done), extra[0], extra[1], runner.simulate(extra[2], replications=replications, seed=seed, **options),
        on_grid=False)
    parameters = tuple(path for path, _ in axes)
    result = Sweep(parameters, done, seed, replications, chosen, None, beside)
    base = result.base
    order = [base, *[point for point in done if point.index != chosen]]
    comparison = compare_results({result.label(point): point.results for point in order},
                                 baseline=result.label(base), resamples=resamples, level=level,
                                 min_effect=min_effect)
    return replace(result, comparison=comparison)


def written_values(source: ScenarioSource, paths: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario's own values of some fields, as read and as written in its file ('default' where the file
    leaves a field to its default)."""
    values, written = {}, {}
    for path in paths:
        node: Any = source.document.data
        try:
            for key in resolve(node, path):
                node = node[key]
        except (KeyError, IndexError, TypeError, ValueError):
            node = None
        values[path] = node
        written[path] = "default" if node is None else format_value(node)
    return values, written


def point_label(written: Mapping[str, str], parameters: Sequence[str]) -> str:
    return ", ".join(f"{path}={written[path]}" for path in parameters)


def baseline_point(axes: Sequence[Axis], points: list[tuple[dict, dict]],
                   baseline: Mapping[str, Any] | Sequence[str] | None) -> int | None:
    """The index of the point `baseline` names (None when it names none). Values are matched as written."""
    if baseline is None:
        return None
    if not isinstance(baseline, Mapping):
        pairs = [text.partition("=") for text in baseline]
        if any(not equals for _, equals, _ in pairs):
            raise DrillsimError("--baseline takes PATH=VALUE, e.g. --baseline team.responders=2")
        baseline = {path.strip(): value.strip() for path, _, value in pairs}
    known = {path: [text for text, _ in values] for path, values in axes}
    wanted = {}
    for path, value in baseline.items():
        if path not in known:
            raise DrillsimError(f"--baseline {path}: not a swept field (swept: {', '.join(known)})")
        text = value if isinstance(value, str) else format_value(value)
        if text not in known[path]:
            raise DrillsimError(f"--baseline {path}={text}: not one of the swept values ({', '.join(known[path])})")
        wanted[path] = text
    target = {path: wanted.get(path, values[0]) for path, values in known.items()}
    return next(index for index, (_, written) in enumerate(points) if written == target)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out


def _point_rows(point: Point, replications: int) -> Iterator[dict[str, Any]]:
    table = point.results.incidents
    incidents = np.bincount(table.replication, minlength=replications)
    open_ = np.bincount(table.replication[np.isnan(table.mitigated)], minlength=replications)
    columns: dict[str, list[float]] = {}
    for metric in METRICS:
        values, reps, _ = metric_values(table, metric)
        order = np.argsort(reps, kind="stable")
        values, reps = values[order], reps[order]
        bounds = np.searchsorted(reps, np.arange(replications + 1))
        per = [values[bounds[r]:bounds[r + 1]] for r in range(replications)]
        columns[f"{metric}_count"] = [len(v) for v in per]
        columns[f"{metric}_mean"] = [float(v.mean()) if len(v) else math.nan for v in per]
        quantiles = [np.percentile(v, [50, 90]).tolist() if len(v) else [math.nan, math.nan] for v in per]
        columns[f"{metric}_median"] = [q[0] for q in quantiles]
        columns[f"{metric}_p90"] = [q[1] for q in quantiles]
    load = per_replication(table, replications, point.results.scenario.horizon)
    for name, values in per_period_figures(organic(table), point.results.scenario, replications).items():
        columns[name] = values.tolist()
    for replication in range(replications):
        yield {"point": point.index, **point.written, "replication": replication,
               "incidents": int(incidents[replication]), "not_restored": int(open_[replication]),
               **{name: column[replication] for name, column in columns.items()},
               **{name: column[replication].item() for name, column in load.items()}}
