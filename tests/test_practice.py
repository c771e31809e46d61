"""Practices as levers: each checked against what its definition says exactly (constant delays give exact
timelines), or against the probability it is given (a share within its binomial interval), or against the
rate it sets (counts within the interval of ∫ rate). Nothing here pins a simulated history."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from simulator import parse_scenario, simulate
from simulator.analysis.breakdowns import select
from simulator.engine import play
from simulator.engine.policy import AutomaticPolicy
from simulator.errors import ScenarioError
from simulator.results.metrics import incident_table
from simulator.scenario.bundled import bundled_scenarios

LEVEL = 0.999

# Constant delays and many responders (nobody waits for a free person): every timeline is known exactly.
# Onset → detected 6m (monitoring); declared 4m later; acknowledged 3m after the page; roles in 5m; the rollback
# takes 10m and works; confirmation with data 15m. The SLO burn alert fires (1 − 0.999) / 0.05 × 60 × 14.4 =
# 17.28m after onset.
BASE = """
name: practice
horizon: {horizon}
replications: {replications}
seed: 11
start: 2026-01-05T00:00
team: {{responders: 40, secondary: null, acknowledge: 3m, assemble: 5m}}
policy:
  declare_after: 4m
  confirm: 15m
  cleanup: 1h
  postmortem: {{severities: [SEV2], within: 1d}}
  updates: {{every: {{SEV2: 20m}}, slip: 7m}}
failure_modes:
  - name: deploy
    cause: deployment
    {arrivals}
    severity: SEV2
    detection:
      monitoring: {{delay: 6m}}
      slo_burn: {{slo: 0.999, error_ratio: 0.05, window: 1h, burn_rate: 14.4}}
    mitigations:
      rollback: {{duration: 10m, success: 1}}
      debug: {{duration: 1h}}
{extra}
"""
DETECT, DECLARE, ACK, ASSEMBLE, ROLLBACK, CONFIRM, BURN = 6.0, 4.0, 3.0, 5.0, 10.0, 15.0, 17.28


def scenario(extra: str = "", *, arrivals: str = "rate: 1/d", horizon: str = "30d", replications: int = 20):
    return parse_scenario(BASE.format(extra=extra, arrivals=arrivals, horizon=horizon, replications=replications))


def table_of(extra: str = "", **options):
    found = scenario(extra, **{k: v for k, v in options.items() if k in ("arrivals", "horizon", "replications")})
    return simulate(found, keep_events=False, workers=1).incidents


def share_interval(successes: int, trials: int) -> tuple[float, float]:
    """The exact (Clopper–Pearson) interval of a binomial share at LEVEL."""
    alpha = 1 - LEVEL
    low = stats.beta.ppf(alpha / 2, successes, trials - successes + 1) if successes else 0.0
    high = stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes) if successes < trials else 1.0
    return low, high


def done(table) -> np.ndarray:
    return ~np.isnan(table.mitigated)


# ── Today's behaviour is the default ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.name)
def test_practices_that_change_nothing_play_exactly_as_without(path):
    """A `practices` section that moves no lever sends the replication down the practices' path (failures
    started as their time comes, the practices' steps) and gives the same log, event for event."""
    text = path.read_text(encoding="utf-8")
    plain = parse_scenario(text)
    if plain.practiced:
        pytest.skip("the scenario uses practices itself")
    neutral = parse_scenario(text + "\npractices: {email_noticed: 7m}\n")
    assert neutral.practiced
    for replication in range(3):
        assert play(neutral, 5, replication) == play(plain, 5, replication)


def test_a_scenario_without_practices_is_not_practiced():
    assert not scenario().practiced
    assert scenario("practices: {declaration: {alone_first: 0.5}}").practiced


# ── Confirmation by data or by anecdote ────────────────────────────────────────────────────────────────────


def test_anecdote_confirms_faster_and_reopens_with_its_probability():
    """Every restoration is called healthy on anecdote (2m) and reopens with probability 0.3, 30m later; a free
    responder takes it up (acknowledging in 3m), hands over 15m, and debugs (1h, the rollback having been
    tried): time to restore is the second restoration. The reopened share lies in its binomial interval."""
    table = table_of("practices: {confirmation: {anecdote: 1, reopen: 0.3, reopen_after: 30m}}",
                     replications=40)
    first = DETECT + DECLARE + ACK + ASSEMBLE + ROLLBACK
    again = first + 2 + 30 + ACK + 15 + 60
    restored = done(table)
    reopened = table.reopened[restored] == 1
    ttr = (table.mitigated - table.onset)[restored]
    assert np.allclose(ttr[~reopened], first)
    assert np.allclose(ttr[reopened], again)
    assert np.allclose((table.resolved - table.mitigated)[restored][~reopened], 2.0)
    assert np.allclose((table.resolved - table.mitigated)[restored][reopened], CONFIRM)  # with data, the second time
    low, high = share_interval(int(reopened.sum()), int(restored.sum()))
    assert low < 0.3 < high
    assert restored.sum() > 800


