"""What the practices leave in the event log, per replication: deployments, action items written and done,
temporary fixes left in place.

`PracticeRows` reduces events as they come, like metrics.IncidentRows and load.LoadRows (the engine logs into
them through `sinks()`); `PracticeTable` holds a whole run's per-replication figures, in replication order
(chunks of replications concatenate).

    deployments     per replication and failure mode: deployments (`deployed` events)
    written         per replication: (time, count) of each postmortem's action items
    done            per replication: times of the action items done
    fixes           per replication: (from, until) of each temporary fix left in place past its cleanup
                    (until is inf when it was never removed, or removed after the horizon)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


class PracticeRows:
    """An event log that keeps only what the practices' reports need."""

    __slots__ = ("_deployed", "_done", "_fixes", "_late", "_written")
    wants = frozenset({"deployed", "postmortem_held", "action_item_done", "cleanup_skipped", "cleanup_late",
                       "cleaned_up"})

    def __init__(self):
        self._deployed: dict[tuple[int, str], int] = defaultdict(int)
        self._written: dict[int, list[tuple[float, int]]] = defaultdict(list)
        self._done: dict[int, list[float]] = defaultdict(list)
        self._fixes: dict[int, list[tuple[float, float]]] = defaultdict(list)
        self._late: dict[tuple[int, int], float] = {}  # (replication, incident) → when its late cleanup was due

    def append(self, event) -> None:
        sink = self.sinks().get(event[4])
        if sink is not None:
            sink(*event)

    def extend(self, events: Iterable) -> None:
        for event in events:
            self.append(event)

    def sinks(self) -> dict:
        """Per action it reads: f(time, replication, incident, phase, action, actor, detail)."""
        return {"deployed": self._deployment, "postmortem_held": self._postmortem, "action_item_done": self._item,
                "cleanup_skipped": self._skipped, "cleanup_late": self._put_off, "cleaned_up": self._cleaned}

    def _deployment(self, time, replication, incident, phase, action, actor, detail) -> None:
        self._deployed[(replication, detail["mode"])] += 1

    def _postmortem(self, time, replication, incident, phase, action, actor, detail) -> None:
        count = (detail or {}).get("action_items", 0)
        if count:
            self._written[replication].append((time, count))

    def _item(self, time, replication, incident, phase, action, actor, detail) -> None:
        self._done[replication].append(time)

    def _skipped(self, time, replication, incident, phase, action, actor, detail) -> None:
        self._fixes[replication].append((time, math.inf))

    def _put_off(self, time, replication, incident, phase, action, actor, detail) -> None:
        self._late[(replication, incident)] = time

    def _cleaned(self, time, replication, incident, phase, action, actor, detail) -> None:
        due = self._late.pop((replication, incident), None)
        if due is not None:
            self._fixes[replication].append((due, time))

    def table(self, replications: range, modes: tuple[str, ...]) -> PracticeTable:
        first = replications.start
        deployments = np.zeros((len(replications), len(modes)), dtype=np.int64)
        index = {name: i for i, name in enumerate(modes)}
        for (replication, mode), count in self._deployed.items():
            deployments[replication - first, index[mode]] = count
        fixes = {r: list(self._fixes.get(r, [])) for r in replications}
        for (replication, _incident), due in self._late.items():  # put off past the horizon
            fixes[replication].append((due, math.inf))
        return PracticeTable(modes, deployments, [list(self._written.get(r, [])) for r in replications],
                             [list(self._done.get(r, [])) for r in replications],
                             [sorted(fixes[r]) for r in replications])


@dataclass(frozen=True)
class PracticeTable:
    """Per replication (in order): deployments by mode, action items written and done, fixes left in place."""

    modes: tuple[str, ...]
    deployments: np.ndarray  # replications × modes
    written: list[list[tuple[float, int]]]
    done: list[list[float]]
    fixes: list[list[tuple[float, float]]]

    @classmethod
    def concat(cls, tables: list[PracticeTable]) -> PracticeTable:
        first = tables[0]
        return cls(first.modes, np.concatenate([t.deployments for t in tables]),
                   [w for t in tables for w in t.written], [d for t in tables for d in t.done],
                   [f for t in tables for f in t.fixes])

    @property
    def replications(self) -> int:
        return len(self.written)

    def open_items(self, times: np.ndarray) -> np.ndarray:
        """Action items written and not done at each of `times`: replications × times."""
        out = np.zeros((self.replications, len(times)))
        for r, (written, done) in enumerate(zip(self.written, self.done, strict=True)):
            for at, count in written:
                out[r] += count * (times >= at)
            for at in done:
                out[r] -= times >= at
        return out

    def fixes_left(self, times: np.ndarray) -> np.ndarray:
        """Temporary fixes left in place past their cleanup at each of `times`: replications × times."""
        out = np.zeros((self.replications, len(times)))
        for r, fixes in enumerate(self.fixes):
            for start, end in fixes:
                out[r] += (times >= start) & (times < end)
        return out


__all__ = ["PracticeRows", "PracticeTable"]
