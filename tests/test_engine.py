"""The lifecycle engine, asserted minute by minute: with constant durations every event's time is known exactly.

The scenarios are written inline. Their constants (minutes after onset, unless said otherwise):
detection after 4, declaration 5 later, acknowledgement 3 after the page reaches a free responder, the other
roles 2 later, then the mitigations, confirmation 10 after service is restored, clean-up an hour after that.
A constant `every: 3d` puts the first onset at minute 4320.
"""

import math

import pytest

from simulator import parse_scenario, simulate
from simulator.engine import play
from simulator.engine.policy import AutomaticPolicy
from simulator.events import ACTIONS, PHASES
from simulator.results.metrics import incident_table, summarize
from simulator.scenario.bundled import default_scenario
from simulator.scenario.validate import load_scenario

ONSET = 4320.0  # 3d


def scenario(*, horizon="4d", team="", policy="", mode="", modes=None):
    """A scenario of constant durations. `team`, `policy` and `mode` add lines to those sections; `modes`
    replaces the one failure mode entirely."""
    default_mode = f"""
  - name: bad-deploy
    cause: deployment
    every: 3d
    detection:
      monitoring: {{delay: 4m}}
    mitigations:
      rollback: {{duration: 8m}}
      debug: {{duration: 1h}}
{mode}"""
    return parse_scenario(f"""
name: exact
horizon: {horizon}
replications: 1
team:
  acknowledge: 3m
  assemble: 2m
{team}
policy:
  declare_after: 5m
  confirm: 10m
  cleanup: 1h
  postmortem: {{severities: [SEV1, SEV2], within: 1d}}
{policy}
failure_modes: {modes or default_mode}
""")


def timeline(events, incident=None):
    """(minute, phase, action, actor) of every event, or of one incident's."""
    return [(e.time, e.phase, e.action, e.actor) for e in events if incident is None or e.incident == incident]


def metrics(events, replications=1, horizon=None):
    return summarize(incident_table(events), replications, horizon)


def test_one_incident_minute_by_minute():
    events = play(scenario(), seed=1, replication=0)
    assert timeline(events) == [
        (4320, "detection", "onset", "system"),
        (4324, "detection", "detected", "monitoring"),
        (4329, "detection", "declared", "on-call"),
        (4329, "response", "paged", "pager"),
        (4329, "response", "page_delivered", "on-call #1"),
        (4332, "response", "acknowledged", "on-call #1"),
        (4332, "response", "role_assigned", "on-call #1"),
        (4334, "response", "roles_assembled", "on-call #1"),
        (4334, "response", "mitigation_started", "Ops lead"),
        (4342, "response", "mitigated", "Ops lead"),
        (4352, "resolution", "resolved", "on-call #1"),
        (4352, "resolution", "stood_down", "on-call #1"),
        (4412, "resolution", "cleaned_up", "Ops lead"),
        (4412, "learning", "postmortem_skipped", "Incident Commander"),
    ]
    assert {e.incident for e in events} == {1}
    assert {e.replication for e in events} == {0}
    details = {e.action: e.detail for e in events}
    assert details["onset"] == {"mode": "bad-deploy", "cause": "deployment", "severity": "SEV3"}
    assert details["detected"] == {"channel": "monitoring"}
    assert details["paged"] == {"level": 1}
    assert details["page_delivered"] == {"level": 1, "waited": 0.0}
    assert details["acknowledged"] == {"level": 1, "waited": 0.0}
    assert details["role_assigned"] == {"role": "Incident Commander"}
    assert details["roles_assembled"] == {"roles": "Ops lead, Comms lead, Scribe"}
    assert details["mitigation_started"] == details["mitigated"] == {"mitigation": "rollback"}
    assert details["stood_down"] == {"since": 4332}
    assert details["postmortem_skipped"] == {"severity": "SEV3"}