def test_a_reopened_incident_is_taken_up_again_however_often_pages_are_missed():
    """Taking a reopened incident up again is not a cold page: a free responder who knows it takes it up, even
    in a team that misses nine pages in ten (a missed resume once left the incident open to the horizon). Every
    reopening is followed, exactly 3m + 15m + 1h later (acknowledgement, handover, debug), by restoration."""
    found = parse_scenario(BASE.format(
        extra="practices: {confirmation: {anecdote: 1, reopen: 1, reopen_after: 30m}}", arrivals="rate: 1/d",
        horizon="30d", replications=40).replace("acknowledge: 3m,", "acknowledge: 3m, miss_probability: 0.9,"))
    results = simulate(found, workers=1)
    reopened, restored = {}, {}
    for event in results.events:
        key = (event.replication, event.incident)
        if event.action == "reopened":
            reopened[key] = event.time
        elif event.action == "mitigated" and key in reopened:
            restored[key] = event.time
    early = {key for key, time in reopened.items() if time < found.horizon - 1440}
    assert len(early) > 60  # a first page missed waits for good: one level, no repeat
    assert {key: restored.get(key, math.nan) - reopened[key] for key in early} == pytest.approx(
        dict.fromkeys(early, ACK + 15 + 60))


def test_a_reopened_incident_not_restored_again_by_the_horizon_is_not_restored():
    """A reopening 2 days later, in a 3-day horizon: incidents that reopen after the horizon's last two days
    never count as restored again."""
    table = table_of("practices: {confirmation: {anecdote: 1, reopen: 1, reopen_after: 2d}}", horizon="3d",
                     replications=30)
    reopened = table.reopened == 1
    assert reopened.any()
    assert np.isnan(table.mitigated[reopened]).all() or np.all(
        table.mitigated[reopened & done(table)] - table.onset[reopened & done(table)] > 2 * 1440)
    never = ~reopened & done(table)
    assert np.all(table.onset[never] > 1440 - 40)  # those restored once only were too late to reopen in time


def test_confirmation_with_data_takes_the_policy_confirm():
    table = table_of()
    assert np.allclose((table.resolved - table.mitigated)[done(table)], CONFIRM)
    assert not table.reopened.any()


# ── Declaration ────────────────────────────────────────────────────────────────────────────────────────────


def test_working_alone_first_pages_at_once_and_declares_only_if_it_fails():
    """Alone for 30m: whoever fixes it alone restores service at detection + acknowledgement + 30m and never
    declares; the others declare then, and the team assembles and rolls back."""
    fixed = table_of("practices: {declaration: {alone_first: 1, alone_for: 30m, fixes_alone: 1}}")
    assert np.allclose((fixed.mitigated - fixed.onset)[done(fixed)], DETECT + ACK + 30)
    assert np.isnan(fixed.declared).all()
    failed = table_of("practices: {declaration: {alone_first: 1, alone_for: 30m, fixes_alone: 0}}")
    assert np.allclose((failed.declared - failed.onset)[done(failed)], DETECT + ACK + 30)
    assert np.allclose((failed.mitigated - failed.onset)[done(failed)], DETECT + ACK + 30 + ASSEMBLE + ROLLBACK)


def test_declaring_early_is_the_share_that_does_not_work_alone():
    table = table_of("practices: {declaration: {alone_first: 0.4, alone_for: 30m, fixes_alone: 1}}",
                     replications=40)
    alone = np.isnan(table.declared)
    low, high = share_interval(int(alone.sum()), len(table))
    assert low < 0.4 < high


def test_automated_declaration_declares_from_the_alert():
    table = table_of("practices: {declaration: {automated: {duration: 1m, success: 1}}}")
    assert np.allclose((table.declared - table.detected)[done(table)], 1.0)


