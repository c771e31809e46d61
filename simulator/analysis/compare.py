"""Paired comparisons of policy variants: every variant plays the same failures, and the differences are
judged replication by replication.

Each variant runs with the same seed and the same replications, and within a replication each purpose
(arrivals, detection, response, mitigation, ...) draws from its own stream, so every variant meets the same
failures at the same times with the same dice (common random numbers). A variant identical to the baseline
gives a difference of exactly zero, and a real difference is not drowned in the noise of two independent
failure histories.

The unit of pairing is the replication. For each metric and statistic (the mean and the median):

    difference   the variant's statistic minus the baseline's over all incidents of all replications, those
                 the horizon cut short counting as lasting at least until it: Kaplan–Meier restricted means
                 and medians, τ common to the runs (simulator.analysis.paired, the one estimator of compare,
                 sweep and maturity). MTBF's mean is simulated time ÷ failures, as in the summary
    interval     the paired bootstrap: resample replication indices (the same ones for both variants), recompute
                 both statistics on the incidents of the resampled replications, take their difference; the
                 interval is the 2.5th–97.5th percentile of those differences
    P(better)    the share of resamples in which the variant is better (ties count half)
    verdict      with m the smallest difference that matters (--min-effect: a share of the baseline's value,
                 default 5%, or a duration): "better" or "worse" (meaningfully) when the interval excludes zero
                 and the difference is at least m; "no difference that matters" when the interval lies within
                 ±m; otherwise "no detectable difference" (the interval includes zero and reaches beyond ±m)
                 or "unclear whether it matters" (it excludes zero, the difference is below m, the interval
                 reaches beyond it). "No honest answer" when the run the verdict would call lower left too many
                 incidents open (paired.honest); the gate (--fail-if-worse) fails on "worse" only

Lower is better for MTTD, MTTA, MTTR and time to resolve; higher is better for MTBF. All bootstrap randomness
comes from an explicit generator, seeded from the simulation's seed unless one is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.analysis import paired
from simulator.analysis.paired import (
    BETTER,
    CUT_SHORT,
    MIN_EFFECT,
    NEGLIGIBLE,
    NO_DATA,
    UNCLEAR,
    UNSURE,
    WORSE,
    MinEffect,
    cut_short_notes,
    parse_min_effect,
    weighted_quantiles,
)
from simulator.analysis.streams import analysis_rng
from simulator.analysis.workload import Workload, workload
from simulator.errors import DrillsimError
from simulator.limits import MAX_RESAMPLES
from simulator.results.metrics import METRICS, Stats, metric_key
from simulator.scenario.model import BASELINE, Scenario
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.results.runner import Results

STATISTICS = ("mean", "median")
RESAMPLES = 2000
LEVEL = 0.95
_CELLS = 4_000_000  # bootstrap work is done in blocks of about this many numbers


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
    restricted_to: float = math.inf
    """τ of the restricted means compared (paired.restriction), infinite when nothing was cut short."""
    known: tuple[bool, bool] = (True, True)
    """Whether the baseline's and the variant's statistic is known despite the horizon (paired.Durations)."""
    min_effect: float = 0.0
    """The smallest difference that matters, in minutes (MinEffect.threshold of the baseline's value)."""

    @property
    def lower_is_better(self) -> bool:
        return METRICS[self.metric].lower_is_better

    @property
    def relative(self) -> float:
        """The difference as a share of the baseline's value (NaN when the baseline is zero)."""
        return self.difference / self.baseline if self.baseline else math.nan

    @property
    def verdict(self) -> str:
        return paired.verdict(self.difference, self.low, self.high, self.min_effect, self.lower_is_better, self.known)

    def interval_text(self) -> str:
        return f"{signed_duration(self.low)} to {signed_duration(self.high)}"

    def sentence(self, baseline: str = BASELINE) -> str:
        """The finding in one plain sentence."""
        label = METRICS[self.metric].label
        what = f"{self.statistic} {label}"
        if self.statistic == "mean" and math.isfinite(self.restricted_to):
            what += f" (up to {format_duration(self.restricted_to)})"
        ci = f"{self.level:.0%} CI {self.interval_text()}"
        if self.verdict == NO_DATA:
            return f"{self.variant}: not enough incidents to compare the {what}."
        if self.verdict == CUT_SHORT:
            open_ = " and ".join(name for name, known in zip((baseline, self.variant), self.known, strict=True)
                                 if not known)
            beyond = ("still open there" if self.statistic == "mean" else "not half ended by then")
            return (f"{self.variant}: no honest answer on the {what}: the horizon cut short so many of {open_}'s "
                    f"incidents ({beyond}) that what they would add is unknown "
                    f"({signed_duration(self.difference)} against {baseline} so far, {ci}). Run a longer horizon.")
        share = f"{self.relative:+.0%}; " if not math.isnan(self.relative) else ""
        matters = f"±{format_duration(self.min_effect)}"
        if self.verdict == UNCLEAR:
            return (f"{self.variant}: no detectable difference in the {what} ({signed_duration(self.difference)}"
                    f" against {baseline}, {ci}, which includes zero and reaches beyond the {matters} that "
                    "matters: more replications would tell).")
        if self.verdict == NEGLIGIBLE:
            return (f"{self.variant}: no difference that matters in the {what} ({signed_duration(self.difference)}"
                    f" against {baseline}, {share}{ci}, within the {matters} that matters).")
        if self.verdict == UNSURE:
            return (f"{self.variant}: the {what} differs by {signed_duration(self.difference)} ({share}{ci}), "
                    f"less than the {matters} that matters, but the interval reaches beyond it: unclear whether "
                    "it matters.")
        direction = "lower" if self.difference < 0 else "higher"
        return (f"{self.variant} is meaningfully {self.verdict}: its {what} is "
                f"{format_duration(abs(self.difference))} {direction} than {baseline}'s ({share}{ci}; at least "
                f"{format_duration(self.min_effect)} matters); it is better in {self.p_better:.0%} of resamples.")

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(relative=self.relative, verdict=self.verdict)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else list(v) if isinstance(v, tuple) else v)
                for k, v in out.items()}


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
    gates: tuple[tuple[str, str], ...] = ()
    """(metric, statistic) pairs on which a variant significantly worse than the baseline fails the comparison."""
    notes: tuple[str, ...] = ()
    """What a reader should know about how the runs were paired (a scenario's own seed not used, …)."""
    min_effect: MinEffect = field(default_factory=MinEffect)
    """The smallest difference that matters (each Difference holds it in minutes)."""

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
        """The variants meaningfully worse than the baseline on this metric and statistic: the interval excludes
        zero and the difference is at least the smallest that matters."""
        return [d.variant for d in self.differences
                if d.metric == metric and d.statistic == statistic and d.verdict == WORSE]

    def undecided(self, metric: str | None = None) -> list[Difference]:
        """The gated differences (and those of `metric`'s mean) to which the horizon leaves no honest answer."""
        wanted = {*self.gates, *([(metric, "mean")] if metric else [])}
        return [d for d in self.differences if (d.metric, d.statistic) in wanted and d.verdict == CUT_SHORT]

    def failures(self) -> list[Difference]:
        """The differences that fail the gates: a variant significantly worse on a gated metric and statistic."""
        return [self.difference(name, metric, statistic) for metric, statistic in self.gates
                for name in self.worse(metric, statistic)]

    def workload(self, name: str) -> Workload:
        """The on-call load of one variant's runs: pages that waited, escalations, responder-hours."""
        found = self.__dict__.setdefault("_workloads", {})
        if name not in found:
            result = self.results[name]
            found[name] = workload(result.incidents, result.replications, result.scenario.horizon)
        return found[name]

    def comms(self, name: str) -> dict[str, Any]:
        """How stakeholders heard of one variant's incidents, per severity (analysis.comms)."""
        from simulator.analysis.comms import comms_document

        found = self.__dict__.setdefault("_comms", {})
        if name not in found:
            result = self.results[name]
            found[name] = comms_document(result.incidents, result.replications, result.scenario.horizon)
        return found[name]
    def cost(self) -> dict[str, Any] | None:
        """Users affected and the cost of downtime per period, per variant (their distributions) and against the
        baseline (paired over replications); None when the baseline's scenario prices neither."""
        from simulator.analysis.cost import cost_comparison

        found = self.__dict__.setdefault("_cost", {})
        if "cost" not in found:
            found["cost"] = cost_comparison(self.results, self.baseline, self.min_effect)
        return found["cost"]

    def people(self) -> dict[str, Any]:
        """The cost to each person on call, per variant (the mean per period) and against the baseline (paired
        over replications): pages, pages and nights in their sleep, hours held and on-call pay."""
        from simulator.analysis.cost import people_comparison

        found = self.__dict__.setdefault("_people", {})
        if "people" not in found:
            found["people"] = people_comparison(self.results, self.baseline)
        return found["people"]

    def as_document(self) -> dict[str, Any]:
        return {
            "format": 1,
            "baseline": self.baseline,
            "seed": self.seed,
            "replications": self.replications,
            "resamples": self.resamples,
            "level": self.level,
            "min_effect": self.min_effect.text(),
            "units": "minutes",
            "variants": {
                name: {"scenario": result.scenario.name, "incidents": len(result.incidents),
                       "metrics": {key: self.summaries[name][key].as_dict() for key in METRICS}}
                for name, result in self.results.items()
            },
            "differences": [d.as_dict() for d in self.differences],
            "workload": {name: self.workload(name).as_dict() for name in self.results},
            "comms": {name: self.comms(name) for name in self.results},
            "cost": self.cost(),
            "on_call_people": self.people(),
            "gates": [f"{metric}.{statistic}" for metric, statistic in self.gates],
            "failures": [f"{d.variant}: {d.statistic} {d.metric}" for d in self.failures()],
            "undecided": [f"{d.variant}: {d.statistic} {d.metric}" for d in self.undecided()],
            "notes": list(self.notes),
        }


