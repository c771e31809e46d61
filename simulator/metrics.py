"""Metrics, computed from the event log and nothing else, and their one vocabulary (`METRICS`: each metric's
key, label, definition and whether lower is better).

Per incident (minutes since the start of its replication): onset, detected, declared, acknowledged,
mitigated (service restored), resolved (health confirmed) and cleaned_up; NaN where not reached before the
horizon (censored). From them:

    TTD  time to detect       = detected − onset
    TTA  time to acknowledge  = acknowledged − detected
    TTR  time to restore      = mitigated − onset
    TBF  time between failures = onset − previous onset in the same replication (the first failure's
                                 gap counts from the start of the replication, when nothing is failing)
    time to resolve           = resolved − onset

Statistics per metric pool the incidents of every replication. The 95% confidence interval of the mean
treats replications as the independent units (incidents within one replication share a queue): it is the
ratio estimator's interval, Σ values / Σ counts over replications, with Student's t on R − 1 degrees of
freedom.

MTBF's mean is the simulated time divided by the number of failures (R × horizon ÷ N), the textbook
estimator: the gap still open at each replication's horizon is censored, and averaging only the gaps that
closed would favour short ones (a horizon cuts long gaps more often). Its percentiles describe the gaps that
closed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from simulator.errors import DrillsimError
from simulator.events import ACTIONS, Event


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


TIMES = ("onset", "detected", "declared", "acknowledged", "mitigated", "resolved", "cleaned_up")

COLUMNS = ("replication", "incident", "mode", "cause", "severity", "channel", "responder", "mitigation",
           "escalated", "waited", "onset", "detected", "declared", "acknowledged", "mitigated", "resolved",
           "cleaned_up")
TEXT = ("mode", "cause", "severity", "channel", "responder", "mitigation")
NUMBERS = ("waited", *TIMES)


class Coded(NamedTuple):
    """A text column as integer codes into a sorted tuple of distinct strings: categories[codes[i]] is row i's."""

    codes: np.ndarray
    categories: tuple[str, ...]


class IncidentTable:
    """One row per incident per replication, as columns of equal length, in (replication, incident) order.

        replication, incident   int32 arrays
        mode, cause, severity,  text, stored compactly as a `Coded` column (one small integer a row) and read
        channel, responder,     as object arrays of strings, so that `table.severity == "SEV1"` works as on
        mitigation              any array; `table.codes("mode")` gives the codes themselves
        escalated               bool array
        waited and the TIMES    float64 arrays in minutes, NaN where not reached before the horizon

    Build one from arrays or sequences of every column (text as strings or `Coded`), as `incident_table` and
    `concat` do.
    """

    __slots__ = ("_codes", "_numbers")

    def __init__(self, replication, incident, mode, cause, severity, channel, responder, mitigation, escalated,
                 waited, onset, detected, declared, acknowledged, mitigated, resolved, cleaned_up):
        given = dict(zip(COLUMNS, (replication, incident, mode, cause, severity, channel, responder, mitigation,
                                   escalated, waited, onset, detected, declared, acknowledged, mitigated,
                                   resolved, cleaned_up), strict=True))
        self._codes = {name: given[name] if isinstance(given[name], Coded) else encode(given[name])
                       for name in TEXT}
        self._numbers = {name: np.asarray(given[name], dtype=_DTYPES.get(name, float))
                         for name in COLUMNS if name not in TEXT}
        lengths = {len(v) for v in self._numbers.values()} | {len(c.codes) for c in self._codes.values()}
        if len(lengths) > 1:
            raise ValueError(f"incident table columns of different lengths: {sorted(lengths)}")

    def __len__(self) -> int:
        return len(self._numbers["replication"])

    def __repr__(self) -> str:
        return f"<IncidentTable: {len(self)} incidents>"

    def __getstate__(self):
        return self._codes, self._numbers

    def __setstate__(self, state):
        self._codes, self._numbers = state

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return COLUMNS

    def codes(self, name: str) -> Coded:
        """A text column as codes and categories, without building its strings."""
        return self._codes[name]

    @property
    def nbytes(self) -> int:
        return (sum(v.nbytes for v in self._numbers.values())
                + sum(c.codes.nbytes for c in self._codes.values()))

    @classmethod
    def concat(cls, tables: Iterable[IncidentTable]) -> IncidentTable:
        """The rows of `tables`, one after the other (text categories merged and re-coded)."""
        tables = list(tables)
        if not tables:
            return incident_table([])
        return cls(**{name: concat_coded([t._codes[name] for t in tables]) if name in TEXT
                      else np.concatenate([t._numbers[name] for t in tables]) for name in COLUMNS})

    def rows(self) -> Iterable[dict]:
        cols = {name: getattr(self, name).tolist() for name in COLUMNS}
        for i in range(len(self)):
            yield {name: values[i] for name, values in cols.items()}


