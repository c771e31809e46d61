"""Each incident's dice: fixed blocks of uniforms addressed by (seed, replication, failure mode, incident, purpose).

This module is the contract of drillsim's randomness. Every random quantity of a simulation is a uniform
number in [0, 1), turned into a duration by a distribution's inverse CDF (`quantile`), or into a choice or a
yes/no by comparing it with a probability, at the moment the engine needs it. The uniforms themselves are
fixed in advance by their address:

    (seed, replication r, failure mode m, candidate k, purpose p, index i)

- `seed` and `r` give the key of a counter-based generator (numpy's Philox): one 64-bit word for the seed (the
  first word of SeedSequence(seed)) and one for r. Philox's key names a stream (as in Random123, where Philox
  comes from): replications never share numbers, and a replication's numbers depend on its index alone, never
  on the process that plays it or on the order in which replications are played.
- Failure mode m is a number made from the mode's name (a hash, like a named mitigation's purpose), so that a
  mode's dice stay with it whatever other modes the scenario has and in whatever order (renaming a mode
  gives it other dice). Candidate k counts the candidate onsets of mode m in the replication, in time order,
  from 0: arrivals are drawn at the mode's peak rate and thinned, so k also counts candidates that were not
  accepted, and an incident keeps its k whatever happens to the others.
- A purpose has a fixed width W: candidate k's block of that purpose is numbers k·W … k·W + W − 1 of the stream
  (r, m, p, page 0), that is Philox counters [k·W/4 …, 0, p, m] (each counter gives four numbers). An index
  i ≥ W lies on page i // W, at k·W + i mod W of the stream (r, m, p, page). Pages are drawn in bulk for all
  candidates of a mode when first needed, which gives the same numbers as drawing one block alone.
- The purposes and what each index holds are listed below (ARRIVAL … ACTION); a named mitigation has a purpose
  of its own, numbered by a hash of its name, so that adding one leaves the others' dice alone.
- A failure started on purpose (a chaos injection or a game day) is not a candidate of its mode: it has a
  stream of its own (`injection_stream`), as candidate 0, and reads every purpose there as an incident would.

What follows for comparisons (common random numbers): the uniform of a given quantity of a given incident is
the same whatever else changes: a policy, the team, the time of day, a distribution's parameters or kind (a
lognormal made a constant reads the same uniform), another failure mode's rate or another mode entirely. A
mode's own rate scales its candidate gaps (the same uniforms, the inverse CDF of another exponential), and a
time-varying rate thins the same candidates, so its incidents move together rather than being redrawn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from math import log1p

import numpy as np


@dataclass(frozen=True, slots=True)
class Purpose:
    """What a block of uniforms is for: its number in the counter and how many uniforms a candidate owns."""

    name: str
    number: int
    width: int
    """A multiple of 4: each Philox counter gives four numbers, and a block starts at a counter."""


def layout(purpose: Purpose, fields: tuple[tuple[str, int], ...]) -> dict[str, int]:
    """The first index of each field of a purpose's block, laid out in order from 0 by their widths (a field
    name starting "reserved" holds its place for what is to come). Fields may run onto later pages (an index
    i >= W lies on page i // W); none shares another's uniforms."""
    out, at = {}, 0
    for name, width in fields:
        assert width > 0 and name not in out, (purpose.name, name)
        out[name] = at
        at += width
    return out


def _check(purpose: Purpose, fields: tuple[tuple[str, int], ...], positions: dict[str, int],
           pinned: dict[str, int]) -> None:
    """At import: the layout gives every field the index it has always had (the dice must not move), and no two
    fields overlap."""
    for name, index in pinned.items():
        assert positions[name] == index, f"{purpose.name}: {name} moved from {index} to {positions[name]}"
    taken: set[int] = set()
    for name, width in fields:
        span = set(range(positions[name], positions[name] + width))
        assert not span & taken, f"{purpose.name}: {name} overlaps another field"
        taken |= span


ARRIVAL = Purpose("arrival", 0, 4)
ARRIVAL_FIELDS = (("gap", 1), ("accept", 1), ("severity", 1), ("deployment fails", 1))
"""gap: the gap before the candidate onset (a drill's: where it falls within a load peak); accept: its
acceptance (thinning); severity; deployment fails: whether the deployment fails (a mode that deployments start:
its candidates are deployments)."""
_ARRIVAL = layout(ARRIVAL, ARRIVAL_FIELDS)
GAP, ACCEPT, SEVERITY, DEPLOYMENT_FAILS = (_ARRIVAL[name] for name, _ in ARRIVAL_FIELDS)

CHANNEL_SLOTS = 4
"""The detection channels whose dice lie in the first page of an incident's block (model.CHANNELS order)."""
RESERVED_CHANNELS = ("social_media",)
"""Channels beyond the first four (social_media, and any to come), each with two uniforms reserved on the INCIDENT
block's second page: adding one moves no other quantity's dice."""
FIRST_SLOTS = 1
INCIDENT = Purpose("incident", 1, 16)
INCIDENT_FIELDS = (
    ("detection", 2 * CHANNEL_SLOTS),  # 2c whether channel c fires, 2c + 1 its delay
    ("declare", 1), ("assemble", 1), ("confirm", 1), ("cleanup", 1), ("postmortem", 1),
    ("handover", 1),  # the first handover at a shift end
    ("first rings", 2 * FIRST_SLOTS),  # the first page's first level, the first person: missed?, acknowledged
    *((f"reserved detection {name}", 2) for name in RESERVED_CHANNELS),  # page 1
)
"""What every incident needs, at fixed places (one block, so that a replication draws it once per mode):

    0–7     detection: 2c whether channel c (model.CHANNELS order) fires, 2c + 1 its delay
    8       the declaration delay          9   the assembly of the roles
    10      confirmation                  11  clean-up          12  the postmortem's delay
    13      the first handover at a shift end
    14, 15  the first page's first level, the person in the first place: whether they miss it, and how
            long they take to acknowledge (the others' are on the RING pages)
    16, 17  (page 1) the fifth detection channel, social_media: whether it fires and its delay (a mode without
            it never draws the page; channel_fires gives the place)
"""
_INCIDENT = layout(INCIDENT, INCIDENT_FIELDS)
DETECTION, DECLARE, ASSEMBLE, CONFIRM, CLEANUP, POSTMORTEM, HANDOVER, FIRST_RINGS = (
    _INCIDENT[name] for name in ("detection", "declare", "assemble", "confirm", "cleanup", "postmortem", "handover",
                                 "first rings"))
_check(INCIDENT, INCIDENT_FIELDS, _INCIDENT, {"detection": 0, "declare": 8, "assemble": 9, "confirm": 10,
                                              "cleanup": 11, "postmortem": 12, "handover": 13, "first rings": 14,
                                              "reserved detection social_media": 16})


def check_channels(channels: tuple[str, ...]) -> None:
    """Fail at once (the engine calls this when it is imported) if a detection channel beyond the first
    CHANNEL_SLOTS has no dice reserved for it: it would read another quantity's uniforms."""
    missing = [name for name in channels[CHANNEL_SLOTS:] if name not in RESERVED_CHANNELS]
    if missing:
        raise AssertionError(f"detection channels {missing} need their dice reserved in "
                             "simulator.dice.RESERVED_CHANNELS")


def channel_fires(index: int, name: str) -> int:
    """The INCIDENT index of whether channel `index` (model.CHANNELS order), called `name`, fires; the next
    index holds its delay. The first CHANNEL_SLOTS channels lie on page 0, a channel after them in its reserved
    place."""
    if index < CHANNEL_SLOTS:
        return DETECTION + 2 * index
    if name not in RESERVED_CHANNELS:
        raise ValueError(f"channel {name!r} has no dice: reserve it in simulator.dice.RESERVED_CHANNELS")
    return _INCIDENT[f"reserved detection {name}"]


RING = Purpose("ring", 2, 32)
"""Every other page reaching a person: index ((page · 10 + repeat) · 16 + level) · 64 + slot) · 2, then
+ 1: whether the person misses it, and how long they take to acknowledge. `page` counts the incident's pages
(0 for the first, then one per resumption after a preemption), `slot` is the person's place in the level's
on-call list."""
MORE = Purpose("more", 3, 16)
"""Handovers beyond the first: 2j at a shift end (the (j+1)-th, j ≥ 1), 2j + 1 resuming after the (j+1)-th
preemption (j ≥ 0)."""


def more_handover(j: int, resuming: bool) -> int:
    """The MORE index of the handover at the (j+1)-th shift end (j ≥ 1), or resuming after the (j+1)-th
    preemption (j ≥ 0)."""
    return 2 * j + 1 if resuming else 2 * j


COMMS = Purpose("comms", 4, 16)
"""i: how late stakeholder update i is when the Incident Commander must send it."""
PRACTICE = Purpose("practice", 5, 16)
PRACTICE_FIELDS = (
    ("automated declaration", 1), ("automated declaration takes", 1),
    ("alone", 1), ("alone for", 1), ("fixes alone", 1),
    ("noticed", 1), ("who to call", 1),
    ("anecdote", 1), ("anecdote takes", 1),
    ("reopen", 1), ("reopen after", 1),
    ("cleanup choice", 1), ("late by", 1),
    ("automated rollback", 1), ("rollback takes", 1),
    ("reserved", 1),
    ("second confirm", 1), ("second handover", 1),  # page 1: a reopened incident's second time
)
"""What the practices (scenario.practices) need, at fixed places:

    0, 1    automated declaration: whether it works, how long it takes
    2, 3, 4 whether the alerted engineer works alone first, for how long, whether they fix it alone
    5       how long an emailed alert waits to be noticed      6   finding someone to call
    7, 8    whether restoration is confirmed by anecdote, how long that takes
    9, 10   whether an incident confirmed by anecdote reopens, and when
    11, 12  the cleanup: done on time, late or skipped; how late
    13, 14  the automated rollback: whether it works, how long it takes
    15      kept

Page 1 holds what a reopened incident needs the second time: 16 its confirmation, 17 the handover to whoever
takes it up."""
_PRACTICE = layout(PRACTICE, PRACTICE_FIELDS)
(AUTOMATED_DECLARATION, AUTOMATED_DECLARATION_TAKES, ALONE, ALONE_FOR, FIXES_ALONE, NOTICED, WHO_TO_CALL, ANECDOTE,
 ANECDOTE_TAKES, REOPEN, REOPEN_AFTER, CLEANUP_CHOICE, LATE_BY, AUTOMATED_ROLLBACK, ROLLBACK_TAKES, _KEPT,
 SECOND_CONFIRM, SECOND_HANDOVER) = (_PRACTICE[name] for name, _ in PRACTICE_FIELDS)
_check(PRACTICE, PRACTICE_FIELDS, _PRACTICE, {"automated declaration": 0, "alone": 2, "noticed": 5,
                                              "who to call": 6, "anecdote": 7, "reopen": 9, "cleanup choice": 11,
                                              "automated rollback": 13, "second confirm": 16,
                                              "second handover": 17})
ACTION = Purpose("action item", 6, 16)
ACTION_ITEM_FIELDS = (("done", 1), ("lag", 1), ("kind", 1), ("kept", 1))
"""Postmortem action item j: 4j whether it gets done, 4j + 1 its lag, 4j + 2 what it improves, 4j + 3 kept (items
beyond the fourth on later pages)."""
_ACTION_ITEM = layout(ACTION, ACTION_ITEM_FIELDS)
ITEM_DONE, ITEM_LAG, ITEM_KIND, _ITEM_KEPT = (_ACTION_ITEM[name] for name, _ in ACTION_ITEM_FIELDS)
ACTION_ITEM_WIDTH = sum(width for _, width in ACTION_ITEM_FIELDS)


def action_item(j: int, field: int) -> int:
    """The ACTION index of action item j's `field` (ITEM_DONE, ITEM_LAG or ITEM_KIND)."""
    return ACTION_ITEM_WIDTH * j + field


MITIGATION_FIELDS = (("works", 1), ("lasts", 1), ("kept", 2), ("second works", 1), ("second lasts", 1))
"""A named mitigation's dice: whether it works, its duration; the same for the second try of an incident that
reopened."""
_MITIGATION = layout(Purpose("mitigation", -1, 4), MITIGATION_FIELDS)
WORKS, LASTS, SECOND_WORKS, SECOND_LASTS = (_MITIGATION[name] for name in ("works", "lasts", "second works",
                                                                           "second lasts"))
assert (WORKS, LASTS, SECOND_WORKS, SECOND_LASTS) == (0, 1, 4, 5), "a mitigation's dice moved"

RING_LEVELS, RING_SLOTS, RING_REPEATS = 16, 64, 10
"""The escalation levels, people per level and repeats the RING addresses hold."""


def ring_address(page: int, repeat: int, level: int, slot: int) -> tuple[Purpose, int]:
    """Where the uniform of whether a person misses a page lies (the next index holds their delay)."""
    if page == 0 and repeat == 0 and level == 0 and slot < FIRST_SLOTS:
        return INCIDENT, FIRST_RINGS + 2 * slot
    return RING, (((page * RING_REPEATS + repeat) * RING_LEVELS + level) * RING_SLOTS + slot) * 2


def mitigation(name: str) -> Purpose:
    """The purpose of a named mitigation's dice: 0 whether it works, 1 its duration, 2 and 3 kept; 4 and 5 the same
    for the second try of an incident that reopened (simulator.engine.practice)."""
    number = int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=7).digest(), "big") + 64
    return Purpose(f"mitigation {name}", number, 4)


