"""Chains: the events of one incident at times already known, logged once the clock has passed them.

Between two moments where an incident meets the rest of the world (a page, a free responder, a shift end,
another incident taking its responder), what happens to it is fixed by its dice: a declaration delay after a
detection delay, mitigations one after the other, a confirmation. The engine then waits once, for the end of
the chain, instead of once per step, and logs each step at its own time when the chain ends, is cut short
(a preemption) or the horizon comes. The log is the same as if every step had been its own timeout.
"""

from __future__ import annotations

from typing import Any


class Chain:
    """Steps (time, action, actor, detail) in time order; `log_until(t)` logs and drops those at or before t."""

    __slots__ = ("next", "steps")

    def __init__(self):
        self.steps: list[tuple[float, str, str, dict[str, Any] | None]] = []
        self.next = 0

    def add(self, time: float, action: str, actor: str, detail: dict[str, Any] | None = None) -> None:
        self.steps.append((time, action, actor, detail))

    @property
    def end(self) -> float:
        return self.steps[-1][0]

    def __bool__(self) -> bool:
        return self.next < len(self.steps)

    def log_until(self, world, incident, t: float, inclusive: bool = True) -> None:
        """Log the steps at or before t (before t, with inclusive=False: the horizon's own instant is not
        played)."""
        steps, record = self.steps, world.record_at
        i, count = self.next, len(steps)
        while i < count:
            time, action, actor, detail = steps[i]
            if time > t or (time == t and not inclusive):
                break
            record(time, incident, action, actor, detail)
            i += 1
        self.next = i

    def restored_before(self, t: float) -> float | None:
        """When the chain restores service, if it does before t."""
        for time, action, _actor, _detail in self.steps:
            if action == "mitigated" and time < t:
                return time
        return None
