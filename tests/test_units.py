"""Durations and rates with units to minutes, and minutes back to text people read."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.units import format_duration, format_share, parse_duration, parse_rate


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45s", 0.75),
        ("5m", 5.0),
        ("2h", 120.0),
        ("3d", 4320.0),
        ("1w", 10080.0),
        ("1h 30m", 90.0),
        ("1h30m", 90.0),
        ("1d 2h 3m 30s", 1440 + 120 + 3 + 0.5),
        ("1.5h", 90.0),
        (".5h", 30.0),
        ("  5m ", 5.0),
        ("2 days", 2880.0),
        ("10 minutes", 10.0),
        ("1W", 10080.0),
        ("0s", 0.0),
        ("0", 0.0),
        (0, 0.0),
        (0.0, 0.0),
    ],
)
def test_parse_duration(text, minutes):
    assert parse_duration(text) == pytest.approx(minutes, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (12, ["no unit", "'12m'"]),
        ("12", ["no unit", "'12m'"]),
        (1.5, ["no unit", "'1.5m'"]),
        ("-5m", ["negative"]),
        (-5, ["negative"]),
        ("5m -3m", ["negative"]),
        ("5x", ["unknown unit 'x'", "s, m, h, d or w"]),
        ("3 fortnights", ["unknown unit 'fortnights'"]),
        ("abc", ["cannot read duration 'abc'", "'1h 30m'"]),
        ("5m 5", ["cannot read duration"]),
        ("", ["empty duration"]),
        ("   ", ["empty duration"]),
        (True, ["expected a duration"]),
        (None, ["expected a duration", "NoneType"]),
        ([5], ["expected a duration", "list"]),
        (math.inf, ["not finite"]),
        (math.nan, ["not finite"]),
    ],
)
def test_parse_duration_refuses_with_a_helpful_message(value, words):
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    for word in words:
        assert word in str(caught.value)


def test_a_bare_number_suggests_a_unit_it_could_not_guess():
    """A bare number is ambiguous (seconds? minutes?), so the message shows how to write it."""
    with pytest.raises(ValueError, match=r"duration 12 has no unit; write e\.g\. '12m' \(s, m, h, d or w\)"):
        parse_duration(12)


@pytest.mark.parametrize(
    ("text", "per_minute"),
    [
        ("2/w", 2 / 10080),
        ("1 / 3d", 1 / 4320),
        ("0.5/d", 0.5 / 1440),
        ("1/30d", 1 / 43200),
        ("3/h", 3 / 60),
        ("2/week", 2 / 10080),
        ("1/1h 30m", 1 / 90),
    ],
)
def test_parse_rate(text, per_minute):
    assert parse_rate(text) == pytest.approx(per_minute, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2", "expected a rate such as '2/w'"),
        (5, "expected a rate"),
        ("0/w", "must be positive"),
        ("-1/w", "must be positive"),
        ("x/w", "cannot read the count"),
        ("2/12", "no unit"),
        ("2/", "empty duration"),
        ("2/-1d", "negative"),
        ("2/0s", "must be positive"),
    ],
)
def test_parse_rate_refuses(value, words):
    with pytest.raises(ValueError, match=words):
        parse_rate(value)


@pytest.mark.parametrize(
    ("minutes", "precision", "text"),
    [
        (750, 2, "12h 30m"),
        (0.5, 2, "30s"),
        (4000, 2, "2d 19h"),  # 2d 18h 40m rounds to the hour
        (4000, 3, "2d 18h 40m"),
        (4000, 1, "3d"),
        (0, 2, "0s"),
        (0.004, 2, "0s"),  # a quarter of a second
        (1 / 60, 2, "1s"),
        (61, 2, "1h 1m"),
        (1440, 2, "1d"),
        (1445, 3, "1d 5m"),  # a zero unit in between is left out
        (10080, 2, "7d"),  # days, not weeks
        (129600, 2, "90d"),
        (59.99, 2, "59m 59s"),  # 59m 59.4s
        (59.995, 2, "1h"),  # 59m 59.7s rounds up into the next unit
        (119.99, 2, "2h"),
        (1439.9, 2, "1d"),  # 23h 59m 54s
        (60.5, 2, "1h 1m"),  # halves round up ...
        (61.5, 2, "1h 2m"),  # ... every time, not to the even neighbour
        (89.5 / 60, 2, "1m 30s"),
        (-90, 2, "-1h 30m"),
    ],
)
def test_format_duration(minutes, precision, text):
    assert format_duration(minutes, precision=precision) == text


@pytest.mark.parametrize(("value", "text"), [(None, "–"), (math.nan, "–"), (math.inf, "∞")])
def test_format_duration_of_missing_and_infinite(value, text):
    assert format_duration(value) == text


_STEP_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


@given(
    minutes=st.floats(min_value=0, max_value=400 * 1440, allow_nan=False, allow_infinity=False),
    precision=st.integers(min_value=1, max_value=4),
)
def test_format_then_parse_round_trips_within_half_the_last_unit(minutes, precision):
    text = format_duration(minutes, precision=precision)
    parts = text.split()
    assert len(parts) <= precision
    step = _STEP_SECONDS[parts[-1][-1]] / 60
    assert abs(parse_duration(text) - minutes) <= step / 2 + 1e-9 * max(1.0, minutes)


@given(st.integers(min_value=1, max_value=10**7))
def test_whole_seconds_round_trip_exactly_at_full_precision(seconds):
    assert parse_duration(format_duration(seconds / 60, precision=4)) * 60 == pytest.approx(seconds, abs=1e-6)


@pytest.mark.parametrize(("share", "text"), [(0.0, "0%"), (0.15, "15%"), (0.01, "1%"), (0.0024, "0.2%"),
                                             (0.001, "0.1%"), (0.0004, "< 0.1%"), (1.0, "100%")])
def test_format_share_never_rounds_a_small_share_to_nothing(share, text):
    assert format_share(share) == text


def test_an_interval_of_durations_is_never_negative_and_says_when_there_is_none():
    from simulator.units import FEW_REPLICATIONS, format_interval

    assert format_interval(-157.0, 325.0) == "0s–5h 25m"
    assert format_interval(math.nan, math.nan) == FEW_REPLICATIONS == "too few replications for an interval"
    assert format_interval(None, 3.0) == FEW_REPLICATIONS
    assert format_interval(12.0, 65.0) == "12m–1h 5m"