def test_metrics_of_one_incident_are_the_sums_of_the_constants():
    events = play(scenario(), seed=1, replication=0)
    stats = metrics(events)
    assert stats["mttd"].mean == 4  # detection
    assert stats["mtta"].mean == 5 + 3  # declaration + acknowledgement
    assert stats["mttr"].mean == 4 + 5 + 3 + 2 + 8  # ... + assembly + rollback
    assert stats["time_to_resolve"].mean == 22 + 10  # ... + confirmation
    for key in ("mttd", "mtta", "mttr", "time_to_resolve"):
        assert (stats[key].count, stats[key].censored) == (1, 0)
        assert stats[key].median == stats[key].max == stats[key].mean
    # One failure, 3d after a start with nothing failing: one gap of 3d, and one still open at the horizon.
    assert (stats["mtbf"].count, stats["mtbf"].mean) == (1, 4320)
    with_horizon = metrics(events, horizon=4 * 1440)["mtbf"]
    assert (with_horizon.count, with_horizon.censored, with_horizon.mean) == (1, 1, 4 * 1440)  # 4d ÷ 1 failure


def test_a_constant_time_between_failures_repeats_the_lifecycle():
    events = play(scenario(horizon="10d"), seed=1, replication=0)
    onsets = [e.time for e in events if e.action == "onset"]
    assert onsets == [4320, 8640, 12960]  # 3d, 6d, 9d: the next at 12d is past the horizon
    first = timeline(events, 1)
    for number, onset in ((2, 8640), (3, 12960)):
        assert [(t - onset, *rest) for t, *rest in timeline(events, number)] == [
            (t - ONSET, *rest) for t, *rest in first]
    stats = metrics(events, horizon=10 * 1440)
    assert (stats["mtbf"].count, stats["mtbf"].median) == (3, 4320)  # every gap 3d, the first from the start
    assert stats["mtbf"].mean == 10 * 1440 / 3  # 10 days watched, 3 failures
    assert stats["mttr"].count == 3


def test_the_seed_does_not_matter_when_nothing_is_random():
    assert timeline(play(scenario(), seed=1, replication=0)) == timeline(play(scenario(), seed=99, replication=5))


def test_a_missed_page_escalates_to_the_secondary():
    s = scenario(team="  miss_probability: 1\n  escalate_after: 15m\n  secondary: {name: Chen, acknowledge: 7m}")
    events = play(s, seed=1, replication=0)
    assert timeline(events)[3:10] == [
        (4329, "response", "paged", "pager"),
        (4329, "response", "page_delivered", "on-call #1"),
        (4344, "response", "page_missed", "on-call #1"),  # escalate_after after the page
        (4344, "response", "escalated", "pager"),
        (4344, "response", "page_delivered", "Chen"),
        (4351, "response", "acknowledged", "Chen"),  # the secondary's acknowledgement
        (4351, "response", "role_assigned", "Chen"),
    ]
    assert [e.detail for e in events if e.action == "escalated"] == [{"level": 2, "to": ["Chen"]}]
    table = incident_table(events)
    assert table.escalated.tolist() == [True]
    assert table.responder.tolist() == ["Chen"]
    assert metrics(events)["mtta"].mean == 5 + 15 + 7  # declaration + escalate_after + secondary acknowledge


def test_escalation_alone_makes_the_time_to_acknowledge():
    s = parse_scenario("""
name: escalation
horizon: 4d
team: {acknowledge: 3m, miss_probability: 1, escalate_after: 15m, secondary: {acknowledge: 7m}}
policy: {declare_after: 0s}
failure_modes:
  - name: f
    cause: capacity
    every: 3d
    detection: {monitoring: {delay: 4m}}
    mitigations: {debug: {duration: 1h}}
""")
    events = play(s, seed=3, replication=0)
    assert metrics(events)["mtta"].mean == 15 + 7
    assert [e.actor for e in events if e.action == "acknowledged"] == ["secondary on-call"]


