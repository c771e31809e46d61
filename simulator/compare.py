"""Paired comparisons of policy variants: every variant plays the same failures, and the differences are
judged replication by replication.

Each variant runs with the same seed and the same replications, and within a replication each purpose
(arrivals, detection, response, mitigation, ...) draws from its own stream, so every variant meets the same
failures at the same times with the same dice (common random numbers). A variant identical to the baseline
gives a difference of exactly zero, and a real difference is not drowned in the noise of two independent
failure histories.

The unit of pairing is the replication. For each metric and statistic (the mean and the median):

    difference   the variant's statistic minus the baseline's, over all incidents of all replications
    interval     the paired bootstrap: resample replication indices (the same ones for both variants), recompute
                 both statistics on the incidents of the resampled replications (the mean as the ratio
                 estimator of metrics.mean_ci, Σ values / Σ counts), take their difference; the interval is the
                 2.5th–97.5th percentile of those differences
    P(better)    the share of resamples in which the variant is better (ties count half)
    verdict      "better" or "worse" when the interval lies wholly on one side of zero, otherwise
                 "no detectable difference"

Lower is better for MTTD, MTTA, MTTR and time to resolve; higher is better for MTBF. All bootstrap randomness
comes from an explicit generator, seeded from the simulation's seed unless one is given.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from simulator import runner
from simulator.errors import DrillsimError
from simulator.metrics import METRICS, IncidentTable, Stats, metric_values
from simulator.runner import Results
from simulator.scenario.model import BASELINE, Scenario
from simulator.units import format_duration

LOWER_IS_BETTER = {"mttd": True, "mtta": True, "mttr": True, "mtbf": False, "time_to_resolve": True}
STATISTICS = ("mean", "median")
BETTER, WORSE, UNCLEAR, NO_DATA = "better", "worse", "no detectable difference", "not enough data"
RESAMPLES = 2000
LEVEL = 0.95
_ANALYSIS_KEY = 0x0B00757A  # keeps analysis generators apart from the simulation's (seed, replication, purpose)
_CELLS = 4_000_000  # bootstrap work is done in blocks of about this many numbers


def analysis_rng(seed: int, purpose: int = 0) -> np.random.Generator:
    """A generator for analysis randomness (bootstrap, period sampling), derived from the simulation's seed
    but independent of every simulation stream."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(_ANALYSIS_KEY, purpose))))


def metric_key(name: str) -> str:
    """'MTTR', 'mttr', 'time-to-resolve' → the key used in METRICS. Raises DrillsimError for anything else."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in METRICS:
        raise DrillsimError(f"unknown metric {name!r}; metrics: {', '.join(METRICS)}")
    return key


def signed_duration(minutes: float) -> str:
    """+38m, -1h 5m, 0s."""
    if math.isnan(minutes):
        return "–"
    if minutes == 0 or format_duration(abs(minutes)) == "0s":
        return "0s"
    return ("+" if minutes > 0 else "-") + format_duration(abs(minutes))


# ── Results ────────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Difference:
    """One statistic of one metric: a variant against the baseline, paired over replications (minutes)."""

    variant: str
    metric: str
    statistic: str
    baseline: float
    value: float
    difference: float
    low: float
    high: float
    p_better: float
    level: float = LEVEL

    @property
    def lower_is_better(self) -> bool:
        return LOWER_IS_BETTER[self.metric]

    @property
    def relative(self) -> float:
        """The difference as a share of the baseline's value (NaN when the baseline is zero)."""
        return self.difference / self.baseline if self.baseline else math.nan

    @property
    def verdict(self) -> str:
        if math.isnan(self.low) or math.isnan(self.high):
            return NO_DATA
        if self.low <= 0 <= self.high:
            return UNCLEAR
        lower = self.high < 0
        return BETTER if lower == self.lower_is_better else WORSE

    def interval_text(self) -> str:
        return f"{signed_duration(self.low)} to {signed_duration(self.high)}"

    def sentence(self, baseline: str = BASELINE) -> str:
        """The finding in one plain sentence."""
        label = METRICS[self.metric][0]
        what = f"{self.statistic} {label}"
        ci = f"{self.level:.0%} CI {self.interval_text()}"
        if self.verdict == NO_DATA:
            return f"{self.variant}: not enough incidents to compare the {what}."
        if self.verdict == UNCLEAR:
            return (f"{self.variant}: no detectable difference in the {what} ({signed_duration(self.difference)}"
                    f" against {baseline}, {ci}, which includes zero).")
        direction = "lower" if self.difference < 0 else "higher"
        share = f"{self.relative:+.0%}; " if not math.isnan(self.relative) else ""
        return (f"{self.variant} is {self.verdict}: its {what} is {format_duration(abs(self.difference))} "
                f"{direction} than {baseline}'s ({share}{ci}); it is better in {self.p_better:.0%} of resamples.")

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(relative=self.relative, verdict=self.verdict)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


