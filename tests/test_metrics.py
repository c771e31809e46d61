"""Metrics from hand-made event logs and incident tables, where every answer is known."""

import math

import numpy as np
import pytest
from blas_threads import outputs_by_blas_threads

from simulator.analysis.streams import analysis_rng
from simulator.errors import DrillsimError
from simulator.events import Event
from simulator.results.metrics import (
    METRICS,
    IncidentTable,
    exposure_ci,
    incident_table,
    mean_ci,
    metric_key,
    metric_values,
    stats,
    summarize,
    t_quantile,
)


def life(replication, incident, onset, *, detected=None, acknowledged=None, waited=0.0, escalated=False,
         mitigated=None, resolved=None, cleaned_up=None, severity="SEV3", responder="Ana", channel="monitoring"):
    """The events of one incident, as far as it got; each time is minutes since the replication started."""
    def event(time, phase, action, actor="system", detail=None):
        return Event(time, replication, incident, phase, action, actor, detail)

    out = [event(onset, "detection", "onset", detail={"mode": "m", "cause": "deployment", "severity": severity})]
    if detected is not None:
        out += [event(detected, "detection", "detected", channel, {"channel": channel}),
                event(detected, "detection", "declared", "on-call"),
                event(detected, "response", "paged", "pager"),
                event(detected + waited, "response", "page_delivered", "Ana", {"level": 1, "waited": waited})]
    if escalated:
        out += [event(detected + waited + 15, "response", "page_missed", "Ana", {"level": 1}),
                event(detected + waited + 15, "response", "escalated", "pager", {"level": 2, "to": [responder]})]
    if acknowledged is not None:
        out += [event(acknowledged, "response", "acknowledged", responder,
                      {"level": 2 if escalated else 1, "waited": waited})]
    if mitigated is not None:
        out += [event(mitigated - 5, "response", "mitigation_started", "Ops lead", {"mitigation": "rollback"}),
                event(mitigated, "response", "mitigated", "Ops lead", {"mitigation": "rollback"})]
    if resolved is not None:
        out += [event(resolved, "resolution", "resolved", responder)]
    if cleaned_up is not None:
        out += [event(cleaned_up, "resolution", "cleaned_up", "Ops lead"),
                event(cleaned_up, "learning", "postmortem_skipped", "Incident Commander", {"severity": severity})]
    else:
        out += [event(1000, "learning", "open_at_horizon", detail={"state": "..."})]
    return out


# Replication 1 is logged first: the table orders rows by (replication, incident) whatever the log's order.
EVENTS = [
    *life(1, 1, 20),  # open before detection
    *life(1, 2, 50, detected=52, acknowledged=60, mitigated=70, resolved=80, cleaned_up=90),
    *life(1, 3, 200, detected=210, acknowledged=215, mitigated=300, resolved=310, cleaned_up=320, severity="SEV1"),
    *life(0, 1, 10, detected=14, acknowledged=22, mitigated=40, resolved=50, cleaned_up=110),
    *life(0, 2, 100, detected=130, waited=5.0, escalated=True, acknowledged=160, responder="Chen",
          channel="customer_report"),
]


@pytest.fixture
def table():
    return incident_table(EVENTS)


def test_the_incident_table_has_one_row_per_incident_in_order(table):
    assert len(table) == 5
    assert table.replication.tolist() == [0, 0, 1, 1, 1]
    assert table.incident.tolist() == [1, 2, 1, 2, 3]
    assert table.onset.tolist() == [10, 100, 20, 50, 200]
    np.testing.assert_array_equal(table.detected, [14, 130, np.nan, 52, 210])
    np.testing.assert_array_equal(table.acknowledged, [22, 160, np.nan, 60, 215])
    np.testing.assert_array_equal(table.mitigated, [40, np.nan, np.nan, 70, 300])
    np.testing.assert_array_equal(table.resolved, [50, np.nan, np.nan, 80, 310])
    np.testing.assert_array_equal(table.cleaned_up, [110, np.nan, np.nan, 90, 320])
    np.testing.assert_array_equal(table.waited, [0, 5, np.nan, 0, 0])
    assert table.escalated.tolist() == [False, True, False, False, False]
    assert table.responder.tolist() == ["Ana", "Chen", "", "Ana", "Ana"]
    assert table.channel.tolist() == ["monitoring", "customer_report", "", "monitoring", "monitoring"]
    assert table.mitigation.tolist() == ["rollback", "", "", "rollback", "rollback"]
    assert table.severity.tolist() == ["SEV3", "SEV3", "SEV3", "SEV3", "SEV1"]
    assert (table.severity == "SEV1").tolist() == [False, False, False, False, True]
    assert set(table.columns()) >= {"replication", "incident", "waited", "onset", "mitigated"}


