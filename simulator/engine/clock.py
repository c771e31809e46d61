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
is pinned below its next major version, and tests/test_clock.py fails if these change). The engine plays on a
`Clock`, SimPy's Environment whose `now` is a plain attribute that its own `step` and `run` keep equal to
`_now`: the engine reads the clock at almost every step, and SimPy's `now` is a Python property. (The engine's
functions also accept a plain SimPy Environment, whose `now` reads the same minute, only slower.)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappop, heappush
from operator import attrgetter
from typing import Any

from simpy import Environment
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import PENDING, URGENT, Event, EventPriority, Process

ONSET, WORK, ACKNOWLEDGE, ESCALATE, DECLARE, COME_ON_CALL = 0, 1, 2, 3, 4, 5
_SHIFT = 1 << 40
ROUND_OFF = 1e-9
"""Minutes (60 ns): a wait this much in the past is floating-point round-off of a time that is now (e.g. a load
factor times a zero delay, added to the onset), not a step back in time."""

_push: Callable[[list, tuple[float, int, int, Event]], None] = heappush
"""heappush onto SimPy's queue of (time, priority, event id, event), whose priorities are ints (SimPy types them
EventPriority, a NewType of int whose call would cost every Wait a function call)."""

now_of = attrgetter("_now")
"""now_of(env): the minute the clock of any SimPy Environment is at (what `Clock.now` holds as an attribute)."""


class Clock(Environment):
    """SimPy's Environment with `now` a plain attribute, set with `_now` whenever the clock moves (`step`, `run`,
    `jump`). `run` steps inline, as SimPy's `step` does, rather than calling `step` once per event."""

    now: float = 0.0  # an instance attribute from __init__ on: it shadows Environment.now, a property

    def __init__(self, initial_time: float = 0.0):
        super().__init__(initial_time)
        self.now = self._now

    def step(self) -> None:
        """Process the next event (SimPy's `Environment.step`, which also sets `now`)."""
        try:
            now, _, _, event = heappop(self._queue)
        except IndexError:
            raise EmptySchedule from None
        self._now = self.now = now
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            event.callbacks = callbacks[callbacks.index(callback) + 1:]
            self.schedule(event, EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

    def run(self, until: float | Event | None = None) -> Any:
        """SimPy's `Environment.run`, with the body of `step` inline in its loop."""
        if until is not None:
            if not isinstance(until, Event):
                at = until if isinstance(until, int) else float(until)
                if at <= self._now:
                    raise ValueError(f"until ({at}) must be greater than the current simulation time")
                until = Event(self)
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self._now)
            elif until.callbacks is None:
                return until.value
            until.callbacks.append(StopSimulation.callback)
        queue = self._queue
        try:
            while queue:
                now, _, _, event = heappop(queue)
                self._now = self.now = now
                callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:
                    event.callbacks = callbacks[callbacks.index(callback) + 1:]
                    self.schedule(event, EventPriority(-1))
                    raise
                if not event._ok and not hasattr(event, "_defused"):
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    raise exc
        except StopSimulation as stop:
            return stop.args[0]  # == until.value
        if until is not None:
            raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {until}')
        return None


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
        _push(env._queue, (env._now + delay, kind * _SHIFT + number, next(env._eid), self))  # env.schedule, inline


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
        _push(env._queue, (at, kind * _SHIFT + number, next(env._eid), self))


class _Begun:
    """What a process is resumed with when it begins: SimPy's Initialize event, as it is when processed."""

    _ok = True
    _value = None


_BEGUN = _Begun()


class Lifecycle(Process):
    """A SimPy process that nothing waits on (an incident's lifecycle): SimPy's Process, whose `_resume` when the
    generator returns schedules the process itself as an event for its waiters, and here does so only when it
    has any. The clock then takes no step for an incident's end (event ids only break ties of one instant and
    priority: skipping one changes no order)."""

    def _resume(self, event: Event) -> None:
        env = self.env
        env._active_proc = self  # type: ignore[attr-defined]
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:  # as SimPy: the process handles the failed event (an interrupt) or fails
                    event._defused = True  # type: ignore[attr-defined]
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = generator.throw(exc)
            except StopIteration as end:
                self._ok = True
                self._value = end.args[0] if end.args else None
                if self.callbacks:
                    env.schedule(self)
                else:
                    self.callbacks = None  # type: ignore[assignment]  # processed: nobody waits on it
                event = None  # type: ignore[assignment]
                break
            except BaseException as failed:
                self._ok = False
                failed.__traceback__ = failed.__traceback__.tb_next  # type: ignore[union-attr]
                self._value = failed
                env.schedule(self)
                event = None  # type: ignore[assignment]
                break
            callbacks = event.callbacks
            if callbacks is not None:
                callbacks.append(self._resume)
                break
        self._target = event
        env._active_proc = None  # type: ignore[attr-defined]


def unstarted(env: Environment, generator: Generator) -> Process:
    """A SimPy process of `generator` that `begin` starts (a `Lifecycle`, without SimPy's Initialize event)."""
    process = Lifecycle.__new__(Lifecycle)
    process.env = env
    process.callbacks = []
    process._value = PENDING
    process._generator = generator
    return process


def begin(processes: list[Process]) -> None:
    """Run each of `unstarted` processes at once, in order, up to its first wait.

    `env.process` would start each through an Initialize event, processed at the head of the present instant
    once the clock runs: `env.run` begins with them, in the order they were made, before anything else of the
    instant. Begun here, before the clock runs, they run in that same order and schedule the same events in the
    same order, without one step of the clock each. For the processes of a replication about to run, before
    anything else is scheduled at its start."""
    for process in processes:
        process._resume(_BEGUN)  # type: ignore[arg-type]


def stop(env: Environment, processes: list[Process | None]) -> None:
    """Once a replication has ended: unhook the events still scheduled and the processes still waiting, whose
    generators are then closed. The clock, its events and the processes refer to one another (an event's
    callbacks resume a process, which waits on that event); unhooked, they are freed at once by reference
    counting, not left to the cyclic garbage collector, whose passes would also go through everything the
    run keeps."""
    for process in processes:
        if process is not None:
            process.callbacks = None  # type: ignore[assignment]
            process._target = None  # type: ignore[assignment]
            process._generator = None  # type: ignore[assignment]
    queue = env._queue
    for _, _, _, event in queue:
        event.callbacks = None  # type: ignore[assignment]
    queue.clear()


def jump(env: Environment, at: float) -> None:
    """Move the clock to minute `at` when nothing is scheduled before it (a drill's clock between events)."""
    if env.peek() < at or at < env._now:
        raise ValueError(f"cannot move the clock from {env._now} to {at}: events come first")
    env._now = at
    if isinstance(env, Clock):
        env.now = at
