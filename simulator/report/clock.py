"""Simulation minutes as people read them: wall-clock times when the scenario gives a start, "day D hh:mm"
otherwise; and tick marks for time axes that fall on round clock times."""

from __future__ import annotations

from datetime import datetime, timedelta

_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 40320, 131040, 262080, 524160)
"""Tick steps in minutes: up to 4 weeks, then 13, 26 and 52 weeks for periods of years."""


class Clock:
    """Turns minutes since the start of a replication into text. Times are shown to the minute, rounded
    down (after rounding to the second), so two events in the same minute show the same time."""

    def __init__(self, start: datetime | None):
        self.start = start

    @property
    def wall(self) -> bool:
        return self.start is not None

    def _parts(self, minutes: float) -> tuple[int, int]:
        """(day index from 0, minute of that day) of a simulation time."""
        seconds = round(minutes * 60)
        whole = seconds // 60
        if self.start is None:
            return whole // 1440, whole % 1440
        at = self.start + timedelta(minutes=whole)
        return (at.date() - self.start.date()).days, at.hour * 60 + at.minute

    def time(self, minutes: float) -> str:
        """'14:02'."""
        _, minute = self._parts(minutes)
        return f"{minute // 60:02d}:{minute % 60:02d}"

    def day(self, minutes: float, *, long: bool = True) -> str:
        """'Tue 13 Jan 2026' (or 'Tue 13 Jan' when not long) with a start, 'Day 3' without."""
        index, _ = self._parts(minutes)
        if self.start is None:
            return f"Day {index + 1}"
        date = self.start.date() + timedelta(days=index)
        text = f"{date:%a} {date.day} {date:%b}"
        return f"{text} {date.year}" if long else text

    def day_index(self, minutes: float) -> int:
        return self._parts(minutes)[0]

    def stamp(self, minutes: float) -> str:
        """'Tue 13 Jan 14:02' or 'day 3 14:02'."""
        if self.start is None:
            return f"day {self.day_index(minutes) + 1} {self.time(minutes)}"
        return f"{self.day(minutes, long=False)} {self.time(minutes)}"

    def describe(self) -> str:
        """How times are shown, for axis labels and captions."""
        if self.start is None:
            return "day and hh:mm since the start of the simulated period"
        return f"wall-clock time; the simulated period starts {self.start:%a} {self.start.day} {self.start:%b %Y %H:%M}"

    def ticks(self, low: float, high: float, most: int = 8) -> tuple[list[float], list[str]]:
        """Tick positions (minutes) on round clock times between low and high, and their labels: the time,
        with the day added under the first tick and wherever the day changes."""
        span = max(high - low, 1.0)
        step = next((s for s in _STEPS if span / s <= most), _STEPS[-1])
        offset = self._midnight_offset()
        first = -(-(low + offset) // step) * step - offset
        positions, labels, last_day = [], [], None
        t = first
        while t <= high + 1e-9:
            day = self.day_index(t)
            label = self.time(t) if step < 1440 else ""
            if day != last_day or step >= 1440:
                day_text = self.day(t, long=False) if step < 131040 else self.day(t, long=True).split(" ", 1)[1]
                label = f"{label}\n{day_text}" if label else day_text
            positions.append(t)
            labels.append(label)
            last_day = day
            t += step
        return positions, labels

    def _midnight_offset(self) -> float:
        """Minutes from the previous midnight to minute 0, so that ticks fall on round clock times."""
        if self.start is None:
            return 0.0
        return self.start.hour * 60 + self.start.minute + self.start.second / 60
