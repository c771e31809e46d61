"""Random streams: one generator per replication and purpose, all derived from one seed.

Replication r, purpose p draws from SeedSequence(seed, spawn_key=(r, p)), which is exactly the p-th child of
the r-th child of SeedSequence(seed). A replication's numbers depend on its index alone (never on which
process runs it, or in which order), and each purpose has its own stream, so a change to one part of a
scenario (the policy, say) leaves the failure history drawn by the others untouched: common random numbers.

`streams` builds the generators of one replication the plain way. `Streams` gives the same generators for a
whole range of replications at a fraction of the cost: it computes the PCG64 states of every (replication,
purpose) of the range at once, vectorised, and moves six reusable generators to them. Both follow numpy's
SeedSequence and PCG64 seeding exactly; a test holds them equal.
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


# numpy's SeedSequence (after M. E. O'Neill's seed_seq) and PCG64 seeding constants.
_POOL = 4
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R, _M32 = 0xCA01F9DD, 0x4973F715, 0xFFFFFFFF
_PCG_MULT, _M128 = 0x2360ED051FC65DA44385DF649FCCF645, (1 << 128) - 1


def _words(n: int) -> list[int]:
    """An integer as little-endian 32-bit words (zero is one word), as SeedSequence reads its entropy."""
    words = [n & _M32]
    n >>= 32
    while n:
        words.append(n & _M32)
        n >>= 32
    return words


class Streams:
    """The generators of many replications of one seed, positioned one replication at a time.

        rng = Streams(seed, first, stop)
        for r in range(first, stop):
            generators = rng.at(r)   # the same numbers as streams(seed, r); valid until the next at()
    """

    def __init__(self, seed: int, first: int, stop: int):
        self.first, self.stop = first, stop
        self._bits = [np.random.PCG64(0) for _ in PURPOSES]
        self._generators = {p: np.random.Generator(b) for p, b in zip(PURPOSES, self._bits, strict=True)}
        self._seed = seed
        self._states = self._vectorised(seed, first, stop)

    def at(self, replication: int) -> dict[str, np.random.Generator]:
        if not self.first <= replication < self.stop:
            raise IndexError(f"replication {replication} outside {self.first}..{self.stop - 1}")
        if self._states is None:  # seeds or indices beyond what the vectorised path covers
            return streams(self._seed, replication)
        for bits, state in zip(self._bits, self._states[replication - self.first], strict=True):
            bits.state = state
        return self._generators

    @staticmethod
    def _vectorised(seed: int, first: int, stop: int) -> list[list[dict]] | None:
        run = _words(seed)
        if len(run) > _POOL or stop > 1 << 32 or first < 0:
            return None
        run += [0] * (_POOL - len(run))  # a spawn key pads the seed's words to the pool size
        # Mix the seed's words: the same for every replication, so done once with plain integers.
        hash_const = _INIT_A

        def hashmix(value: int) -> int:
            nonlocal hash_const
            value = (value ^ hash_const) & _M32
            hash_const = (hash_const * _MULT_A) & _M32
            value = (value * hash_const) & _M32
            return value ^ (value >> 16)

        def mix(x, y):
            result = (_MIX_L * x - _MIX_R * y) & _M32
            return result ^ (result >> 16)

        mixer = [hashmix(word) for word in run]
        for src in range(_POOL):
            for dst in range(_POOL):
                if src != dst:
                    mixer[dst] = mix(mixer[dst], hashmix(mixer[src]))
        # Mix each spawn key (replication, purpose): vectorised over every pair of the range.
        reps = np.repeat(np.arange(first, stop, dtype=np.uint64), len(PURPOSES)).astype(np.uint32)
        purposes = np.tile(np.arange(len(PURPOSES), dtype=np.uint32), stop - first)
        pool = [np.full(len(reps), m, dtype=np.uint32) for m in mixer]
        with np.errstate(over="ignore"):
            for word in (reps, purposes):
                for dst in range(_POOL):
                    value = word ^ np.uint32(hash_const)
                    hash_const = (hash_const * _MULT_A) & _M32
                    value = value * np.uint32(hash_const)
                    value ^= value >> np.uint32(16)
                    result = np.uint32(_MIX_L) * pool[dst] - np.uint32(_MIX_R) * value
                    pool[dst] = result ^ (result >> np.uint32(16))
            # generate_state(4, uint64): eight 32-bit words drawn cyclically from the pool.
            out, hash_b = [], _INIT_B
            for index in range(8):
                value = pool[index % _POOL] ^ np.uint32(hash_b)
                hash_b = (hash_b * _MULT_B) & _M32
                value = value * np.uint32(hash_b)
                out.append(value ^ (value >> np.uint32(16)))
        low = [w.astype(np.uint64) | (v.astype(np.uint64) << np.uint64(32)) for w, v in zip(out[::2], out[1::2],
                                                                                       strict=True)]
        seed_hi, seed_lo, inc_hi, inc_lo = (w.tolist() for w in low)
        states = []
        row: list[dict] = []
        for k in range(len(reps)):
            initstate = (seed_hi[k] << 64) | seed_lo[k]
            inc = (((inc_hi[k] << 64) | inc_lo[k]) << 1 | 1) & _M128
            state = ((inc + initstate) * _PCG_MULT + inc) & _M128  # PCG64's srandom: two steps from zero
            row.append({"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                        "has_uint32": 0, "uinteger": 0})
            if len(row) == len(PURPOSES):
                states.append(row)
                row = []
        return states
