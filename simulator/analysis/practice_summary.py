"""The sections of summary.json that the practices, the SLO, OKRs and deployments add, from one run's results.

    reliability     availability per replication, the error budget and the chance of meeting the SLO
    okrs            each key result's chance of being met per period, and all of them together
    cost            users affected and the cost of downtime, per incident and per period (analysis/cost.py)
    dora            change failure rate and failed deployment recovery time, with DORA's bands
    comms           stakeholder updates per severity: sent, late, and the longest silence (analysis.comms)
    practices       the maturity preset, reopenings, cleanups left undone, the learning loop and its trend,
                    drills (reported apart from the organic incidents every other section counts)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.analysis.budget import okr_document, reliability_document
from simulator.analysis.comms import comms_document
from simulator.analysis.cost import cost_document
from simulator.analysis.dora import dora_document
from simulator.analysis.trend import cleanup_document, drills_document, learning_document, reopen_document
from simulator.results.incidents import organic

if TYPE_CHECKING:
    from simulator.results.runner import Results


def practice_sections(results: Results) -> dict:
    """The sections, by key; those that do not apply to the scenario are left out."""
    scenario, table, replications = results.scenario, results.incidents, results.replications
    found = organic(table)
    drills = table.where(table.drill) if table.drill.any() else None
    out: dict = {"reliability": reliability_document(found, scenario, replications, drills)}
    okrs = okr_document(found, scenario, replications)
    if okrs is not None:
        out["okrs"] = okrs
    cost = cost_document(found, scenario, replications)
    if cost is not None:
        out["cost"] = cost
    dora = dora_document(found, results.practice, scenario, replications)
    if dora is not None:
        out["dora"] = dora
    out["comms"] = comms_document(found, replications, scenario.horizon)
    if scenario.practiced:
        out["practices"] = {
            "maturity": scenario.maturity,
            "reopened": reopen_document(table),
            "cleanup": cleanup_document(table, results.practice, scenario),
            "learning": learning_document(table, results.practice, scenario, replications, results.without_learning)
            if scenario.practices.learning.active else None,
            "drills": drills_document(table, replications, scenario.horizon),
        }
    return out


__all__ = ["practice_sections"]
