"""What incidents cost, from known answers: the business (users affected, the cost of downtime), the people on
call (broken sleep in their own time zone, shifts and pay), and the social-media channel, whose delay shrinks
with the failure's reach exactly as its formula says."""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from simulator import parse_scenario, simulate
from simulator.analysis.cost import Paired, cost_document, incident_figures, per_period_figures
from simulator.engine.oncall import OnCall
from simulator.engine.rules import Rules
from simulator.history.format import channel_name
from simulator.results.incidents import IncidentTable
from simulator.results.oncall_load import LoadRows, rota


def scenario(extra: str = "", *, impact: float = 0.25, detection: str = "monitoring: {delay: 4m}", every="3d",
             horizon="10d", start: str | None = None, team: str = "") -> object:
    clock = f"start: {start}\ntimezone: Europe/London\n" if start else ""
    return parse_scenario(f"""
name: priced
horizon: {horizon}
replications: 2
{clock}{extra}
team:
  acknowledge: 3m
{team}
policy: {{declare_after: 5m, confirm: 10m, cleanup: 1h}}
failure_modes:
  - name: outage
    cause: dependency
    every: {every}
    impact: {impact}
    detection:
      {detection}
    mitigations:
      debug: {{duration: 1h}}
""")


def table(rows: list[tuple[int, float, float]], mode: str = "outage") -> IncidentTable:
    """An incident table of (replication, onset, mitigated) rows, NaN for not restored."""
    n = len(rows)
    nan = np.full(n, math.nan)
    return IncidentTable(
        replication=np.array([r for r, _, _ in rows], dtype=np.int32), incident=np.arange(1, n + 1, dtype=np.int32),
        mode=[mode] * n, cause=["dependency"] * n, severity=["SEV2"] * n, channel=["monitoring"] * n,
        responder=["a"] * n, mitigation=["debug"] * n, escalated=np.zeros(n, bool), drill=np.zeros(n, bool),
        level=np.ones(n, np.int16), preempted=np.zeros(n, np.int16), handovers=np.zeros(n, np.int16),
        updates=np.zeros(n, np.int16), updates_late=np.zeros(n, np.int16), reopened=np.zeros(n, np.int16),
        waited=nan, held=nan, longest_silence=nan, onset=np.array([o for _, o, _ in rows]), detected=nan,
        declared=nan, acknowledged=nan, mitigated=np.array([m for _, _, m in rows]), resolved=nan, cleaned_up=nan)


# ── The cost of downtime ─────────────────────────────────────────────────────────────────────────────────────


def test_a_constant_impact_outage_of_known_duration_costs_impact_times_duration_times_rate():
    found = scenario("users: {per_hour: 600}\ndowntime_cost: {per_minute: 8, currency: GBP}\n", impact=0.25)
    figures = incident_figures(table([(0, 100.0, 220.0)]), found)
    assert figures["cost"].tolist() == [0.25 * 120 * 8]  # 240, exactly
    assert figures["users_affected"].tolist() == [0.25 * 120 * 600 / 60]  # 300 users


def test_the_rate_is_taken_at_the_time_of_day_each_minute_falls():
    # Minute 0 is Monday 00:00; 09:00-17:00 costs 10 a minute, 1 elsewhere. An outage 08:00-10:00 at impact 0.5
    # costs 0.5 × (60 × 1 + 60 × 10) = 330; one not restored by the horizon counts to the horizon.
    found = scenario("downtime_cost: {per_minute: 1, weekly: [{hours: '09:00-17:00', per_minute: 10}]}\n",
                     impact=0.5, start="2026-01-05T00:00", horizon="2d")
    figures = incident_figures(table([(0, 480.0, 600.0), (1, 2820.0, math.nan)]), found)
    assert figures["cost"].tolist() == [330.0, 0.5 * 60 * 1]
    per = per_period_figures(table([(0, 480.0, 600.0), (1, 2820.0, math.nan)]), found, 2)
    assert per["cost"].tolist() == [330.0, 30.0]


def test_the_cost_section_describes_the_periods_and_the_incidents():
    found = scenario("downtime_cost: {per_minute: 2}\n", impact=1.0)
    document = cost_document(table([(0, 0.0, 10.0), (0, 100.0, 130.0), (1, 0.0, 50.0)]), found, 2)
    assert document["users_affected"] is None
    assert document["cost"]["per_period"]["mean"] == pytest.approx((80 + 100) / 2)
    assert document["cost"]["per_incident"]["median"] == 60.0
    assert document["cost"]["by_mode"] == {"outage": 90.0}
    assert cost_document(table([(0, 0.0, 10.0)]), scenario(), 1) is None  # nothing to price