def test_plain_tuples_make_the_same_table(table):
    same = incident_table(tuple(e) for e in EVENTS)
    for column in IncidentTable.columns():
        np.testing.assert_array_equal(getattr(same, column), getattr(table, column))


def test_rows_and_concat(table):
    rows = list(table.rows())
    assert rows[1]["responder"] == "Chen" and rows[1]["escalated"] is True
    both = IncidentTable.concat([table, table])
    assert len(both) == 10
    assert both.responder.tolist() == table.responder.tolist() * 2
    assert len(IncidentTable.concat([])) == 0


@pytest.mark.parametrize(
    ("metric", "values", "replications", "censored"),
    [
        ("mttd", [4, 30, 2, 10], [0, 0, 1, 1], 1),
        ("mtta", [8, 30, 8, 5], [0, 0, 1, 1], 1),  # detected → acknowledged
        ("mttr", [30, 20, 100], [0, 1, 1], 2),
        ("time_to_resolve", [40, 30, 110], [0, 1, 1], 2),
        ("mtbf", [10, 90, 20, 30, 150], [0, 0, 1, 1, 1], 0),  # within each replication, the first from 0
    ],
)
def test_metric_values_and_censored_counts(table, metric, values, replications, censored):
    got, reps, open_count = metric_values(table, metric)
    assert got.tolist() == values
    assert reps.tolist() == replications
    assert open_count == censored


def test_time_between_failures_sorts_onsets_within_each_replication():
    events = [*life(0, 2, 500), *life(0, 1, 100), *life(3, 1, 7), *life(0, 3, 400)]
    values, reps, _ = metric_values(incident_table(events), "mtbf")
    assert values.tolist() == [100, 300, 100, 7]  # 0 → 100 → 400 → 500; replication 3: 0 → 7
    assert reps.tolist() == [0, 0, 0, 3]


def test_percentiles_and_extremes():
    s = stats(np.arange(101.0), np.zeros(101, dtype=int), replications=1)
    assert (s.count, s.censored, s.mean, s.median, s.p90, s.p95, s.p99, s.max) == (101, 0, 50, 50, 90, 95, 99, 100)
    assert math.isnan(s.ci_low) and math.isnan(s.ci_high)  # one replication: no interval


def test_percentiles_interpolate_between_values():
    s = stats(np.array([10.0, 20.0, 30.0, 40.0]), np.zeros(4, dtype=int), replications=1)
    assert s.median == 25.0
    assert s.p90 == pytest.approx(37.0)  # 30 + 0.7 × 10
    assert s.mean == 25.0 and s.max == 40.0


def test_no_values_at_all():
    s = stats(np.array([]), np.array([], dtype=int), replications=10, censored=3)
    assert (s.count, s.censored) == (0, 3)
    assert all(math.isnan(v) for v in (s.mean, s.median, s.p99, s.max, s.ci_low, s.ci_high))
    assert s.as_dict() == {"count": 0, "censored": 3, "mean": None, "median": None, "p90": None, "p95": None,
                           "p99": None, "max": None, "ci_low": None, "ci_high": None, "restricted_to": None,
                           "beyond_follow_up": [], "follow_up": None}


@pytest.mark.parametrize(
    ("p", "dof", "value"),
    [
        (0.975, 1, 12.706205),
        (0.975, 2, 4.302653),
        (0.975, 3, 3.182446),
        (0.975, 4, 2.776445),
        (0.975, 5, 2.570582),
        (0.975, 10, 2.228139),
        (0.975, 30, 2.042272),
        (0.975, 100, 1.983972),
        (0.95, 3, 2.353363),
        (0.995, 4, 4.604095),
        (0.995, 9, 3.249836),
        (0.995, 39, 2.707913),
        (0.9995, 3, 12.923979),
        (0.025, 10, -2.228139),
        (0.5, 7, 0.0),
    ],
)
def test_t_quantile_matches_the_tables(p, dof, value):
    assert t_quantile(p, dof) == pytest.approx(value, abs=2e-6)


