"""Waiting on the simulated clock, with one order for everything that happens at the same instant.

SimPy processes events of one instant in the order they were scheduled. The engine waits once for a chain of
known steps instead of once per step, and only when a policy is asked live does it wait at each decision, so
that order would differ between the two ways of playing the same incidents. `Wait` schedules every wake-up
with a priority instead, and at one instant the engine acts in this order, each kind by incident number:

    0  a failure starts (a candidate onset is decided), a completed action item or a removed fix changes a rate
    1  work ends: a responder is freed (resolution, a handover's end, a shift end)
    2  a person acknowledges a page
    3  a level's timeout: the page moves on (after any acknowledgement of the same instant)
    4  an incident is declared and pages (and sees everyone freed at that instant)
    5  someone comes on call and looks at the pages waiting for their level

So a person freed at 10:00 can take a page sent at 10:00, and an acknowledgement at the very end of a level's
timeout counts as in time, whichever way the incidents are played.

This module is the one place that touches SimPy's private state (`Environment._now`, `_queue` and `_eid`; SimPy
is pinned below its next major version, and tests/test_clock.py fails if these change). The engine reads the
clock through `now_of(env)`, a C-level attribute getter of `env._now`, as SimPy's own code reads it: the public
`now` is a Python property, and the engine reads the clock at almost every step.
"""

from __future__ import annotations

from heapq import heappush
from operator import attrgetter

from simpy import Environment
from simpy.events import Event

ONSET, WORK, ACKNOWLEDGE, ESCALATE, DECLARE, COME_ON_CALL = 0, 1, 2, 3, 4, 5
_SHIFT = 1 << 40
ROUND_OFF = 1e-9
"""Minutes (60 ns): a wait this much in the past is floating-point round-off of a time that is now (e.g. a load
factor times a zero delay, added to the onset), not a step back in time."""

now_of = attrgetter("_now")
"""now_of(env): the minute the clock is at (SimPy's `env.now`, without the property's cost)."""


class Wait(Event):
    """An event that happens `delay` minutes from now (SimPy's Timeout, with a priority at its instant)."""

    def __init__(self, env: Environment, delay: float, kind: int, number: int):
        if delay < 0:
            if delay < -ROUND_OFF:
                raise ValueError(f"negative delay {delay}")
            delay = 0.0  # a sum of minutes that should meet now, a few ulps short: now
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        env.schedule(self, kind * _SHIFT + number, delay)



class At(Wait):
    """An event that happens at minute `at` exactly (a Wait computes now + delay, which need not give back `at`
    in floating point). A drill's decisions are made at such instants, and played again at the same ones."""

    def __init__(self, env: Environment, at: float, kind: int, number: int):
        if at < env._now:
            raise ValueError(f"minute {at} is in the past (the clock is at {env._now})")
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        heappush(env._queue, (at, kind * _SHIFT + number, next(env._eid), self))


def jump(env: Environment, at: float) -> None:
    """Move the clock to minute `at` when nothing is scheduled before it (a drill's clock between events)."""
    if env.peek() < at or at < env._now:
        raise ValueError(f"cannot move the clock from {env._now} to {at}: events come first")
    env._now = at
