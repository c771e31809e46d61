"""Availability, the error budget, OKRs and DORA's metrics, checked on runs whose every number is known: failures
every day exactly, each restored 28 minutes after onset."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from simulator import api, parse_scenario, simulate
from simulator.analysis.budget import availability, key_result_values, okr_document, reliability_document
from simulator.analysis.dora import change_failure_band, dora_document, recovery_band
from simulator.analysis.practice_summary import practice_sections
from simulator.results.metrics import incident_table

# Onsets exactly every day (a constant gap): in 10 days, at days 1 to 9. Each is restored after 6m + 4m + 3m +
# 5m + 10m = 28m, and makes 5% of requests fail.
CLOCKWORK = """
name: clockwork
horizon: 10d
replications: 4
seed: 2
slo: {{objective: 0.999}}
team: {{responders: 5, secondary: null, acknowledge: 3m, assemble: 5m}}
policy: {{declare_after: 4m, confirm: 15m, cleanup: 1h}}
failure_modes:
  - name: deploy
    cause: deployment
    every: 1d
    impact: 0.05
    severity: SEV2
    detection: {{monitoring: {{delay: 6m}}}}
    mitigations:
      rollback: {{duration: 10m, success: 1}}
      debug: {{duration: 1h}}
{extra}
"""
INCIDENTS, TTR, IMPACT, HORIZON = 9, 28.0, 0.05, 14400.0
BAD = INCIDENTS * TTR * IMPACT  # 12.6 minutes of full outage


def clockwork(extra: str = ""):
    return parse_scenario(CLOCKWORK.format(extra=extra))


@pytest.fixture(scope="module")
def run():
    scenario = clockwork("""okrs:
  period: 5d
  key_results:
    - {metric: incidents, at_most: 4}
    - {metric: mttr, statistic: p90, at_most: 30m}
    - {metric: availability, at_least: 99.91%}
    - {metric: error_budget, at_most: 50%}""")
    return scenario, simulate(scenario, keep_events=False, workers=1)


def test_constant_incidents_give_an_exact_availability(run):
    scenario, results = run
    per = availability(results.incidents, scenario, results.replications)
    assert np.allclose(per, 1 - BAD / HORIZON)
    document = reliability_document(results.incidents, scenario, results.replications)
    assert document["availability"]["mean"] == pytest.approx(1 - BAD / HORIZON)
    assert document["error_budget_minutes"] == pytest.approx(0.001 * HORIZON)
    assert document["budget_consumed"]["mean"] == pytest.approx(BAD / (0.001 * HORIZON))
    assert document["meets_slo"]["share"] == 1.0
    assert document["unavailability_by_mode"]["deploy"] == pytest.approx(BAD / HORIZON)


def test_an_incident_open_at_the_horizon_counts_until_the_horizon():
    scenario = clockwork()
    table = incident_table([
        (100.0, 0, 1, "detection", "onset", "system", {"mode": "deploy", "cause": "deployment", "severity": "SEV2"}),
        (HORIZON - 40, 0, 2, "detection", "onset", "system", {"mode": "deploy", "cause": "deployment",
                                                               "severity": "SEV2"}),
        (130.0, 0, 1, "response", "mitigated", "Ops lead", {"mitigation": "rollback"}),
    ])
    assert availability(table, scenario, 1)[0] == pytest.approx(1 - IMPACT * (30 + 40) / HORIZON)


def test_okrs_are_judged_per_period(run):
    """Two 5-day periods: 4 incidents in the first (days 1–4), 5 in the second (days 5–9). At most 4: met in
    half the periods. The p90 of 28m is under 30m, and each period's availability 1 − n × 1.4 / 7200 meets
    99.91% in the first only; half the budget is 3.6m: 5.6m and 7m exceed it."""
    scenario, results = run
    document = okr_document(results.incidents, scenario, results.replications)
    shares = [result["share"] for result in document["key_results"]]
    assert shares == [0.5, 1.0, 0.5, 0.0]
    assert document["all"]["share"] == 0.0
    assert document["periods_per_replication"] == 2
    counts = key_result_values(scenario.okrs.key_results[0], results.incidents, scenario, results.replications)
    assert counts.tolist() == [[4, 5]] * results.replications
    values = key_result_values(scenario.okrs.key_results[2], results.incidents, scenario, results.replications)
    assert np.allclose(values, [[1 - 4 * TTR * IMPACT / 7200, 1 - 5 * TTR * IMPACT / 7200]])


def test_okr_labels_read_as_people_write_them(run):
    scenario, _ = run
    labels = [result.label for result in scenario.okrs.key_results]
    assert labels == ["at most 4 incidents", "MTTR p90 at most 30m", "availability at least 99.91%",
                      "error budget consumed at most 50%"]


def test_drills_are_left_out_of_availability_and_reported_apart():
    scenario = clockwork("chaos: {injections: [{mode: deploy, at: 2026-01-03T12:00, name: drill}]}\n"
                         "start: 2026-01-01T00:00")
    results = api.run(scenario, replications=2, workers=1)
    document = practice_sections(results)
    assert document["reliability"]["availability"]["mean"] == pytest.approx(1 - BAD / HORIZON)
    assert document["reliability"]["drills_budget_consumed"]["mean"] == pytest.approx(TTR * IMPACT / 14.4)
    assert document["practices"]["drills"]["incidents"] == 2
    assert results.summary()["mttr"].count == INCIDENTS * 2


# ── DORA ───────────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("rate, band", [(0.0, "elite"), (0.05, "elite"), (0.0501, "high"), (0.10, "high"),
                                        (0.12, "medium"), (0.15, "medium"), (0.16, "low"), (0.64, "low")])
def test_change_failure_rates_get_doras_bands(rate, band):
    assert change_failure_band(rate) == band


@pytest.mark.parametrize("minutes, band", [(5, "elite"), (59.9, "elite"), (60, "high"), (1439, "high"),
                                           (1440, "medium"), (10080, "medium"), (10081, "low"), (50000, "low")])
def test_recovery_times_get_doras_bands(minutes, band):
    assert recovery_band(minutes) == band


def test_change_failure_rate_matches_the_configured_one():
    scenario = parse_scenario(CLOCKWORK.format(extra="").replace(
        "every: 1d", "deployments: {rate: 30/d, change_failure_rate: 0.08}").replace("horizon: 10d", "horizon: 20d")
        .replace("replications: 4", "replications: 20"))
    results = api.run(scenario, workers=1)
    document = dora_document(results.incidents, results.practice, scenario, results.replications)
    cfr = document["change_failure_rate"]
    assert cfr["ci_low"] < 0.08 < cfr["ci_high"]
    assert cfr["ci_high"] - cfr["ci_low"] < 0.02
    assert cfr["band"] in ("elite", "high")
    assert document["deployments_per_day"] == pytest.approx(30, rel=0.05)
    recovery = document["failed_deployment_recovery_time"]
    assert recovery["median"] == pytest.approx(TTR) and recovery["band"] == "elite"


def test_summary_json_holds_the_new_sections(tmp_path):
    scenario = clockwork("practices: {confirmation: {anecdote: 0.5}}")
    results = api.run(scenario, workers=1)
    api.write_results(results, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert {"reliability", "practices"} <= set(summary)
    reopened = summary["practices"]["reopened"]
    assert 0 <= reopened["share"] <= 1 and reopened["of"] > 0
    assert not math.isnan(summary["reliability"]["availability"]["mean"])


def test_overlapping_incidents_count_once_at_the_larger_impact():
    """Replication 0: a 50% incident over minutes 100–200 and a 100% one over 150–300 overlap for 50 minutes:
    50 × 0.5 + 150 × 1.0 = 175 bad minutes, not 50 + 150 = 200. A 30% one inside the first (120–140) adds
    nothing. Replication 1: three full outages over the same hour count as one hour. Neither goes below 0."""
    from simulator.analysis.budget import open_minutes, union_minutes

    def onset(time, rep, number, mode):
        return (time, rep, number, "detection", "onset", "system", {"mode": mode, "cause": "deployment",
                                                                       "severity": "SEV2"})

    def restored(time, rep, number):
        return (time, rep, number, "response", "mitigated", "Ops lead", {"mitigation": "rollback"})

    table = incident_table([
        onset(100.0, 0, 1, "half"), onset(120.0, 0, 2, "third"), restored(140.0, 0, 2), onset(150.0, 0, 3, "full"),
        restored(200.0, 0, 1), restored(300.0, 0, 3),
        *[event for number in (1, 2, 3) for event in (onset(60.0, 1, number, "full"), restored(120.0, 1, number))],
    ])
    impact = {"half": 0.5, "third": 0.3, "full": 1.0}
    found = open_minutes(table, impact, 1000.0)[:, 0]
    assert found.tolist() == pytest.approx([175.0, 60.0])
    spans = np.array([[0.0, 160.0], [160.0, 1000.0]])  # per period, the same rule within each period
    assert open_minutes(table, impact, 1000.0, spans)[0].tolist() == pytest.approx([50 * 0.5 + 10, 140.0])
    busy = open_minutes(table, {"half": 1.0, "third": 1.0, "full": 1.0}, 250.0)[:, 0]
    assert busy.tolist() == pytest.approx([150.0, 60.0]) and (1 - busy / 250.0 >= 0).all()
    assert union_minutes(np.array([0, 0, 1]), np.array([0.0, 5.0, 1.0]), np.array([10.0, 7.0, 2.0]), 3).tolist() \
        == [10.0, 1.0, 0.0]
    # Rows out of order (replication 1 first, a later span before an earlier one) are sorted first: the same
    # minutes as in order, where a span that starts later but was listed first must not hide the earlier one.
    assert union_minutes(np.array([1, 0, 0]), np.array([1.0, 5.0, 0.0]), np.array([2.0, 7.0, 3.0]), 3).tolist() \
        == [5.0, 1.0, 0.0]