def test_emailed_alerts_wait_to_be_noticed_and_finding_someone_delays_the_page():
    events = play(scenario("practices: {alerts: email, email_noticed: 20m, on_call: who-to-call, who_to_call: 10m}"),
                  3, 0)
    at = {(e.incident, e.action): e.time for e in events}
    incidents = {e.incident for e in events if e.action == "paged"}
    assert incidents
    for number in incidents:
        assert at[(number, "declared")] - at[(number, "detected")] == pytest.approx(20 + DECLARE)
        assert at[(number, "paged")] - at[(number, "declared")] == pytest.approx(10)


def test_without_dedicated_roles_the_responder_holds_them_all():
    """Nobody assembles; the rollback takes ic_and_ops_slowdown (1.25) times as long; updates, due every 20m,
    are sent 7m late by the responder."""
    table = table_of("practices: {dedicated_roles: false}")
    assert np.allclose((table.mitigated - table.acknowledged)[done(table)], ROLLBACK * 1.25)
    slow = BASE.replace("rollback: {{duration: 10m, success: 1}}", "rollback: {{duration: 40m, success: 1}}")
    events = play(parse_scenario(slow.format(extra="practices: {dedicated_roles: false}", arrivals="rate: 1/d",
                                             horizon="10d", replications=1)), 3, 0)
    updates = [e for e in events if e.action == "status_update"]
    assert updates and all(not e.detail["on_time"] and e.actor.startswith("on-call") for e in updates)


# ── Automation ─────────────────────────────────────────────────────────────────────────────────────────────


def test_an_automated_rollback_on_slo_burn_restores_a_deployments_failure():
    """People are slow (declared 2h after detection): the rollback the SLO burn alert triggers restores service
    17.28m + 3m after onset; people then only confirm."""
    slow = BASE.replace("declare_after: 4m", "declare_after: 2h")
    found = parse_scenario(slow.format(extra="practices: {rollback_on_slo_burn: {duration: 3m, success: 1}}",
                                       arrivals="rate: 1/d", horizon="20d", replications=10))
    table = simulate(found, keep_events=False, workers=1).incidents
    assert np.allclose((table.mitigated - table.onset)[done(table)], BURN + 3)
    assert set(table.mitigation[done(table)]) == {"rollback"}
    confirmed = done(table) & ~np.isnan(table.resolved)
    assert np.allclose((table.resolved - table.acknowledged)[confirmed], CONFIRM)  # nobody assembles: it is back


def test_people_faster_than_the_automated_rollback_restore_it_themselves():
    table = table_of("practices: {rollback_on_slo_burn: {duration: 1h, success: 1}}")
    assert np.allclose((table.mitigated - table.onset)[done(table)], DETECT + DECLARE + ACK + ASSEMBLE + ROLLBACK)


def test_an_automated_rollback_mid_mitigation_stops_the_mitigation():
    """The rollback people try takes 40m: the automated one (at 17.28m + 2m) restores service in the middle
    of it, which is logged as not having helped."""
    slow = BASE.replace("rollback: {{duration: 10m, success: 1}}", "rollback: {{duration: 40m, success: 1}}")
    found = parse_scenario(slow.format(extra="practices: {rollback_on_slo_burn: {duration: 2m, success: 1}}",
                                       arrivals="rate: 1/d", horizon="10d", replications=3))
    events = play(found, 3, 1)
    stopped = [e for e in events if e.action == "mitigation_failed"]
    assert stopped and all("automated rollback" in e.detail["reason"] for e in stopped)
    restored = [e for e in events if e.action == "mitigated"]
    assert all(e.actor == "automation" for e in restored)


# ── Cleanup debt ───────────────────────────────────────────────────────────────────────────────────────────


def rate_after(table, when: dict[int, float], horizon: float) -> tuple[int, float]:
    """Onsets after each replication's moment `when[r]`, and the exposure (minutes) after it, summed."""
    count, exposure = 0, 0.0
    for r, t in when.items():
        count += int(np.count_nonzero((table.replication == r) & (table.onset > t)))
        exposure += horizon - t
    return count, exposure


def poisson_holds(count: int, expected: float) -> bool:
    low, high = stats.poisson.interval(LEVEL, expected)
    return low <= count <= high


def moments(found, action: str, nth: int, replications: int) -> tuple[dict[int, float], object]:
    """Per replication, the time of the `nth` event of `action` (where there is one), and the incident table
    of the same runs."""
    when, events = {}, []
    for r in range(replications):
        log = play(found, 1, r)
        events.extend(log)
        times = [e.time for e in log if e.action == action]
        if len(times) > nth:
            when[r] = times[nth]
    return when, incident_table(events)