def test_a_paired_difference_of_identical_runs_is_exactly_zero():
    same = Paired.of(np.array([1.0, 5.0, 3.0]), np.array([1.0, 5.0, 3.0]))
    # The interval [0, 0] lies within any smallest difference that matters, as compare judges it.
    assert (same.difference, same.low, same.high, same.verdict) == (0.0, 0.0, 0.0, "no difference that matters")


def test_a_cost_difference_is_judged_by_compares_rule_against_a_share_of_the_baseline():
    """A cost or users difference gets compare's verdict (paired.verdict), with --min-effect's share of the
    baseline's mean as the smallest difference that matters, or the default 5% when --min-effect is a duration
    (which cannot apply to money)."""
    from simulator.analysis.paired import parse_min_effect

    base = np.array([100.0, 200.0, 300.0])
    cheaper = base - np.array([3.0, 4.0, 5.0])  # 4 less of a mean of 200 (2%), interval about -6.5 to -1.5
    assert Paired.of(base, cheaper).verdict == "better"  # no threshold: any difference matters
    judged = Paired.of(base, cheaper, min_effect=parse_min_effect("5%"))
    assert (judged.difference, judged.min_effect, judged.verdict) == (-4.0, 10.0, "no difference that matters")
    assert Paired.of(base, cheaper, min_effect=parse_min_effect("1%")).verdict == "better"  # 2 of 200
    assert Paired.of(base, cheaper, min_effect=parse_min_effect("0")).verdict == "better"
    assert Paired.of(base, cheaper, min_effect=parse_min_effect("5m")).min_effect == 10.0  # the default 5%
    assert Paired.of(base, cheaper, min_effect=parse_min_effect("3%")).verdict == "unclear whether it matters"


def test_a_weekly_users_profile_needs_the_wall_clock():
    with pytest.raises(Exception, match=r"users\.weekly"):
        scenario("users: {per_hour: 10, weekly: [{hours: '09:00-17:00', per_hour: 50}]}\n")


# ── The people on call ───────────────────────────────────────────────────────────────────────────────────────

START = datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Europe/London"))  # a Monday; minute 0


def minute_at(local: datetime) -> float:
    return (local - START).total_seconds() / 60


def team_scenario(pay: str = "") -> object:
    return scenario(start="2026-01-05T09:00", horizon="14d", team=f"""
  people:
    - {{name: Lon, timezone: Europe/London}}
    - {{name: Nyc, timezone: America/New_York}}
    - {{name: Owl, timezone: Europe/London, sleep: '03:00-11:00'}}
  rotations:
    primary: {{people: [Lon, Nyc], shift: 1w, handoff: Mon 09:00}}
  escalation:
    levels: [{{rotation: primary}}, {{people: [Owl]}}]
{pay}""")


def loads(found, pages: list[tuple[str, datetime]], holds=()):
    rows = LoadRows()
    for person, when in pages:
        rows.append((minute_at(when), 0, 1, "response", "page_delivered", person, {"period": "night"}))
    for person, since, until in holds:
        rows.append((minute_at(until), 0, 1, "response", "stood_down", person, {"since": minute_at(since)}))
    oncall = OnCall(found)
    load = rows.table(oncall.names, range(1), found.calendar, found.horizon, rota(found, oncall))
    return {name: {person: load.figures[name][0, i] for i, person in enumerate(load.people)} for name in load.figures}


def test_a_page_at_a_fixed_hour_lands_in_the_sleep_of_whoever_is_asleep_in_their_own_time_zone():
    # 11:30 in London on Tuesday is 06:30 in New York: Nyc is asleep (22:00-07:00), Lon is not, and Owl, who
    # sleeps 03:00-11:00 London time, has just got up.
    tuesday = datetime(2026, 1, 6, 11, 30, tzinfo=ZoneInfo("Europe/London"))
    found = loads(team_scenario(), [("Lon", tuesday), ("Nyc", tuesday), ("Owl", tuesday)])
    assert found["sleep_pages"] == {"Lon": 0, "Nyc": 1, "Owl": 0}
    # 02:00 in London on Wednesday: Lon asleep; 21:00 in New York, Nyc awake; Owl not asleep till 03:00.
    night = datetime(2026, 1, 7, 2, 0, tzinfo=ZoneInfo("Europe/London"))
    found = loads(team_scenario(), [("Lon", night), ("Nyc", night), ("Owl", night)])
    assert found["sleep_pages"] == {"Lon": 1, "Nyc": 0, "Owl": 0}


