"""The on-call pool: responders held by incidents, so that incidents that overlap wait, first come first
served, for the next one free.

`OnCallPool` behaves as `simpy.Store(env, capacity=size)` holding the responder indices, event for event
(the same events scheduled in the same order, so a log is the same to the last tie), with only what a pool
that never refuses a returned responder needs:

- `get()` queues the request and grants the longest-waiting one at once if someone is free;
- `put(i)` frees responder i at once, and the longest-waiting request is granted when the put event is
  processed (a request made in between, at the same instant, is granted first to whoever waited longest).
"""

from __future__ import annotations

from collections import deque

from simpy import Environment, Event


class OnCallPool:
    """Responder indices 0..size-1; `get()` is an event whose value is a free one, `put(i)` frees one."""

    __slots__ = ("env", "free", "waiting")

    def __init__(self, env: Environment, size: int):
        self.env = env
        self.free = list(range(size))
        self.waiting: deque[Event] = deque()

    @property
    def items(self) -> list[int]:
        """The free responders, longest free first (as simpy.Store.items)."""
        return self.free

    def get(self) -> Event:
        request = Event(self.env)
        self.waiting.append(request)
        self._grant()
        return request

    def put(self, responder: int) -> Event:
        self.free.append(responder)
        done = Event(self.env)
        done.callbacks.append(self._grant)
        done.succeed()
        return done

    def _grant(self, _event: Event | None = None) -> None:
        if self.free and self.waiting:
            self.waiting.popleft().succeed(self.free.pop(0))


def on_call_pool(env: Environment, size: int) -> OnCallPool:
    """A pool holding responder indices 0..size-1; `get()` waits for a free one, `put(i)` frees one."""
    return OnCallPool(env, size)