def test_a_fix_left_in_place_raises_its_modes_rate():
    """Every cleanup is skipped and each fix left in place doubles the rate, up to three times: after the
    second fix is left (and for good), onsets come at 3/d, within the Poisson interval of that rate."""
    found = scenario("practices: {cleanup: {skip: 1, debt_factor: 2, debt_cap: 3}}", horizon="40d", replications=30)
    second, table = moments(found, "cleanup_skipped", 1, 30)
    count, exposure = rate_after(table, second, 40 * 1440)
    assert exposure > 200 * 1440
    assert poisson_holds(count, 3 / 1440 * exposure), (count, 3 / 1440 * exposure)


def test_a_mode_that_comes_with_debt_starts_only_once_a_fix_is_left():
    extra = """practices: {cleanup: {skip: 1}}
  - name: leftover-firewall-rule
    cause: config
    rate: 2/d
    only_with_debt: true
    detection: {monitoring: {delay: 1m}}
    mitigations: {debug: {duration: 10m}}
"""
    found = parse_scenario(BASE.format(extra="", arrivals="rate: 1/d", horizon="20d", replications=10)
                           .replace("failure_modes:", "practices: {cleanup: {skip: 1}}\nfailure_modes:")
                           + extra.split("\n", 1)[1])
    for r in range(5):
        log = play(found, 1, r)
        left = min((e.time for e in log if e.action == "cleanup_skipped"), default=math.inf)
        onsets = [e.time for e in log if e.action == "onset" and e.detail["mode"] == "leftover-firewall-rule"]
        assert all(t >= left for t in onsets)
        if left < 15 * 1440:
            assert onsets


def test_late_and_skipped_cleanups_have_their_probabilities():
    table = table_of("practices: {cleanup: {skip: 0.2, late: 0.3, late_by: 1d}}", replications=40)
    restored = done(table) & (table.onset < 25 * 1440)
    late = (table.cleaned_up - table.resolved)[restored]
    skipped = np.isnan(late)
    low, high = share_interval(int(skipped.sum()), int(restored.sum()))
    assert low < 0.2 < high
    assert np.allclose(late[~skipped & (late > 100)], 60 + 1440)
    low, high = share_interval(int((late > 100).sum()), int(restored.sum()))
    assert low < 0.3 < high


# ── The learning loop ──────────────────────────────────────────────────────────────────────────────────────


def test_completed_action_items_bring_the_rate_down_to_its_floor():
    """One action item per postmortem, always done a day later, halving the rate down to a quarter: after the
    second item is done the mode's rate is 0.25/d for good, and onsets after it match that rate."""
    found = scenario("""practices:
  learning:
    action_items: 1
    done: 1
    lag: 1d
    improves:
      rate: {share: 1, factor: 0.5, floor: 0.25}
      detection: {share: 0, factor: 1}
      mitigation: {share: 0, factor: 1}
""", horizon="120d", replications=40)
    replications = 40
    second, table = moments(found, "action_item_done", 1, replications)
    count, exposure = rate_after(table, second, 120 * 1440)
    assert exposure > 3000 * 1440
    assert poisson_holds(count, 0.25 / 1440 * exposure), (count, 0.25 / 1440 * exposure)
    before = int(np.count_nonzero(table.onset < 1440 + 1))  # the first day: no item can be done yet
    assert poisson_holds(before, replications * 1.0)


def test_completed_action_items_shorten_detection_and_mitigation_down_to_their_floor():
    found = scenario("""practices:
  learning:
    action_items: 4
    done: 1
    lag: 1h
    improves:
      rate: {share: 0, factor: 1}
      detection: {share: 1, factor: 0.5, floor: 0.5}
      mitigation: {share: 0, factor: 1}
""", horizon="30d", replications=5)
    table = simulate(found, keep_events=False, workers=1).incidents
    ttd = (table.detected - table.onset)[~np.isnan(table.detected)]
    table = select(table, ~np.isnan(table.detected))
    later = table.onset > table.onset.min() + 3 * 1440
    assert set(np.round(ttd, 9)) <= {DETECT, DETECT * 0.5}
    assert np.allclose(ttd[later & (table.replication == table.replication[later][0])][-3:], DETECT * 0.5)


def test_action_items_not_done_stay_open():
    events = play(scenario("practices: {learning: {action_items: 3, done: 0.5, lag: 1d}}", replications=1), 1, 0)
    written = sum(e.detail.get("action_items", 0) for e in events if e.action == "postmortem_held")
    completed = sum(1 for e in events if e.action == "action_item_done")
    assert written > 30 and 0 < completed < written


