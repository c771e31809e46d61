"""The on-call pool: responders as items of a SimPy store, so that an incident holds a named person and
incidents that overlap wait, first come first served, for the next one free."""

from __future__ import annotations

import simpy


def on_call_pool(env: simpy.Environment, size: int) -> simpy.Store:
    """A pool holding responder indices 0..size-1; `get()` waits for a free one, `put(i)` frees one."""
    pool = simpy.Store(env, capacity=size)
    pool.items.extend(range(size))
    return pool
