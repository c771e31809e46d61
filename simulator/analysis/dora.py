"""DORA's stability metrics, from the event log: change failure rate and failed deployment recovery time, with
DORA's performance bands.

    deployment frequency            deployments per day (`deployed` events)
    change failure rate             failed deployments ÷ deployments: the incidents of modes that deployments
                                    start (drills left out) over every deployment, as a ratio estimator across
                                    replications with its t interval
    failed deployment recovery      time to restore of those incidents (onset → service restored)

Bands. Failed deployment recovery time: under an hour elite, under a day high, up to a week medium, longer low
(DORA's clusters, in the project's reference facts); the band is that of the median, DORA asking for the typical
recovery. Change failure rate: the 2023 State of DevOps report's cluster values, 5% elite, 10% high, 15%
medium, 64% low, read as upper bounds (an assumption: DORA publishes each cluster's typical value, not
thresholds between them).
"""

from __future__ import annotations

import math

import numpy as np

from simulator.results.incidents import IncidentTable
from simulator.results.metrics import metric_values, stats, t_quantile
from simulator.results.practice_log import PracticeTable
from simulator.scenario.model import Scenario

BANDS = ("elite", "high", "medium", "low")
CHANGE_FAILURE_BANDS = ((0.05, "elite"), (0.10, "high"), (0.15, "medium"))
"""Upper bounds of each band's change failure rate (DORA 2023 cluster values); above the last: low."""
LEVEL = 0.95


def change_failure_band(rate: float) -> str | None:
    if math.isnan(rate):
        return None
    return next((band for bound, band in CHANGE_FAILURE_BANDS if rate <= bound), "low")


def recovery_band(minutes: float | None) -> str | None:
    """Under an hour elite, under a day high, a day up to a week medium, longer low."""
    if minutes is None or math.isnan(minutes):
        return None
    if minutes < 60:
        return "elite"
    if minutes < 1440:
        return "high"
    return "medium" if minutes <= 10080 else "low"


def ratio_interval(failed: np.ndarray, deployed: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Σ failed ÷ Σ deployed over replications, with the ratio estimator's t interval."""
    total = float(deployed.sum())
    if total == 0:
        return math.nan, math.nan, math.nan
    rate = float(failed.sum()) / total
    n = len(deployed)
    if n < 2:
        return rate, math.nan, math.nan
    residuals = failed - rate * deployed
    variance = float(np.sum(residuals**2)) / (n * (n - 1)) / (total / n) ** 2
    half = t_quantile(0.5 + level / 2, n - 1) * math.sqrt(variance)
    return rate, rate - half, rate + half


def dora_document(table: IncidentTable, practice: PracticeTable | None, scenario: Scenario,
                  replications: int) -> dict | None:
    """The DORA section of summary.json, for a scenario with deployments (None otherwise)."""
    modes = [mode.name for mode in scenario.failure_modes if mode.deployments is not None]
    if not modes or practice is None:
        return None
    columns = [practice.modes.index(name) for name in modes]
    deployed = practice.deployments[:, columns].sum(axis=1).astype(float)
    failing = np.isin(table.mode, modes)
    failed = np.bincount(table.replication[failing], minlength=replications).astype(float)[:replications]
    rate, low, high = ratio_interval(failed, deployed)
    values, reps, censored = metric_values(table.where(failing), "mttr")
    recovery = stats(values, reps, replications, censored)
    days = scenario.horizon / 1440
    return {
        "deployment_modes": modes,
        "deployments_per_day": float(deployed.sum() / (replications * days)),
        "deployments": int(deployed.sum()),
        "failed_deployments": int(failed.sum()),
        "change_failure_rate": {"value": rate, "ci_low": low, "ci_high": high,
                                "band": change_failure_band(rate)},
        "failed_deployment_recovery_time": {**recovery.as_dict(), "band": recovery_band(recovery.median)},
        "bands": {"change_failure_rate": "at most 5% elite, 10% high, 15% medium, above: low (DORA 2023 cluster "
                                         "values, read as upper bounds)",
                  "failed_deployment_recovery_time": "median under 1h elite, under 1d high, up to 1w medium, "
                                                     "longer: low (DORA)"},
    }


__all__ = ["BANDS", "CHANGE_FAILURE_BANDS", "change_failure_band", "dora_document",
           "ratio_interval", "recovery_band"]
