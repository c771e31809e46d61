"""What the practices do over time, from the event log: incidents per quarter (with the learning loop and
without it), open reliability debt, fixes left in place, reopenings and drills.

    incidents per quarter    organic onsets in each 90-day quarter of the horizon, mean per replication with
                             its t interval (a last, shorter quarter is scaled up to 90 days)
    open action items        postmortem action items written and not yet done, at each point of a grid
    fixes left in place      temporary fixes past their cleanup and not removed, at each point
    reopen rate              the share of restored incidents that reopened (confirmed on anecdote, wrongly)
"""

from __future__ import annotations

import math

import numpy as np

from simulator.analysis.budget import Chance, Spread
from simulator.results.incidents import IncidentTable, organic
from simulator.results.metrics import METRICS, summarize, t_quantile
from simulator.results.practice_log import PracticeTable
from simulator.scenario.model import Scenario

QUARTER = 90 * 1440.0
"""A quarter, in minutes: 90 days, as the bundled scenarios count one."""
POINTS = 60
"""Points of the grid debt is drawn on."""


SHORTEST = 30 * 1440.0
"""A last quarter shorter than this is left out of a trend (too short to say much, scaled up)."""


def quarters(horizon: float) -> np.ndarray:
    """[start, end) of each quarter of the horizon (the last one may be shorter, but not under 30 days unless it
    is the only one)."""
    starts = np.arange(0.0, horizon, QUARTER)
    spans = np.column_stack([starts, np.minimum(starts + QUARTER, horizon)])
    if len(spans) > 1 and spans[-1, 1] - spans[-1, 0] < SHORTEST:
        spans = spans[:-1]
    return spans


def per_quarter(table: IncidentTable, horizon: float, replications: int) -> np.ndarray:
    """Organic onsets per replication (rows) and quarter (columns), each quarter scaled to 90 days."""
    spans = quarters(horizon)
    table = organic(table)
    index = (table.onset // QUARTER).astype(int)
    kept = index < len(spans)
    out = np.zeros((replications, len(spans)))
    np.add.at(out, (table.replication[kept], index[kept]), 1)
    return out * (QUARTER / (spans[:, 1] - spans[:, 0]))


def incidents_per_quarter(table: IncidentTable, horizon: float, replications: int) -> np.ndarray:
    """Each replication's organic incidents per 90 days, over the whole horizon."""
    counts = np.bincount(organic(table).replication, minlength=replications)[:replications]
    return counts * (QUARTER / horizon)


def trend(counts: np.ndarray, level: float = 0.95) -> list[dict]:
    """Per quarter: the mean over replications and its t interval."""
    n = counts.shape[0]
    half = t_quantile(0.5 + level / 2, n - 1) if n > 1 else math.nan
    out = []
    for j in range(counts.shape[1]):
        column = counts[:, j]
        mean = float(column.mean())
        spread = half * float(column.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
        out.append({"quarter": j + 1, "mean": mean, "ci_low": max(mean - spread, 0.0),  # no count is negative
                    "ci_high": mean + spread})
    return out


def without_learning(scenario: Scenario) -> Scenario:
    """The scenario with no action items: the learning loop taken out, everything else as it is."""
    practices = scenario.practices
    learning = practices.learning.model_copy(update={"action_items": 0})
    return scenario.model_copy(update={"practices": practices.model_copy(update={"learning": learning})})


def grid(horizon: float) -> np.ndarray:
    return np.linspace(0.0, horizon, POINTS + 1)


def learning_document(table: IncidentTable, practice: PracticeTable | None, scenario: Scenario, replications: int,
                      without: IncidentTable | None = None) -> dict | None:
    """The learning loop's section of summary.json: action items and reliability debt over time, and incidents
    per quarter with the loop (this run) and without it (the same runs with no action items), when known."""
    learning = scenario.practices.learning
    if practice is None:
        return None
    times = grid(scenario.horizon)
    written = np.array([sum(count for _, count in w) for w in practice.written], dtype=float)
    done = np.array([len(d) for d in practice.done], dtype=float)
    out = {
        "action_items_per_postmortem": learning.action_items, "done_probability": learning.done,
        "written": Spread.of(written).as_dict(), "done": Spread.of(done).as_dict(),
        "open_at_horizon": Spread.of(written - done).as_dict(),
        "over_time": {"minutes": times.tolist(), "open_action_items": practice.open_items(times).mean(axis=0).tolist(),
                      "fixes_left_in_place": practice.fixes_left(times).mean(axis=0).tolist()},
        "incidents_per_quarter": trend(per_quarter(table, scenario.horizon, replications)),
    }
    if without is not None:
        out["incidents_per_quarter_without_learning"] = trend(per_quarter(without, scenario.horizon, replications))
    return out


def reopen_document(table: IncidentTable) -> dict:
    """Reopenings: the share of incidents once restored that reopened."""
    table = organic(table)
    restored_once = ~np.isnan(table.mitigated) | (table.reopened > 0)
    reopened = int(np.count_nonzero(table.reopened[restored_once] > 0))
    return Chance(reopened, int(np.count_nonzero(restored_once))).as_dict()


def cleanup_document(table: IncidentTable, practice: PracticeTable | None, scenario: Scenario) -> dict | None:
    """Cleanups: how many temporary fixes were left in place past their cleanup, and how long on average."""
    if practice is None:
        return None
    horizon = scenario.horizon
    left = np.array([len(f) for f in practice.fixes], dtype=float)
    held = np.array([sum(min(end, horizon) - start for start, end in f) for f in practice.fixes])
    return {"fixes_left": Spread.of(left).as_dict(),
            "fixes_left_on_average": Spread.of(held / horizon).as_dict(),
            "debt_factor": scenario.practices.cleanup.debt_factor}


def drills_document(table: IncidentTable, replications: int, horizon: float) -> dict | None:
    """Drills, apart: how many, and their times."""
    drills = table.drill
    if not drills.any():
        return None
    found = table.where(drills)
    stats = summarize(found, replications)
    return {"incidents": len(found), "per_replication": len(found) / replications,
            "metrics": {key: {"label": metric.label, **stats[key].as_dict()} for key, metric in METRICS.items()
                        if key != "mtbf"}}


__all__ = ["QUARTER", "cleanup_document", "drills_document", "incidents_per_quarter", "learning_document",
           "per_quarter", "quarters", "reopen_document", "trend", "without_learning"]