def test_a_slow_acknowledgement_escalates_and_the_primary_can_still_answer_first():
    events = play(scenario(team="  escalate_after: 2m"), seed=1, replication=0)  # acknowledge takes 3m
    paging = [(t, a, who) for t, _, a, who in timeline(events) if a in ("page_delivered", "page_missed", "escalated",
                                                                         "acknowledged")]
    assert paging == [(4329, "page_delivered", "on-call #1"),
                      (4331, "page_missed", "on-call #1"), (4331, "escalated", "pager"),
                      (4331, "page_delivered", "secondary on-call"),  # who would answer 5m later, at 4336
                      (4332, "acknowledged", "on-call #1")]  # the primary, still able to answer, is first
    table = incident_table(events)
    assert table.escalated.tolist() == [True]
    assert table.level.tolist() == [1]
    assert metrics(events)["mtta"].mean == 5 + 3  # escalating changed nothing: the primary answered anyway


def test_both_levels_answer_and_the_first_to_acknowledge_takes_the_incident():
    """The primary takes 3m; the page escalates after 1m to the secondary, who takes 1m: 2m < 3m."""
    s = scenario(team="  escalate_after: 1m\n  secondary: {name: Chen, acknowledge: 1m}")
    events = play(s, seed=1, replication=0)
    paging = [(t, a, who) for t, _, a, who in timeline(events) if a in ("page_delivered", "escalated",
                                                                         "acknowledged", "stood_down")]
    assert paging == [(4329, "page_delivered", "on-call #1"), (4330, "escalated", "pager"),
                      (4330, "page_delivered", "Chen"), (4331, "acknowledged", "Chen"),
                      (4351, "stood_down", "Chen")]  # 4331 + 2 + 8 + 10: only Chen was ever held
    table = incident_table(events)
    assert table.responder.tolist() == ["Chen"]
    assert table.level.tolist() == [2]


def test_a_rollback_that_fails_costs_its_time_then_debugging_restores_service():
    s = scenario(modes="""
  - name: bad-deploy
    cause: deployment
    every: 3d
    detection: {monitoring: {delay: 4m}}
    mitigations:
      rollback: {duration: 8m, success: 0}
      debug: {duration: 1h}
""")
    events = play(s, seed=1, replication=0)
    assert timeline(events)[8:12] == [
        (4334, "response", "mitigation_started", "Ops lead"),
        (4342, "response", "mitigation_failed", "Ops lead"),
        (4342, "response", "mitigation_started", "Ops lead"),
        (4402, "response", "mitigated", "Ops lead"),
    ]
    tried = [(e.action, e.detail) for e in events if e.action.startswith("mitigat")]
    assert tried == [
        ("mitigation_started", {"mitigation": "rollback"}),
        ("mitigation_failed", {"mitigation": "rollback", "reason": "did not help"}),
        ("mitigation_started", {"mitigation": "debug"}),
        ("mitigated", {"mitigation": "debug"}),
    ]
    assert metrics(events)["mttr"].mean == 4 + 5 + 3 + 2 + 8 + 60
    assert incident_table(events).mitigation.tolist() == ["debug"]


def test_a_rollback_does_not_apply_when_no_deployment_caused_the_failure():
    s = scenario(modes="""
  - name: config-push
    cause: config
    every: 3d
    detection: {monitoring: {delay: 4m}}
    mitigations:
      rollback: {duration: 8m, success: 1}
      debug: {duration: 1h}
""")
    events = play(s, seed=1, replication=0)
    failed = [e for e in events if e.action == "mitigation_failed"]
    assert [(e.time, e.detail) for e in failed] == [
        (4342, {"mitigation": "rollback",
                "reason": "rollback helps only with deployment failures; the cause was config"})
    ]
    assert metrics(events)["mttr"].mean == 4 + 5 + 3 + 2 + 8 + 60