# ── Running and comparing ──────────────────────────────────────────────────────────────────────────────────


def check_resamples(resamples: int) -> None:
    if not 1 <= resamples <= MAX_RESAMPLES:
        raise DrillsimError(f"bootstrap resamples must be between 1 and {MAX_RESAMPLES:,} (got {resamples:,})")


def compare(scenarios: Mapping[str, Scenario], *, baseline: str | None = None, replications: int | None = None,
            seed: int | None = None, resamples: int = RESAMPLES, level: float = LEVEL,
            rng: np.random.Generator | None = None, fail_if_worse: Sequence[str] = (),
            min_effect: str | float | MinEffect | None = None, **run_options) -> Comparison:
    """Run every scenario with the same seed and replications, and compare each with the baseline.

    `scenarios` maps names to scenarios (for instance candidates.comparison_scenarios());
    the baseline is `baseline` or the first. The seed and replications default to the baseline scenario's.
    `fail_if_worse` names the gates of Comparison.failures ('mttr', 'mttr.median'); `min_effect` the smallest
    difference that matters (parse_min_effect; default 5%). `run_options` go to runner.simulate as they are."""
    gates = parse_gates(fail_if_worse)
    effect = parse_min_effect(min_effect)
    check_resamples(resamples)  # before the runs, not after them
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
    from simulator.results import runner
    results = {name: runner.simulate(scenarios[name], replications=replications, seed=seed, **options)
               for name in order}
    found = compare_results(results, baseline=baseline, resamples=resamples, level=level,
                            rng=rng if rng is not None else analysis_rng(seed), min_effect=effect)
    return replace(found, gates=gates, notes=pairing_notes(scenarios, baseline, seed, replications) + found.notes)


