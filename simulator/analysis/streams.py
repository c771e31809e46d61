"""Random streams of the analysis (bootstrap resamples, periods drawn for a dashboard), apart from the
simulation's.

Analysis randomness is derived from the simulation's seed, so that the same command gives the same numbers,
but from a spawn key no simulation stream uses: resampling never replays a die the engine rolled. Each
analysis takes its own purpose number.
"""

from __future__ import annotations

import numpy as np

ANALYSIS_KEY = 0x0B00757A
"""The first spawn key of every analysis stream; simulation streams start with the replication number."""


def analysis_rng(seed: int, purpose: int = 0) -> np.random.Generator:
    """A generator for analysis randomness (bootstrap, period sampling), derived from the simulation's seed
    but independent of every simulation stream."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(ANALYSIS_KEY, purpose))))