@dataclass(frozen=True)
class Comparison:
    """Variants run with common random numbers, their statistics, and each variant's paired differences
    from the baseline."""

    baseline: str
    results: dict[str, Results]
    summaries: dict[str, dict[str, Stats]]
    differences: tuple[Difference, ...]
    seed: int
    replications: int
    resamples: int
    level: float

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.results)

    @property
    def variants(self) -> tuple[str, ...]:
        """Every name except the baseline."""
        return tuple(name for name in self.results if name != self.baseline)

    def difference(self, variant: str, metric: str, statistic: str = "mean") -> Difference:
        for found in self.differences:
            if (found.variant, found.metric, found.statistic) == (variant, metric, statistic):
                return found
        raise KeyError((variant, metric, statistic))

    def worse(self, metric: str, statistic: str = "mean") -> list[str]:
        """The variants significantly worse than the baseline on this metric and statistic."""
        return [d.variant for d in self.differences
                if d.metric == metric and d.statistic == statistic and d.verdict == WORSE]

    def as_document(self) -> dict[str, Any]:
        return {
            "format": 1,
            "baseline": self.baseline,
            "seed": self.seed,
            "replications": self.replications,
            "resamples": self.resamples,
            "level": self.level,
            "units": "minutes",
            "variants": {
                name: {"scenario": result.scenario.name, "incidents": len(result.incidents),
                       "metrics": {key: self.summaries[name][key].as_dict() for key in METRICS}}
                for name, result in self.results.items()
            },
            "differences": [d.as_dict() for d in self.differences],
        }


# ── Running and comparing ──────────────────────────────────────────────────────────────────────────────────


def compare(scenarios: Mapping[str, Scenario], *, baseline: str | None = None, replications: int | None = None,
            seed: int | None = None, resamples: int = RESAMPLES, level: float = LEVEL,
            rng: np.random.Generator | None = None, **run_options) -> Comparison:
    """Run every scenario with the same seed and replications, and compare each with the baseline.

    `scenarios` maps names to scenarios (for instance ScenarioSource.variants()); the baseline is `baseline` or
    the first. The seed and replications default to the baseline scenario's. `run_options` go to
    runner.simulate as they are."""
    if not scenarios:
        raise DrillsimError("nothing to compare: give at least a baseline scenario")
    names = list(scenarios)
    baseline = names[0] if baseline is None else baseline
    if baseline not in scenarios:
        raise DrillsimError(f"no scenario named {baseline!r} to use as the baseline (names: {', '.join(names)})")
    first = scenarios[baseline]
    replications = first.replications if replications is None else replications
    seed = first.seed if seed is None else seed
    if replications < 2:
        raise DrillsimError("a paired comparison needs at least 2 replications")
    options = {"keep_events": False, **run_options}
    order = [baseline, *[name for name in names if name != baseline]]
    results = {name: runner.simulate(scenarios[name], replications=replications, seed=seed, **options)
               for name in order}
    return compare_results(results, baseline=baseline, resamples=resamples, level=level,
                           rng=rng if rng is not None else analysis_rng(seed))


def compare_results(results: Mapping[str, Results], *, baseline: str | None = None, resamples: int = RESAMPLES,
                    level: float = LEVEL, rng: np.random.Generator | None = None) -> Comparison:
    """Compare results already simulated with the same seed and replications (common random numbers)."""
    names = list(results)
    baseline = names[0] if baseline is None else baseline
    base = results[baseline]
    for name, other in results.items():
        if (other.seed, other.replications) != (base.seed, base.replications):
            raise DrillsimError(f"{name!r} ran with seed {other.seed} and {other.replications} replications, "
                                f"{baseline!r} with seed {base.seed} and {base.replications}: they cannot be paired")
    rng = rng if rng is not None else analysis_rng(base.seed)
    weight_seed = int(rng.integers(2**63))  # the same resamples for every variant, metric and statistic
    summaries = {name: result.summary() for name, result in results.items()}
    differences = []
    for name in names:
        if name == baseline:
            continue
        for metric in METRICS:
            differences.extend(paired_differences(
                base.incidents, results[name].incidents, base.replications, metric, variant=name,
                baseline_stats=summaries[baseline][metric], variant_stats=summaries[name][metric],
                resamples=resamples, level=level, rng=np.random.default_rng(weight_seed)))
    ordered = {baseline: base, **{name: results[name] for name in names if name != baseline}}
    return Comparison(baseline, ordered, {name: summaries[name] for name in ordered}, tuple(differences),
                      base.seed, base.replications, resamples, level)