def mode_number(name: str) -> int:
    """The number of a failure mode's streams (the counter's last word): a hash of its name."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "big")


def injection_stream(kind: str, index: int) -> int:
    """The stream of a failure started on purpose: chaos injection `index` ("injection") or game day `index`
    ("game day"), apart from every failure mode's (no mode is named with a NUL)."""
    return mode_number(f"\x00{kind} {index}")


def replication_key(seed: int, replication: int) -> np.ndarray:
    """The Philox key of one replication: the seed's word and the replication number."""
    if replication < 0:
        raise ValueError(f"replication numbers start at 0, not {replication}")
    return np.array([seed_word(seed), replication], dtype=np.uint64)


@cache
def seed_word(seed: int) -> int:
    """64 bits that stand for the seed (its SeedSequence's first word): every seed, however large, one word."""
    return int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0])


class Drawer:
    """A Philox generator moved to any (key, counter) before each draw: one per process is enough, as every draw
    says where it starts. Moving it costs far less than making a generator.

    The state is set from plain lists of ints, kept in one dict between draws: numpy reads it word by word, and
    words of a list cost it far less than the numpy integers of an array (a replication draws a page per failure
    mode and purpose, about one per incident, so this is on the engine's path)."""

    __slots__ = ("_bits", "_random", "_state")

    def __init__(self):
        bits = np.random.Philox(0)
        state = bits.state
        state["buffer"] = [0, 0, 0, 0]
        state["buffer_pos"] = 4  # nothing buffered: the next number comes from the counter set
        self._state = state
        self._bits = bits
        self._random = np.random.Generator(bits).random

    def draw(self, key: list[int], counter: list[int], count: int) -> list[float]:
        """`count` uniforms from Philox `key` (two words) and `counter` (four words), as plain floats."""
        state = self._state
        inner = state["state"]
        inner["key"], inner["counter"] = key, counter
        self._bits.state = state  # also resets the buffer: the numbers start at the counter
        return self._random(count).tolist()