# ── Deployments ────────────────────────────────────────────────────────────────────────────────────────────


def test_deployments_come_in_the_allowed_hours_and_fail_at_the_change_failure_rate():
    found = scenario(arrivals="""deployments:
      rate: 20/w
      change_failure_rate: 0.1
      allowed: [{days: Mon-Thu, hours: "09:00-16:00"}]
      freezes: [{start: 2026-01-19, end: 2026-01-26}]""", horizon="28d", replications=20)
    deployed, failed, onsets = [], 0, 0
    for r in range(20):
        log = play(found, 1, r)
        for e in log:
            if e.action == "deployed":
                deployed.append(e.time)
                failed += e.detail["failed"]
            onsets += e.action == "onset"
    assert failed == onsets
    low, high = share_interval(failed, len(deployed))
    assert low < 0.1 < high
    start = datetime(2026, 1, 5)
    for t in deployed:
        when = start + timedelta(minutes=t)
        assert when.weekday() < 4 and 9 <= when.hour < 16
        assert not datetime(2026, 1, 19) <= when < datetime(2026, 1, 26)
    assert poisson_holds(len(deployed), 20 * 3 * 20)  # three weeks that are not frozen, 20 a week


# ── Load and chaos ─────────────────────────────────────────────────────────────────────────────────────────


def test_load_raises_rates_and_slows_mitigations():
    """Level 4 on weekdays 09:00–17:00, failure rate ∝ level, mitigations ∝ √level: counts in and out of the
    busy hours match ∫ rate, and a rollback started in them takes 20m."""
    found = scenario("""load:
  weekly: [{days: Mon-Fri, hours: "09:00-17:00", level: 4}]
  failure_rate: 1
  mitigation: 0.5""", arrivals="rate: 4/d", horizon="28d", replications=20)
    table = simulate(found, keep_events=False, workers=1).incidents
    minute = table.onset % 10080
    busy = (minute < 5 * 1440) & (minute % 1440 >= 9 * 60) & (minute % 1440 < 17 * 60)
    busy_minutes = 4 * 5 * 8 * 60 * 20
    quiet_minutes = 28 * 1440 * 20 - busy_minutes
    assert poisson_holds(int(busy.sum()), 4 / 1440 * 4 * busy_minutes)
    assert poisson_holds(int((~busy).sum()), 4 / 1440 * quiet_minutes)
    start = table.acknowledged + ASSEMBLE
    in_busy = ((start % 10080) < 5 * 1440) & ((start % 1440) >= 9 * 60) & ((start % 1440) < 17 * 60 - 60)
    took = (table.mitigated - start)[done(table)]
    assert np.allclose(took[in_busy[done(table)]], 20.0)


def test_a_drill_starts_when_scheduled_and_is_labelled_apart():
    found = scenario("""chaos:
  injections: [{mode: deploy, at: 2026-01-07T14:00, name: wednesday drill, severity: SEV2}]
  game_days: {every: 1w, at: "Tue 10:00"}""", horizon="21d", replications=3)
    table = simulate(found, keep_events=False, workers=1).incidents
    drills = table.onset[table.drill & (table.replication == 0)]
    wednesday = (2 * 1440 + 14 * 60)
    tuesdays = [1440 + 600 + 7 * 1440 * k for k in range(3)]
    assert sorted(drills.tolist()) == sorted([wednesday, *tuesdays])
    assert (~table.drill).sum() > 40
    events = play(found, 11, 0)
    injected = {e.incident: e.detail["drill"] for e in events if e.action == "injected"}
    assert sorted(injected.values()) == ["game day 1", "game day 2", "game day 3", "wednesday drill"]


def test_an_injection_during_a_peak_falls_inside_it():
    found = scenario("""load: {peaks: [{name: sale, start: 2026-01-10T08:00, end: 2026-01-10T20:00, level: 2}]}
chaos: {injections: [{mode: deploy, during: sale}]}""", horizon="14d", replications=10)
    table = simulate(found, keep_events=False, workers=1).incidents
    drills = table.onset[table.drill]
    assert len(drills) == 10
    assert np.all((drills >= 5 * 1440 + 8 * 60) & (drills < 5 * 1440 + 20 * 60))
    assert len(set(drills.tolist())) == 10  # each replication draws its own moment


