"""Arrivals whose rate changes with time: candidates at the peak rate, thinned by rate(t) / peak.

Onsets of a Poisson process of rate λ(t) fall in a stretch [a, b) in number Poisson(∫ₐᵇ λ), independently
from one replication to the next. The integrals here are worked out by hand, minute by minute, from the
weekday and the time of day (in UTC, or with zoneinfo for a local clock), not with the simulator's calendar.
"""

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from simulator import parse_scenario, simulate
from simulator.errors import ScenarioError
from simulator.results.metrics import t_quantile

LEVEL = 0.999
"""Each stretch's interval; with some half a dozen stretches per test, all hold together at least 99%."""

QUIET = """
team: {responders: 1, secondary: null, acknowledge: 0s, assemble: 0s}
policy: {declare_after: 0s, confirm: 0s, cleanup: 0s}
"""


def mode(name, arrivals, cause="deployment", extra=""):
    return f"""
  - name: {name}
    cause: {cause}
    {arrivals}
    detection: {{monitoring: {{delay: 0s}}}}
    mitigations: {{debug: {{duration: 1m}}}}{extra}
"""


PROFILE = """
    profile:
      - {days: Mon-Fri, hours: "09:00-17:00", factor: 3}
      - {days: "Sat, Sun", factor: 0.5}
      - {hours: "08:00-10:00", factor: 6}"""
"""Business hours three times the base rate, weekends half; 08:00–10:00 six times, but only where the rules
before it do not match (weekdays 08:00–09:00): the first rule that matches counts."""

LAUNCH = (datetime(2026, 1, 13, 6, 0), datetime(2026, 1, 14, 12, 30), 3.0)
FREEZE = (datetime(2026, 1, 20, 10, 0), datetime(2026, 1, 22, 16, 0), 0.0)
START = datetime(2026, 1, 5)  # a Monday, UTC
DAYS = 28
RATE = 1 / 60  # per minute: 1/h


def weekly_scenario(replications):
    return parse_scenario(f"""
name: arrivals
start: {START.isoformat()}
horizon: {DAYS}d
replications: {replications}
seed: 31
{QUIET}
failure_modes:
{mode("deploys", "rate: 1/h", extra=PROFILE)}
windows:
  - {{name: launch, start: {LAUNCH[0].isoformat()}, end: {LAUNCH[1].isoformat()}, factor: 3}}
  - {{name: freeze, start: {FREEZE[0].isoformat()}, end: {FREEZE[1].isoformat()}, factor: 0}}
""")


