"""The maturity ladder: one scenario played at each level of the checklist, with the same failures, and what
each step up is worth.

Each level's scenario is the file with the level's preset (scenario.maturity) replacing the file's own values
of the same fields: the system (failure modes, team, deployments, load, SLO) stays, the practices change. All
four play the same seed and replications, so they meet the same failures (common random numbers), and every
figure is compared level by level, replication by replication:

    MTTD, MTTA, MTTR    the mean over incidents, with those the horizon cut short counted as lasting at least
                        until it: the Kaplan–Meier restricted mean, τ common to the four levels, as compare
                        computes it (simulator.analysis.paired; `Ladder.censored` counts the cut-short ones,
                        and a step whose faster level is not known for them has no honest verdict)
    availability        the mean over replications of each one's availability (simulator.analysis.budget)
    incidents/quarter   the mean over replications of each one's organic incidents per 90 days
    meets SLO           the share of replications whose availability meets the objective (with an SLO)
    users affected,     the mean over replications of each one's sum over its incidents (with the scenario's
    cost                `users` or `downtime_cost`; simulator.analysis.cost): what each step is worth in money,
                        and each level's distribution per period (mean, median, p90, p99) in `costs`

"You are here" (`Ladder.here`) is the level whose preset the scenario as written matches: the level that
agrees with it on the most preset fields (the lowest of those that tie), and which fields differ.

A step's difference (the higher level minus the lower) gets the paired bootstrap's interval: replication
indices resampled, the same resamples for both levels, the 2.5th–97.5th percentile of the differences. Its
verdict is compare's (paired.verdict) against the smallest difference that matters (`min_effect`, --min-effect):
for MTTD, MTTA and MTTR its threshold of the lower level's value (a share, or a duration); for the other figures
its figure_threshold (a share: the default 5% when --min-effect is a duration) of the lower level's value, and
for availability of what it lacks of 100% (a share of the downtime, not of the uptime).
Drills (Expert's game days) are left out of every figure: they are reported by `drillsim run`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.analysis import paired
from simulator.analysis.budget import availability
from simulator.analysis.cost import FIGURES as COST_FIGURES
from simulator.analysis.cost import Spread, per_period_figures, priced
from simulator.analysis.streams import analysis_rng
from simulator.analysis.trend import incidents_per_quarter
from simulator.errors import DrillsimError
from simulator.results.incidents import organic
from simulator.results.intervals import weighted_sums
from simulator.scenario.maturity import LEVELS, SETTINGS, preset
from simulator.scenario.variants import Override, ScenarioSource, format_value, load_source

if TYPE_CHECKING:
    from simulator.results.runner import Results
    from simulator.scenario.model import Scenario

FIGURES = ("mttd", "mtta", "mttr", "availability", "incidents", "meets_slo", "users_affected", "cost")
TIME_FIGURES = ("mttd", "mtta", "mttr")
"""The figures that are means of durations, which the horizon can cut short."""
LABELS = {"mttd": "MTTD", "mtta": "MTTA", "mttr": "MTTR", "availability": "availability",
          "incidents": "incidents per quarter", "meets_slo": "meets SLO", "users_affected": "users affected",
          "cost": "cost of downtime"}
LOWER_IS_BETTER = {"mttd": True, "mtta": True, "mttr": True, "availability": False, "incidents": True,
                   "meets_slo": False, "users_affected": True, "cost": True}
RESAMPLES = 2000
LEVEL = 0.95
ANALYSIS = 7
"""The purpose number of the ladder's bootstrap stream (simulator.analysis.streams)."""


def ladder_scenarios(source: ScenarioSource) -> dict[str, Scenario]:
    """The scenario at each level: the file with the level's preset replacing its own values of those fields."""
    out = {}
    for level in LEVELS:
        overrides = [Override(path, value, f"maturity {level}") for path, value in preset(level).items()]
        overrides.append(Override("maturity", level, f"maturity {level}"))
        out[level] = source.build(overrides)
    return out


def replaced(source: ScenarioSource) -> list[tuple[str, str]]:
    """(field, the file's value as written) of each field the presets replace that the file gives itself."""
    out = []
    for setting in SETTINGS:
        node: Any = source.document.data
        for key in setting.path.split("."):
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            out.append((setting.path, format_value(node)))
    return out