def paired_differences(base: IncidentTable, other: IncidentTable, replications: int, metric: str, *,
                       variant: str = "variant", baseline_stats: Stats | None = None,
                       variant_stats: Stats | None = None, resamples: int = RESAMPLES, level: float = LEVEL,
                       rng: np.random.Generator | None = None) -> list[Difference]:
    """The paired differences of the mean and the median of one metric, other − base."""
    rng = rng if rng is not None else np.random.default_rng(0)
    a = _Sample(*metric_values(base, metric)[:2], replications)
    b = _Sample(*metric_values(other, metric)[:2], replications)
    means = [[], []]
    medians = [[], []]
    for weights in _resample_weights(replications, resamples, len(a.values) + len(b.values), rng):
        for side, sample in enumerate((a, b)):
            means[side].append(sample.means(weights))
            medians[side].append(sample.quantiles(weights, 0.5))
    point = {
        "mean": (_point(baseline_stats, "mean", a.values.mean), _point(variant_stats, "mean", b.values.mean)),
        "median": (_point(baseline_stats, "median", lambda s=a: np.percentile(s.values, 50)),
                   _point(variant_stats, "median", lambda s=b: np.percentile(s.values, 50))),
    }
    out = []
    for statistic, draws in (("mean", means), ("median", medians)):
        delta = np.concatenate(draws[1]) - np.concatenate(draws[0]) if draws[0] else np.array([])
        before, after = point[statistic]
        low, high, p_better = _interval(delta, level, LOWER_IS_BETTER[metric])
        out.append(Difference(variant, metric, statistic, before, after, after - before, low, high, p_better,
                              level))
    return out


def _point(stats: Stats | None, name: str, compute) -> float:
    if stats is not None:
        return float(getattr(stats, name))
    try:
        return float(compute())
    except (ValueError, IndexError):
        return math.nan


def _interval(delta: np.ndarray, level: float, lower_is_better: bool) -> tuple[float, float, float]:
    delta = delta[~np.isnan(delta)]
    if len(delta) == 0:
        return math.nan, math.nan, math.nan
    low, high = np.quantile(delta, [(1 - level) / 2, (1 + level) / 2]).tolist()
    better = np.count_nonzero(delta < 0 if lower_is_better else delta > 0)
    ties = np.count_nonzero(delta == 0)
    return low, high, (better + ties / 2) / len(delta)


def _resample_weights(replications: int, resamples: int, cells_per_row: int,
                      rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Blocks of bootstrap weights: row b counts how often each replication was drawn in resample b."""
    block = max(1, _CELLS // max(replications + cells_per_row, 1))
    done = 0
    while done < resamples:
        rows = min(block, resamples - done)
        drawn = rng.integers(0, replications, size=(rows, replications))
        drawn += (np.arange(rows) * replications)[:, None]
        counts = np.bincount(drawn.ravel(), minlength=rows * replications).reshape(rows, replications)
        yield counts.astype(np.int32)
        done += rows


class _Sample:
    """One metric's values of one run, arranged for resampling by replication."""

    def __init__(self, values: np.ndarray, replication: np.ndarray, replications: int):
        order = np.argsort(values, kind="stable")
        self.values = values[order]
        self.replication = replication[order]
        self.sums = np.bincount(replication, weights=values, minlength=replications)
        self.counts = np.bincount(replication, minlength=replications).astype(float)

    def means(self, weights: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (weights @ self.sums) / (weights @ self.counts)

    def quantiles(self, weights: np.ndarray, q: float) -> np.ndarray:
        """The q-quantile of each resample, exactly as np.percentile of the resampled incidents would give."""
        return weighted_quantiles(self.values, weights[:, self.replication], q)


def weighted_quantiles(sorted_values: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """Row by row, the q-quantile of `sorted_values` repeated `counts[row]` times each (linear interpolation,
    numpy's default), without building the repeated arrays."""
    rows = counts.shape[0]
    if len(sorted_values) == 0:
        return np.full(rows, np.nan)
    cumulative = np.cumsum(counts, axis=1, dtype=np.int64 if counts.dtype == np.int64 else np.int32)
    total = cumulative[:, -1]
    position = (total - 1) * q
    below = np.floor(position)
    fraction = position - below
    lower = _at(sorted_values, cumulative, below)
    upper = _at(sorted_values, cumulative, np.minimum(below + 1, np.maximum(total - 1, 0)))
    out = lower + fraction * (upper - lower)
    out[total == 0] = np.nan
    return out


def _at(sorted_values: np.ndarray, cumulative: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The element at position `index` (per row) of the repeated arrays."""
    which = np.count_nonzero(cumulative <= index[:, None], axis=1)
    return sorted_values[np.minimum(which, len(sorted_values) - 1)]


# ── Files ──────────────────────────────────────────────────────────────────────────────────────────────────

COMPARISON, DIFFERENCES = "comparison.json", "differences.csv"


def write_comparison(comparison: Comparison, folder: str | Path) -> list[Path]:
    """comparison.json (every statistic and difference) and differences.csv (one row per variant, metric and
    statistic), in minutes."""
    from simulator.outputs import atomic_open

    folder = Path(folder)
    document = comparison.as_document()
    with atomic_open(folder / COMPARISON) as handle:
        json.dump(document, handle, indent=2, allow_nan=False)
        handle.write("\n")
    columns = ["variant", "metric", "statistic", "baseline", "value", "difference", "relative", "low", "high",
               "p_better", "verdict"]
    with atomic_open(folder / DIFFERENCES) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in document["differences"]:
            writer.writerow([_cell(row[column]) for column in columns])
    return [folder / COMPARISON, folder / DIFFERENCES]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        with contextlib.suppress(OverflowError, ValueError):
            return repr(round(value, 6))
    return value
