"""The simulated clock as wall-clock time: minute 0 is the scenario's `start` in its time zone.

Everything here turns calendar rules (business hours, a night, a weekly profile, a dated window, a rotation's
turns) into plain intervals of simulated minutes once, before the clock runs, so that the engine only ever
compares floats. Local times follow each time zone's rules, daylight saving included: a 09:00 handoff stays
at 09:00 on the wall when the clocks change, and a shift across the change is an hour longer or shorter.

    calendar = Calendar(datetime(2026, 1, 5, 9, 0), "Europe/London")
    calendar.minute(datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("Europe/London")))   # 1440.0
    Weekly(days=WEEKDAYS, start=9 * 60, end=17 * 60).intervals(calendar, horizon)   # business hours
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
MINUTES_PER_DAY = 1440

Interval = tuple[float, float]


_EXAMPLES = ("America/New_York", "Europe/London", "Asia/Tokyo", "Africa/Lagos", "Australia/Sydney", "Etc/UTC",
             "Pacific/Auckland")


@cache
def zone(name: str) -> ZoneInfo:
    """The time zone of an IANA name ("Europe/London", "UTC"); ValueError with a hint when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):  # OSError: a folder of the database ('America')
        pass
    import difflib
    from zoneinfo import available_timezones

    names = sorted(available_timezones())
    text = str(name)[:100]
    inside = [n for n in names if n.lower().startswith(f"{text.lower().strip('/')}/")]
    if inside:  # a folder of the zone database: 'America', 'Etc'
        known = [n for n in _EXAMPLES if n in inside]
        hint = f"; it is a region of the time-zone database, not a zone: did you mean {(known or inside)[0]!r}?"
    else:
        close = difflib.get_close_matches(text, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown time zone {name!r}{hint} (use an IANA name such as 'Europe/London', "
                     "'America/New_York' or 'UTC')")


# ── Reading calendar text ──────────────────────────────────────────────────────────────────────────────────

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock(text: str) -> int:
    """'09:30' → 570 (minutes after midnight); '24:00' is the end of a day."""
    match = _CLOCK.match(str(text))
    if not match:
        raise ValueError(f"expected a time of day such as '09:00', got {text!r}")
    hours, minutes = int(match[1]), int(match[2])
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def parse_hours(text: str) -> tuple[int, int]:
    """'09:00-17:00' → (540, 1020). A range may run past midnight ('22:00-07:00'); 'all day' is 00:00-24:00."""
    if str(text).strip().lower() in ("all day", "00:00-24:00", "0:00-24:00"):
        return 0, MINUTES_PER_DAY
    first, sep, last = str(text).partition("-")
    if not sep:
        raise ValueError(f"expected hours such as '09:00-17:00', got {text!r}")
    start, end = parse_clock(first), parse_clock(last)
    if start == end:
        raise ValueError(f"the hours {text!r} start and end at the same time; write 'all day' for a whole day")
    return start, end


def parse_days(value: str | list | tuple) -> frozenset[int]:
    """'Mon-Fri', 'Sat, Sun', ['Mon', 'Wed'], 'weekdays', 'weekends' or 'every day' → weekday numbers (Mon = 0)."""
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        text = str(value).strip().lower()
        named = {"weekdays": WEEKDAYS, "weekends": frozenset({5, 6}), "every day": EVERY_DAY,
                 "daily": EVERY_DAY}
        if text in named:
            return named[text]
        parts = [p for p in re.split(r"[,\s]+", str(value)) if p]
    days: set[int] = set()
    for part in parts:
        first, sep, last = part.partition("-")
        if sep:
            a, b = _day(first), _day(last)
            days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
        else:
            days.add(_day(part))
    if not days:
        raise ValueError("name at least one day, e.g. 'Mon-Fri'")
    return frozenset(days)


def _day(text: str) -> int:
    key = text.strip()[:3].capitalize()
    if key not in DAY_NAMES:
        raise ValueError(f"unknown day {text!r}; use Mon, Tue, Wed, Thu, Fri, Sat or Sun")
    return DAY_NAMES.index(key)


def parse_handoff(text: str) -> tuple[int | None, int]:
    """'Mon 09:00' → (0, 540): a weekday and a time of day; '09:00' → (None, 540): every day at that time."""
    parts = str(text).split()
    if len(parts) == 1:
        return None, parse_clock(parts[0])
    if len(parts) == 2:
        return _day(parts[0]), parse_clock(parts[1])
    raise ValueError(f"expected a handoff such as 'Mon 09:00' or '09:00', got {text!r}")


def describe_days(days: frozenset[int]) -> str:
    if days == EVERY_DAY:
        return "every day"
    if days == WEEKDAYS:
        return "Mon–Fri"
    return ", ".join(DAY_NAMES[d] for d in sorted(days))


def describe_hours(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


# ── The clock ──────────────────────────────────────────────────────────────────────────────────────────────


class Calendar:
    """Minute 0 of a replication is `start` (naive: a wall-clock time in `timezone`; aware: that instant)."""

    __slots__ = ("_utc", "start", "timezone", "zone")

    def __init__(self, start: datetime, timezone: str = "UTC"):
        self.timezone = timezone
        self.zone = zone(timezone)
        self.start = start.replace(tzinfo=self.zone) if start.tzinfo is None else start.astimezone(self.zone)
        self._utc = self.start.astimezone(UTC)

    def minute(self, when: datetime) -> float:
        """Simulated minutes of an aware date-time (or a naive one in the calendar's time zone)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.zone)
        return (when.astimezone(UTC) - self._utc).total_seconds() / 60

    def at(self, minute: float, timezone: str | None = None) -> datetime:
        """The wall-clock time of a simulated minute, in the calendar's time zone or another one."""
        instant = self._utc + timedelta(minutes=minute)
        return instant.astimezone(zone(timezone) if timezone else self.zone)

    def local_days(self, horizon: float, timezone: str | None = None) -> range:
        """Ordinals of the local dates that the span [0, horizon] touches, one day either side."""
        first = self.at(0, timezone).date().toordinal() - 1
        last = self.at(horizon, timezone).date().toordinal() + 1
        return range(first, last + 1)

    def local_minute(self, ordinal: int, minute_of_day: int, timezone: str | None = None) -> float:
        """Simulated minute of a local wall-clock time: date ordinal plus minutes after its midnight."""
        tz = zone(timezone) if timezone else self.zone
        local = datetime.fromordinal(ordinal) + timedelta(minutes=minute_of_day)
        return self.minute(local.replace(tzinfo=tz))


@dataclass(frozen=True, slots=True)
class Weekly:
    """A weekly window in local time: on `days`, from `start` to `end` minutes after midnight (past midnight
    when end ≤ start: the window then ends the next day)."""

    days: frozenset[int] = EVERY_DAY
    start: int = 0
    end: int = MINUTES_PER_DAY

    def intervals(self, calendar: Calendar, horizon: float, timezone: str | None = None) -> list[Interval]:
        """The window's stretches within [0, horizon], in simulated minutes, sorted and merged."""
        out: list[Interval] = []
        wraps = self.end <= self.start
        for ordinal in calendar.local_days(horizon, timezone):
            if datetime.fromordinal(ordinal).weekday() not in self.days:
                continue
            a = calendar.local_minute(ordinal, self.start, timezone)
            b = calendar.local_minute(ordinal + 1 if wraps else ordinal, self.end, timezone)
            a, b = max(a, 0.0), min(b, horizon)
            if b > a:
                out.append((a, b))
        return merge(out)

    def describe(self) -> str:
        return f"{describe_days(self.days)} {describe_hours(self.start, self.end)}"


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def intersect(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """The stretches in both (each list sorted and merged)."""
    out, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        a, b = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if b > a:
            out.append((a, b))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return out


class Membership:
    """Fast 'is minute t inside these intervals?' for sorted, merged intervals."""

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: list[Interval]):
        self.starts = [a for a, _ in intervals]
        self.ends = [b for _, b in intervals]

    def __contains__(self, t: float) -> bool:
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]

    def total(self) -> float:
        return sum(b - a for a, b in zip(self.starts, self.ends, strict=True))


class Steps:
    """A piecewise-constant function of simulated time: `values[i]` from `breaks[i]` until the next break."""

    __slots__ = ("breaks", "values")

    def __init__(self, breaks: list[float], values: list[float]):
        self.breaks, self.values = breaks, values

    def __call__(self, t: float) -> float:
        return self.values[bisect_right(self.breaks, t) - 1]

    @property
    def peak(self) -> float:
        return max(self.values)

    def integral(self, a: float, b: float) -> float:
        """∫ from a to b."""
        total = 0.0
        for i, start in enumerate(self.breaks):
            end = self.breaks[i + 1] if i + 1 < len(self.breaks) else float("inf")
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += (hi - lo) * self.values[i]
        return total

    @classmethod
    def constant(cls, value: float) -> Steps:
        return cls([float("-inf")], [value])

    @classmethod
    def product(cls, factors: list[tuple[list[Interval], float]], base: float = 1.0) -> Steps:
        """`base` times every factor whose intervals hold t."""
        points = sorted({x for intervals, _ in factors for interval in intervals for x in interval})
        breaks, values = [float("-inf")], [base]
        members = [(Membership(intervals), factor) for intervals, factor in factors]
        for x in points:
            value = base
            for inside, factor in members:
                if x in inside:
                    value *= factor
            if value != values[-1]:
                breaks.append(x)
                values.append(value)
        return cls(breaks, values)

    @classmethod
    def first_match(cls, rules: list[tuple[Weekly, float]], base: float, calendar: Calendar | None,
                    horizon: float) -> Steps:
        """A weekly profile: the value of the first rule whose window holds t, `base` where none does (and
        everywhere without a calendar, when there are no rules to place)."""
        if calendar is None or not rules:
            return cls.constant(base)
        stretches: list[tuple[list[Interval], float]] = []
        covered: list[Interval] = []
        for weekly, value in rules:
            mine = minus(weekly.intervals(calendar, horizon), covered)
            stretches.append((mine, value))
            covered = merge(covered + mine)
        points = sorted({x for intervals, _ in stretches for interval in intervals for x in interval})
        members = [(Membership(intervals), value) for intervals, value in stretches]
        breaks, values = [float("-inf")], [base]
        for x in points:
            value = next((v for inside, v in members if x in inside), base)
            if value != values[-1]:
                breaks.append(x)
                values.append(value)
        return cls(breaks, values)

    def cumulative(self, times):
        """∫ from 0 to each of `times` (a numpy array), all at once."""
        import numpy as np

        breaks = np.maximum(np.asarray(self.breaks, dtype=float), 0.0)
        values = np.asarray(self.values, dtype=float)
        widths = np.diff(breaks)
        at_break = np.concatenate(([0.0], np.cumsum(widths * values[:-1])))
        times = np.maximum(np.asarray(times, dtype=float), 0.0)
        i = np.searchsorted(breaks, times, side="right") - 1
        return at_break[i] + values[i] * (times - breaks[i])


def minus(intervals: list[Interval], taken: list[Interval]) -> list[Interval]:
    """The parts of sorted `intervals` outside the sorted, merged `taken`."""
    out: list[Interval] = []
    for a, b in intervals:
        for x, y in taken:
            if y <= a or x >= b:
                continue
            if x > a:
                out.append((a, x))
            a = max(a, y)
            if a >= b:
                break
        if a < b:
            out.append((a, b))
    return out