@dataclass(frozen=True)
class Position:
    """Where the scenario as written stands on the ladder: the level whose preset it matches on the most fields
    (`matches` of `fields`), and the preset fields on which it differs from that level."""

    level: str
    matches: int
    fields: int
    differs: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return not self.differs

    def text(self) -> str:
        """'You are here: Intermediate (the scenario's practices match its preset in all 15 fields).'"""
        name = self.level.capitalize()
        if self.exact:
            return f"You are here: {name} (the scenario's practices match its preset in all {self.fields} fields)."
        return (f"You are here: nearest {name} (the scenario's practices match its preset in {self.matches} of "
                f"{self.fields} fields; they differ in {', '.join(self.differs)}).")

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "exact": self.exact, "matches": self.matches, "fields": self.fields,
                "differs": list(self.differs)}


def you_are_here(source: ScenarioSource, scenarios: dict[str, Scenario] | None = None) -> Position:
    """The level the scenario as written stands at: its preset fields compared, value by value as the models
    read them, with each level's scenario (ladder_scenarios); the most matches wins, the lowest level on a tie."""
    scenarios = ladder_scenarios(source) if scenarios is None else scenarios
    mine = source.scenario.model_dump(mode="json")
    theirs = {level: scenario.model_dump(mode="json") for level, scenario in scenarios.items()}
    differs = {level: tuple(s.path for s in SETTINGS if _at(mine, s.path) != _at(found, s.path))
               for level, found in theirs.items()}
    level = min(LEVELS, key=lambda name: (len(differs[name]), LEVELS.index(name)))
    return Position(level, len(SETTINGS) - len(differs[level]), len(SETTINGS), differs[level])


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


@dataclass(frozen=True)
class Figure:
    """One figure at one level: its value and interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Step:
    """One figure from one level to the next: the paired difference and its interval."""

    figure: str
    lower: str
    higher: str
    difference: float
    low: float
    high: float
    p_better: float
    known: tuple[bool, bool] = (True, True)
    """Whether the lower and the higher level's figure is known despite the horizon (paired.Durations)."""
    min_effect: float = 0.0
    """The smallest difference that matters, in the figure's unit (threshold)."""

    @property
    def verdict(self) -> str:
        return paired.verdict(self.difference, self.low, self.high, self.min_effect, LOWER_IS_BETTER[self.figure],
                              self.known)


@dataclass(frozen=True)
class Ladder:
    """The four levels played with the same failures: each level's figures, and each step's differences."""

    source: str
    seed: int
    replications: int
    levels: dict[str, dict[str, Figure]]
    steps: tuple[Step, ...]
    results: dict[str, Results]
    replaced: tuple[tuple[str, str], ...]
    slo: float | None
    censored: dict[str, dict[str, tuple[int, int]]]
    """level → time metric → (incidents cut short by the horizon, incidents): those the means leave out."""
    min_effect: paired.MinEffect = field(default_factory=paired.MinEffect)
    """The smallest difference that matters (--min-effect), which each step's verdict weighs."""
    costs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """level → users_affected / cost → its distribution per period (analysis.cost.Spread), with the units under
    "users_unit" and "currency"; empty when the scenario prices neither."""
    here: Position | None = None
    """Where the scenario as written stands on the ladder ("you are here")."""

    def cut_short(self, share: float) -> list[tuple[str, str, int, int]]:
        """(level, metric, cut short, incidents) wherever more than `share` of the incidents were cut short."""
        return [(level, name, cut, total) for level, found in self.censored.items()
                for name, (cut, total) in found.items() if total and cut / total > share]

    @property
    def figures(self) -> tuple[str, ...]:
        return tuple(name for name in FIGURES if name in self.levels[LEVELS[0]])

    def step(self, figure: str, lower: str) -> Step:
        return next(s for s in self.steps if s.figure == figure and s.lower == lower)

    def as_document(self) -> dict[str, Any]:
        def plain(value: float) -> float | None:
            return None if math.isnan(value) else value

        return {
            "format": 1,
            "scenario": self.source,
            "seed": self.seed,
            "replications": self.replications,
            "units": {"mttd": "minutes", "mtta": "minutes", "mttr": "minutes", "availability": "share",
                      "incidents": "per 90 days", "meets_slo": "share of replications",
                      **({"users_affected": f"{self.costs.get('users_unit') or 'users'} per period",
                          "cost": f"{self.costs.get('currency') or 'cost'} per period"} if self.costs else {})},
            "slo": self.slo,
            "you_are_here": self.here.as_dict() if self.here is not None else None,
            "levels": {level: {name: {"value": plain(f.value), "ci_low": plain(f.low), "ci_high": plain(f.high)}
                               for name, f in figures.items()} for level, figures in self.levels.items()},
            "min_effect": self.min_effect.text(),
            "steps": [{"figure": s.figure, "from": s.lower, "to": s.higher, "difference": plain(s.difference),
                       "ci_low": plain(s.low), "ci_high": plain(s.high), "p_better": plain(s.p_better),
                       "min_effect": s.min_effect, "verdict": s.verdict} for s in self.steps],
            "replaced_fields": dict(self.replaced),
            "censored": {level: {name: {"cut_short": cut, "incidents": total} for name, (cut, total) in found.items()}
                         for level, found in self.censored.items()},
            "presets": explain_document(),
            "cost_distributions": self.costs or None,
        }


