"""The on-call load of a chunk, worked out in arrays (LoadRows.table), against the same figures worked out one
(replication, person) at a time by the plain loops below: equal to the last bit, for holds that touch, overlap,
nest, repeat an incident and cross nights."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.calendar import merge
from simulator.results.oncall_load import BLOCK, SUSTAINABLE, LoadRows, Rota

PEOPLE = ("Ana", "Ben", "Cleo")
SLEEP = {  # nights of 8 hours a day apart, Cleo's shorter and later; Ben never sleeps in the rota
    "Ana": [(1320.0 + 1440.0 * day, 1800.0 + 1440.0 * day) for day in range(6)],
    "Cleo": [(60.0 + 1440.0 * day, 300.0 + 1440.0 * day) for day in range(6)],
}


def expected(holds: dict, times: dict, first: int, replications: int) -> dict[str, np.ndarray]:
    """The figures as a loop over each (replication, person) gives them, in the order of its holds."""
    shape = (replications, len(PEOPLE))
    out = {name: np.zeros(shape) for name in ("hours_held", "longest_stretch_hours", "busiest_12h",
                                               "blocks_over_two", "sleep_hours", "sleep_pages",
                                               "interrupted_nights")}
    nights: defaultdict[tuple[int, str], set[int]] = defaultdict(set)
    for (replication, person), found in times.items():
        for t in found:
            for i, (a, b) in enumerate(SLEEP.get(person, [])):
                if a <= t < b:
                    out["sleep_pages"][replication - first, PEOPLE.index(person)] += 1
                    nights[(replication, person)].add(i)
    for (replication, person), found in holds.items():
        cell = (replication - first, PEOPLE.index(person))
        out["hours_held"][cell] = sum(b - a for a, b, _ in found) / 60
        worked = merge([(a, b) for a, b, _ in found])
        out["longest_stretch_hours"][cell] = max(b - a for a, b in worked) / 60
        per_block: defaultdict[int, set[int]] = defaultdict(set)
        for since, _, incident in found:
            per_block[int(since // BLOCK)].add(incident)
        counts = [len(incidents) for incidents in per_block.values()]
        out["busiest_12h"][cell] = max(counts)
        out["blocks_over_two"][cell] = sum(c > SUSTAINABLE for c in counts) / len(counts)
        asleep = [(max(a, x), min(b, y), i) for a, b in worked for i, (x, y) in enumerate(SLEEP.get(person, []))
                  if min(b, y) > max(a, x)]
        out["sleep_hours"][cell] = sum(b - a for a, b, _ in asleep) / 60
        nights[(replication, person)].update(i for _, _, i in asleep)
    for (replication, person), found in nights.items():
        if found:
            out["interrupted_nights"][replication - first, PEOPLE.index(person)] = len(found)
    return out


# Minutes on a grid of thirds and on round numbers, so that holds touch and coincide as often as they miss.
minutes = st.one_of(st.integers(0, 8000).map(float), st.fractions(0, 8000, max_denominator=3).map(
    lambda f: float(Fraction(f))))
hold = st.tuples(minutes, st.one_of(st.just(0.0), minutes.map(lambda m: m / 7)), st.integers(1, 6))
cell = st.tuples(st.integers(5, 8), st.sampled_from(PEOPLE))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.dictionaries(cell, st.lists(hold, min_size=1, max_size=12), max_size=12),
       st.dictionaries(cell, st.lists(minutes, min_size=1, max_size=6), max_size=8))
def test_the_figures_in_arrays_are_those_of_a_loop_over_each_persons_holds(holds, pages):
    rows = LoadRows()
    for (replication, person), found in holds.items():
        for since, length, incident in found:
            rows.append((since + length, replication, incident, "response", "stood_down", person,
                         {"since": since}))
    for (replication, person), found in pages.items():
        for t in found:
            rows.append((t, replication, 1, "response", "page_delivered", person, {"period": "night"}))
    logged = {key: [(since, since + length, incident) for since, length, incident in found]
              for key, found in holds.items()}
    rota = Rota(SLEEP, {}, {}, None)
    table = rows.table(PEOPLE, range(5, 9), None, 10_000.0, rota)
    for name, values in expected(logged, pages, 5, 4).items():
        assert table.figures[name].tobytes() == values.tobytes(), name


def test_holds_that_touch_are_one_stretch_and_an_incident_taken_up_twice_counts_once():
    rows = LoadRows()
    for since, until, incident in [(0.0, 30.0, 1), (30.0, 90.0, 2), (100.0, 110.0, 1), (120.0, 130.0, 3),
                                   (125.0, 126.0, 4)]:
        rows.append((until, 0, incident, "response", "stood_down", "Ana", {"since": since}))
    table = rows.table(PEOPLE, range(1), None, 10_000.0)
    assert table.figures["longest_stretch_hours"][0, 0] == 1.5  # 0-30 and 30-90 joined
    assert table.figures["busiest_12h"][0, 0] == 4  # incidents 1, 2, 3 and 4 in the first block, 1 once
    assert table.figures["blocks_over_two"][0, 0] == 1.0
    assert table.figures["hours_held"][0, 0] == (30 + 60 + 10 + 10 + 1) / 60
