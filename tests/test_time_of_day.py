"""The wall clock: acknowledgement and mitigation by the period of the day, time zones, daylight saving,
rotations and follow-the-sun layers.

Periods of the day, worked out here by hand from each person's local time (zoneinfo): night 23:00–07:00
every day, business hours 09:00–17:00 Monday to Friday, out of hours the rest. Pages come at known minutes
(constant `every` gaps, every other delay before the page zero); with constant durations every time is exact.
"""

import math
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy import stats

from simulator import parse_scenario, simulate
from simulator.engine import play
from simulator.engine.oncall import OnCall
from simulator.results.metrics import t_quantile

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
CONSTANTS = "{business_hours: 2m, out_of_hours: 7m, night: 20m}"
DELAY = {"business_hours": 2.0, "out_of_hours": 7.0, "night": 20.0}


def period_of(local: datetime) -> str:
    minutes = local.hour * 60 + local.minute
    if minutes >= 23 * 60 or minutes < 7 * 60:
        return "night"
    if local.weekday() < 5 and 9 * 60 <= minutes < 17 * 60:
        return "business_hours"
    return "out_of_hours"


def at(minute: float, timezone: str = "UTC", start: datetime = MONDAY) -> datetime:
    return (start + timedelta(minutes=minute)).astimezone(ZoneInfo(timezone))


def scenario(team: str, *, every="1h", horizon="8d", debug="10m", start="2026-01-05T00:00", timezone="UTC",
             replications=1, extra=""):
    return parse_scenario(f"""
name: time of day
start: {start}
timezone: {timezone}
horizon: {horizon}
replications: {replications}
seed: 17
team:
  assemble: 0s
{team}
policy: {{declare_after: 0s, confirm: 0s, cleanup: 0s}}
failure_modes:
  - name: outage
    cause: capacity
    {"every: " + every if every else "rate: 4/h"}
    detection: {{monitoring: {{delay: 0s}}}}
    mitigations: {{debug: {{duration: {debug}}}}}
{extra}""")


def delivered(events):
    """(incident, person) → (minute, period) of every page delivered."""
    return {(e.incident, e.actor): (e.time, e.detail.get("period")) for e in events if e.action == "page_delivered"}


def acknowledged(events):
    return {e.incident: (e.time, e.actor) for e in events if e.action == "acknowledged"}


# ── Acknowledgement by the period of the day ───────────────────────────────────────────────────────────────


def test_each_page_is_acknowledged_after_its_periods_delay():
    """A page every hour for eight days (so every hour of a weekday and of a weekend, and every edge: 07:00,
    09:00, 17:00, 23:00): each is acknowledged 2m after it in business hours, 7m out of hours and 20m at
    night, and the log gives the period."""
    s = scenario(f"  responders: 3\n  secondary: null\n  acknowledge: {CONSTANTS}")
    events = play(s, seed=1, replication=0)
    pages, answers = delivered(events), acknowledged(events)
    assert len(answers) == 8 * 24 - 1
    seen = set()
    for incident, (minute, _) in answers.items():
        page = incident * 60.0
        period = period_of(at(page))
        seen.add(period)
        assert minute == page + DELAY[period], (incident, at(page), period)
        [(when, logged)] = [v for (i, _), v in pages.items() if i == incident]
        assert (when, logged) == (page, period)
    assert seen == set(DELAY)


PERIOD_DISTRIBUTIONS = {
    "business_hours": ("{kind: exponential, mean: 3m}", stats.expon(scale=3)),
    "out_of_hours": ("{kind: lognormal, median: 10m, p95: 40m}",
                     stats.lognorm(math.log(4) / stats.norm.ppf(0.95), scale=10)),
    "night": ("{kind: gamma, shape: 2, mean: 25m}", stats.gamma(2, scale=12.5)),
}