def test_rollback_first_tries_every_stop_gap_in_order_before_debugging():
    s = scenario(modes="""
  - name: outage
    cause: infrastructure
    every: 3d
    detection: {monitoring: {delay: 4m}}
    mitigations:
      drain: {duration: 6m, success: 0}
      failover: {duration: 20m, success: 0}
      rollback: {duration: 8m}
      debug: {duration: 1h}
""")
    events = play(s, seed=1, replication=0)
    started = [(e.time, e.detail["mitigation"]) for e in events if e.action == "mitigation_started"]
    assert started == [(4334, "rollback"), (4342, "failover"), (4362, "drain"), (4368, "debug")]
    assert metrics(events)["mttr"].mean == 14 + 8 + 20 + 6 + 60


@pytest.mark.parametrize(("order", "mttr"), [("debug-first", 14 + 60), ("[failover, rollback]", 14 + 20)])
def test_the_policy_chooses_the_order(order, mttr):
    s = scenario(policy=f"  mitigation: {order}", modes="""
  - name: bad-deploy
    cause: deployment
    every: 3d
    detection: {monitoring: {delay: 4m}}
    mitigations:
      failover: {duration: 20m}
      rollback: {duration: 8m}
      debug: {duration: 1h}
""")
    assert metrics(play(s, seed=1, replication=0))["mttr"].mean == mttr


def two_modes(responders):
    return scenario(team=f"  responders: {responders}\n  secondary: null", modes="""
  - name: first
    cause: deployment
    every: 3d
    detection: {monitoring: {delay: 4m}}
    mitigations: {rollback: {duration: 8m}, debug: {duration: 1h}}
  - name: second
    cause: deployment
    every: 3d 10m
    detection: {monitoring: {delay: 4m}}
    mitigations: {rollback: {duration: 8m}, debug: {duration: 1h}}
""")


def test_an_incident_waits_for_the_only_responder_exactly_the_rest_of_the_first_ones_holding_time():
    events = play(two_modes(1), seed=1, replication=0)
    first, second = timeline(events, 1), timeline(events, 2)
    assert first[0][2] == second[0][2] == "onset"
    assert (first[0][0], second[0][0]) == (4320, 4330)
    # The first holds the responder from the page (4329) until health is confirmed (4352).
    assert (4352, "resolution", "resolved", "on-call #1") in first
    assert second[3:6] == [
        (4339, "response", "paged", "pager"),
        (4352, "response", "page_delivered", "on-call #1"),  # the moment the first incident lets go
        (4355, "response", "acknowledged", "on-call #1"),
    ]
    assert [e.detail["waited"] for e in events if e.action == "page_delivered"] == [0.0, 13.0]
    assert [e.detail["waited"] for e in events if e.action == "acknowledged"] == [0.0, 13.0]
    table = incident_table(events)
    assert table.waited.tolist() == [0.0, 13.0]
    assert table.mode.tolist() == ["first", "second"]
    stats = metrics(events)
    assert stats["mtta"].max == 5 + 13 + 3
    assert stats["mttr"].max == 22 + 13


def test_a_second_responder_takes_the_overlapping_incident_at_once():
    events = play(two_modes(2), seed=1, replication=0)
    assert [(e.time, e.actor, e.detail["waited"]) for e in events if e.action == "page_delivered"] == [
        (4329, "on-call #1", 0.0), (4339, "on-call #2", 0.0)]
    assert [t - 10 for t, *_ in timeline(events, 2)] == [t for t, *_ in timeline(events, 1)]


def test_responders_go_by_their_names():
    s = scenario(team="  responders: 2\n  names: [Ana, Ben]")
    assert [e.actor for e in play(s, 1, 0) if e.action == "acknowledged"] == ["Ana"]