def minute_of(when: datetime) -> int:
    return int((when - START).total_seconds() // 60)


def by_hand():
    """Per minute of the horizon: the rate (per minute) and the stretch it belongs to."""
    minute = np.arange(DAYS * 1440)
    weekday, clock = (minute // 1440) % 7, minute % 1440  # START is a Monday at 00:00 UTC
    weekend = weekday >= 5
    business = ~weekend & (clock >= 9 * 60) & (clock < 17 * 60)
    early = ~weekend & (clock >= 8 * 60) & (clock < 9 * 60)
    factor = np.select([business, weekend, early], [3.0, 0.5, 6.0], default=1.0)
    label = np.select([business & (clock < 10 * 60), business, weekend, early],
                      ["weekday 09-10", "weekday 10-17", "weekend", "weekday 08-09"], default="weekday rest")
    for (a, b, window_factor), name in ((LAUNCH, "launch"), (FREEZE, "freeze")):
        inside = (minute >= minute_of(a)) & (minute < minute_of(b))
        factor[inside] *= window_factor
        label[inside] = name
    return RATE * factor, label


def counts_per_replication(table, label, replications):
    """{stretch: each replication's number of onsets in it}."""
    stretch = label[np.floor(table.onset).astype(int)]
    return {name: np.bincount(table.replication[stretch == name], minlength=replications)
            for name in np.unique(label)}


def interval(counts):
    """Mean over replications and the half-width of its t interval (replications are independent)."""
    n = len(counts)
    return counts.mean(), t_quantile(0.5 + LEVEL / 2, n - 1) * counts.std(ddof=1) / math.sqrt(n)


@pytest.fixture(scope="module")
def weekly():
    scenario = weekly_scenario(replications=20)
    return scenario, simulate(scenario, keep_events=False, workers=1).incidents


def test_counts_per_stretch_match_the_integral_of_the_rate(weekly):
    """Business hours, the first-match 08:00–09:00 rule, weekends (where the 08:00–10:00 rule loses to the
    weekend rule), a launch at three times the profile, a freeze: each stretch's mean count over replications
    lies within its 99.9% t interval of ∫ rate, and the interval is tight enough to tell a factor apart."""
    scenario, table = weekly
    rate, label = by_hand()
    observed = counts_per_replication(table, label, scenario.replications)
    assert set(observed) == {"weekday 09-10", "weekday 10-17", "weekday 08-09", "weekday rest", "weekend",
                             "launch", "freeze"}
    for name, counts in observed.items():
        expected = rate[label == name].sum()  # ∫ over the stretch: the rate is constant within each minute
        if name == "freeze":
            assert expected == 0
            continue
        mean, half = interval(counts)
        assert abs(mean - expected) < half, (name, mean, expected, half)
        assert half < 0.15 * expected, (name, half, expected)


def test_a_freeze_has_no_onsets_at_all(weekly):
    _, table = weekly
    a, b = minute_of(FREEZE[0]), minute_of(FREEZE[1])
    assert not ((table.onset >= a) & (table.onset < b)).any()
    # …while the hours on either side of it see failures as usual
    assert ((table.onset >= a - 120) & (table.onset < a)).sum() > 30
    assert ((table.onset >= b) & (table.onset < b + 120)).sum() > 30


def fortnight_onsets(modes, windows, of_mode=None):
    """(replication, onset) of every incident (of one mode, if named) in five fortnights from Monday 5 January."""
    scenario = parse_scenario(f"""
name: fortnight
start: 2026-01-05T00:00
horizon: 14d
replications: 5
seed: 7
{QUIET}
failure_modes:
{modes}
windows: {windows}
""")
    table = simulate(scenario, keep_events=False, workers=1).incidents
    keep = table.mode == of_mode if of_mode else np.ones(len(table), dtype=bool)
    return list(zip(table.replication[keep].tolist(), table.onset[keep].tolist(), strict=True))


def test_an_unrelated_window_leaves_a_constant_rate_mode_alone():
    """steady has a constant rate; windows on the other mode only (a launch and a freeze) draw nothing from its
    dice: its onsets are the same, one for one."""
    modes = mode("steady", "rate: 6/d", cause="capacity") + mode("deploys", "rate: 12/d", extra=PROFILE)
    alone = fortnight_onsets(modes, "[]", of_mode="steady")
    assert len(alone) > 300
    assert fortnight_onsets(modes, """
  - {name: launch, start: 2026-01-07, end: 2026-01-09, factor: 3, modes: [deploys]}
  - {name: freeze, start: 2026-01-12, end: 2026-01-13, factor: 0, causes: [deployment]}""", of_mode="steady") == alone


def test_a_freeze_removes_exactly_the_onsets_inside_it():
    """A freeze lowers no mode's peak rate, so the candidates are the same: with it, the onsets are those of
    the same scenario without it, less the ones inside the freeze."""
    modes = mode("deploys", "rate: 12/d", extra=PROFILE)
    a, b = 7 * 1440, 8.5 * 1440
    free = fortnight_onsets(modes, "[]")
    frozen = fortnight_onsets(modes, "[{name: freeze, start: 2026-01-12T00:00, end: 2026-01-13T12:00, factor: 0}]")
    inside = [(r, t) for r, t in free if a <= t < b]
    assert len(inside) > 20
    assert frozen == [(r, t) for r, t in free if not a <= t < b]


def test_a_profile_follows_local_time_through_a_change_of_the_clocks():
    """New York moves its clocks forward on Sunday 8 March 2026. A profile of four times the rate on weekdays
    09:00–17:00 local time: the counts in the hours either side of each edge of business hours (edges that
    move an hour in UTC) match ∫ rate worked out with zoneinfo, in the week before the change and the week
    after. Business hours an hour off would put four times the rate in one of them, or a quarter."""
    zone = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 2, tzinfo=zone)  # a Monday
    days, replications = 14, 20
    scenario = parse_scenario(f"""
name: local profile
start: 2026-03-02T00:00
timezone: America/New_York
horizon: {days}d
replications: {replications}
seed: 5
{QUIET}
failure_modes:
{mode("deploys", "rate: 2/h", extra='''
    profile: [{days: Mon-Fri, hours: "09:00-17:00", factor: 4}]''')}
""")
    start_utc = start.astimezone(UTC)
    label = np.empty(days * 1440, dtype=object)
    factor = np.ones(days * 1440)
    for minute in range(days * 1440):
        local = (start_utc + timedelta(minutes=minute)).astimezone(zone)
        weekday, hour = local.weekday(), local.hour
        after = "after" if local.date() >= datetime(2026, 3, 8).date() else "before"
        if weekday < 5 and 9 <= hour < 17:
            factor[minute] = 4.0
        edge = weekday < 5 and hour in (8, 9, 16, 17)
        label[minute] = f"{hour:02d}:00 {after}" if edge else "business" if factor[minute] > 1 else "rest"
    table = simulate(scenario, keep_events=False, workers=1).incidents
    observed = counts_per_replication(table, label, replications)
    rate = factor * 2 / 60
    assert len(observed) == 10
    for name, counts in observed.items():
        expected = rate[label == name].sum()
        mean, half = interval(counts)
        assert abs(mean - expected) < half, (name, mean, expected, half)
        assert half < 0.5 * expected, (name, half, expected)  # a factor of 4 either way is told apart


# ── `every` cannot change with time ────────────────────────────────────────────────────────────────────────

EVERY = """name: renewal
start: 2026-01-05T00:00
failure_modes:
  - name: drift
    cause: capacity
    every: {kind: gamma, shape: 2, mean: 1d}
    detection: {monitoring: {delay: 1m}}
    mitigations: {debug: {duration: 1h}}
  - name: deploys
    cause: deployment
    rate: 1/d
    detection: {monitoring: {delay: 1m}}
    mitigations: {debug: {duration: 1h}}
"""


def problems(text):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, file="renewal.yaml")
    return caught.value.problems


