"""Random streams: one generator per replication and purpose, all derived from one seed.

Replication r, purpose p draws from SeedSequence(seed, spawn_key=(r, p)), which is exactly the p-th child of
the r-th child of SeedSequence(seed). A replication's numbers depend on its index alone (never on which
process runs it, or in which order), and each purpose has its own stream, so a change to one part of a
scenario (the policy, say) leaves the failure history drawn by the others untouched: common random numbers.
"""

from __future__ import annotations

import numpy as np

PURPOSES = ("arrivals", "detection", "response", "mitigation", "resolution", "decisions")


def streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """The generators of one replication, by purpose."""
    return {
        purpose: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, index)))
        )
        for index, purpose in enumerate(PURPOSES)
    }