def explain_document() -> list[dict[str, Any]]:
    """Every preset field: its value at each level, what it stands for, and its source."""
    return [{"field": s.path, **{level: s.at(level) for level in LEVELS}, "stands_for": s.stands_for,
             "source": s.source} for s in SETTINGS]


def ladder(scenario: str | Path | ScenarioSource | None = None, *, replications: int | None = None,
           seed: int | None = None, resamples: int = RESAMPLES, progress: Callable[[int], None] | None = None,
           min_effect: str | float | paired.MinEffect | None = None, **run_options) -> Ladder:
    """Play the scenario (a file, one read already with load_source, or by default the bundled one) at every
    level with the same seed and replications. `progress` is called with the replications done over all four
    levels (4 × replications in all). `min_effect`: the smallest difference that matters (paired.parse_min_effect;
    default 5%)."""
    effect = paired.parse_min_effect(min_effect)  # a bad value is refused before anything is played
    from simulator.results import runner
    from simulator.scenario.bundled import default_scenario

    if isinstance(scenario, ScenarioSource):
        source, path = scenario, Path(scenario.file or "scenario")
    else:
        path = Path(scenario) if scenario is not None else default_scenario()
        source = load_source(path)
    scenarios = ladder_scenarios(source)
    first = source.scenario
    replications = first.replications if replications is None else replications
    seed = first.seed if seed is None else seed
    if replications < 2:
        raise DrillsimError("a paired comparison needs at least 2 replications")
    results = {}
    for index, (level, found) in enumerate(scenarios.items()):
        done_before = index * replications
        results[level] = runner.simulate(
            found, replications=replications, seed=seed, keep_events=False, oncall_load=False, **run_options,
            progress=None if progress is None else _counting_from(done_before, progress))
    slo = first.slo.objective if first.slo is not None else None
    samples = _levels(results, slo)
    rng = analysis_rng(seed, ANALYSIS)
    weights = rng.multinomial(replications, [1 / replications] * replications, size=resamples).astype(float)
    draws = {level: {name: sample.statistic(weights) for name, sample in found.items()}
             for level, found in samples.items()}
    levels = {level: {name: Figure(sample.value, *_interval(draws[level][name], sample))
                      for name, sample in found.items()} for level, found in samples.items()}
    steps = []
    for lower, higher in pairwise(LEVELS):
        for name in samples[lower]:
            delta = draws[higher][name] - draws[lower][name]
            delta = delta[~np.isnan(delta)]
            difference = samples[higher][name].value - samples[lower][name].value
            if len(delta):
                low, high = np.quantile(delta, [(1 - LEVEL) / 2, (1 + LEVEL) / 2]).tolist()
                better = np.count_nonzero(delta < 0 if LOWER_IS_BETTER[name] else delta > 0)
                p_better: float = (better + np.count_nonzero(delta == 0) / 2) / len(delta)
            else:
                low = high = p_better = math.nan
            known = (samples[lower][name].known, samples[higher][name].known)
            steps.append(Step(name, lower, higher, difference, low, high, float(p_better), known,
                              step_threshold(effect, name, samples[lower][name].value)))
    censored = {level: {name: (sample.censored, sample.censored + int(sample.counts.sum()))
                        for name, sample in found.items() if name in TIME_FIGURES} for level, found in samples.items()}
    return Ladder(str(path), seed, replications, levels, tuple(steps), results, tuple(replaced(source)), slo,
                  censored, effect, _costs(results, samples, first), you_are_here(source, scenarios))