_DRAWER = Drawer()


SPARSE = 256
"""Above this many candidates in a replication, a mode's incidents draw their own blocks (ModeDice.sparse): a
page for all candidates costs about a block's draw per 16 candidates, and such a mode has far fewer
incidents than candidates."""


class ReplicationDice:
    """The uniforms of one replication: one `ModeDice` per failure mode, drawn lazily."""

    __slots__ = ("key", "replication", "seed")

    def __init__(self, seed: int, replication: int):
        self.seed, self.replication = seed, replication
        self.key = [int(word) for word in replication_key(seed, replication)]

    def mode(self, m: int) -> ModeDice:
        return ModeDice(self, m)

    def injection(self, stream: int) -> ModeDice:
        """The dice of a failure started on purpose: candidate 0 of its own stream."""
        dice = ModeDice(self, stream)
        dice.candidates = 1
        return dice

    def draw(self, m: int, purpose: int, page: int, start: int, count: int) -> list[float]:
        """`count` uniforms of the stream (m, purpose, page) from its `start`-th (a multiple of 4)."""
        return _DRAWER.draw(self.key, [start >> 2, page, purpose, m], count)


class ModeDice:
    """The uniforms of one failure mode in one replication, by purpose and page, for its `candidates`."""

    __slots__ = ("candidates", "m", "pages", "replication")

    def __init__(self, replication: ReplicationDice, m: int):
        self.replication, self.m = replication, m
        self.candidates = 0
        self.pages: dict[int | tuple[int, ...], list[float]] = {}
        """Page 0 of each purpose by its number; later pages whole by (number, page), or one candidate's block of
        them by (number, page, candidate)."""

    def onsets(self, gap, horizon: float, batch: int = 64,
               mean: float | None = None) -> list[tuple[float, float, float]]:
        """(onset, acceptance uniform, severity uniform) of every candidate before `horizon`, where `gap(u)` turns
        a candidate's gap uniform into minutes. Candidates are drawn `batch` at a time, then twice as many each
        time (the numbers do not depend on it: the stream is read in order). Sets `candidates`.

        `mean`: the gaps are exponential_gap(1 / mean)'s, worked out here as that function would (the same
        floats) without a call per candidate (a mode of deployments has a thousand a replication)."""
        width = ARRIVAL.width
        numbers: list[float] = []
        out: list[tuple[float, float, float]] = []
        t, drawn = 0.0, 0
        scale = None if mean is None else -mean
        while True:
            more = self.replication.draw(self.m, ARRIVAL.number, 0, drawn * width, batch * width)
            numbers.extend(more)
            for j in range(drawn, drawn + batch):
                base = j * width
                t += gap(numbers[base]) if scale is None else scale * log1p(-numbers[base])
                if t >= horizon:
                    self.candidates = j + 1
                    self.pages[ARRIVAL.number] = numbers
                    return out
                out.append((t, numbers[base + 1], numbers[base + 2]))
            drawn += batch
            batch *= 2

    def arrival(self, k: int, index: int) -> float:
        """Candidate k's ARRIVAL uniform `index` (`uniform(k, ARRIVAL, index)`, read from the page `onsets`
        keeps)."""
        return self.pages[ARRIVAL.number][k * ARRIVAL.width + index]

    def page(self, purpose: Purpose, page: int = 0) -> list[float]:
        """The uniforms of every candidate on one page of `purpose`: candidate k's at k·W … k·W + W − 1."""
        key = (purpose.number, page) if page else purpose.number
        numbers = self.pages.get(key)
        if numbers is None:
            numbers = self.pages[key] = self.replication.draw(self.m, purpose.number, page, 0,
                                                              self.candidates * purpose.width)
        return numbers

    @property
    def sparse(self) -> bool:
        """Whether the mode has so many candidates (deployments, most of which do not fail) that its incidents'
        uniforms are drawn one candidate's block at a time rather than a page for all candidates at once (the
        same numbers: a block is its place in the page)."""
        return self.candidates > SPARSE

    def block(self, k: int, purpose: Purpose, page: int = 0) -> list[float]:
        """Candidate k's block of one page of `purpose` alone (drawn once, then kept)."""
        key = (purpose.number, page, k)
        block = self.pages.get(key)
        if block is None:
            width = purpose.width
            block = self.pages[key] = self.replication.draw(self.m, purpose.number, page, k * width, width)
        return block

    def uniform(self, k: int, purpose: Purpose, index: int = 0) -> float:
        page, offset = divmod(index, purpose.width)
        numbers, base = self.holding(k, purpose, page)
        return numbers[base + offset]

    def holding(self, k: int, purpose: Purpose, page: int) -> tuple[list[float], int]:
        """The numbers that hold candidate k's uniforms on one page of `purpose`, and where theirs begin."""
        if (page == 0 or purpose is INCIDENT) and not (self.candidates > SPARSE and purpose is not ARRIVAL):
            return self.page(purpose, page), k * purpose.width  # read by (nearly) every incident: one page for all
        # A later page of another purpose is read by few candidates (a page's second escalation level, a reopened
        # incident's second try): candidate k's block alone is drawn, the same numbers as its place in the page.
        return self.block(k, purpose, page), 0


