"""The paired estimator: Kaplan–Meier restricted means and medians per bootstrap resample, and when a verdict
has an honest answer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from blas_threads import outputs_by_blas_threads
from typer.testing import CliRunner

from simulator.analysis import paired
from simulator.cli import app
from simulator.results import survival

TIMES = np.array([1.0, 2.0, 3.0, 4.0])
ENDED = np.array([True, False, True, True])
REPS = np.array([0, 0, 1, 1])


def test_the_restricted_mean_and_median_by_hand():
    # S: 3/4 after 1, the cut-short 2 leaves two at risk, 3/8 after 3, 0 after 4.
    found = paired.Durations(TIMES, ENDED, REPS, 2)
    assert found.mean == pytest.approx(1 + 0.75 * 2 + 0.375 * 1)
    assert found.mean == pytest.approx(survival.restricted_mean(TIMES, ENDED).mean)
    assert found.median == 3.0 == survival.kaplan_meier(TIMES, ENDED).quantile(0.5)
    assert found.tail == 0.0 and found.known == (True, True)
    cut = paired.Durations(TIMES, ENDED, REPS, 2, tau=2.5)
    assert cut.mean == pytest.approx(1 + 0.75 * 1.5) and cut.tail == pytest.approx(0.75)
    assert not cut.known_mean  # three quarters outlast τ: its mean is not known


def test_a_resample_is_the_estimate_on_the_replications_drawn():
    found = paired.Durations(TIMES, ENDED, REPS, 2)
    means, medians, _ = found.statistics(np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]]))
    # Replication 0 twice: S is 1/2 after 1, and stays there (the curve is carried up to the whole sample's
    # last time, 4, as every resample's is): 1 + 1/2 × 3.
    assert means[0] == pytest.approx(2.5) and means[1] == pytest.approx(3.5)
    assert means[2] == pytest.approx(found.mean) and medians[1] == 3.0


def test_without_anything_cut_short_it_is_the_plain_mean_and_median():
    times = np.array([5.0, 1.0, 3.0, 10.0, 7.0])
    found = paired.Durations(times, np.ones(5, bool), np.array([0, 1, 0, 1, 2]), 3)
    assert (found.mean, found.median) == (pytest.approx(5.2), 5.0)
    both = paired.Durations(times, np.ones(5, bool), np.array([0, 1, 0, 1, 2]), 3, survival=True)
    assert both.mean == pytest.approx(5.2) and both.median == 5.0  # Kaplan–Meier's lower median


def test_the_restriction_is_set_by_runs_whose_longest_observation_is_still_open():
    ended_last = (np.array([1.0, 9.0]), np.array([False, True]))
    open_last = (np.array([1.0, 6.0]), np.array([True, False]))
    assert paired.restriction(ended_last) == math.inf
    assert paired.restriction(ended_last, open_last, (np.array([8.0]), np.array([False]))) == 6.0


def test_a_verdict_needs_the_lower_run_known():
    assert paired.honest(-5, True, True, True)
    assert not paired.honest(-5, True, False, True)  # the variant looks lower, but its tail is unknown
    assert paired.honest(+5, True, False, True)  # the variant is slower, whatever its tail adds
    assert not paired.honest(0, True, False, False)  # no difference needs both known


SCENARIO = """\
name: heavy censoring
horizon: 4d
replications: 20
seed: 5
team: {responders: 20, acknowledge: 2m}
policy: {declare_after: 1m, mitigation: debug-first, confirm: 5m, cleanup: 10m}
failure_modes:
  - name: stuck
    cause: capacity
    every: {kind: exponential, mean: 1d}
    detection:
      monitoring: {delay: 4m}
    mitigations:
      debug: {duration: 5d}
  - name: quick
    cause: capacity
    every: {kind: exponential, mean: 1d}
    detection:
      monitoring: {delay: 4m}
    mitigations:
      debug: {duration: 10m}
