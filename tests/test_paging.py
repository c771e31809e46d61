"""People who behave like real paging, asserted minute by minute with constant durations.

Constants unless said otherwise: detection 4m after onset, declaration 5m later, acknowledgement 3m after a
page reaches a free person, the other roles 2m later, debugging 1h, confirmation 10m, clean-up 1h. Onsets
come from constant `every` gaps, so incident k of a mode starts at k times its gap.
"""

from collections import defaultdict
from itertools import pairwise

import numpy as np
import pytest

from simulator import parse_scenario, simulate
from simulator.engine import play
from simulator.results.metrics import incident_table
from simulator.scenario.bundled import bundled_scenario, default_scenario
from simulator.scenario.validate import load_scenario
from simulator.scenario.variants import load_source


def build(team: str, modes: str, *, horizon="4d", policy="", extra=""):
    return parse_scenario(f"""
name: paging
horizon: {horizon}
replications: 1
{extra}
team:
  acknowledge: 3m
  assemble: 2m
{team}
policy:
  declare_after: 5m
  confirm: 10m
  cleanup: 1h
{policy}
failure_modes:
{modes}
""")


def mode(name, every, severity="SEV3", debug="1h"):
    return f"""
  - name: {name}
    cause: capacity
    severity: {severity}
    every: {every}
    detection: {{monitoring: {{delay: 4m}}}}
    mitigations: {{debug: {{duration: {debug}}}}}
"""


def lines(events, actions):
    return [(e.time, e.incident, e.action, e.actor) for e in events if e.action in actions]


PAGING = ("page_delivered", "escalated", "acknowledged", "resumed", "preempted", "stood_down", "handover",
          "stayed_on")


def test_a_busy_secondary_cannot_take_a_second_incident_and_whoever_is_free_first_does():
    """Ana is the only primary, Chen the secondary. A holds Ana; B escalates to Chen; C escalates to Chen
    too, who is busy with B: C waits until Ana is free, and she takes it from the first level's queue."""
    s = build("  names: [Ana]\n  escalate_after: 15m\n  secondary: {name: Chen, acknowledge: 7m}",
              mode("a", "3d") + mode("b", "3d 10m") + mode("c", "3d 20m"))
    events = play(s, seed=1, replication=0)
    assert lines(events, PAGING) == [
        (4329, 1, "page_delivered", "Ana"),
        (4332, 1, "acknowledged", "Ana"),
        (4354, 2, "escalated", "pager"),  # B waited for Ana 15 minutes, then the pager moved on
        (4354, 2, "page_delivered", "Chen"),
        (4361, 2, "acknowledged", "Chen"),
        (4364, 3, "escalated", "pager"),  # C reaches Chen too, but he is working B: it waits for him
        (4404, 1, "stood_down", "Ana"),  # 4332 + 2 + 60 + 10
        (4404, 3, "page_delivered", "Ana"),  # free again, Ana takes C: it waited 55 minutes for her
        (4407, 3, "acknowledged", "Ana"),
        (4433, 2, "stood_down", "Chen"),
        (4479, 3, "stood_down", "Ana"),
    ]
    table = incident_table(events)
    assert table.waited.tolist() == [0.0, 0.0, 55.0]
    assert table.level.tolist() == [1, 2, 1]


def test_a_primary_who_missed_a_page_is_free_for_the_next_one():
    team = "  names: [Ana]\n  miss_probability: 1\n  escalate_after: 15m\n  secondary: {name: Chen, acknowledge: 7m}"
    s = build(team, mode("a", "3d") + mode("b", "3d 10m"))
    events = play(s, seed=1, replication=0)
    delivered = [(e.time, e.incident, e.actor) for e in events if e.action == "page_delivered"]
    # Ana missed A, and was not held by it: B reaches her at once (she misses that one too).
    assert delivered[:3] == [(4329, 1, "Ana"), (4339, 2, "Ana"), (4344, 1, "Chen")]
    assert [(e.time, e.incident, e.actor) for e in events if e.action == "acknowledged"] == [
        (4351, 1, "Chen"), (4430, 2, "Chen")]  # B waits for Chen, free at 4351 + 72 = 4423, who takes 7m


def test_pages_queue_by_severity_the_most_severe_first():
    """One responder, no secondary. A SEV3 holds her; a SEV3 and then a SEV1 queue: the SEV1 goes first."""
    s = build("  names: [Ana]\n  secondary: null",
              mode("first", "3d") + mode("minor", "3d 10m") + mode("major", "3d 20m", severity="SEV1"))
    events = play(s, seed=1, replication=0)
    answered = [(e.time, e.incident) for e in events if e.action == "acknowledged"]
    assert answered == [(4332, 1), (4407, 3), (4482, 2)]  # the SEV1 (3) before the SEV3 (2) that waited longer


