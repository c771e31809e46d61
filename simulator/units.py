"""Durations with units ("45s", "5m", "2h", "3d", "1w") to minutes and back to text people read.

Inside drillsim every time is a float number of minutes; units exist only at the edges.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from simulator.limits import MAX_MINUTES

MINUTES_PER = {"s": 1 / 60, "m": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}
_UNIT_WORDS = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
}  # fmt: skip
_PART = re.compile(r"\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*([a-zA-Z]+)")


def parse_duration(value: object) -> float:
    """Return the minutes in a duration such as "90s", "12m", "1h 30m", "2.5d" or "1w".

    A bare number is refused (except 0), because "12" could mean seconds, minutes or hours.
    Negative durations are refused. Raises ValueError with a message meant for people.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as '5m', got {value!r}")
    if isinstance(value, int | float):
        if value == 0:
            return 0.0
        if not value > 0 or not math.isfinite(value):
            raise ValueError(f"duration {value!r} is {'negative' if value < 0 else 'not finite'}")
        raise ValueError(f"duration {value!r} has no unit; write e.g. '{value}m' (s, m, h, d or w)")
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as '5m', got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ValueError("empty duration; write e.g. '5m'")
    if text.startswith("-"):
        raise ValueError(f"duration {value!r} is negative")
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if number == 0:
            return 0.0
        raise ValueError(f"duration {value!r} has no unit; write e.g. '{text}m' (s, m, h, d or w)")
    total, pos = 0.0, 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match:
            raise ValueError(f"cannot read duration {value!r}; write e.g. '90s', '5m', '1h 30m', '3d', '1w'")
        amount, unit = match.groups()
        key = _UNIT_WORDS.get(unit.lower())
        if key is None:
            raise ValueError(f"unknown unit {unit!r} in duration {value!r}; use s, m, h, d or w")
        if amount.startswith("-"):
            raise ValueError(f"duration {value!r} has a negative part ({amount}{unit})")
        total += float(amount) * MINUTES_PER[key]
        pos = match.end()
    if total < 0:
        raise ValueError(f"duration {value!r} is negative")
    if not math.isfinite(total):
        raise ValueError(f"duration {value!r} is not finite")
    if total > MAX_MINUTES:
        raise ValueError(f"duration {value!r} is longer than 1,000 years")
    return total


def parse_rate(value: object) -> float:
    """Return occurrences per minute in a rate such as "2/w", "1 / 3d" or "0.5/d"."""
    if not isinstance(value, str) or "/" not in value:
        raise ValueError(f"expected a rate such as '2/w' (two per week), got {value!r}")
    count_text, _, per_text = value.partition("/")
    try:
        count = float(count_text)
    except ValueError:
        raise ValueError(f"cannot read the count in rate {value!r}; write e.g. '2/w'") from None
    per_text = per_text.strip()
    if per_text.lower() in _UNIT_WORDS:
        per_text = "1" + per_text
    if not math.isfinite(count):
        raise ValueError(f"the count in rate {value!r} is not a number; write e.g. '2/w'")
    per = parse_duration(per_text)
    if count <= 0 or per <= 0:
        raise ValueError(f"rate {value!r} must be positive")
    rate = count / per
    if not math.isfinite(rate):
        raise ValueError(f"rate {value!r} is too large")
    return rate


def parse_share(value: object) -> float:
    """A share strictly between 0 and 1, given as '20%', '0.2' or 0.2. Raises ValueError for people."""
    if isinstance(value, bool):
        raise ValueError(f"expected a share such as 20% or 0.2 (got {value!r})")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"expected a share such as 20% or 0.2 (got {value!r})") from None
    if not 0 < number < 1:
        raise ValueError(f"expected a share between 0% and 100% (got {value!r})")
    return number


def format_duration(minutes: float | None, *, precision: int = 2) -> str:
    """Minutes as people say them: 750.0 -> "12h 30m", 0.5 -> "30s", 4000 -> "2d 19h".

    Shows at most `precision` units, largest first, rounding the last one shown.
    """
    if minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return "–"
    if math.isinf(minutes):
        return "∞"
    sign = "-" if minutes < 0 else ""
    exact = abs(minutes) * 60
    seconds = math.floor(exact + 0.5)
    if seconds == 0:
        return "0s"
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))  # days, not weeks: "90d" reads better
    # Find the largest unit, then round the total (once, halves up) to the smallest unit shown, so
    # "59m 59.6s" reads "1h".
    first = next(i for i, (_, size) in enumerate(units) if seconds >= size)
    last = min(first + precision - 1, len(units) - 1)
    step = units[last][1]
    seconds = math.floor(exact / step + 0.5) * step
    parts: list[str] = []
    for name, size in units:
        if seconds >= size and len(parts) < precision:
            parts.append(f"{seconds // size}{name}")
            seconds %= size
        elif parts:
            if len(parts) >= precision:
                break
            if seconds < step:
                break
    return sign + " ".join(parts)


def format_period(minutes: float) -> str:
    """A period in words, for 'per …': 129600 -> "90 days", 10080 -> "7 days", 1440 -> "day", 90 -> "1h 30m"."""
    for name, size in (("day", 1440.0), ("hour", 60.0)):
        count = minutes / size
        if count >= 1 and count == int(count):
            return name if count == 1 else f"{int(count)} {name}s"
    return format_duration(minutes)


FEW_REPLICATIONS = "too few replications for an interval"


def format_interval(low: float | None, high: float | None) -> str:
    """A duration's interval: '12m–1h 5m'; never below zero (no duration is), and where there is none (one
    replication cannot show how much the mean varies) it says so."""
    missing = [value is None or (isinstance(value, float) and math.isnan(value)) for value in (low, high)]
    if any(missing):
        return FEW_REPLICATIONS
    assert low is not None and high is not None
    return f"{format_duration(max(low, 0.0))}–{format_duration(max(high, 0.0))}"


def format_share(share: float) -> str:
    """A share as people read it: '15%', '0.4%' (a small share is not rounded to nothing), '< 0.1%', '0%'."""
    if share == 0 or share >= 0.01:
        return f"{share:.0%}"
    return f"{share:.1%}" if share >= 0.001 else "< 0.1%"


def minutes_between(start: datetime, end: datetime) -> float:
    """Minutes from `start` to `end` (aware datetimes: real elapsed time, whatever the offsets)."""
    return (end - start) / timedelta(minutes=1)
