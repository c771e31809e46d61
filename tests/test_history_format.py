"""The incident-history format: every bad-row rule has a fixture and a file:line error naming the field; all
problems are listed at once; --skip-bad reads the rest; presets map their columns; time zones and daylight
saving give real elapsed times; what is written is read back unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from simulator.errors import DrillsimError
from simulator.history.fields import FIELDS
from simulator.history.format import HistoryError, Incident, read_history, severity_level, write_history
from simulator.history.phases import (
    ACKNOWLEDGEMENT,
    DECLARATION,
    DETECTION,
    MITIGATION,
    RESTORATION,
    groups,
    resolution,
    sample,
)
from simulator.history.presets import parse_mapping
from simulator.history.timestamps import parse_time, time_zone

FIXTURES = Path(__file__).parent / "fixtures" / "history"
PARIS = time_zone("Europe/Paris")


def problems_of(name: str, **options) -> list:
    with pytest.raises(HistoryError) as caught:
        read_history(FIXTURES / name, **options)
    return caught.value.problems


# One fixture per rule: (file, options, line, field, words the message must contain).
BAD_ROWS = [
    ("bad_time.csv", {}, 2, "detected_at", "cannot read 'yesterday at ten' as an ISO 8601 time"),
    ("no_zone.csv", {}, 2, "started_at", "has no time zone"),
    ("out_of_order.csv", {}, 2, "acknowledged_at", "times out of order: acknowledged_at"),
    ("over_a_year.csv", {}, 2, "mitigated_at", "over a year"),
    ("bad_severity.csv", {}, 2, "severity", "'urgent' is not a severity"),
    ("bad_cause.csv", {}, 2, "cause", "'cosmic rays' is not a cause"),
    ("bad_channel.csv", {}, 2, "channel", "'pager' is not a detection channel"),
    ("bad_mitigation.csv", {}, 2, "mitigation", "'reboot' is not a mitigation"),
    ("duplicate_incident.csv", {}, 3, "incident", "'INC-1' appears again (first on line 2)"),
    ("empty_mode.csv", {}, 2, "mode", "every incident needs its failure mode"),
    ("no_times.csv", {}, 2, "", "no times"),
    ("wrong_cell_count.csv", {}, 2, "", "5 cells for 9 columns"),
    ("bad_seconds.csv", {"preset": "analytics"}, 2, "seconds_to_first_ack (as acknowledged_at)",
     "'two minutes' is not a number of seconds"),
    ("dst_gap.csv", {"zone": PARIS}, 2, "started_at", "did not happen in Europe/Paris: the clocks went forward"),
    ("dst_repeated.csv", {"zone": PARIS}, 2, "started_at", "happened twice in Europe/Paris: the clocks went back"),
    ("not_json.jsonl", {}, 2, "", "not JSON"),
]


@pytest.mark.parametrize(("name", "options", "line", "field", "words"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_every_bad_row_rule_names_the_file_line_and_field(name, options, line, field, words):
    (problem,) = problems_of(name, **options)
    assert (problem.file, problem.line, problem.path) == (str(FIXTURES / name), line, field)
    assert words in problem.message
    assert str(problem).startswith(f"{FIXTURES / name}:{line}:")


def test_every_problem_is_listed_at_once():
    found = problems_of("several_bad.csv")
    assert [(p.line, p.path) for p in found] == [(3, "severity"), (4, "acknowledged_at"), (6, "resolved_at"),
                                                (6, "started_at")]


def test_skip_bad_reads_the_rest_and_says_what_it_left_out():
    history = read_history(FIXTURES / "several_bad.csv", skip_bad=True)
    assert [i.incident for i in history.incidents] == ["INC-1", "INC-4"]
    assert history.rows == 5
    assert history.skipped_lines == (3, 4, 6)
    assert len(history.skipped) == 4


@pytest.mark.parametrize(("name", "words"), [
    ("no_time_columns.csv", "no time columns"),
    ("empty.csv", "the file is empty"),
    ("missing.csv", "no such file"),
])
def test_a_file_that_is_not_a_history_is_refused_as_a_whole(name, words):
    (problem,) = problems_of(name)
    assert words in problem.message


def test_valid_csv_and_json_lines_read_the_same():
    from_csv = read_history(FIXTURES / "valid.csv")
    from_jsonl = read_history(FIXTURES / "valid.jsonl")
    assert [i.incident for i in from_csv.incidents] == ["INC-1", "INC-2", "INC-3"]
    for a, b in zip(from_csv.incidents, from_jsonl.incidents, strict=True):
        assert {f: getattr(a, f) for f in FIELDS} == {f: getattr(b, f) for f in FIELDS}
    first, second, third = from_csv.incidents
    assert (first.severity, second.severity, third.severity) == ("SEV2", "SEV3", "SEV3")
    assert third.line == 5  # a blank line is skipped, and counted
    assert third.declared_at is None and third.mitigated_at is None
    assert first.started_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert from_csv.as_of == datetime(2026, 3, 9, 8, 10, tzinfo=UTC)


def test_phases_are_observed_censored_or_unknown():
    history = read_history(FIXTURES / "valid.csv", as_of=datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    detect = sample(history, DETECTION)
    assert detect.values.tolist() == [4.0, 15.0, 2.0] and not detect.censored.any()
    declare = sample(history, DECLARATION)  # INC-3 has no declaration but later times: unknown, left out
    assert declare.incidents == ("INC-1", "INC-2") and declare.values.tolist() == [2.5, 1.0]
    mitigate = sample(history, MITIGATION)  # INC-3 is still open after its acknowledgement: censored
    assert mitigate.values.tolist() == [31.0, 45.0, 50.0]
    assert mitigate.censored.tolist() == [False, False, True]
    assert sample(history, ACKNOWLEDGEMENT).values.tolist() == [5.0, 15.0, 8.0]
    assert sample(history, RESTORATION).values.tolist() == [40.0, 75.0, 60.0]
    assert resolution(history) == pytest.approx(1 / 60)  # INC-1 was declared at 10:06:30
    assert list(groups(history)) == ["bad-deploy", "config-push"]


def test_resolution_is_a_minute_when_no_time_has_seconds(tmp_path):
    rows = [Incident("A", 2, started_at=datetime(2026, 1, 1, 9, 0, tzinfo=UTC),
                     detected_at=datetime(2026, 1, 1, 9, 5, tzinfo=UTC))]
    path = write_history(tmp_path / "h.csv", rows)
    assert resolution(read_history(path)) == 1.0
    rows.append(Incident("B", 3, started_at=datetime(2026, 1, 2, 9, 0, 30, tzinfo=UTC)))
    assert resolution(read_history(write_history(tmp_path / "h.csv", rows))) == pytest.approx(1 / 60)


def test_the_analytics_preset_maps_created_at_and_seconds_after_it():
    history = read_history(FIXTURES / "analytics.csv", preset="analytics")
    assert history.fields == {"incident", "severity", "detected_at", "acknowledged_at", "resolved_at"}
    a, b, c = history.incidents
    assert a.incident == "Q1ABC"
    assert a.detected_at == datetime(2026, 2, 3, 14, 0, tzinfo=UTC)
    assert a.acknowledged_at == a.detected_at + timedelta(minutes=2)
    assert a.resolved_at == a.detected_at + timedelta(hours=1)
    assert b.resolved_at is None  # still open
    assert c.acknowledged_at == c.detected_at + timedelta(seconds=45.5)
    assert a.started_at is None and a.mode is None


def test_the_lifecycle_preset_maps_the_milestones_and_the_id():
    history = read_history(FIXTURES / "lifecycle.csv", preset="lifecycle")
    first = history.incidents[0]
    assert first.incident == "7" and first.severity == "SEV1"
    minus_four = timezone(timedelta(hours=-4))
    assert first.started_at == datetime(2026, 4, 1, 8, 0, tzinfo=minus_four)
    assert first.mitigated_at == datetime(2026, 4, 1, 8, 50, tzinfo=minus_four)
    assert "name" not in history.fields


def test_a_preset_needs_its_columns():
    (problem,) = problems_of("valid.csv", preset="analytics")
    assert "the pagerduty-analytics preset needs the columns created_at, seconds_to_first_ack, seconds_to_resolve" in \
        problem.message


def test_map_reads_other_column_names_and_ignores_columns():
    history = read_history(FIXTURES / "no_time_columns.csv",
                           mapping=parse_mapping(["ticket=incident", "opened=started_at", "closed=resolved_at"]))
    (only,) = history.incidents
    assert only.incident == "1" and only.resolved_at - only.started_at == timedelta(hours=1)
    ignored = read_history(FIXTURES / "bad_cause.csv", mapping=parse_mapping(["cause="]))
    assert ignored.incidents[0].cause is None and "cause" not in ignored.fields


def test_map_mistakes_are_clear():
    with pytest.raises(DrillsimError, match="unknown field 'started'; did you mean 'started_at'"):
        parse_mapping(["opened=started"])
    with pytest.raises(DrillsimError, match="write COLUMN=FIELD"):
        parse_mapping(["opened"])
    found = problems_of("no_time_columns.csv", mapping={"openned": "started_at"})
    assert any("the file has no column 'openned'; did you mean 'opened'?" in p.message for p in found)


def test_local_times_follow_daylight_saving():
    history = read_history(FIXTURES / "local_times.csv", zone=PARIS)
    spring, autumn = history.incidents
    # 01:50 CET to 03:05 CEST is 15 minutes, not 75: the clocks went forward at 02:00.
    assert sample(history, DETECTION).values.tolist() == [15.0, 15.0]
    assert spring.started_at.utcoffset() == timedelta(hours=1)
    assert spring.detected_at.utcoffset() == timedelta(hours=2)
    # 01:55 CEST to 03:30 CET is 2h 35m, not 1h 35m: the clocks went back at 03:00.
    assert (autumn.resolved_at - autumn.mitigated_at) == timedelta(hours=2, minutes=35)


def test_explicit_offsets_win_over_the_named_zone():
    assert parse_time("2026-07-01T12:00:00Z", PARIS) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert parse_time("2026-07-01T12:00:00", PARIS).utcoffset() == timedelta(hours=2)


def test_an_unknown_zone_is_a_clear_error():
    with pytest.raises(DrillsimError, match="unknown time zone 'Europe/Pariss'"):
        time_zone("Europe/Pariss")


@pytest.mark.parametrize(("text", "level"), [("SEV1", "SEV1"), ("sev 2", "SEV2"), ("P3", "SEV3"), ("4", "SEV4"),
                                             ("Sev-5", "SEV5")])
def test_severities_are_read_in_their_common_spellings(text, level):
    assert severity_level(text) == level


def test_a_note_points_at_a_column_that_looks_like_a_field(tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("incident,started_at,acknowleged_at\nA,2026-01-01T00:00:00Z,2026-01-01T00:05:00Z\n")
    history = read_history(path)
    assert any("did you mean 'acknowledged_at'" in note for note in history.notes)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_what_is_written_is_read_back_unchanged(tmp_path, suffix):
    original = read_history(FIXTURES / "valid.csv")
    path = write_history(tmp_path / f"again{suffix}", original.incidents)
    again = read_history(path)
    for a, b in zip(original.incidents, again.incidents, strict=True):
        assert {f: getattr(a, f) for f in FIELDS} == {f: getattr(b, f) for f in FIELDS}


def test_an_export_time_before_the_last_time_is_refused():
    with pytest.raises(DrillsimError, match="before the latest time in the file"):
        read_history(FIXTURES / "valid.csv", as_of=datetime(2026, 3, 1, tzinfo=UTC))


def test_durations_are_real_elapsed_minutes_across_offsets():
    history = read_history(FIXTURES / "valid.csv")
    second = history.incidents[1]
    assert np.isclose((second.mitigated_at - second.started_at) / timedelta(minutes=1), 75.0)


@pytest.mark.parametrize("text", ["2026-01-05 14:00:00 UTC", "2026-01-05 09:00:00 -0500", "2026-01-05T14:00:00Z",
                                  "2026-01-05 15:00:00+01:00"])
def test_times_are_read_in_the_spellings_exports_use(text):
    assert parse_time(text) == datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