def test_preemption_takes_the_responder_and_the_work_resumes_where_it_stopped():
    """A SEV3 is being debugged when a SEV1 is declared and nobody is free: the SEV1 takes the responder. The
    SEV3's debugging had run 15 of its 60 minutes; it waits, then resumes after a 5-minute handover."""
    s = build("  names: [Ana]\n  secondary: null\n  preemption: true\n  handover: 5m",
              mode("minor", "3d") + mode("major", "3d 20m", severity="SEV1", debug="30m"))
    events = play(s, seed=1, replication=0)
    assert lines(events, (*PAGING, "mitigated", "resolved")) == [
        (4329, 1, "page_delivered", "Ana"),
        (4332, 1, "acknowledged", "Ana"),
        (4349, 1, "preempted", "Ana"),  # the SEV1 is declared at 4340 + 4 + 5
        (4349, 1, "stood_down", "Ana"),
        (4349, 2, "page_delivered", "Ana"),
        (4352, 2, "acknowledged", "Ana"),
        (4384, 2, "mitigated", "Ops lead"),  # 4352 + 2 + 30
        (4394, 1, "page_delivered", "Ana"),  # freed at once (the log lists an instant's events by incident)
        (4394, 2, "resolved", "Ana"),
        (4394, 2, "stood_down", "Ana"),
        (4397, 1, "resumed", "Ana"),
        (4447, 1, "mitigated", "Ops lead"),  # 4397 + 5 handover + the 45 minutes left
        (4457, 1, "resolved", "Ana"),
        (4457, 1, "stood_down", "Ana"),
    ]
    assert [e.detail for e in events if e.action == "preempted"] == [{"by": 2}]
    assert [e.detail for e in events if e.action == "resumed"] == [{"level": 1, "waited": 45.0}]
    table = incident_table(events)
    assert table.preempted.tolist() == [1, 0]
    assert table.acknowledged.tolist() == [4332, 4352]  # acknowledgement is the first one, not the resumption


def test_without_preemption_the_sev1_waits():
    s = build("  names: [Ana]\n  secondary: null", mode("minor", "3d") + mode("major", "3d 20m", severity="SEV1"))
    events = play(s, seed=1, replication=0)
    assert "preempted" not in {e.action for e in events}
    assert [(e.time, e.incident) for e in events if e.action == "acknowledged"] == [(4332, 1), (4407, 2)]


def test_a_sev1_mobilises_the_next_level_at_once_when_nobody_in_the_first_is_free():
    team = "  names: [Ana]\n  escalate_after: 15m\n  secondary: {name: Chen, acknowledge: 7m}"
    modes = mode("minor", "3d") + mode("major", "3d 20m", severity="SEV1")
    waiting = play(build(team, modes), seed=1, replication=0)
    mobilised = play(build(team + "\n  mobilise: [SEV1]", modes), seed=1, replication=0)
    assert [(e.time, e.actor) for e in waiting if e.action == "acknowledged" and e.incident == 2] == [(4371, "Chen")]
    assert [(e.time, e.actor) for e in mobilised if e.action == "acknowledged" and e.incident == 2] == [
        (4356, "Chen")]  # declared at 4349, Chen paged at once: 7 minutes
    assert [e.detail for e in mobilised if e.action == "escalated"] == [
        {"level": 2, "to": ["Chen"], "mobilised": True}]


SHIFTS = """
  rotations:
    primary: {people: [Ana, Ben], shift: 12h, handoff: "00:00"}
  escalation: {levels: [{rotation: primary}]}
  handover: 15m
"""


@pytest.mark.parametrize("at_shift_end", ["handover", "stay"])
def test_at_the_end_of_a_shift_the_responder_hands_over_or_stays_on(at_shift_end):
    """Ana is on call 00:00–12:00 and Ben 12:00–24:00. An incident at 11:30 is still being debugged at noon."""
    s = build(SHIFTS + f"  at_shift_end: {at_shift_end}", mode("outage", "11h 30m"), horizon="14h",
              extra="start: 2026-01-05T00:00:00")
    events = play(s, seed=1, replication=0)
    if at_shift_end == "handover":
        assert lines(events, (*PAGING, "mitigated", "resolved")) == [
            (699, 1, "page_delivered", "Ana"),
            (702, 1, "acknowledged", "Ana"),
            (720, 1, "handover", "Ben"),  # noon: Ben takes over; the debugging pauses for the handover
            (735, 1, "stood_down", "Ana"),
            (779, 1, "mitigated", "Ops lead"),  # 704 + 60 + 15
            (789, 1, "resolved", "Ben"),
            (789, 1, "stood_down", "Ben"),
        ]
        assert [e.detail for e in events if e.action == "handover"] == [{"from": "Ana", "minutes": 15.0}]
        assert incident_table(events).handovers.tolist() == [1]
    else:
        assert lines(events, (*PAGING, "mitigated", "resolved")) == [
            (699, 1, "page_delivered", "Ana"),
            (702, 1, "acknowledged", "Ana"),
            (720, 1, "stayed_on", "Ana"),  # overtime
            (764, 1, "mitigated", "Ops lead"),
            (774, 1, "resolved", "Ana"),
            (774, 1, "stood_down", "Ana"),
        ]


