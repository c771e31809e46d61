"""The contract of per-incident dice (simulator.dice), checked against numpy's Philox and through the engine.

The first tests restate the addressing independently: a replication's key is [the first word of
SeedSequence(seed), r], and candidate k's block of a purpose of width W on a page is what a fresh Philox started at
counter [k·W/4, page, purpose, mode] gives. The others play paired scenarios and check common random
numbers: what a change leaves alone must come out identical, to the last bit.
"""

import math
import subprocess
import sys
from itertools import product

import numpy as np
import pytest
from scipy import stats

from simulator import dice, parse_scenario, simulate
from simulator.dice import (
    ARRIVAL,
    COMMS,
    FIRST_RINGS,
    FIRST_SLOTS,
    INCIDENT,
    MORE,
    RING,
    RING_LEVELS,
    RING_REPEATS,
    RING_SLOTS,
    IncidentDice,
    ModeDice,
    ReplicationDice,
    ring_address,
)
from simulator.engine.run import Engine

SEED = 20260105


def philox(seed: int, replication: int, m: int, purpose: int, page: int, start: int, count: int) -> list[float]:
    """`count` numbers of the stream (m, purpose, page) from its `start`-th, straight from numpy."""
    key = [int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]), replication]
    bits = np.random.Philox(key=np.array(key, dtype=np.uint64), counter=[start // 4, page, purpose, m])
    return np.random.Generator(bits).random(count).tolist()


def candidate_block(m, purpose, k, page=0, seed=SEED, replication=0):
    return philox(seed, replication, m, purpose.number, page, k * purpose.width, purpose.width)


def mode_dice(candidates: int, m: int = 1, seed: int = SEED, replication: int = 0) -> ModeDice:
    found = ReplicationDice(seed, replication).mode(m)
    found.candidates = candidates
    return found


PURPOSES = [INCIDENT, RING, MORE, COMMS, dice.mitigation("rollback"), dice.mitigation("flag-off")]


# ── Addresses ──────────────────────────────────────────────────────────────────────────────────────────────


def test_the_replication_key_is_the_seeds_word_and_the_replication():
    for seed, replication in [(0, 0), (SEED, 0), (SEED, 7), (2**40 + 3, 123), (2**200 + 1, 2**40)]:
        expected = [np.random.SeedSequence(seed).generate_state(1, np.uint64)[0], replication]
        np.testing.assert_array_equal(dice.replication_key(seed, replication), np.array(expected, dtype=np.uint64))
    with pytest.raises(ValueError, match="start at 0"):
        dice.replication_key(SEED, -1)


@pytest.mark.parametrize("purpose", PURPOSES, ids=lambda p: p.name)
def test_a_block_drawn_in_bulk_for_every_candidate_equals_the_block_drawn_alone(purpose):
    """Drawing a page for all candidates of a mode (as the engine does, once) gives candidate k exactly the
    numbers that drawing k's block alone gives, and those are Philox's at counter [k·W/4, 0, purpose, m]."""
    candidates = 300
    bulk = mode_dice(candidates, m=2).page(purpose)
    assert len(bulk) == candidates * purpose.width
    for k in (0, 1, 2, 63, 64, 65, 200, candidates - 1):
        alone = ReplicationDice(SEED, 0).draw(2, purpose.number, 0, k * purpose.width, purpose.width)
        expected = candidate_block(2, purpose, k)
        assert bulk[k * purpose.width:(k + 1) * purpose.width] == alone == expected
        incident = IncidentDice(mode_dice(candidates, m=2), k)
        assert [incident.u(purpose, i) for i in range(purpose.width)] == expected


@pytest.mark.parametrize("purpose", PURPOSES, ids=lambda p: p.name)
def test_a_mode_of_many_candidates_draws_blocks_alone_with_the_same_numbers(purpose):
    """A mode with more candidates than dice.SPARSE (deployments, most of which do not fail) draws each incident's
    blocks alone instead of pages for every candidate: its incidents read the very same numbers, on every page."""
    many, few = dice.SPARSE * 4, 8
    sparse = mode_dice(many, m=5)
    assert sparse.sparse and not mode_dice(few, m=5).sparse
    for k in (0, 3, few - 1):
        dense = IncidentDice(mode_dice(few, m=5), k)
        alone = IncidentDice(sparse, k)
        indices = range(2 * purpose.width)  # pages 0 and 1
        assert [alone.u(purpose, i) for i in indices] == [dense.u(purpose, i) for i in indices]
        assert [alone.u(purpose, i) for i in range(purpose.width)] == candidate_block(5, purpose, k)
    assert not any(isinstance(key, int) for key in sparse.pages)  # no page was drawn for every candidate


def test_arrival_blocks_are_read_in_growing_batches_without_a_seam():
    """Candidates are drawn 64, then 128, then 256 … at a time; every candidate's gap, acceptance and severity
    uniforms are still its own block's, and the onsets are the running sum of the gaps."""
    mean = 10.0
    found = mode_dice(0, m=3)
    onsets = found.onsets(dice.exponential_gap(1 / mean), horizon=5000.0)  # some 500 candidates: 4 batches
    assert len(onsets) > 64 + 128 + 256
    assert found.candidates == len(onsets) + 1  # the first candidate past the horizon is counted too
    t = 0.0
    for k, (onset, accept, severity) in enumerate(onsets):
        block = candidate_block(3, ARRIVAL, k)
        t += -mean * math.log1p(-block[0])
        assert (onset, accept, severity) == (t, block[1], block[2])


def test_pages_beyond_the_width_are_stable_and_distinct_from_page_0():
    """Index i of a purpose of width W lies on page i // W at place i mod W of the candidate's block there:
    a page is drawn when first read, and gives the same numbers whatever was read before it."""
    candidates, k = 40, 17
    cases = [(RING, ring_address(0, 1, 0, 0)[1]), (RING, ring_address(3, 2, 5, 40)[1] + 1),
             (INCIDENT, INCIDENT.width + 9), (MORE, 2 * 9), (MORE, 2 * 30 + 1), (COMMS, 16), (COMMS, 47)]
    first = mode_dice(candidates)
    values = [first.uniform(k, purpose, index) for purpose, index in cases]
    # Read in the opposite order on fresh dice, with page 0 of everything read first.
    second = mode_dice(candidates)
    for purpose, _ in cases:
        second.page(purpose, 0)
    again = [second.uniform(k, purpose, index) for purpose, index in reversed(cases)][::-1]
    assert again == values
    for (purpose, index), value in zip(cases, values, strict=True):
        page, place = divmod(index, purpose.width)
        assert page >= 1
        block = candidate_block(1, purpose, k, page=page)
        assert value == block[place]
        assert value == first.uniform(k, purpose, index)  # read again: the same
        assert value == first.page(purpose, page)[k * purpose.width + place]  # the whole page holds it too
        assert value != first.uniform(k, purpose, place)  # not page 0's number at the same place
        assert block != candidate_block(1, purpose, k, page=0)
        assert IncidentDice(mode_dice(candidates), k).u(purpose, index) == value


def test_every_ring_has_its_own_pair_of_uniforms():
    """Whether a person misses a page and how long they take: a distinct pair for every page, repeat, level
    and place in the level, never overlapping another ring's pair or the fixed places of the INCIDENT block."""
    seen = set()
    for page, repeat, level, slot in product(range(3), range(RING_REPEATS), range(RING_LEVELS), range(RING_SLOTS)):
        purpose, index = ring_address(page, repeat, level, slot)
        assert index % 2 == 0
        seen.add((purpose.name, index))
        seen.add((purpose.name, index + 1))
        if purpose is INCIDENT:
            assert (page, repeat, level) == (0, 0, 0) and slot < FIRST_SLOTS
            assert FIRST_RINGS <= index < index + 1 < INCIDENT.width
    assert len(seen) == 2 * 3 * RING_REPEATS * RING_LEVELS * RING_SLOTS
    named = {dice.DETECTION + i for i in range(8)} | {dice.DECLARE, dice.ASSEMBLE, dice.HANDOVER, dice.CONFIRM,
                                                     dice.CLEANUP, dice.POSTMORTEM}
    assert all(i < FIRST_RINGS for i in named)


# ── Replications and seeds ─────────────────────────────────────────────────────────────────────────────────


def test_replications_and_seeds_have_their_own_keys_and_numbers():
    keys = {tuple(dice.replication_key(seed, r)) for seed in (0, 1, SEED) for r in range(50)}
    assert len(keys) == 150
    blocks = {tuple(candidate_block(0, INCIDENT, 0, seed=seed, replication=r)) for seed in (0, 1) for r in range(5)}
    assert len(blocks) == 10


def test_the_same_seed_and_replication_give_the_same_numbers_in_any_order():
    forward = [ReplicationDice(SEED, r).draw(0, INCIDENT.number, 0, 0, 256) for r in range(4)]
    backward = [ReplicationDice(SEED, r).draw(0, INCIDENT.number, 0, 0, 256) for r in reversed(range(4))][::-1]
    assert forward == backward
    shared = ReplicationDice(SEED, 2)  # one object, its streams read in any order
    shared.draw(5, RING.number, 3, 1000, 8)
    assert shared.draw(0, INCIDENT.number, 0, 0, 256) == forward[2]


def test_the_drawer_gives_the_numbers_of_a_philox_generator_made_at_each_address():
    """The drawer moves one generator from address to address: every draw gives what a new Philox(key, counter)
    would, including counters that carry into the next word, keys that change between draws and counts that
    leave numbers buffered."""
    drawer = dice.Drawer()
    top = 2**64 - 1
    keys = [[1, 2], [top, 7], [dice.seed_word(SEED), 3]]
    counters = [[0, 0, 0, 0], [top, 0, 1, 5], [top, top, top, top], [top - 1, 4, 2, 2**63 + 9], [12, 1, 64, 99]]
    for key, counter, count in product(keys, counters, (4, 32, 3, 8)):
        made = np.random.Generator(np.random.Philox(key=np.array(key, dtype=np.uint64),
                                                    counter=np.array(counter, dtype=np.uint64)))
        assert drawer.draw(key, counter, count) == made.random(count).tolist(), (key, counter, count)


def test_a_replication_plays_the_same_alone_or_after_others():
    scenario = three_modes()
    engine = Engine(scenario)
    after_others = [engine.play(SEED, r) for r in range(3)][2]
    alone = Engine(scenario).play(SEED, 2)
    assert after_others == alone
    assert len(onsets_of(alone)) > 100
    assert onsets_of(alone) != onsets_of(Engine(scenario).play(SEED, 3))
    assert onsets_of(alone) != onsets_of(Engine(scenario).play(SEED + 1, 2))


# ── Named mitigations ──────────────────────────────────────────────────────────────────────────────────────


def test_named_mitigations_have_distinct_purposes_apart_from_the_fixed_ones():
    names = ["rollback", "failover", "drain", "debug", "flag-off", "scale-up", "restart", "Rollback", "rollback "]
    numbers = [dice.mitigation(name).number for name in names]
    assert len(set(numbers)) == len(names)
    fixed = {p.number for p in (ARRIVAL, INCIDENT, RING, MORE, COMMS)}
    assert all(n >= 64 and n not in fixed and n < 2**64 for n in numbers)
    # pinned: a change of numbering would change every named mitigation's dice, and every event log with them
    assert [dice.mitigation(name).number for name in ("rollback", "flag-off")] == [38960248362657824,
                                                                                  50549718258156755]


def test_a_mitigations_purpose_does_not_depend_on_the_process():
    """The number comes from the name alone, not from Python's per-process string hashing."""
    here = dice.mitigation("flag-off").number
    code = "from simulator import dice; print(dice.mitigation('flag-off').number)"
    for hash_seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": hash_seed, "PATH": ""})
        assert int(out.stdout) == here


CATALOGUE_MODE = """
  - name: bad-deploy
    cause: deployment
    rate: 3/d
    detection: {monitoring: {delay: {kind: lognormal, median: 4m, p95: 20m}}}
    mitigations:
      rollback: {duration: {kind: lognormal, median: 10m, p95: 40m}, success: 0.6}
      OFFERED
      debug: {duration: {kind: lognormal, median: 1h, p95: 5h}}
    mitigation_order: ORDER
"""


def attempts(events):
    """(replication, onset) → {mitigation: (duration, worked)} of every mitigation tried."""
    onset, started, out = {}, {}, {}
    for e in events:
        key = (e.replication, e.incident)
        if e.action == "onset":
            onset[key] = e.time
        elif e.action == "mitigation_started":
            started[key, e.detail["mitigation"]] = e.time
        elif e.action in ("mitigated", "mitigation_failed"):
            name = e.detail["mitigation"]
            out.setdefault((e.replication, onset[key]), {})[name] = (e.time - started[key, name],
                                                                     e.action == "mitigated")
    return out


def test_adding_a_mitigation_to_the_catalogue_changes_no_other_mitigations_uniforms():
    """The same failures, with `flag-off` added to the catalogue and tried between the rollback and debugging:
    every rollback takes the same time and works or fails as before, and every debugging that both runs reach
    takes the same time."""
    def run(offered, order, catalogue=""):
        text = f"""
name: catalogue
horizon: 20d
replications: 3
seed: {SEED}
{catalogue}
team: {{responders: 40, secondary: null}}
failure_modes:
{CATALOGUE_MODE.replace("OFFERED", offered).replace("ORDER", order)}
"""
        return attempts(simulate(parse_scenario(text), workers=1).events)

    before = run("", "[rollback, debug]")
    after = run("flag-off: {duration: {kind: lognormal, median: 10m, p95: 40m}, success: 0.5}",
                "[rollback, flag-off, debug]", "mitigations: {flag-off: {applies_to: [deployment]}}")
    assert before.keys() == after.keys() and len(before) > 100
    both_debugged = 0
    for key, tried in before.items():
        assert after[key]["rollback"] == pytest.approx(tried["rollback"], rel=1e-12)
        if "debug" in tried and "debug" in after[key]:  # (an end less a start: equal to rounding)
            assert after[key]["debug"] == pytest.approx(tried["debug"], rel=1e-12)
            both_debugged += 1
    assert both_debugged > 10
    # flag-off reads dice of its own: its outcomes are not the rollback's.
    pairs = [(t["rollback"][1], t["flag-off"][1]) for t in after.values() if "flag-off" in t]
    assert len(pairs) > 20 and {worked for _, worked in pairs} == {True, False}
    durations = [(t["rollback"][0], t["flag-off"][0]) for t in after.values() if "flag-off" in t]
    assert not any(a == b for a, b in durations)


# ── Failure modes ──────────────────────────────────────────────────────────────────────────────────────────

DETECTION = """
    detection:
      monitoring: {probability: 0.7, delay: {kind: lognormal, median: 4m, p95: 20m}}
      customer_report: {delay: {kind: lognormal, median: 30m, p95: 2h}}"""


def failure_mode(name, rate, cause="capacity", severity="{SEV1: 1, SEV2: 2, SEV3: 3}", debug="1h"):
    return f"""
  - name: {name}
    cause: {cause}
    rate: {rate}
    severity: {severity}{DETECTION}
    mitigations: {{debug: {{duration: {{kind: lognormal, median: {debug}, p95: 6h}}}}}}
"""


def three_modes(alpha="3/d", modes=None, team="{responders: 2, secondary: null}", policy=""):
    modes = modes if modes is not None else [("alpha", alpha), ("beta", "2/d"), ("gamma", "1/d")]
    return parse_scenario(f"""
name: modes
horizon: 30d
replications: 4
seed: {SEED}
team: {team}
policy: {{declare_after: 5m{policy}}}
failure_modes:
{"".join(failure_mode(name, rate) for name, rate in modes)}
""")


def onsets_of(log):
    """(incident, minute) of every onset in an engine log (plain tuples in Event's field order)."""
    return [(incident, time) for time, _, incident, _, action, _, _ in log if action == "onset"]


def by_mode(table, name, columns=("onset", "detected", "severity", "channel")):
    """{(replication, onset): (columns…)} of one mode's incidents."""
    keep = table.mode == name
    rows = zip(*(getattr(table, column)[keep].tolist() for column in ("replication", *columns)), strict=True)
    return {(row[0], row[1]): row[1:] for row in rows}


def test_changing_one_modes_rate_leaves_every_other_modes_onsets_and_detection_alone():
    """alpha's rate doubles, gamma is dropped and delta added: beta's incidents (matched by replication and
    onset) start, are detected, by the same channel, with the same severity as before."""
    before = simulate(three_modes(), keep_events=False, workers=1).incidents
    after = simulate(three_modes(modes=[("alpha", "6/d"), ("beta", "2/d"), ("delta", "5/d")]),
                     keep_events=False, workers=1).incidents
    beta = by_mode(before, "beta")
    assert len(beta) > 150
    assert by_mode(after, "beta") == beta
    assert (after.mode == "alpha").sum() > 1.5 * (before.mode == "alpha").sum()


def test_a_modes_own_rate_moves_its_incidents_together():
    """alpha's rate doubled: its k-th incident starts at half the time (the same gap uniforms through another
    exponential's inverse CDF) and keeps its detection delay, channel and severity."""
    before = simulate(three_modes(), keep_events=False, workers=1).incidents
    after = simulate(three_modes(alpha="6/d"), keep_events=False, workers=1).incidents
    old, new = by_mode(before, "alpha"), by_mode(after, "alpha")
    for replication in range(4):
        old_rows = sorted(v for (r, _), v in old.items() if r == replication)
        new_rows = sorted(v for (r, _), v in new.items() if r == replication)
        assert len(new_rows) > len(old_rows) > 40
        for (onset, detected, severity, channel), (onset2, detected2, severity2, channel2) in zip(
                old_rows, new_rows, strict=False):
            assert onset2 == pytest.approx(onset / 2, rel=1e-12)
            assert severity2 == severity
            if not (math.isnan(detected) or math.isnan(detected2)):  # both detected before the horizon
                assert detected2 - onset2 == pytest.approx(detected - onset, rel=1e-9)
                assert channel2 == channel


# ── Distributions: one quantity changed, every other the same ─────────────────────────────────────────────

PLENTY = "{responders: 60, secondary: null, acknowledge: {kind: lognormal, median: 3m, p95: 15m}}"


def paired(policy_a, policy_b, columns):
    a = simulate(three_modes(team=PLENTY, policy=policy_a), keep_events=False, workers=1).incidents
    b = simulate(three_modes(team=PLENTY, policy=policy_b), keep_events=False, workers=1).incidents
    assert len(a) == len(b) > 300
    assert not (a.waited > 0).any() and not (b.waited > 0).any()  # nobody waits: the runs cannot interact
    for column in columns:
        np.testing.assert_array_equal(getattr(a, column), getattr(b, column), err_msg=column)
    return a, b


def test_a_constant_made_a_lognormal_changes_that_quantity_alone():
    """`policy.confirm` from 10m to a lognormal: onsets, detection, declaration, acknowledgement and service
    restoration are identical; only the time to resolve moves."""
    a, b = paired(", confirm: 10m", ", confirm: {kind: lognormal, median: 10m, p95: 40m}",
                  ("onset", "detected", "declared", "acknowledged", "mitigated", "severity", "channel"))
    done = ~np.isnan(a.resolved) & ~np.isnan(b.resolved)
    np.testing.assert_allclose(a.resolved[done] - a.mitigated[done], 10.0, rtol=1e-12)  # to rounding
    assert len(np.unique(b.resolved[done] - b.mitigated[done])) > 100


def test_a_changed_distribution_reads_the_same_uniform():
    """`policy.confirm` made another lognormal, then a gamma: each incident's confirmation is the new
    distribution's quantile at the very uniform the old one used, u = F_old(old duration)."""
    old_text = ", confirm: {kind: lognormal, mu: 2.3, sigma: 0.5}"
    for new_text, new in [(", confirm: {kind: lognormal, mu: 3.0, sigma: 0.9}", stats.lognorm(0.9, scale=math.exp(3))),
                          (", confirm: {kind: gamma, shape: 2, mean: 20m}", stats.gamma(2, scale=10))]:
        a, b = paired(old_text, new_text, ("onset", "detected", "acknowledged", "mitigated"))
        done = ~np.isnan(a.resolved) & ~np.isnan(b.resolved)
        u = stats.lognorm(0.5, scale=math.exp(2.3)).cdf(a.resolved[done] - a.mitigated[done])
        np.testing.assert_allclose(b.resolved[done] - b.mitigated[done], new.ppf(u), rtol=1e-6)


def test_adding_removing_or_reordering_other_modes_leaves_a_modes_dice_alone():
    """A mode's dice follow it wherever it stands in the file: drop the mode before it, put a new one first,
    or reverse the order, and beta's incidents start and are detected as before."""
    before = by_mode(simulate(three_modes(), keep_events=False, workers=1).incidents, "beta")
    assert len(before) > 150
    for modes in ([("beta", "2/d"), ("gamma", "1/d")],
                  [("delta", "4/d"), ("alpha", "3/d"), ("beta", "2/d"), ("gamma", "1/d")],
                  [("gamma", "1/d"), ("beta", "2/d"), ("alpha", "3/d")]):
        after = simulate(three_modes(modes=modes), keep_events=False, workers=1).incidents
        assert by_mode(after, "beta") == before, [name for name, _ in modes]


def test_a_modes_number_comes_from_its_name():
    names = ["alpha", "beta", "gamma", "delta", "Alpha", "alpha "]
    numbers = [dice.mode_number(name) for name in names]
    assert len(set(numbers)) == len(names) and all(0 <= n < 2**64 for n in numbers)
    # pinned (the same in any process, whatever PYTHONHASHSEED): a change would move every mode's dice
    assert [dice.mode_number(name) for name in ("beta", "alpha")] == [1390570534839725742, 5982700193828047002]


def test_a_detection_channel_without_reserved_dice_is_refused_and_the_models_channels_all_have_theirs():
    from simulator.scenario.model import CHANNELS

    dice.check_channels(CHANNELS)
    with pytest.raises(AssertionError, match="pager_tweets"):
        dice.check_channels((*CHANNELS, "pager_tweets"))
    used = [index for i, name in enumerate(CHANNELS) for index in (dice.channel_fires(i, name),
                                                                   dice.channel_fires(i, name) + 1)]
    assert len(set(used)) == len(used)  # no two channels share a uniform
    others = {dice.DECLARE, dice.ASSEMBLE, dice.CONFIRM, dice.CLEANUP, dice.POSTMORTEM, dice.HANDOVER,
              dice.FIRST_RINGS, dice.FIRST_RINGS + 1}
    assert not others & set(used)  # nor with the declaration or any other quantity