def pairing_notes(scenarios: Mapping[str, Scenario], baseline: str, seed: int, replications: int) -> tuple[str, ...]:
    """What differs between the scenarios in ways that matter to the pairing: their own seeds and replications
    (unused: every scenario plays the baseline's), and their horizons (then they meet different failures)."""
    notes = []
    for name, scenario in scenarios.items():
        if name == baseline:
            continue
        if (scenario.seed, scenario.replications) != (scenarios[baseline].seed, scenarios[baseline].replications):
            notes.append(f"{name} names seed {scenario.seed} and {scenario.replications} replications of its own; "
                         f"like every scenario here it plays seed {seed} and {replications} replications, so that "
                         "all meet the same failures.")
        if scenario.horizon != scenarios[baseline].horizon:
            notes.append(f"{name} plays {format_duration(scenario.horizon)} per replication, {baseline} "
                         f"{format_duration(scenarios[baseline].horizon)}: they do not meet the same failures, and "
                         "the differences mix the change with the longer or shorter period.")
    return tuple(notes)


def parse_gates(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """'mttr' → ('mttr', 'mean'), 'mttr.median' → ('mttr', 'median'); a DrillsimError for anything else."""
    out = []
    for value in values:
        metric, _, statistic = value.partition(".")
        statistic = statistic or "mean"
        if statistic not in STATISTICS:
            raise DrillsimError(f"--fail-if-worse {value}: the statistic is mean or median (got {statistic!r})")
        out.append((metric_key(metric), statistic))
    return tuple(out)


def compare_results(results: Mapping[str, Results], *, baseline: str | None = None, resamples: int = RESAMPLES,
                    level: float = LEVEL, rng: np.random.Generator | None = None,
                    min_effect: str | float | MinEffect | None = None) -> Comparison:
    """Compare results already simulated with the same seed and replications (common random numbers)."""
    check_resamples(resamples)
    effect = parse_min_effect(min_effect)
    names = list(results)
    baseline = names[0] if baseline is None else baseline
    base = results[baseline]
    for name, other in results.items():
        if (other.seed, other.replications) != (base.seed, base.replications):
            raise DrillsimError(f"{name!r} ran with seed {other.seed} and {other.replications} replications, "
                                f"{baseline!r} with seed {base.seed} and {base.replications}: they cannot be paired")
    rng = rng if rng is not None else analysis_rng(base.seed)
    summaries = {name: result.summary() for name, result in results.items()}
    ordered = [baseline, *[name for name in names if name != baseline]]
    samples, restricted = paired.run_samples({name: results[name] for name in ordered}, base.replications)
    draws = _bootstrap(samples, ordered, base.replications, resamples, rng)
    differences = []
    for name in ordered[1:]:
        for metric in METRICS:
            for index, statistic in enumerate(STATISTICS):
                before, after = samples[baseline][metric], samples[name][metric]
                low, high, p_better = _interval(draws[name][metric][statistic] - draws[baseline][metric][statistic],
                                                level, METRICS[metric].lower_is_better)
                value, base_value = after.whole[index], before.whole[index]
                differences.append(Difference(
                    name, metric, statistic, base_value, value, value - base_value, low, high, p_better, level,
                    restricted_to=restricted.get(metric, math.inf),
                    known=(before.known[index], after.known[index]), min_effect=effect.threshold(base_value)))
    return Comparison(baseline, {name: results[name] for name in ordered},
                      {name: summaries[name] for name in ordered}, tuple(differences), base.seed, base.replications,
                      resamples, level, notes=cut_short_notes(samples, restricted), min_effect=effect)


def _bootstrap(samples: Mapping[str, Mapping[str, Any]], names: list[str], replications: int, resamples: int,
               rng: np.random.Generator) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """Every run's mean and median of every metric in each of `resamples` resamples of replication indices,
    the same resamples for all runs (so that differences are paired): name → metric → statistic → array."""
    largest = max((len(s.times) for per in samples.values() for s in per.values()), default=0)
    parts: dict[str, dict[str, dict[str, list[np.ndarray]]]] = {
        name: {metric: {statistic: [] for statistic in STATISTICS} for metric in METRICS} for name in names}
    for weights in _resample_weights(replications, resamples, _row_cells(largest, replications), rng):
        for name in names:
            for metric, sample in samples[name].items():
                means, medians, _ = sample.statistics(weights)
                parts[name][metric]["mean"].append(means)
                parts[name][metric]["median"].append(medians)
    return {name: {metric: {statistic: np.concatenate(arrays) if arrays else np.array([])
                            for statistic, arrays in per.items()}
                   for metric, per in by_metric.items()}
            for name, by_metric in parts.items()}


def _interval(delta: np.ndarray, level: float, lower_is_better: bool) -> tuple[float, float, float]:
    delta = delta[~np.isnan(delta)]
    if len(delta) == 0:
        return math.nan, math.nan, math.nan
    low, high = np.quantile(delta, [(1 - level) / 2, (1 + level) / 2]).tolist()
    better = np.count_nonzero(delta < 0 if lower_is_better else delta > 0)
    ties = np.count_nonzero(delta == 0)
    return low, high, (better + ties / 2) / len(delta)


def _row_cells(incidents: int, replications: int) -> int:
    """About how many numbers one resample needs at once: its weights, and the chunk of sorted values that
    weighted_quantiles counts one by one."""
    return replications + int(math.sqrt(incidents * max(replications, 1)))


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
        yield counts.astype(float)  # whole numbers, exact in floating point; ready for matrix products
        done += rows


__all__ = [
    "BETTER",
    "CUT_SHORT",
    "MIN_EFFECT",
    "NEGLIGIBLE",
    "NO_DATA",
    "UNCLEAR",
    "UNSURE",
    "WORSE",
    "Comparison",
    "Difference",
    "MinEffect",
    "compare",
    "compare_results",
    "cut_short_notes",
    "parse_gates",
    "parse_min_effect",
    "signed_duration",
    "weighted_quantiles",
]
