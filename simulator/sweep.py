"""Sweeps: the grid of every combination of some fields' values, each point run with common random numbers.

Every point runs with the same seed and replications, so points differ only by their parameters: the same
failures, at the same times, meet each combination. Results are tidy (as in scikit-learn's grid searches):
one row per point and replication, every row carrying its own parameter values and metrics.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.errors import DrillsimError, Problem, ScenarioError
from simulator.metrics import METRICS, Stats, metric_values
from simulator.scenario.variants import Override, ScenarioSource, format_value

if TYPE_CHECKING:
    from simulator.runner import Results

PER_REPLICATION = ("count", "mean", "median", "p90")
"""What each tidy row holds per metric, for its own replication (minutes)."""
SUMMARY_STATS = ("count", "censored", "mean", "ci_low", "ci_high", "median", "p90", "p95", "p99", "max")

Axis = tuple[str, Sequence[tuple[str, Any]]]
"""A swept field: its path and its values, each as written and as read."""


@dataclass(frozen=True)
class Point:
    """One combination of the swept values and what it produced."""

    index: int
    values: dict[str, Any]
    written: dict[str, str]
    results: Results

    @property
    def label(self) -> str:
        return ", ".join(f"{path}={text}" for path, text in self.written.items())

    def summary(self) -> dict[str, Stats]:
        return self.results.summary()


@dataclass(frozen=True)
class Sweep:
    """The points of a sweep, in grid order (the last parameter varies fastest)."""

    parameters: tuple[str, ...]
    points: tuple[Point, ...]
    seed: int
    replications: int

    def rows(self) -> Iterator[dict[str, Any]]:
        """The tidy rows: one per point and replication."""
        for point in self.points:
            yield from _point_rows(point, self.replications)

    def summary_rows(self) -> Iterator[dict[str, Any]]:
        """One row per point and metric: the statistics `drillsim run` reports for that point alone."""
        for point in self.points:
            stats = point.summary()
            for metric in METRICS:
                yield {"point": point.index, **point.written, "metric": metric,
                       **{name: getattr(stats[metric], name) for name in SUMMARY_STATS}}


def grid(axes: Sequence[Axis]) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Every combination of the axes' values as ({path: value}, {path: value as written})."""
    paths = [path for path, _ in axes]
    if len(set(paths)) != len(paths):
        repeated = sorted({p for p in paths if paths.count(p) > 1})
        raise DrillsimError(f"each field can be swept once; repeated: {', '.join(repeated)}")
    out = []
    for combination in itertools.product(*(values for _, values in axes)):
        out.append(({path: value for path, (_, value) in zip(paths, combination, strict=True)},
                    {path: text for path, (text, _) in zip(paths, combination, strict=True)}))
    return out


def sweep(source: ScenarioSource, axes: Sequence[Axis] | Mapping[str, Sequence[Any]], *,
          replications: int | None = None, seed: int | None = None, **run_options) -> Sweep:
    """Run every point of the grid with the scenario's (or the given) seed and replications.

    `axes` is a sequence of (path, [(written, value), ...]) as simulator.scenario.variants.sweep_values
    gives, or simply {path: [value, ...]}. Every point is checked before any runs; every problem is reported.
    `run_options` go to runner.simulate."""
    if isinstance(axes, Mapping):
        axes = [(path, [(format_value(v), v) for v in values]) for path, values in axes.items()]
    if not axes:
        raise DrillsimError("nothing to sweep: give at least one field and its values")
    points = grid(axes)
    scenarios, problems = [], []
    for values, written in points:
        overrides = [Override(path, value, f"--set {path}={written[path]}") for path, value in values.items()]
        try:
            scenarios.append(source.build(overrides))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(_unique(problems))
    replications = source.scenario.replications if replications is None else replications
    seed = source.scenario.seed if seed is None else seed
    options = {"keep_events": False, **run_options}
    from simulator import runner  # imported here: the engine loads only when something runs

    done = tuple(
        Point(index, values, written, runner.simulate(scenario, replications=replications, seed=seed, **options))
        for index, ((values, written), scenario) in enumerate(zip(points, scenarios, strict=True))
    )
    return Sweep(tuple(path for path, _ in axes), done, seed, replications)


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
    for replication in range(replications):
        yield {"point": point.index, **point.written, "replication": replication,
               "incidents": int(incidents[replication]), "not_restored": int(open_[replication]),
               **{name: column[replication] for name, column in columns.items()}}


# ── Files ──────────────────────────────────────────────────────────────────────────────────────────────────

TIDY, SUMMARY = "sweep.csv", "sweep_summary.csv"


def write_sweep(result: Sweep, folder: str | Path) -> list[Path]:
    """sweep.csv (one row per point and replication) and sweep_summary.csv (one row per point and metric)."""
    from simulator.outputs import write_csv

    folder = Path(folder)
    return [write_csv(folder / TIDY, None, result.rows()), write_csv(folder / SUMMARY, None, result.summary_rows())]