@pytest.mark.parametrize(
    ("horizon", "state", "reached"),
    [
        ("3d 2m", "failing", ()),
        ("3d 7m", "detected", ("mttd",)),
        ("3d 15m", "mitigating", ("mttd", "mtta")),
        ("3d 25m", "restored", ("mttd", "mtta", "mttr")),
        ("3d 1h", "resolved", ("mttd", "mtta", "mttr", "time_to_resolve")),
    ],
)
def test_an_incident_open_at_the_horizon_is_logged_and_counted_censored(horizon, state, reached):
    s = scenario(horizon=horizon)
    events = play(s, seed=1, replication=0)
    last = events[-1]
    assert (last.time, last.action, last.actor, last.detail["state"]) == (
        s.horizon, "open_at_horizon", "system", state)
    # who was still working on it, and since when: their on-call load runs to the horizon
    working = {"on-call #1": 4332} if state in ("mitigating", "restored") else None
    assert last.detail.get("working") == working
    assert [e.action for e in events].count("open_at_horizon") == 1
    assert all(e.time <= s.horizon for e in events)
    stats = metrics(events)
    for key in ("mttd", "mtta", "mttr", "time_to_resolve"):
        assert (stats[key].count, stats[key].censored) == ((1, 0) if key in reached else (0, 1)), key
        if key not in reached:
            assert math.isnan(stats[key].mean)


def test_an_incident_waiting_for_its_postmortem_at_the_horizon_is_open_but_restored():
    events = play(scenario(horizon="4d", mode="    severity: SEV1"), seed=1, replication=0)
    assert (events[-1].action, events[-1].detail) == ("open_at_horizon", {"state": "cleaned up"})
    assert metrics(events)["mttr"].censored == 0


def test_postmortems_are_held_for_the_policys_severities_and_skipped_for_the_others():
    s = scenario(horizon="5d", modes="""
  - name: sev1
    cause: deployment
    severity: SEV1
    every: 3d
    detection: {monitoring: {delay: 4m}}
    mitigations: {rollback: {duration: 8m}, debug: {duration: 1h}}
  - name: sev2
    cause: deployment
    severity: SEV2
    every: 3d 1h
    detection: {monitoring: {delay: 4m}}
    mitigations: {rollback: {duration: 8m}, debug: {duration: 1h}}
  - name: sev3
    cause: deployment
    severity: SEV3
    every: 3d 2h
    detection: {monitoring: {delay: 4m}}
    mitigations: {rollback: {duration: 8m}, debug: {duration: 1h}}
  - name: sev4
    cause: deployment
    severity: SEV4
    every: 3d 3h
    detection: {monitoring: {delay: 4m}}
    mitigations: {rollback: {duration: 8m}, debug: {duration: 1h}}
""")
    events = play(s, seed=1, replication=0)
    learning = [(e.incident, e.time - 4320 - 60 * (e.incident - 1), e.action, e.detail["severity"])
                for e in events if e.phase == "learning"]
    # Held a day (the policy's `within`) after the clean-up at 92 minutes; skipped at the clean-up itself.
    assert sorted(learning) == [
        (1, 92 + 1440, "postmortem_held", "SEV1"),
        (2, 92 + 1440, "postmortem_held", "SEV2"),
        (3, 92, "postmortem_skipped", "SEV3"),
        (4, 92, "postmortem_skipped", "SEV4"),
    ]
    assert all(e.actor == "Incident Commander" for e in events if e.phase == "learning")


def test_the_postmortem_severities_are_the_policys_choice():
    s = parse_scenario("""
name: sev3 postmortems
horizon: 5d
team: {acknowledge: 3m, assemble: 2m}
policy: {declare_after: 5m, confirm: 10m, cleanup: 1h, postmortem: {severities: [SEV3], within: 2h}}
failure_modes:
  - name: f
    cause: deployment
    every: 3d
    detection: {monitoring: {delay: 4m}}
    mitigations: {rollback: {duration: 8m}, debug: {duration: 1h}}
""")
    assert s.horizon == 7200
    events = play(s, seed=1, replication=0)
    assert timeline(events)[-1] == (4320 + 92 + 120, "learning", "postmortem_held", "Incident Commander")