class IncidentDice:
    """One incident's dice: `u(purpose, index)` is its uniform of that address; `block`, from `base` on, holds
    its INCIDENT uniforms."""

    __slots__ = ("base", "block", "k", "mode")

    def __init__(self, mode: ModeDice, k: int):
        self.mode, self.k = mode, k
        if mode.sparse:
            self.block, self.base = mode.block(k, INCIDENT), 0
        else:
            self.block, self.base = mode.page(INCIDENT), k * INCIDENT.width

    def u(self, purpose: Purpose, index: int = 0) -> float:
        width = purpose.width
        if index < width:  # page 0 (ModeDice.uniform, inline: the engine reads most of its uniforms here)
            if purpose is INCIDENT:
                return self.block[self.base + index]
            numbers = self.mode.pages.get(purpose.number)
            if numbers is not None:
                return numbers[self.k * width + index]
        return self.mode.uniform(self.k, purpose, index)

    def pair(self, purpose: Purpose, index: int) -> tuple[float, float]:
        """`u(purpose, index)` and `u(purpose, index + 1)`, read from one page when both lie on it."""
        page, offset = divmod(index, purpose.width)
        if offset + 1 < purpose.width:
            numbers, base = self.mode.holding(self.k, purpose, page)
            return numbers[base + offset], numbers[base + offset + 1]
        return self.u(purpose, index), self.u(purpose, index + 1)


def exponential_gap(rate: float):
    """The inverse CDF of an exponential gap at `rate` per minute (a Poisson process's; ModeDice.onsets works it
    out inline, the same way, given `gap_mean(rate)`)."""
    mean = gap_mean(rate)
    return lambda u: -mean * log1p(-u)


def gap_mean(rate: float) -> float:
    """The mean gap of an exponential_gap(rate)."""
    return 1.0 / rate