# ── Decisions asked live ───────────────────────────────────────────────────────────────────────────────────


class Careless(AutomaticPolicy):
    """Works alone first, calls it resolved on anecdote, skips the cleanup, writes no action items."""

    asked: list

    def __init__(self, scenario):
        super().__init__(scenario)
        Careless.asked = []

    def work_alone_first(self, situation, drawn):
        Careless.asked.append(("alone", situation.now))
        return True

    def confirm_with_data(self, situation, drawn):
        Careless.asked.append(("confirm", situation.now))
        return False

    def clean_up(self, situation, drawn):
        Careless.asked.append(("cleanup", situation.now))
        return "skip"

    def action_items(self, situation, drawn):
        Careless.asked.append(("items", situation.now))
        return 0


def test_a_policy_asked_live_answers_the_practices_decisions_when_they_arise():
    found = scenario("practices: {declaration: {alone_for: 20m, fixes_alone: 1}}", horizon="5d")
    events = play(found, 2, 0, Careless)
    at = {(e.incident, e.action): e.time for e in events}
    asked = Careless.asked
    assert {kind for kind, _ in asked} == {"alone", "confirm", "cleanup", "items"}
    alone = [now for kind, now in asked if kind == "alone"]
    detected = sorted(t for (n, action), t in at.items() if action == "detected")
    assert alone == detected[:len(alone)]  # asked when the alert is noticed
    confirm = [now for kind, now in asked if kind == "confirm"]
    restored = sorted(e.time for e in events if e.action == "mitigated")  # a reopened incident's twice
    assert confirm == restored[:len(confirm)]  # asked once service is restored
    assert any(e.action == "cleanup_skipped" for e in events)
    assert all(e.detail == {"severity": "SEV2"} for e in events if e.action == "postmortem_held")


# ── Validation ─────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("extra, message", [
    ("practices: {cleanup: {skip: 0.7, late: 0.5}}", "add up to at most 1"),
    ("practices: {declaration: {alone_firts: 0.3}}", "did you mean 'alone_first'"),
    ("load: {peaks: [{name: sale, start: 2026-01-10, end: 2026-01-09, level: 2}]}", "'sale' must end after it starts"),
    ("chaos: {injections: [{mode: nope, at: 2026-01-06}]}", "no failure mode 'nope'"),
    ("chaos: {injections: [{mode: deploy, during: sale}]}", "no load peak is called 'sale'"),
    ("chaos: {injections: [{mode: deploy, at: 2027-01-06}]}", "outside the simulated period"),
    ("okrs: {period: 400d, key_results: [{metric: incidents, at_most: 2}]}", "longer than the horizon"),
    ("okrs: {key_results: [{metric: error_budget, at_most: 1}]}", "needs the scenario's `slo`"),
    ("okrs: {key_results: [{metric: mttr, at_most: 4h, at_least: 1h}]}", "exactly one of"),
    ("practices: {learning: {improves: {rate: {share: 0, factor: 1}, detection: {share: 0, factor: 1}, "
     "mitigation: {share: 0, factor: 1}}}}", "share above 0"),
])
def test_practice_mistakes_are_refused_with_their_field(extra, message):
    with pytest.raises(ScenarioError) as caught:
        scenario(extra)
    assert message in str(caught.value)


def test_a_deployment_mode_needs_deployment_as_its_cause():
    text = BASE.format(extra="", arrivals="deployments: {rate: 5/w, change_failure_rate: 0.1}", horizon="10d",
                       replications=2).replace("cause: deployment", "cause: config")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    assert "cause: deployment" in str(caught.value)


def test_an_slo_burn_alert_takes_its_objective_and_error_ratio_from_the_slo_and_the_impact():
    text = BASE.format(extra="slo: {objective: 0.999}", arrivals="rate: 1/d", horizon="10d", replications=2)
    text = text.replace("slo_burn: {slo: 0.999, error_ratio: 0.05, window: 1h, burn_rate: 14.4}",
                        "slo_burn: {window: 1h, burn_rate: 14.4}").replace("    severity: SEV2", "    severity: SEV2\n"
                                                                           "    impact: 0.05")
    found = parse_scenario(text)
    burn = found.failure_modes[0].detection.slo_burn
    assert (burn.slo, burn.error_ratio) == (0.999, 0.05)
    assert burn.delay.value == pytest.approx(BURN)
    never = text.replace("impact: 0.05", "impact: 0.01")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(never)
    assert "would never fire" in str(caught.value)