def test_t_quantile_tends_to_the_normal_and_has_none_without_freedom():
    assert 1.959964 < t_quantile(0.975, 100_000) < 1.960000  # just above z(0.975) = 1.959964
    assert math.isnan(t_quantile(0.975, 0))


def test_one_value_per_replication_gives_the_textbook_interval():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    mean, low, high = mean_ci(values, np.arange(5), replications=5)
    half = 2.776445 * math.sqrt(2.5 / 5)  # t(0.975, 4) × s / √n
    assert mean == 3.0
    assert (low, high) == (pytest.approx(3 - half, abs=1e-5), pytest.approx(3 + half, abs=1e-5))


def test_the_interval_counts_replications_without_values():
    """Replication 2 had no incident: it adds no residual, but it counts as a replication."""
    mean, low, high = mean_ci(np.array([12.0, 14.0]), np.array([0, 1]), replications=3)
    # Residuals (−1, 1, 0); mean count 2/3: variance 2 / (3 × 2) / (2/3)² = 0.75.
    half = 4.302653 * math.sqrt(0.75)
    assert mean == 13.0
    assert high - mean == pytest.approx(half, abs=1e-5) and mean - low == pytest.approx(half, abs=1e-5)


def test_the_interval_of_a_mean_that_cannot_be_negative_stops_at_zero():
    """Two replications give a wide t interval; for durations it ends at 0, not at minus two hours."""
    mean, low, high = mean_ci(np.array([2.0, 4.0]), np.array([0, 1]), replications=3)
    assert mean == 3.0 and low == 0.0 and high == pytest.approx(3 + 4.302653 * math.sqrt(0.75), abs=1e-5)
    mean, low, high = mean_ci(np.array([-2.0, 4.0]), np.array([0, 1]), replications=3)  # signed values: as is
    assert low == pytest.approx(1 - 4.302653 * math.sqrt(6.75), abs=1e-5) and low < 0


def test_the_interval_uses_replications_not_incidents_as_units():
    """Ten identical incidents in each of two replications are two observations, not twenty."""
    values = np.array([1.0] * 10 + [3.0] * 10)
    replication = np.array([0] * 10 + [1] * 10)
    mean, low, high = mean_ci(values, replication, replications=2)
    # Totals 10 and 30 around 2 × 10: residuals ±10; variance 200 / 2 / 10² = 1; t(0.975, 1) × 1.
    assert mean == 2.0
    assert high - mean == pytest.approx(12.706205, abs=1e-5) and low == 0.0  # 2 − 12.7 stops at 0


def test_the_interval_narrows_as_replications_grow():
    pattern = np.array([1.0, 2.0, 3.0, 4.0])
    widths = []
    for k in (1, 4, 16):
        values = np.tile(pattern, k)
        _, low, high = mean_ci(values, np.arange(4 * k), replications=4 * k)
        # The same sample k times over: residual sum of squares 5k over R = 4k replications.
        expected = 2 * t_quantile(0.975, 4 * k - 1) * math.sqrt(5 * k / (4 * k * (4 * k - 1)))
        if 4 * k < 30:
            assert high - low == pytest.approx(expected)
        else:  # from 30 replications on, also the bootstrap-t's span: for symmetric values, hardly wider
            assert expected <= high - low <= 1.05 * expected
        widths.append(high - low)
    assert widths[0] > widths[1] > widths[2]


def test_a_wider_level_gives_a_wider_interval():
    values = np.array([1.0, 2.0, 4.0, 8.0])
    _, _, high95 = mean_ci(values, np.arange(4), 4)
    _, _, high99 = mean_ci(values, np.arange(4), 4, level=0.99)
    assert (high99 - 3.75) / (high95 - 3.75) == pytest.approx(t_quantile(0.995, 3) / t_quantile(0.975, 3))