def test_each_period_has_the_distribution_configured_for_it():
    """Poisson pages at 4 an hour for a fortnight, ten times over, to a pool large enough that nobody waits:
    each acknowledgement delay is an independent draw (its own uniform, through its period's inverse CDF).
    Per period, by hand from the page's hour: the mean lies within its 99.9% t interval of the
    distribution's mean, and the shares below the distribution's median and 90th percentile within their
    99.9% binomial (normal-approximation) intervals of 0.5 and 0.9."""
    acknowledge = "{" + ", ".join(f"{p}: {text}" for p, (text, _) in PERIOD_DISTRIBUTIONS.items()) + "}"
    s = scenario(f"  responders: 40\n  secondary: null\n  acknowledge: {acknowledge}", every=None,
                 horizon="14d", replications=10, debug="1m")
    table = simulate(s, keep_events=False, workers=1).incidents
    assert not (table.waited > 0).any()
    settled = table.declared < s.horizon - 12 * 60  # pages near the horizon may not be answered yet
    delay = (table.acknowledged - table.declared)[settled]
    assert not np.isnan(delay).any()
    period = np.array([period_of(at(t)) for t in table.declared[settled]])
    z = stats.norm.ppf(0.9995)
    for name, (_, reference) in PERIOD_DISTRIBUTIONS.items():
        values = delay[period == name]
        n = len(values)
        assert n > 2500, name
        half = t_quantile(0.9995, n - 1) * values.std(ddof=1) / math.sqrt(n)
        assert abs(values.mean() - reference.mean()) < half, (name, values.mean(), reference.mean(), half)
        assert half < 0.1 * reference.mean()
        for p in (0.5, 0.9):
            share = float(np.mean(values < reference.ppf(p)))
            assert abs(share - p) < z * math.sqrt(p * (1 - p) / n), (name, p, share)


# ── Time zones ─────────────────────────────────────────────────────────────────────────────────────────────

ZONES = {"Ana": "Europe/London", "Bo": "America/Los_Angeles"}


def test_each_person_is_paged_in_their_own_local_period():
    """Ana in London and Bo in Los Angeles are both notified of every page; each answers after the delay of
    their own local period, and the first to answer takes the incident (at 10:00 UTC Ana's business hours
    are Bo's night; at 18:00 UTC it is the other way round)."""
    people = ", ".join(f"{{name: {name}, timezone: {zone}}}" for name, zone in ZONES.items())
    team = f"""  people: [{people}]
  acknowledge: {CONSTANTS}
  escalation: {{levels: [{{people: [Ana, Bo]}}]}}"""
    events = play(scenario(team, horizon="3d"), seed=1, replication=0)
    pages, answers = delivered(events), acknowledged(events)
    assert len(answers) == 3 * 24 - 1
    winners = set()
    for incident, (minute, actor) in answers.items():
        page = incident * 60.0
        periods = {name: period_of(at(page, zone)) for name, zone in ZONES.items()}
        for name in ZONES:
            assert pages[incident, name] == (page, periods[name]), (incident, name)
        fastest = min(DELAY[p] for p in periods.values())
        assert minute == page + fastest
        if DELAY[periods["Ana"]] != DELAY[periods["Bo"]]:
            assert actor == min(ZONES, key=lambda name: DELAY[periods[name]])
            winners.add(actor)
    assert winners == {"Ana", "Bo"}
    assert answers[10] == (600 + 2, "Ana") and answers[18] == (18 * 60 + 2, "Bo")


LONDON_MARCH = f"""  acknowledge: {CONSTANTS}
  rotations:
    primary: {{people: [Ana, Ben], shift: 1d, handoff: "09:00"}}
  escalation: {{levels: [{{rotation: primary}}]}}"""