def test_a_rotation_pages_whoever_is_on_call_at_the_time():
    s = build(SHIFTS, mode("outage", "11h 30m") + mode("later", "13h"), horizon="1d",
              extra="start: 2026-01-05T00:00:00")
    events = play(s, seed=1, replication=0)
    # 11:30 (Ana's turn), 13:00 and 23:00 (Ben's)
    assert [(e.time, e.incident, e.actor) for e in events if e.action == "page_delivered"] == [
        (699, 1, "Ana"), (789, 2, "Ben"), (1389, 3, "Ben")]


def test_nobody_on_call_at_a_level_the_page_waits_for_the_next_shift():
    """Ana is on call 09:00–17:00 on weekdays only; a page at 20:00 waits until 09:00 the next day."""
    team = """
  rotations:
    office: {people: [Ana], hours: "09:00-17:00", days: Mon-Fri}
  escalation: {levels: [{rotation: office}]}
"""
    s = build(team, mode("outage", "19h 51m"), horizon="36h", extra="start: 2026-01-05T00:00:00")
    events = play(s, seed=1, replication=0)
    delivered = [(e.time, e.actor, e.detail["waited"]) for e in events if e.action == "page_delivered"]
    assert delivered == [(33 * 60, "Ana", 33 * 60 - 1200)]  # declared at 20:00, answered from 09:00


# ── Roles and stakeholder updates ──────────────────────────────────────────────────────────────────────────

ROLES = """
  responders: 2
  names: [Ana, Ben]
  secondary: null
  rotations:
    commanders: {people: [Iris], shift: 1w}
    comms: {people: [Cole], shift: 1w}
  roles:
    incident_commander: {rotation: commanders, severities: [SEV1]}
    comms_lead: {rotation: comms, severities: [SEV1]}
    ic_and_ops_slowdown: 1.5
"""


def test_a_separate_incident_commander_lets_the_ops_lead_mitigate_at_normal_speed():
    """Two SEV1s overlap: Iris commands the first, whose debugging takes 1h; she is busy when the second
    assembles, so Ben must command it and fix it at once: 1.5 × 1h."""
    s = build(ROLES, mode("first", "3d", severity="SEV1") + mode("second", "3d 10m", severity="SEV1"),
              extra="start: 2026-01-05T00:00:00")
    events = play(s, seed=1, replication=0)
    assigned = [(e.time, e.incident, e.actor, e.detail) for e in events if e.action == "role_assigned"]
    assert assigned == [
        (4332, 1, "Ana", {"role": "Incident Commander"}),
        (4334, 1, "Iris", {"role": "Incident Commander"}),
        (4334, 1, "Cole", {"role": "Comms lead"}),
        (4334, 1, "Ana", {"role": "Ops lead"}),
        (4342, 2, "Ben", {"role": "Incident Commander"}),
        (4344, 2, "Ben", {"role": "Ops lead", "combined": True}),
    ]
    restored = {e.incident: e.time for e in events if e.action == "mitigated"}
    assert restored == {1: 4334 + 60, 2: 4344 + 90}
    stood_down = [(e.time, e.incident, e.actor) for e in events if e.action == "stood_down"]
    assert stood_down == [(4404, 1, "Ana"), (4404, 1, "Iris"), (4404, 1, "Cole"), (4444, 2, "Ben")]