def test_every_with_a_profile_is_refused_naming_the_mode_and_the_fields():
    text = EVERY.replace("    every: {kind: gamma, shape: 2, mean: 1d}\n",
                         "    every: {kind: gamma, shape: 2, mean: 1d}\n    profile: [{days: Mon-Fri, factor: 2}]\n")
    [problem] = problems(text)
    assert (problem.file, problem.line, problem.column, problem.path) == ("renewal.yaml", 4, 5, "failure_modes[0]")
    assert str(problem).startswith("renewal.yaml:4:5: failure_modes[0]: ")
    assert "`profile`" in problem.message and "`every`" in problem.message and "`rate`" in problem.message


@pytest.mark.parametrize("factor", [3, 0])
def test_every_in_a_window_is_refused_naming_the_window_and_the_mode(factor):
    text = EVERY + f"windows:\n  - {{name: sale, start: 2026-01-06, end: 2026-01-07, factor: {factor}}}\n"
    [problem] = problems(text)
    assert (problem.file, problem.line, problem.column, problem.path) == ("renewal.yaml", 15, 5, "windows[0]")
    assert "'sale'" in problem.message and "'drift'" in problem.message and "`every`" in problem.message


def test_a_window_that_leaves_every_modes_alone_is_accepted():
    for limit in ("modes: [deploys]", "causes: [deployment]"):
        text = EVERY + f"windows:\n  - {{name: sale, start: 2026-01-06, end: 2026-01-07, factor: 0, {limit}}}\n"
        assert parse_scenario(text).windows[0].factor == 0
    text = EVERY + "windows:\n  - {name: quiet, start: 2026-01-06, end: 2026-01-07, factor: 1}\n"
    assert parse_scenario(text).windows[0].name == "quiet"  # a factor of 1 changes no rate