def test_a_0900_handoff_stays_at_0900_on_the_wall_when_the_clocks_go_forward():
    """London's clocks go forward at 01:00 UTC on Sunday 29 March 2026. Minute 0 is 08:30 GMT on Thursday 26
    March; the handoffs are at 09:00 local: 09:00 UTC until the 28th, 08:00 UTC from the 29th, so the turn
    across the change lasts 23 hours. The page at 08:30 UTC on the 29th (09:30 BST) reaches the incoming
    person; business hours move too, so Monday's 08:30 UTC page is a business-hours page."""
    s = scenario(LONDON_MARCH, every="1d", horizon="5d", start="2026-03-26T08:30", timezone="Europe/London")
    start = datetime(2026, 3, 26, 8, 30, tzinfo=UTC)
    london = ZoneInfo("Europe/London")

    def minute(local: datetime) -> float:
        return (local.replace(tzinfo=london) - start).total_seconds() / 60

    roster = OnCall(s)
    ana, ben = roster.index["Ana"], roster.index["Ben"]
    handoffs = [minute(datetime(2026, 3, day, 9, 0)) for day in (26, 27, 28, 29, 30)]
    assert handoffs == [30, 30 + 1440, 30 + 2 * 1440, 30 + 3 * 1440 - 60, 30 + 4 * 1440 - 60]
    for turn, (a, b) in enumerate(pairwise(handoffs)):
        person = (ben, ana)[turn % 2]
        assert roster.at(0, a) == (person,) and roster.at(0, b - 0.5) == (person,)
        assert roster.turn_end(0, person, a) == b
    assert handoffs[3] - handoffs[2] == 23 * 60

    events = play(s, seed=1, replication=0)
    answers = acknowledged(events)
    days = {1: (27, "Ben", "out_of_hours"), 2: (28, "Ana", "out_of_hours"), 3: (29, "Ana", "out_of_hours"),
            4: (30, "Ben", "business_hours")}  # Fri before 09:00, Sat, Sun, Mon 09:30 BST
    for incident, (day, person, period) in days.items():
        page = incident * 1440.0
        assert at(page, "Europe/London", start).day == day
        assert period_of(at(page, "Europe/London", start)) == period
        assert answers[incident] == (page + DELAY[period], person), incident


def test_a_follow_the_sun_rotation_pages_the_region_whose_hours_hold_the_page():
    """Three regions, each on call 8 hours of its own day: London 07:00–15:00, New York 10:00–18:00 and Tokyo
    08:00–16:00, which in January cover the UTC day end to end. A page every hour (on every edge) reaches the
    one person whose local hours hold it, worked out with zoneinfo."""
    regions = {"Ana": ("Europe/London", 7, 15), "Bo": ("America/New_York", 10, 18), "Cy": ("Asia/Tokyo", 8, 16)}
    layers = "\n".join(f'        - {{people: [{name}], timezone: {zone}, hours: "{a:02d}:00-{b:02d}:00"}}'
                       for name, (zone, a, b) in regions.items())
    team = f"""  acknowledge: 3m
  rotations:
    sun:
      layers:
{layers}
  escalation: {{levels: [{{rotation: sun}}]}}"""
    events = play(scenario(team, horizon="3d"), seed=1, replication=0)
    pages = delivered(events)
    assert len(pages) == 3 * 24 - 1
    for (incident, actor), (minute, _) in pages.items():
        page = incident * 60.0
        holding = [name for name, (zone, a, b) in regions.items() if a <= at(page, zone).hour < b]
        assert len(holding) == 1 and minute == page
        assert actor == holding[0], (incident, at(page), actor)


def test_where_layers_overlap_the_later_layer_wins():
    """A 24/7 layer with a business-hours layer over it: pages in London's 09:00–17:00 on weekdays reach the
    day person, all others the base person."""
    team = """  acknowledge: 3m
  rotations:
    cover:
      layers:
        - {people: [Base]}
        - {people: [Day], days: Mon-Fri, hours: "09:00-17:00", timezone: Europe/London}
  escalation: {levels: [{rotation: cover}]}"""
    pages = delivered(play(scenario(team, horizon="7d"), seed=1, replication=0))
    for (incident, actor), _ in pages.items():
        local = at(incident * 60.0, "Europe/London")
        assert actor == ("Day" if local.weekday() < 5 and 9 <= local.hour < 17 else "Base"), local
    assert {actor for _, actor in pages} == {"Base", "Day"}


# ── Mitigation by the period of the day ────────────────────────────────────────────────────────────────────

SLOWDOWN = {"business_hours": 1.0, "out_of_hours": 1.5, "night": 3.0}


