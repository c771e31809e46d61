"""Breakdowns: the time metrics of each failure mode, severity, detection channel or mitigation that worked,
instead of pooled over every incident.

Each group's statistics are those of `metrics.summarize` on the group's incidents alone, over the same
replications (a replication without an incident of the group adds nothing to the mean and its interval).
Incidents that were never detected form the group "not detected"; those never restored, "not restored".
MTBF is left out: the gaps between failures belong to the whole system, not to one group of its incidents.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.errors import DrillsimError
from simulator.results.metrics import SPANS, TEXT, Coded, IncidentTable, Stats, stats

METRICS = ("mttd", "mtta", "mttr", "time_to_resolve")
"""The metrics a breakdown reports."""


class By(enum.StrEnum):
    """What incidents can be grouped by: a column of the incident table."""

    mode = "mode"
    severity = "severity"
    channel = "channel"
    mitigation = "mitigation"

    @property
    def noun(self) -> str:
        """'failure mode', as in 'MTTR per failure mode' (not `title`: that is str's method, which it hid)."""
        return {"mode": "failure mode", "severity": "severity", "channel": "detection channel",
                "mitigation": "mitigation that restored service"}[self.value]

    @property
    def heading(self) -> str:
        """The column of the groups' names in a table."""
        return {"mode": "failure mode", "severity": "severity", "channel": "detected by",
                "mitigation": "restored by"}[self.value]


def keys(names: Sequence[str]) -> tuple[By, ...]:
    """What to group by, as written ('mode', 'Severity'); a DrillsimError naming the choices otherwise."""
    out = []
    for name in names:
        try:
            out.append(By(name.strip().lower()))
        except ValueError:
            raise DrillsimError(f"cannot group incidents by {name!r}; choose {', '.join(By)}") from None
    return tuple(out)


UNREACHED = {By.channel: "not detected", By.mitigation: "not restored"}
"""The group of the incidents whose column is empty."""


@dataclass(frozen=True)
class Group:
    """One group of incidents and the statistics of each metric over them (minutes)."""

    name: str
    incidents: int
    stats: dict[str, Stats]

    def as_dict(self) -> dict[str, Any]:
        return {"incidents": self.incidents, "metrics": {key: self.stats[key].as_dict() for key in METRICS}}


def breakdown(table: IncidentTable, by: str | By, replications: int) -> list[Group]:
    """The groups of `table` by a column, each with its statistics. Severities come in their own order
    (SEV1 first); other groups from the most incidents to the fewest, then by name."""
    by = By(by)
    codes, categories = table.codes(by.value)
    counts = np.bincount(codes, minlength=len(categories))
    spans = {key: (getattr(table, SPANS[key][1]) - getattr(table, SPANS[key][0]), table.replication)
             for key in METRICS}
    groups = []
    for code, category in enumerate(categories):
        if not counts[code]:
            continue
        rows = codes == code
        groups.append(Group(category or UNREACHED.get(by, "none"), int(counts[code]),
                            {key: _group_stats(*spans[key], rows, replications) for key in METRICS}))
    if by is By.severity:
        return sorted(groups, key=lambda group: group.name)
    return sorted(groups, key=lambda group: (-group.incidents, group.name))


def _group_stats(values: np.ndarray, replication: np.ndarray, rows: np.ndarray, replications: int) -> Stats:
    """A duration metric's statistics over the rows of a group, as `summarize` gives them for a table of those
    rows alone (values not reached are censored), without copying the rest of the table."""
    values, replication = values[rows], replication[rows]
    reached = ~np.isnan(values)
    censored = len(values) - int(np.count_nonzero(reached))
    if censored:
        values, replication = values[reached], replication[reached]
    return stats(values, replication, replications, censored)


def breakdowns(table: IncidentTable, replications: int, by: Sequence[str] = tuple(By)) -> dict[str, list[Group]]:
    """Every breakdown asked for, by its key."""
    return {key.value: breakdown(table, key, replications) for key in keys(by)}


def breakdowns_document(groups: dict[str, list[Group]]) -> dict[str, dict[str, Any]]:
    """The breakdowns as summary.json holds them: key → group name → incidents and statistics."""
    return {key: {group.name: group.as_dict() for group in found} for key, found in groups.items()}


def select(table: IncidentTable, rows: np.ndarray) -> IncidentTable:
    """The rows of `table` where `rows` (a boolean mask) is true, in the same order."""
    columns = {}
    for name in IncidentTable.columns():
        if name in TEXT:
            codes, categories = table.codes(name)
            columns[name] = Coded(codes[rows], categories)
        else:
            columns[name] = getattr(table, name)[rows]
    return IncidentTable(**columns)
