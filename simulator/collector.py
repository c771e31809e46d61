"""Python's cyclic garbage collector, paused while a run builds many objects that all live on.

A replication's incidents, processes, people and world refer to one another until it ends, and an incident
table is built from tens of thousands of rows and tuples at once: the collector's passes meanwhile find
nothing to free, yet move everything, generation by generation, into the oldest, whose full passes then go
through the whole heap. Paused, it runs as before once the work ends (and reference counting frees what the
work let go of at once)."""

from __future__ import annotations

import gc


class paused:  # named as a function: `with paused():`
    """The collector paused for the block, then resumed as it was (a block inside another leaves it paused).

    A class rather than a generator-based context manager: the engine enters one for every replication."""

    __slots__ = ("enabled",)

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            gc.enable()