def test_a_night_mitigation_takes_its_slowdown_factor_times_longer():
    """An hour's debugging that starts at night takes 3h, out of hours 1h 30m, in business hours 1h: the
    period is that of the minute it starts (acknowledgement 3m after the page), in the Ops lead's time."""
    team = """  responders: 6
  secondary: null
  acknowledge: 3m
  mitigation_slowdown: {out_of_hours: 1.5, night: 3}"""
    events = play(scenario(team, debug="1h", horizon="3d"), seed=1, replication=0)
    started = {e.incident: e.time for e in events if e.action == "mitigation_started"}
    mitigated = {e.incident: e.time for e in events if e.action == "mitigated"}
    assert len(mitigated) > 60
    for incident, end in mitigated.items():
        start = incident * 60.0 + 3
        assert started[incident] == start
        assert end - start == 60 * SLOWDOWN[period_of(at(start))], (incident, at(start))


def test_a_slowdown_multiplies_the_same_draw():
    """Lognormal debugging, with and without the slowdown: the same failures meet the same dice, so each
    mitigation that starts at night takes exactly three times as long, out of hours 1.5 times, in business
    hours the same (nobody waits in either run)."""
    def run(slowdown):
        team = f"  responders: 40\n  secondary: null\n  acknowledge: 3m{slowdown}"
        s = scenario(team, every=None, horizon="7d", replications=3,
                     debug="{kind: lognormal, median: 30m, p95: 3h}")
        return simulate(s, keep_events=False, workers=1).incidents

    plain = run("")
    slowed = run("\n  mitigation_slowdown: {out_of_hours: 1.5, night: 3}")
    assert not (plain.waited > 0).any() and not (slowed.waited > 0).any()
    np.testing.assert_array_equal(plain.acknowledged, slowed.acknowledged)
    done = ~np.isnan(plain.mitigated) & ~np.isnan(slowed.mitigated)
    assert done.sum() > 1000
    factor = np.array([SLOWDOWN[period_of(at(t))] for t in plain.acknowledged[done]])
    assert set(factor) == set(SLOWDOWN.values())
    np.testing.assert_allclose(slowed.mitigated[done] - slowed.acknowledged[done],
                               factor * (plain.mitigated[done] - plain.acknowledged[done]), rtol=1e-9)


@pytest.mark.parametrize("timezone", ["Asia/Kolkata", "America/Denver"])
def test_the_slowdown_follows_the_ops_leads_own_clock(timezone):
    """The responder lives elsewhere than the scenario's clock: the mitigation's period is theirs."""
    team = f"""  people: [{{name: Ana, timezone: {timezone}}}]
  acknowledge: 3m
  escalation: {{levels: [{{people: [Ana]}}]}}
  mitigation_slowdown: {{out_of_hours: 1.5, night: 3}}"""
    events = play(scenario(team, every="7h", debug="1h", horizon="5d"), seed=1, replication=0)
    started = {e.incident: e.time for e in events if e.action == "mitigation_started"}
    mitigated = {e.incident: e.time for e in events if e.action == "mitigated"}
    assert len(mitigated) > 10
    periods = set()
    for incident, end in mitigated.items():
        start = started[incident]
        periods.add(period_of(at(start, timezone)))
        assert end - start == 60 * SLOWDOWN[period_of(at(start, timezone))], (incident, at(start, timezone))
    assert len(periods) == 3


def test_postmortems_are_held_in_the_teams_business_hours():
    """A postmortem is a meeting: one whose drawn time falls at night or on a weekend is held when the team's next
    working day opens (simulator.engine.learning), in the team's business hours of its calendar."""
    from simulator.engine.learning import in_business_hours
    from simulator.results.runner import simulate
    from simulator.scenario.bundled import default_scenario
    from simulator.scenario.validate import load_scenario

    scenario = load_scenario(default_scenario())
    hours = scenario.team.business_hours
    results = simulate(scenario, replications=20, seed=7)
    held = [e for e in results.events if e.action == "postmortem_held"]
    assert len(held) > 20
    calendar = scenario.calendar
    for event in held:
        local = calendar.at(event.time)
        assert local.weekday() in hours.weekly.days, local
        assert hours.weekly.start <= local.hour * 60 + local.minute < hours.weekly.end, local
    business = [(540.0, 1020.0), (1980.0, 2460.0)]
    assert [in_business_hours(business, t) for t in (0.0, 540.0, 600.0, 1020.0, 1500.0, 2460.0)] == \
        [540.0, 540.0, 600.0, 1980.0, 1980.0, math.inf]
    assert in_business_hours(None, 1234.5) == 1234.5
