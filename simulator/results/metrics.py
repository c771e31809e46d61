"""Metrics, computed from the event log and nothing else, and their one vocabulary (`METRICS`: each metric's
key, label, definition and whether lower is better).

The log is first reduced to one row per incident (simulator.results.incidents): onset, detected, declared,
acknowledged, mitigated (service restored), resolved (health confirmed) and cleaned_up, in minutes since the
start of its replication, NaN where not reached before the horizon (censored). From them:

    TTD  time to detect       = detected − onset
    TTA  time to acknowledge  = acknowledged − detected
    TTR  time to restore      = mitigated − onset
    TBF  time between failures = onset − previous onset in the same replication (the first failure's
                                 gap counts from the start of the replication, when nothing is failing)
    time to resolve           = resolved − onset

Statistics per metric pool the incidents of every replication. The 95% confidence interval of the mean
treats replications as the independent units (incidents within one replication share a queue): the mean is
the ratio estimator, Σ values / Σ counts over replications, and its interval spans both Student's t interval
on R − 1 degrees of freedom and the studentized bootstrap's (bootstrap-t over replications, 2,000 resamples
from a fixed seed, so the same data give the same interval). Durations are heavy-tailed: the t interval alone
is symmetric and misses a lognormal's mean on the high side (about 90% coverage for σ = 1.5 at 100
replications of 5 incidents); the bootstrap-t follows the skew (93.7% there). What neither can see is the tail
a sample of a few hundred durations rarely shows: nearly every miss is an upper end a few percent short. So
when the durations look lognormal (all positive, their logarithms' sample skewness within ±0.5 and excess
kurtosis within ±1), the span also takes in Cox's interval for a lognormal mean, exp(m + s²/2 ± z·√(s²/n +
s⁴/(2(n − 1)))) on the logarithms' mean m and variance s², which reads the tail from the shape of the logs.
Together they cover at least 94% up to σ = 1.5 at the bundled scenarios' replication counts
(tests/test_coverage.py). Durations that do not look lognormal (an exponential's logs are skewed by −1.1) keep
the span of the first two: Cox's interval would sit off their mean. Below 30 replications the t interval is
used alone. The restricted mean's interval (durations cut short) is the same span, taken on each
replication's summed influence.

MTBF's mean is the simulated time divided by the number of failures (R × horizon ÷ N), the textbook
estimator: the gap still open at each replication's horizon is censored, and averaging only the gaps that
closed would favour short ones (a horizon cuts long gaps more often). Its percentiles describe the gaps that
closed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from statistics import NormalDist

import numpy as np

from simulator.errors import DrillsimError
from simulator.results.incident_rows import IncidentRows, incident_table
from simulator.results.incidents import (
    COLUMNS,
    NUMBERS,
    TEXT,
    TIMES,
    Coded,
    IncidentTable,
    code_dtype,
    concat_coded,
    encode,
    organic,
)
from simulator.results.intervals import (  # noqa: F401 (the intervals' names, as metrics gave them)
    BOOTSTRAP_GROUPS,
    LOGNORMAL_KURTOSIS,
    LOGNORMAL_SKEW,
    RESAMPLES_CI,
    lognormal_interval,
    studentized_interval,
)


@dataclass(frozen=True)
class Metric:
    """What a metric is called and means: the one vocabulary that tables, figures, files and verdicts use."""

    key: str  # "mttr": in summary.json, on the command line (--metric), in column names
    label: str  # "MTTR": in tables and figure titles
    what: str  # "time to restore": what one value is
    span: str  # "onset → service restored": from which moment to which
    lower_is_better: bool = True
    one: str = "incident"  # what one value belongs to: "the typical incident", "one gap in twenty"
    many: str = "incidents"  # its plural, for counts: "2,812 incidents", "140 gaps between failures"

    @property
    def title(self) -> str:
        """'MTTR (time to restore)', or the label alone when it says the same ('Time to resolve')."""
        return f"{self.label} ({self.what})" if self.label.lower() != self.what else self.label

    @property
    def definition(self) -> str:
        """'time to restore: onset → service restored'."""
        return f"{self.what}: {self.span}"


METRICS: dict[str, Metric] = {metric.key: metric for metric in (
    Metric("mttd", "MTTD", "time to detect", "onset → first alert"),
    Metric("mtta", "MTTA", "time to acknowledge", "alert → a responder acknowledges"),
    Metric("mttr", "MTTR", "time to restore", "onset → service restored"),
    Metric("mtbf", "MTBF", "time between failures", "onset → next onset", lower_is_better=False,
           one="gap", many="gaps between failures"),
    Metric("time_to_resolve", "Time to resolve", "time to resolve", "onset → health confirmed"),
)}
"""Every metric by key, in the order tables list them."""


def metric_key(name: str) -> str:
    """'MTTR', 'mttr', 'time-to-resolve' → the key used in METRICS. Raises DrillsimError for anything else."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in METRICS:
        raise DrillsimError(f"unknown metric {name!r}; metrics: {', '.join(METRICS)}")
    return key