def _number_column(name: str) -> property:
    return property(lambda self: self._numbers[name], doc=f"the {name} column")


def _text_column(name: str) -> property:
    def decode(self) -> np.ndarray:
        codes, categories = self._codes[name]
        strings = np.empty(len(categories), dtype=object)
        strings[:] = categories
        return strings[codes]

    return property(decode, doc=f"the {name} column, as strings")


for _name in COLUMNS:
    setattr(IncidentTable, _name, _text_column(_name) if _name in TEXT else _number_column(_name))

_DTYPES = {"replication": np.int32, "incident": np.int32, "escalated": bool}


def code_dtype(categories: int) -> type:
    return np.uint8 if categories <= 1 << 8 else np.uint16 if categories <= 1 << 16 else np.int32


def encode(values) -> Coded:
    """Strings as codes into their sorted distinct values."""
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    categories = sorted(set(values))
    index = {value: code for code, value in enumerate(categories)}
    return Coded(np.array([index[v] for v in values], dtype=code_dtype(len(categories))), tuple(categories))


def concat_coded(parts: list[Coded]) -> Coded:
    """Coded columns one after the other, re-coded into the sorted union of their categories."""
    categories = sorted(set().union(*(part.categories for part in parts)))
    index = {value: code for code, value in enumerate(categories)}
    dtype = code_dtype(len(categories))
    recoded = [np.array([index[c] for c in part.categories], dtype=dtype)[part.codes] if part.categories
               else part.codes.astype(dtype) for part in parts]
    return Coded(np.concatenate(recoded) if recoded else np.zeros(0, dtype), tuple(categories))


# Actions that set a column of the incident row: their kind in incident_table's loop.
_ONSET, _DETECTED, _DECLARED, _ACKNOWLEDGED, _MITIGATED, _RESOLVED, _CLEANED_UP, _DELIVERED, _ESCALATED = range(9)
_KIND = {"onset": _ONSET, "detected": _DETECTED, "declared": _DECLARED, "acknowledged": _ACKNOWLEDGED,
         "mitigated": _MITIGATED, "resolved": _RESOLVED, "cleaned_up": _CLEANED_UP, "page_delivered": _DELIVERED,
         "escalated": _ESCALATED}
# A row while it is built: the TIMES (0-6), waited (7), mode, cause, severity, channel, responder, mitigation
# (8-13), escalated (14).
_NAN = math.nan
_ROW = [_NAN] * 8 + [""] * 6 + [False]


