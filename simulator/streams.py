"""Random streams: one generator per replication and purpose, all derived from one seed.

Replication r starts from the r-th child of SeedSequence(seed), that is SeedSequence(seed, spawn_key=(r,)),
which seeds one PCG64 generator. Each purpose p (arrivals, detection, ...) draws from its own stretch of
that generator's sequence, p × 2¹⁰⁰ steps along (`PCG64.advance`): stretches so long that they never meet.
A replication's numbers depend on its index alone (never on which process runs it, or in which order), and
each purpose has its own stream, so a change to one part of a scenario (the policy, say) leaves the failure
history drawn by the others untouched: common random numbers.

`streams` builds fresh generators for one replication; `Streams` moves six reusable generators to any
replication's streams, for loops over many replications. Both give the same numbers.
"""

from __future__ import annotations

import numpy as np

PURPOSES = ("arrivals", "detection", "response", "mitigation", "resolution", "decisions")
STRIDE = 1 << 100
"""Steps between the starts of two purposes' streams (PCG64's period is 2¹²⁸)."""


def _replication_state(seed: int, replication: int) -> dict:
    return np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication,))).state


def streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """The generators of one replication, by purpose."""
    return Streams(seed).at(replication, fresh=True)


class Streams:
    """The generators of one seed's replications, moved to one replication at a time.

        rng = Streams(seed)
        for r in range(first, stop):
            generators = rng.at(r)   # the same numbers as streams(seed, r); valid until the next at()
    """

    def __init__(self, seed: int):
        self.seed = seed
        self._bits = [np.random.PCG64(0) for _ in PURPOSES]
        self._generators = {p: np.random.Generator(b) for p, b in zip(PURPOSES, self._bits, strict=True)}

    def at(self, replication: int, fresh: bool = False) -> dict[str, np.random.Generator]:
        if replication < 0:
            raise ValueError(f"replication numbers start at 0, not {replication}")
        state = _replication_state(self.seed, replication)
        bits = [np.random.PCG64(0) for _ in PURPOSES] if fresh else self._bits
        for index, generator in enumerate(bits):
            generator.state = state
            if index:
                generator.advance(index * STRIDE)
        if fresh:
            return {p: np.random.Generator(b) for p, b in zip(PURPOSES, bits, strict=True)}
        return self._generators