SPANS = {"mttd": ("onset", "detected"), "mtta": ("detected", "acknowledged"), "mttr": ("onset", "mitigated"),
         "time_to_resolve": ("onset", "resolved")}
"""The columns a duration metric runs between."""


def metric_values(table: IncidentTable, metric: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(values, their replication numbers, how many incidents are censored) for one metric."""
    if metric == "mtbf":
        rep, onset = table.replication, table.onset
        if not _ordered(rep, onset):  # tables from simulate are ordered already: no copies needed then
            order = np.lexsort((onset, rep))
            rep, onset = rep[order], onset[order]
        gaps = np.empty_like(onset)
        if len(onset):
            gaps[0] = onset[0]
            np.subtract(onset[1:], onset[:-1], out=gaps[1:])
            first = rep[1:] != rep[:-1]  # a replication's first failure: its gap runs from the start
            gaps[1:][first] = onset[1:][first]
        return gaps, rep, 0
    start, end = SPANS[metric]
    values = getattr(table, end) - getattr(table, start)
    reached = ~np.isnan(values)
    censored = len(values) - int(np.count_nonzero(reached))
    if not censored:
        return values, table.replication, 0
    values = values[reached]  # the unfiltered values go before the replication numbers are filtered
    return values, table.replication[reached], censored


def _ordered(replication: np.ndarray, onset: np.ndarray) -> bool:
    """Whether rows are sorted by replication, then onset (so that a stable sort would leave them be)."""
    if len(replication) < 2:
        return True
    later = replication[1:] > replication[:-1]
    return bool(np.all(later | ((replication[1:] == replication[:-1]) & (onset[1:] >= onset[:-1]))))


PERCENTILES = {"median": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}
CENSORED_WARNING = 0.05
"""Above this share of incidents cut short by the horizon, a run warns that its mean is restricted."""


@dataclass(frozen=True)
class Stats:
    """Statistics of one metric in minutes (NaN where there are no values).

    `count` durations ended and `censored` were cut short by the horizon. With any cut short (and the horizon
    known), the percentiles are Kaplan–Meier estimates and those beyond the longest follow-up are NaN and
    named in `beyond_follow_up`; the mean is the restricted mean, and when the longest observation is still
    open it is restricted to `restricted_to` minutes (the mean of min(duration, restricted_to)), a lower bound
    of the true mean."""

    count: int
    censored: int
    mean: float
    median: float
    p90: float
    p95: float
    p99: float
    max: float
    ci_low: float
    ci_high: float
    restricted_to: float = math.nan
    beyond_follow_up: tuple[str, ...] = ()
    follow_up: float = math.nan
    """With any cut short: the longest duration observed, ended or not, beyond which nothing is known."""

    @property
    def share_censored(self) -> float:
        total = self.count + self.censored
        return self.censored / total if total else 0.0

    @property
    def restricted(self) -> bool:
        return not math.isnan(self.restricted_to)

    def as_dict(self) -> dict:
        return {f.name: (None if isinstance(v, float) and math.isnan(v) else list(v) if isinstance(v, tuple) else v)
                for f in fields(self) for v in [getattr(self, f.name)]}


def t_quantile(p: float, dof: int) -> float:
    """Student's t quantile: exact for 1 and 2 degrees of freedom, found by bisection of the exact distribution
    function up to 30, Cornish–Fisher beyond (error < 1e-6 there)."""
    if dof <= 0:
        return math.nan
    if dof == 1:
        return math.tan(math.pi * (p - 0.5))
    if dof == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    estimate = z + g1 / dof + g2 / dof**2 + g3 / dof**3 + g4 / dof**4
    if dof > 30:
        return estimate
    low, high = estimate - 1.0, estimate + 1.0  # Cornish–Fisher is off by far less than 1 from 3 dof on
    while _t_cdf(low, dof) > p:
        low -= abs(low) + 1.0
    while _t_cdf(high, dof) < p:
        high += abs(high) + 1.0
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        low, high = (middle, high) if _t_cdf(middle, dof) < p else (low, middle)
    return (low + high) / 2


def _t_cdf(t: float, dof: int) -> float:
    """P(T ≤ t) for Student's t with a whole number of degrees of freedom (Abramowitz & Stegun 26.7.3–4)."""
    theta = math.atan(t / math.sqrt(dof))
    cos = math.cos(theta)
    odd = dof % 2
    total, term = 0.0, cos if odd else 1.0
    for power in range(odd, dof - 1, 2):  # cos^power θ, with coefficients (1·3·…)/(2·4·…) or (2·4·…)/(3·5·…)
        total += term
        term *= cos * cos * (power + 1) / (power + 2)
    inside = 2 / math.pi * (theta + math.sin(theta) * total) if odd else math.sin(theta) * total
    return (1 + inside) / 2


def _by_replication(replication: np.ndarray, values: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(totals of `values`, counts) per replication that appears in `replication`, in replication order."""
    top = int(replication.max()) + 1
    if top <= 4 * len(replication) + 1024:  # numbered densely (as simulate numbers them): one slot each
        index, size = replication, top
    else:
        _, index = np.unique(replication, return_inverse=True)
        size = int(index.max()) + 1
    counts = np.bincount(index, minlength=size).astype(float)
    totals = np.bincount(index, weights=values, minlength=size) if values is not None else counts
    present = counts > 0
    return totals[present], counts[present]


def _ratio_interval(mean: float, squares: float, count: int, replications: int,
                    level: float) -> tuple[float, float, float]:
    """The ratio estimator's interval around `mean` from Σ (total − mean × count)² over the replications."""
    variance = squares / (replications * (replications - 1)) / (count / replications) ** 2
    half = t_quantile(0.5 + level / 2, replications - 1) * math.sqrt(variance)
    return mean, mean - half, mean + half


BOOTSTRAP_FROM = 30
"""From this many replications on, the mean's interval also spans the bootstrap-t's; below, the t interval alone
(a bootstrap of a handful of replications knows too little of the tail to correct anything)."""


def mean_ci(values: np.ndarray, replication: np.ndarray, replications: int,
            level: float = 0.95, lognormal: bool = True) -> tuple[float, float, float]:
    """(mean, low, high): pooled mean over `replications` replications, with the span of the ratio estimator's
    t interval, its studentized bootstrap interval and, for durations that look lognormal, Cox's interval (see
    the module's docstring). `lognormal=False` leaves Cox's interval out."""
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if replications < 2:
        return mean, math.nan, math.nan
    totals, counts = _by_replication(replication, values)
    squares = float(np.sum((totals - mean * counts) ** 2))  # replications without values add nothing
    mean, low, high = _ratio_interval(mean, squares, len(values), replications, level)
    if replications >= BOOTSTRAP_FROM:
        silent = np.zeros(max(replications - len(totals), 0))
        boot_low, boot_high = studentized_interval(np.concatenate([totals, silent]),
                                                   np.concatenate([counts, silent]), level)
        if not math.isnan(boot_low):  # both intervals' span: the t interval's centre, the bootstrap's skew
            low, high = min(low, boot_low), max(high, boot_high)
        cox_low, cox_high = lognormal_interval(values, level) if lognormal else (math.nan, math.nan)
        if not math.isnan(cox_low):  # and where the durations look lognormal, the tail their logs' shape implies
            low, high = min(low, cox_low), max(high, cox_high)
    if float(values.min()) >= 0:  # the mean of values that cannot be negative cannot be either
        low = max(low, 0.0)
    return mean, low, high


def exposure_ci(replication: np.ndarray, replications: int, exposure: float,
                level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the time per event when each of `replications` replications watched for
    `exposure` minutes and saw the events numbered in `replication`: R × exposure ÷ N, with the ratio
    estimator's interval (every replication's total is `exposure`, its count how many events it saw)."""
    count = len(replication)
    if count == 0:
        return math.nan, math.nan, math.nan
    mean = replications * exposure / count
    if replications < 2:
        return mean, math.nan, math.nan
    _, counts = _by_replication(replication)
    silent = replications - len(counts)  # replications without events: their residual is the exposure itself
    squares = float(np.sum((exposure - mean * counts) ** 2)) + silent * exposure**2
    mean, low, high = _ratio_interval(mean, squares, count, replications, level)
    return mean, max(low, 0.0), high  # a time between events is never negative


def stats(values: np.ndarray, replication: np.ndarray, replications: int, censored: int = 0,
          exposure: float | None = None, cut: np.ndarray | None = None,
          cut_replication: np.ndarray | None = None) -> Stats:
    """Statistics of one metric's values. With `exposure` (minutes each replication watched), the mean and its
    interval are those of exposure_ci (used for MTBF); otherwise the ratio estimator's of the values.

    `cut` gives the follow-up of each duration the horizon cut short (replications in `cut_replication`);
    then the percentiles are Kaplan–Meier's and the mean (without `exposure`) the restricted mean, with its
    interval from its influence summed per replication. Without `cut`, `censored` is only counted."""
    if cut is not None and len(cut):
        return _censored_stats(values, replication, replications, exposure, cut, cut_replication)
    if len(values) == 0:
        nan = math.nan
        return Stats(0, censored, nan, nan, nan, nan, nan, nan, nan, nan)
    if exposure is None:
        mean, low, high = mean_ci(values, replication, replications)
    else:
        mean, low, high = exposure_ci(replication, replications, exposure)
    p50, p90, p95, p99 = np.percentile(values, list(PERCENTILES.values())).tolist()
    return Stats(len(values), censored, mean, p50, p90, p95, p99, float(values.max()), low, high)


def _censored_stats(values, replication, replications, exposure, cut, cut_replication) -> Stats:
    from simulator.results import survival

    times = np.concatenate([values, cut])
    ended = np.concatenate([np.ones(len(values), bool), np.zeros(len(cut), bool)])
    order = survival.sorted_order(times)  # one sort for the curve and the restricted mean
    curve = survival.kaplan_meier(times, ended, order)
    quantiles = {name: curve.quantile(q / 100) for name, q in PERCENTILES.items()}
    beyond = tuple(name for name, value in quantiles.items() if math.isnan(value))
    restricted_to = math.nan
    if exposure is not None:
        mean, low, high = exposure_ci(replication, replications, exposure)
    else:
        rmst = survival.restricted_mean(times, ended, order)
        mean, low, high = rmst.mean, math.nan, math.nan
        if rmst.restricted:
            restricted_to = rmst.tau
        if replications >= 2:
            totals, _ = _by_replication(np.concatenate([replication, cut_replication]), rmst.influence)
            half = t_quantile(0.975, replications - 1) * math.sqrt(
                float(np.sum(totals**2)) * replications / (replications - 1))
            low, high = mean - half, mean + half
            # The same span as mean_ci's, on the influences' sums; not Cox's interval: the logarithms of the
            # durations cut short are not known.
            if replications >= BOOTSTRAP_FROM:
                found = np.zeros(replications)
                found[:len(totals)] = totals * replications
                boot_low, boot_high = studentized_interval(found, np.ones(replications))
                if not math.isnan(boot_low):
                    low, high = min(low, mean + boot_low), max(high, mean + boot_high)
            low = max(low, 0.0)  # a duration's mean is never negative
    largest = float(values.max()) if len(values) else math.nan
    p50, p90, p95, p99 = (quantiles[name] for name in PERCENTILES)
    return Stats(len(values), len(cut), mean, p50, p90, p95, p99, largest, low, high, restricted_to, beyond,
                 curve.follow_up)


def follow_ups(table: IncidentTable, metric: str, horizon: float, replications: int) -> tuple[np.ndarray, np.ndarray]:
    """(follow-up, replication) of each of the metric's durations that the horizon cut short: horizon − start
    for an incident that reached the metric's start and not its end (an undetected incident has no time to
    acknowledge yet); for MTBF, each replication's gap still open at the horizon (the whole horizon for a
    replication without failures)."""
    if metric == "mtbf":
        rep, onset = table.replication, table.onset
        last = np.full(replications, -np.inf)
        if len(onset):
            np.maximum.at(last, rep.astype(np.int64), onset)
        open_gap = np.where(np.isfinite(last), horizon - last, horizon)
        return np.maximum(open_gap, 0.0), np.arange(replications)
    start, end = SPANS[metric]
    begun, finished = getattr(table, start), getattr(table, end)
    cut = ~np.isnan(begun) & np.isnan(finished)
    return np.maximum(horizon - begun[cut], 0.0), table.replication[cut]



def summarize(table: IncidentTable, replications: int, horizon: float | None = None) -> dict[str, Stats]:
    """Statistics of every metric, keyed as in METRICS. Give the `horizon` (minutes) of the replications so
    that durations cut short count as censored observations (Kaplan–Meier percentiles, the restricted mean)
    and MTBF's mean is simulated time ÷ failures; without it, statistics are those of the durations that
    ended, and MTBF's mean is that of the gaps that closed."""
    out = {}
    for metric in METRICS:
        values, reps, censored = metric_values(table, metric)
        if horizon is None:
            out[metric] = stats(values, reps, replications, censored)
        else:
            cut, cut_reps = follow_ups(table, metric, horizon, replications)
            exposure = horizon if metric == "mtbf" else None
            out[metric] = stats(values, reps, replications, len(cut), exposure, cut, cut_reps)
        del values, reps  # let one metric's values go before the next metric's are computed
    return out


__all__ = [
    "COLUMNS", "METRICS", "NUMBERS", "TEXT", "TIMES", "Coded", "IncidentRows", "IncidentTable", "Metric", "Stats",
    "code_dtype", "concat_coded", "encode", "exposure_ci", "incident_table", "mean_ci", "metric_key", "metric_values",
    "organic",
    "stats",
    "summarize", "t_quantile",
]