def step_threshold(effect: paired.MinEffect, figure: str, lower: float) -> float:
    """The smallest difference that matters for a step from a level whose figure is `lower`: a time metric's
    threshold (a share of it, or a duration); availability's share of its downtime (1 − availability); another
    figure's share of it (figure_threshold: the default share when --min-effect is a duration)."""
    if figure in TIME_FIGURES:
        return effect.threshold(lower)
    return effect.figure_threshold(1.0 - lower if figure == "availability" else lower)


def _costs(results: dict[str, Results], samples: dict[str, dict[str, _Sample]], first: Scenario) -> dict[str, Any]:
    """Each level's users affected and cost per period as distributions, and their units."""
    if not priced(first):
        return {}
    out: dict[str, Any] = {"users_unit": first.users.unit if first.users is not None else None,
                           "currency": first.downtime_cost.currency if first.downtime_cost is not None else None}
    for level in results:
        out[level] = {name: Spread.of(samples[level][name].totals).as_dict() for name in COST_FIGURES
                      if name in samples[level]}
    return out


class _Sample:
    """One figure of one level, per replication: totals and counts (the figure is Σ totals ÷ Σ counts)."""

    def __init__(self, totals: np.ndarray, counts: np.ndarray, ci: tuple[float, float] | None = None,
                 censored: int = 0):
        self.totals, self.counts, self.censored = totals, counts, censored
        total = counts.sum()
        self.value = float(totals.sum() / total) if total else math.nan
        self.ci = ci
        self.known = True

    def statistic(self, weights: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return weighted_sums(weights, self.totals) / weighted_sums(weights, self.counts)


def _counting_from(before: int, progress: Callable[[int], None]) -> Callable[[int], None]:
    """`progress` told the replications done over all levels: `before` done already, plus this level's."""
    return lambda done: progress(before + done)


class _Durations(_Sample):
    """A time figure of one level: paired.Durations's restricted mean, the cut-short incidents in."""

    def __init__(self, found: paired.Durations):
        self.found, self.value, self.ci, self.known = found, found.mean, None, found.known_mean
        self.censored, self.counts = found.cut_short, np.array([len(found.times) - found.cut_short], float)

    def statistic(self, weights: np.ndarray) -> np.ndarray:
        return self.found.statistics(weights)[0]


def _levels(results: dict[str, Results], slo: float | None) -> dict[str, dict[str, _Sample]]:
    """Every level's samples; the time figures' restriction τ is common to all levels, as in compare."""
    out: dict[str, dict[str, _Sample]] = {level: {} for level in results}
    for name in TIME_FIGURES:
        found = {level: paired.durations(organic(result.incidents), name, result.scenario.horizon,
                                         result.replications) for level, result in results.items()}
        tau = paired.restriction(*((times, ended) for times, ended, _ in found.values()))
        survival = any(not ended.all() for _, ended, _ in found.values())
        for level, (times, ended, reps) in found.items():
            out[level][name] = _Durations(paired.Durations(times, ended, reps, results[level].replications, tau,
                                                           survival=survival))
    for level, result in results.items():
        out[level].update(_samples(result, slo))
    return out


def _samples(results: Results, slo: float | None) -> dict[str, _Sample]:
    """The per-replication figures of one level: availability, incidents per quarter, meets SLO."""
    table, replications, scenario = organic(results.incidents), results.replications, results.scenario
    out = {}
    ones = np.ones(replications)
    per = availability(table, scenario, replications)
    out["availability"] = _Sample(per, ones)
    out["incidents"] = _Sample(incidents_per_quarter(table, scenario.horizon, replications), ones)
    if slo is not None:
        out["meets_slo"] = _Sample((per >= slo).astype(float), ones)
    for name, values in per_period_figures(table, scenario, replications).items():
        out[name] = _Sample(values, ones)
    return out


def _interval(draws: np.ndarray, sample: _Sample) -> tuple[float, float]:
    """A level's own interval: the ratio estimator's t interval for the time metrics when nothing was cut short,
    the bootstrap's percentile interval otherwise and for the per-replication figures."""
    if sample.ci is not None:
        return sample.ci
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return math.nan, math.nan
    low, high = np.quantile(draws, [(1 - LEVEL) / 2, (1 + LEVEL) / 2]).tolist()
    return low, high


__all__ = ["FIGURES", "LABELS", "LEVELS", "Ladder", "Position", "Step", "explain_document", "ladder",
           "ladder_scenarios", "replaced", "you_are_here"]