def test_summarize_covers_every_metric(table):
    summary = summarize(table, replications=2)
    assert set(summary) == set(METRICS)
    assert (summary["mttr"].count, summary["mttr"].censored, summary["mttr"].mean) == (3, 2, 50.0)
    assert (summary["mtbf"].count, summary["mtbf"].mean) == (5, 60.0)  # without a horizon: the gaps' mean
    watched = summarize(table, replications=2, horizon=1000)["mtbf"]
    assert (watched.count, watched.censored, watched.mean) == (5, 2, 400.0)  # 2 × 1000 minutes ÷ 5 failures
    # Percentiles are Kaplan–Meier's, with the gaps still open at the horizon (900 and 800 minutes) censored:
    # S falls by 1/7 at 10, 20, 30 and 90 (3/7 < 1/2 at 90) and stays at 2/7 after 150.
    assert watched.median == 90.0
    assert watched.beyond_follow_up == ("p90", "p95", "p99") and math.isnan(watched.p90)
    assert summary["mttd"].median == 7.0
    empty = summarize(incident_table([]), replications=5)
    assert all(s.count == 0 for s in empty.values())


def test_exposure_interval_matches_the_ratio_estimator_of_exposure_over_counts():
    # Replications 0..3 watched 100 minutes each and saw 1, 3, 0 and 4 failures: 400 minutes ÷ 8 failures.
    replication = np.array([0, 1, 1, 1, 3, 3, 3, 3])
    mean, low, high = exposure_ci(replication, 4, 100.0)
    assert mean == 50.0
    counts = np.array([1, 3, 0, 4])
    residual = 100.0 - mean * counts
    half = t_quantile(0.975, 3) * math.sqrt(np.sum(residual**2) / (4 * 3)) / (8 / 4)
    assert (low, high) == (max(mean - half, 0.0), pytest.approx(mean + half))  # a time between events is >= 0
    assert math.isnan(exposure_ci(replication, 1, 100.0)[1])


def test_one_vocabulary_names_every_metric():
    assert list(METRICS) == ["mttd", "mtta", "mttr", "mtbf", "time_to_resolve"]
    assert all(key == metric.key for key, metric in METRICS.items())
    assert [key for key, metric in METRICS.items() if not metric.lower_is_better] == ["mtbf"]
    assert METRICS["mttr"].title == "MTTR (time to restore)"
    assert METRICS["time_to_resolve"].title == "Time to resolve"
    assert METRICS["mttr"].definition == "time to restore: onset → service restored"
    assert (METRICS["mtbf"].one, METRICS["mtbf"].many) == ("gap", "gaps between failures")


def test_metric_keys_are_read_as_people_write_them():
    assert metric_key("MTTR") == "mttr" and metric_key(" time-to-resolve ") == "time_to_resolve"
    assert metric_key("Time to resolve") == "time_to_resolve"
    with pytest.raises(DrillsimError, match="unknown metric 'mttx'; metrics: mttd, mtta, mttr, mtbf"):
        metric_key("mttx")


def test_analysis_streams_repeat_and_stay_apart_from_the_simulation():
    first = analysis_rng(7).random(5)
    assert np.array_equal(first, analysis_rng(7).random(5))
    assert not np.array_equal(first, analysis_rng(7, 1).random(5))
    assert not np.array_equal(first, analysis_rng(8).random(5))


def test_intervals_are_the_same_bits_whatever_the_number_of_blas_threads():
    """The bootstrap-t's resampled sums and Cox's sums of squares do not depend on how BLAS splits work between
    the machine's cores: one thread or two give the same interval to the last bit."""
    code = ("import numpy as np\n"
            "from simulator.results.intervals import lognormal_interval, studentized_interval\n"
            "rng = np.random.default_rng(11)\n"
            "for n in (300, 3_000, 30_000):\n"
            "    totals, counts = rng.lognormal(3, 1, n) * 2, rng.poisson(2, n).astype(float) + 1\n"
            "    print(repr(studentized_interval(totals, counts)))\n"
            "    print(repr(lognormal_interval(rng.lognormal(3, 0.6, 10 * n))))\n")
    found = outputs_by_blas_threads(code)
    assert len(found) == 1 and "nan" not in found.pop()