def test_work_in_the_night_counts_its_hours_asleep_and_one_interrupted_night():
    # Lon works 06:00-08:00 on Wednesday and is paged at 23:00 that evening: one hour of work falls in their sleep
    # (till 07:00), and two nights are interrupted (the night into Wednesday and the one into Thursday).
    london = ZoneInfo("Europe/London")
    wednesday = datetime(2026, 1, 7, tzinfo=london)
    found = loads(team_scenario(), [("Lon", wednesday + timedelta(hours=23))],
                  [("Lon", wednesday + timedelta(hours=6), wednesday + timedelta(hours=8))])
    assert found["sleep_hours"]["Lon"] == pytest.approx(1.0)
    assert found["interrupted_nights"]["Lon"] == 2
    assert found["sleep_pages"]["Lon"] == 1


def test_on_call_pay_is_shifts_hours_and_out_of_hours_pages_at_the_scenarios_rates():
    found = team_scenario("  pay: {per_shift: 100, per_hour: 1, per_page_out_of_hours: 10}\n")
    tuesday = datetime(2026, 1, 6, 23, 30, tzinfo=ZoneInfo("Europe/London"))
    figures = loads(found, [("Lon", tuesday), ("Lon", tuesday + timedelta(hours=1))])
    # Two weekly turns in 14 days, one each: 168 hours on call; Owl, named on a level, is not on a rotation.
    assert figures["shifts"] == {"Lon": 1, "Nyc": 1, "Owl": 0}
    assert figures["on_call_hours"] == {"Lon": 168.0, "Nyc": 168.0, "Owl": 0.0}
    assert figures["pay"]["Lon"] == 100 + 168 + 2 * 10
    assert figures["pay"]["Nyc"] == 100 + 168
    assert figures["pay"]["Owl"] == 0


# ── Social media, and report delays that shrink with the reach ──────────────────────────────────────────────


def detection_delays(found) -> tuple[np.ndarray, np.ndarray]:
    results = simulate(found, keep_events=False, workers=1)
    table = results.incidents
    return table.detected - table.onset, table.channel


def test_a_social_media_delay_is_the_reference_delay_times_the_reference_over_the_impact():
    # A constant 10m at a full outage: a failure of impact 0.25 is posted about 40 minutes after onset, always.
    found = scenario(impact=0.25, every="2h", detection="social_media: {probability: 1, delay: 10m}")
    delays, channels = detection_delays(found)
    assert set(channels.tolist()) == {"social_media"}
    assert np.all(delays == 40.0)


def test_a_social_media_delay_follows_its_scaled_distribution():
    # An exponential of mean 10m at a full outage, impact 0.5, exponent 1: an exponential of mean 20m. The rule's
    # delay is the reference quantile times 2 at every uniform, and the simulated delays have that mean.
    found = scenario(impact=0.5, every="30m", horizon="60d",
                     detection="social_media: {probability: 1, delay: {kind: exponential, mean: 10m}}")
    rule = Rules(found).modes[0].public
    reference = found.failure_modes[0].detection.social_media.delay.quantile_function()
    for u in (0.01, 0.25, 0.5, 0.9, 0.999):
        assert rule.delay(u) == reference(u) * 2.0
    delays, _ = detection_delays(found)
    assert len(delays) > 5000
    assert abs(delays.mean() - 20.0) < 4 * 20.0 / math.sqrt(len(delays))
    assert np.median(delays) == pytest.approx(20.0 * math.log(2), rel=0.05)


def test_a_report_delay_shrinks_with_the_users_about_at_onset():
    # Users 1000 an hour, 4000 from 09:00 to 17:00 (minute 0 is Monday 00:00): the average over two days is 2000,
    # the reference. A report at exponent 1 comes twice as late at night and twice as soon by day.
    found = scenario("users: {per_hour: 1000, weekly: [{hours: '09:00-17:00', per_hour: 4000}]}\n", impact=1.0,
                     start="2026-01-05T00:00", horizon="2d",
                     detection="customer_report: {delay: 10m, exponent: 1}")
    rule = Rules(found).modes[0].channels[0]
    assert rule.reach(60.0) == 2.0 and rule.reach(600.0) == 0.5