def test_detection_picks_the_earliest_channel_that_fires():
    s = scenario(modes="""
  - name: f
    cause: deployment
    every: 3d
    detection:
      monitoring: {probability: 0, delay: 1m}
      synthetic: {delay: 9m}
      customer_report: {delay: 30m}
      slo_burn: {slo: 0.999, error_ratio: 0.05, window: 1h, burn_rate: 14.4}
    mitigations: {rollback: {duration: 8m}, debug: {duration: 1h}}
""")
    events = play(s, seed=1, replication=0)
    assert [(e.time, e.actor) for e in events if e.action == "detected"] == [(4320 + 9, "synthetic")]
    assert incident_table(events).channel.tolist() == ["synthetic"]


def test_no_incident_before_the_first_onset():
    events = play(scenario(horizon="2d"), seed=1, replication=0)
    assert events == []
    assert len(incident_table(events)) == 0


# ── Invariants of any log ──────────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def bundled_run():
    return simulate(load_scenario(default_scenario()), replications=3, seed=5, workers=1)


def test_every_event_uses_a_known_phase_action_and_time_order(bundled_run):
    events = bundled_run.events
    assert events
    assert {e.phase for e in events} <= set(PHASES)
    assert {e.action for e in events} <= set(ACTIONS)
    by_incident = {}
    for e in events:
        by_incident.setdefault((e.replication, e.incident), []).append(e)
    for log in by_incident.values():
        times = [e.time for e in log]
        assert times == sorted(times)
        assert log[0].action == "onset"
        assert log[-1].action in ("postmortem_held", "postmortem_skipped", "open_at_horizon")
        phases = [PHASES.index(e.phase) for e in log]
        assert phases == sorted(phases)  # the lifecycle only moves forward


class AskedPolicy(AutomaticPolicy):
    """The automatic policy's answers, but asked at every decision point (the way a person would be)."""


def test_a_policy_asked_live_plays_exactly_as_the_automatic_one():
    s = load_scenario(default_scenario())
    for replication in (0, 1):
        assert play(s, 8, replication, AskedPolicy) == play(s, 8, replication)


class Hasty(AutomaticPolicy):
    """Declares at once, escalates after a minute and always debugs."""

    def declare_after(self, situation, drawn):
        return 0.0

    def escalate_after(self, situation):
        return 1.0

    def next_mitigation(self, situation):
        return "debug"


def test_the_engine_asks_the_policy_at_each_decision_point():
    events = play(scenario(), seed=1, replication=0, policy=Hasty)
    assert timeline(events)[2:11] == [
        (4324, "detection", "declared", "on-call"),
        (4324, "response", "paged", "pager"),
        (4324, "response", "page_delivered", "on-call #1"),
        (4325, "response", "page_missed", "on-call #1"),  # acknowledge takes 3m, the policy waits 1m
        (4325, "response", "escalated", "pager"),
        (4325, "response", "page_delivered", "secondary on-call"),  # who takes 5m: the primary is first
        (4326, "response", "page_missed", "secondary on-call"),  # the last level's minute is up as well
        (4327, "response", "acknowledged", "on-call #1"),
        (4327, "response", "role_assigned", "on-call #1"),
    ]
    assert [e.detail["mitigation"] for e in events if e.action == "mitigated"] == ["debug"]


@pytest.mark.parametrize("name", ["default", "learning-loop", "follow-the-sun"])
def test_a_replication_leaves_no_cyclic_garbage(name):
    """Once a replication has ended, its clock, processes, pages and world are freed by reference counting:
    the cyclic garbage collector finds nothing of it (its passes would cost a long run dearly)."""
    import gc
    from pathlib import Path

    from simulator.engine.run import Engine
    from simulator.results.runner import Reductions

    path = Path(__file__).resolve().parents[1] / "scenarios" / f"{name}.yaml"
    scenario_ = load_scenario(path)
    engine = Engine(scenario_)
    reductions = Reductions(practice=scenario_.practiced)
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        for replication in range(3):
            engine.play(7, replication, reductions)
            engine.play(7, replication)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