"""


def test_compare_exits_3_when_the_horizon_leaves_no_honest_answer(tmp_path):
    """Half the repairs take 5 days in a 4-day horizon: half the incidents are never restored, and a variant that
    changes nothing cannot honestly be called no different either: what those add to the mean is unknown."""
    path = tmp_path / "stuck.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    result = CliRunner().invoke(app, ["compare", str(path), "--set", "same:policy.confirm=5m", "-n", "20",
                                      "--resamples", "200", "--workers", "1", "--fail-if-worse", "mttr"])
    assert result.exit_code == 3, result.output
    assert "no honest answer" in result.output


def test_min_effect_is_a_share_of_the_baseline_or_a_duration():
    from simulator.analysis.compare import MinEffect, parse_min_effect
    from simulator.errors import DrillsimError

    assert parse_min_effect(None) == MinEffect(0.05) == parse_min_effect("5%")
    assert parse_min_effect("5m") == MinEffect(None, 5.0) and parse_min_effect("0") == MinEffect(0.0)
    assert parse_min_effect("10%").threshold(90.0) == pytest.approx(9.0)
    assert parse_min_effect("1h").threshold(90.0) == 60.0
    with pytest.raises(DrillsimError, match="--min-effect"):
        parse_min_effect("lots")


@pytest.mark.parametrize(("difference", "low", "high", "verdict"), [
    (-0.53, -0.8, -0.3, "no difference that matters"),  # 1% lower, surely, but 1% does not matter
    (-10.0, -14.0, -6.0, "better"),
    (+10.0, +6.0, +14.0, "worse"),
    (-2.0, -8.0, -0.5, "unclear whether it matters"),  # detected, below 5m, the interval reaches beyond
    (+1.0, -9.0, +11.0, "no detectable difference"),
    (0.0, 0.0, 0.0, "no difference that matters"),
])
def test_three_kinds_of_verdict_with_the_smallest_difference_that_matters(difference, low, high, verdict):
    from simulator.analysis.compare import Difference

    # Baseline mean 53m, the smallest difference that matters 5m.
    found = Difference("proposed", "mttr", "mean", 53.0, 53.0 + difference, difference, low, high, 0.5,
                       min_effect=5.0)
    assert found.verdict == verdict
    assert ("±5m" in found.sentence()) == (verdict not in ("better", "worse"))


def test_comms_per_severity_read_the_incident_table():
    """Replication 0: a SEV1 declared at 20, updates at 50 (on time), 100 (late) and 120, restored at 130:
    3 updates, 1 late, longest silence 50m. Replication 1: a SEV1 declared at 10, one update at 40, restored at
    60: silence 30m. A SEV3 that was never declared counts nowhere. Per period: 1 SEV1, 2 updates, 0.5 late."""
    from simulator.analysis.comms import comms_document
    from simulator.results.metrics import incident_table

    def event(time, rep, kind, detail=None):
        return (time, rep, 1 if time < 500 else 2, "response", kind, "Comms lead", detail or {})

    def onset(time, rep, severity):
        return (time, rep, 1 if time < 500 else 2, "detection", "onset", "system",
                {"mode": "m", "cause": "deployment", "severity": severity})

    table = incident_table([
        onset(0.0, 0, "SEV1"), event(20.0, 0, "declared"), event(50.0, 0, "status_update", {"on_time": True}),
        event(100.0, 0, "status_update", {"on_time": False}), event(120.0, 0, "status_update", {"on_time": True}),
        event(130.0, 0, "mitigated", {"mitigation": "rollback"}),
        onset(0.0, 1, "SEV1"), event(10.0, 1, "declared"), event(40.0, 1, "status_update", {"on_time": True}),
        event(60.0, 1, "mitigated", {"mitigation": "rollback"}),
        onset(600.0, 1, "SEV3"),
    ])
    assert table.updates.tolist() == [3, 1, 0] and table.longest_silence[:2].tolist() == [50.0, 30.0]
    found = comms_document(table, 2, 1000.0)
    assert set(found["severities"]) == {"SEV1", "all"}
    sev1 = found["severities"]["SEV1"]
    assert (sev1["incidents_per_period"], sev1["updates_per_period"], sev1["updates_per_incident"]) == (1.0, 2.0, 2.0)
    assert (sev1["late_updates_per_period"], sev1["late_share"]) == (0.5, 0.25)
    assert sev1["longest_silence"] == {"median": 40.0, "p90": 48.0, "max": 50.0}
    assert found["severities"]["all"] == sev1


def test_resampled_statistics_are_the_same_bits_whatever_the_number_of_blas_threads():
    """A comparison's resampled means (plain and restricted) and medians do not depend on how BLAS would split
    a long product between the machine's cores: one thread or two give the same bits. Restricted means summed
    by BLAS's matrix-vector product came out different in their last bits from some thousands of replications."""
    code = ("import hashlib\n"
            "import numpy as np\n"
            "from simulator.analysis.paired import Durations\n"
            "rng = np.random.default_rng(3)\n"
            "reps = 5000\n"
            "times = rng.lognormal(3, 1, 14 * reps)\n"
            "replication = rng.integers(0, reps, 14 * reps)\n"
            "weights = rng.integers(0, 3, (60, reps)).astype(float)\n"
            "for ended in (np.ones(14 * reps, bool), np.arange(14 * reps) % 50 != 0):\n"
            "    found = Durations(times, ended, replication, reps).statistics(weights)\n"
            "    print(hashlib.sha256(b''.join(column.tobytes() for column in found)).hexdigest())\n")
    found = outputs_by_blas_threads(code)
    assert len(found) == 1