def test_a_comms_lead_sends_updates_on_time_and_without_one_they_slip():
    """A SEV1 debugged for 3h with updates every 30m: on time with a Comms lead; 10m late each without."""
    modes = mode("outage", "3d", severity="SEV1", debug="3h")
    policy = "  updates: {every: {SEV1: 30m}, slip: 10m, grace: 5m}"
    with_lead = play(build(ROLES, modes, policy=policy, extra="start: 2026-01-05T00:00:00"), 1, 0)
    updates = [(e.time, e.actor, e.detail["on_time"]) for e in with_lead if e.action == "status_update"]
    declared = 4329
    assert updates == [(declared + 30 * i, "Cole", True) for i in range(1, 7)]  # restored at 4334 + 180 = 4514
    table = incident_table(with_lead)
    assert (table.updates.tolist(), table.updates_late.tolist()) == ([6], [0])
    assert table.longest_silence.tolist() == [30.0]

    alone = build(ROLES.replace("severities: [SEV1]}\n    ic", "severities: [SEV2]}\n    ic"), modes,
                  policy=policy, extra="start: 2026-01-05T00:00:00")  # no Comms lead for a SEV1
    events = play(alone, 1, 0)
    updates = [(e.time, e.actor, e.detail["on_time"]) for e in events if e.action == "status_update"]
    assert updates == [(declared + 40 * i, "Iris", False) for i in range(1, 5)]  # each 10m late: every 40m
    table = incident_table(events)
    assert (table.updates.tolist(), table.updates_late.tolist()) == ([4], [4])
    assert table.longest_silence.tolist() == [40.0]


# ── Invariants on the bundled scenarios ────────────────────────────────────────────────────────────────────


def holding(events):
    """Each person's working stretches per replication, from their stood_down events."""
    out = defaultdict(list)
    for e in events:
        if e.action == "stood_down":
            out[(e.replication, e.actor)].append((e.detail["since"], e.time, e.incident))
    return out


@pytest.mark.parametrize("name", ["default", "follow-the-sun", "small-team-nights"])
def test_nobody_works_two_incidents_at_once(name):
    scenario = load_scenario(bundled_scenario(name) if name != "default" else default_scenario())
    results = simulate(scenario, replications=20, seed=3, workers=1)
    stretches = holding(results.events)
    assert stretches
    for (replication, person), spans in stretches.items():
        spans.sort()
        for (a0, a1, i), (b0, b1, j) in pairwise(spans):
            assert a1 <= b0, (replication, person, (a0, a1, i), (b0, b1, j))


def test_nobody_works_two_incidents_at_once_with_preemption():
    scenario = load_source(default_scenario()).with_overrides(
        {"team.preemption": {"by": ["SEV1", "SEV2"], "of": ["SEV3"]}})
    results = simulate(scenario, replications=100, seed=3, workers=1)
    assert any(e.action == "preempted" for e in results.events)
    for spans in holding(results.events).values():
        spans.sort()
        for (_, a1, _), (b0, _, _) in pairwise(spans):
            assert a1 <= b0


def test_escalating_sooner_never_slows_acknowledgement():
    """Paired runs of the default scenario (the same failures, the same dice) for several timeouts: the mean
    time to acknowledge never rises as the timeout shortens."""
    source = load_source(default_scenario())
    means = []
    for timeout in ("1h", "30m", "15m", "10m", "5m", "2m"):
        scenario = source.with_overrides({"team.escalate_after": timeout})
        results = simulate(scenario, replications=60, seed=11, keep_events=False, workers=1)
        table = results.incidents
        means.append(float(np.nanmean(table.acknowledged - table.detected)))
    assert means == sorted(means, reverse=True), means
    assert means[0] > means[-1]


def test_escalating_sooner_never_slows_any_acknowledgement_when_people_do_not_interact():
    """With a free person at every level for every incident, each acknowledgement can only come sooner."""
    primaries = ", ".join(f"p{i}" for i in range(30))
    secondaries = ", ".join(f"s{i}" for i in range(30))
    text = f"""
name: plenty
horizon: 60d
replications: 10
seed: 5
team:
  acknowledge: {{kind: lognormal, median: 5m, p95: 40m}}
  miss_probability: 0.2
  escalate_after: ESCALATE
  escalation:
    levels:
      - {{people: [{primaries}], notify: one}}
      - {{people: [{secondaries}], notify: one, acknowledge: {{kind: lognormal, median: 4m, p95: 15m}}}}
    repeat: 2
failure_modes:
  - name: f
    cause: capacity
    rate: 1/d
    detection: {{monitoring: {{delay: 1m}}}}
    mitigations: {{debug: {{duration: 30m}}}}
"""
    previous = None
    for timeout in ("1h", "20m", "10m", "3m", "1m"):
        table = simulate(parse_scenario(text.replace("ESCALATE", timeout)), keep_events=False, workers=1).incidents
        tta = np.nan_to_num(table.acknowledged - table.detected, nan=np.inf)  # never acknowledged: infinitely late
        if previous is not None:
            assert np.all(tta <= previous + 1e-9)
        previous = tta