class IncidentRows:
    """An event log that keeps only what the metrics need: one row per incident, updated as each event is
    appended. It is the streaming form of `incident_table`, and the engine can log into it directly, so that
    a run reduces its events as they happen instead of holding them.

        rows = IncidentRows()
        rows.append(event)      # an Event, or a plain tuple in Event's field order
        rows.table()            # the IncidentTable of everything appended so far

    A row starts with an incident's first event. The actions in `ignores` change no row once it exists, so
    a log that always starts an incident with its onset (the engine's) may leave them out.
    """

    __slots__ = ("_by_replication", "_current", "_replication")
    ignores = frozenset(ACTIONS) - set(_KIND)

    def __init__(self):
        self._by_replication: dict[int, dict[int, list]] = {}
        self._replication, self._current = None, {}

    def append(self, event) -> None:
        time, replication, incident, _phase, action, actor, detail = event
        if replication != self._replication:
            self._current = self._by_replication.setdefault(replication, {})
            self._replication = replication
        row = self._current.get(incident)
        if row is None:
            row = self._current[incident] = _ROW.copy()
        kind = _KIND.get(action)
        if kind is None:
            return
        if kind == _ONSET:
            row[0] = time
            row[8], row[9], row[10] = detail["mode"], detail["cause"], detail["severity"]
        elif kind == _DELIVERED:
            row[7] = detail["waited"]
        elif kind == _ESCALATED:
            row[14] = True
        else:
            row[kind] = time
            if kind == _DETECTED:
                row[11] = detail["channel"]
            elif kind == _ACKNOWLEDGED:
                row[12] = actor
            elif kind == _MITIGATED:
                row[13] = detail["mitigation"]

    def extend(self, events: Iterable) -> None:
        append = self.append
        for event in events:
            append(event)

    def __len__(self) -> int:
        return sum(len(incidents) for incidents in self._by_replication.values())

    def table(self) -> IncidentTable:
        keys, rows = [], []
        for replication in sorted(self._by_replication):
            incidents = self._by_replication[replication]
            for incident in sorted(incidents):
                keys.append((replication, incident))
                rows.append(incidents[incident])
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(_ROW)
        replications, incidents = (zip(*keys, strict=True) if keys else ((), ()))
        data = {"replication": np.array(replications, dtype=np.int32),
                "incident": np.array(incidents, dtype=np.int32), "escalated": np.array(columns[14], dtype=bool)}
        for index, name in enumerate((*TIMES, "waited")):
            data[name] = np.array(columns[index], dtype=float)
        for index, name in enumerate(TEXT, 8):
            data[name] = encode(columns[index])
        return IncidentTable(**data)


def incident_table(events: Iterable[Event]) -> IncidentTable:
    """Reduce an event log (of any number of replications) to one row per incident.

    `events` may be `Event`s or plain tuples in the same field order (what the engine logs internally).
    """
    rows = IncidentRows()
    rows.extend(events)
    return rows.table()


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
    start, end = {"mttd": ("onset", "detected"), "mtta": ("detected", "acknowledged"),
                  "mttr": ("onset", "mitigated"), "time_to_resolve": ("onset", "resolved")}[metric]
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


@dataclass(frozen=True)
class Stats:
    """Statistics of one metric in minutes (NaN where there are no values)."""

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

    def as_dict(self) -> dict:
        return {f.name: (None if isinstance(v, float) and math.isnan(v) else v)
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


def mean_ci(values: np.ndarray, replication: np.ndarray, replications: int,
            level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): pooled mean with the ratio estimator's interval over `replications` replications."""
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if replications < 2:
        return mean, math.nan, math.nan
    totals, counts = _by_replication(replication, values)
    squares = float(np.sum((totals - mean * counts) ** 2))  # replications without values add nothing
    return _ratio_interval(mean, squares, len(values), replications, level)


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
    return _ratio_interval(mean, squares, count, replications, level)


def stats(values: np.ndarray, replication: np.ndarray, replications: int, censored: int = 0,
          exposure: float | None = None) -> Stats:
    """Statistics of one metric's values. With `exposure` (minutes each replication watched), the mean and its
    interval are those of exposure_ci (used for MTBF); otherwise the ratio estimator's of the values."""
    if len(values) == 0:
        nan = math.nan
        return Stats(0, censored, nan, nan, nan, nan, nan, nan, nan, nan)
    if exposure is None:
        mean, low, high = mean_ci(values, replication, replications)
    else:
        mean, low, high = exposure_ci(replication, replications, exposure)
    p50, p90, p95, p99 = np.percentile(values, [50, 90, 95, 99]).tolist()
    return Stats(len(values), censored, mean, p50, p90, p95, p99, float(values.max()), low, high)


def summarize(table: IncidentTable, replications: int, horizon: float | None = None) -> dict[str, Stats]:
    """Statistics of every metric, keyed as in METRICS. Give the `horizon` (minutes) of the replications for
    MTBF's unbiased mean, simulated time ÷ failures, with each replication's last gap counted as censored;
    without it, MTBF's mean is that of the gaps that closed."""
    out = {}
    for metric in METRICS:
        values, reps, censored = metric_values(table, metric)
        if metric == "mtbf" and horizon is not None:
            out[metric] = stats(values, reps, replications, replications, exposure=horizon)
        else:
            out[metric] = stats(values, reps, replications, censored)
        del values, reps  # let one metric's values go before the next metric's are computed
    return out