def test_a_given_reference_users_counts_once_and_only_against_the_users_about():
    # Users 1000 an hour, 4000 from 09:00 to 17:00: reference_users 2000 (the average) gives what the default gives;
    # reference_users 4000 makes every report twice as late, in the reach alone; without a users section it changes
    # nothing (the impact alone scales the delay).
    users = "users: {per_hour: 1000, weekly: [{hours: '09:00-17:00', per_hour: 4000}]}\n"
    common = dict(impact=0.5, start="2026-01-05T00:00", horizon="2d")
    default = Rules(scenario(users, detection="customer_report: {delay: 10m, exponent: 1}", **common))
    given = Rules(scenario(users, detection="customer_report: {delay: 10m, exponent: 1, reference_users: 2000}",
                           **common))
    doubled = Rules(scenario(users, detection="customer_report: {delay: 10m, exponent: 1, reference_users: 4000}",
                             **common))
    bare = Rules(scenario(detection="customer_report: {delay: 10m, exponent: 1, reference_users: 4000}", **common))
    for u in (0.1, 0.5, 0.9):
        assert given.modes[0].channels[0].delay(u) == default.modes[0].channels[0].delay(u) == 20.0
        assert doubled.modes[0].channels[0].delay(u) == 20.0
        assert bare.modes[0].channels[0].delay(u) == 20.0
    for minute in (60.0, 600.0):
        assert given.modes[0].channels[0].reach(minute) == default.modes[0].channels[0].reach(minute)
        assert doubled.modes[0].channels[0].reach(minute) == 2 * default.modes[0].channels[0].reach(minute)
    assert bare.modes[0].channels[0].reach is None


def test_customer_reports_keep_their_delay_unless_a_scenario_opts_in():
    found = scenario(detection="customer_report: {delay: {kind: exponential, mean: 10m}}", impact=0.05)
    rule = Rules(found).modes[0].channels[0]
    assert rule.reach is None
    assert rule.delay(0.3) == found.failure_modes[0].detection.customer_report.delay.quantile_function()(0.3)


def test_an_incident_nobody_posts_about_is_found_another_way():
    found = scenario(every="1h", horizon="20d", detection="social_media: {probability: 0.3, delay: 1m}\n"
                     "      customer_report: {delay: 30m}")
    _, channels = detection_delays(found)
    share = float(np.mean(channels == "social_media"))
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / len(channels))


def test_an_emailed_alert_waits_until_customers_tell_the_team_in_public_or_to_support():
    # Monitoring fires at 4m by email, noticed an hour later; customers report to support at 30m or post in
    # public at 10m (a full outage: the reference delay): the team hears of it at the earlier, then declares 5m on.
    def declared_after(detection: str) -> np.ndarray:
        found = scenario("practices: {alerts: email, email_noticed: 1h}\n", impact=1.0, every="12h",
                         detection="monitoring: {delay: 4m}\n      " + detection)
        table = simulate(found, keep_events=False, workers=1).incidents
        assert len(table.onset) > 5 and set(table.channel.tolist()) == {"monitoring"}
        return table.declared - table.onset

    assert np.allclose(declared_after("customer_report: {delay: 30m}"), 35.0)
    assert np.allclose(declared_after("customer_report: {delay: 30m}\n"
                                      "      social_media: {probability: 1, delay: 10m}"), 15.0)


def test_social_media_must_say_how_likely_a_post_is():
    with pytest.raises(Exception, match="probability"):
        scenario(detection="social_media: {delay: 10m}\n      monitoring: {delay: 4m}")


@pytest.mark.parametrize("text", ["social media", "Social Media", "twitter", "social", "social_media", "X"])
def test_a_historys_social_media_channel_reads_as_social_media(text):
    assert channel_name(text) == "social_media"
    assert channel_name("customer support") == "customer_report"
    assert channel_name("carrier pigeon") is None


PUBLIC = """
name: public
horizon: 10d
replications: 3
start: 2026-01-05T09:00
downtime_cost: {per_minute: 10}
failure_modes:
  - name: outage
    cause: dependency
    every: 3d
    impact: 0.5
    severity: SEV1
    symptoms: checkout fails for everyone
    detection:
      social_media: {probability: 1, delay: 10m}
    mitigations:
      debug: {duration: 1h}
"""


def test_the_drill_shows_a_public_post_as_an_alert_of_its_own_kind():
    from simulator.drill import view
    from simulator.engine.session import Session

    session = Session(parse_scenario(PUBLIC), 1, mode="outage", automatic=True)
    session.until_first_alert()
    assert view.alerts(session) == ["09:20 INC-0001 social-media post (public): checkout fails for everyone"]


def test_the_report_and_the_postmortem_say_a_sev_was_found_by_customers_in_public(tmp_path):
    from simulator import api

    results = api.run(parse_scenario(PUBLIC), keep_events=True, workers=1)
    api.write_results(results, tmp_path / "out")
    api.report(tmp_path / "out")
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "**Found by customers in public**: 3.00 incidents per 10d" in text
    assert "customers posting on social media: found by customers in public" in text  # the postmortem draft
    assert "Users affected and the cost of downtime" in text
