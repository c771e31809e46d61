"""Each incident's account, derived once from the event log, agrees with the incident table the metrics read,
column by column, for every bundled scenario and for drills that reopen."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_drill_practice import AGAIN, practiced, scripted

from simulator.events import Event
from simulator.results.account import ALONE, ANECDOTE, AUTOMATION, PERSON, POLICY, SKIPPED, accounts
from simulator.results.incident_rows import incident_table
from simulator.results.incidents import COLUMNS, IncidentTable
from simulator.results.runner import simulate
from simulator.scenario import load_scenario
from simulator.scenario.bundled import bundled_scenarios

SCALARS = [name for name in COLUMNS if name not in ("replication", "incident")]


def account_value(account, name: str):
    if name == "drill":
        return account.injected
    if name == "updates":
        return len(account.updates)
    return getattr(account, name)


def assert_agree(table: IncidentTable, found: dict) -> None:
    assert len(table) == len(found)
    keys = list(zip(table.replication.tolist(), table.incident.tolist(), strict=True))
    assert keys == list(found)
    columns = {name: getattr(table, name).tolist() for name in SCALARS}
    for i, key in enumerate(keys):
        account = found[key]
        for name in SCALARS:
            mine, theirs = account_value(account, name), columns[name][i]
            if isinstance(theirs, float) and math.isnan(theirs):
                assert math.isnan(mine), (key, name, mine)
            elif isinstance(theirs, float):
                assert mine == pytest.approx(theirs, abs=1e-9), (key, name)
            else:
                assert mine == theirs, (key, name, mine, theirs)


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_every_incident_of_every_bundled_scenario_agrees_with_its_row(path):
    scenario = load_scenario(path)
    results = simulate(scenario, replications=3, seed=7, workers=1)
    events = list(results.events)
    assert_agree(results.incidents, accounts(events))
    assert_agree(incident_table(events), accounts(events))


def test_a_drill_that_reopens_agrees_with_its_row_and_is_restored_when_restored_for_good():
    log = scripted(practiced(reopen=1), confirm="anecdote", reopened=AGAIN)
    found = accounts(log)
    assert_agree(incident_table(log), found)
    account = found[0, 1]
    assert account.reopened == 1 and len(account.restorations) == 2
    assert account.first_restored < account.reopenings[0].time < account.mitigated
    assert account.ttr == pytest.approx(account.mitigated - account.onset)
    assert account.ttr > account.first_ttr
    assert [a.held for a in account.attempts if a.restored] == [False, True]
    assert account.holding.name == "debug" and account.mitigation == "debug"
    assert account.on_anecdote and account.confirmed_by == "data"
    assert account.first_resolution.how == ANECDOTE
    assert account.declared_by == PERSON and account.declared_severity == "SEV2"


def test_how_it_was_declared():
    def declared(actor, detail=None):
        events = [Event(0.0, 0, 1, "detection", "onset", "system", {"mode": "m", "cause": "c", "severity": "SEV3"}),
                  Event(1.0, 0, 1, "detection", "detected", "monitoring", {"channel": "monitoring"}),
                  Event(1.0, 0, 1, "detection", "declared", actor, detail)]
        return accounts(events)[0, 1]

    assert declared("automation").declared_by == AUTOMATION
    assert declared("on-call").declared_by == POLICY
    assert declared("on-call").declared_severity == "SEV3"
    person = declared("on-call", {"severity": "SEV2", "by": "person"})
    assert (person.declared_by, person.declared_severity, person.severity) == (PERSON, "SEV2", "SEV3")
    assert declared("Ana").declared_by == ALONE


def test_a_reopening_not_restored_again_is_not_restored_and_names_no_mitigation():
    onset = {"mode": "m", "cause": "c", "severity": "SEV2"}
    events = [Event(0.0, 0, 1, "detection", "onset", "system", onset),
              Event(1.0, 0, 1, "detection", "detected", "monitoring", {"channel": "monitoring"}),
              Event(2.0, 0, 1, "detection", "declared", "on-call"),
              Event(3.0, 0, 1, "response", "status_update", "Ana", {"due": 3.0, "on_time": True}),
              Event(5.0, 0, 1, "response", "mitigation_started", "Ops lead", {"mitigation": "rollback"}),
              Event(10.0, 0, 1, "response", "mitigated", "Ops lead", {"mitigation": "rollback"}),
              Event(12.0, 0, 1, "resolution", "resolved", "Ana", {"by": "anecdote"}),
              Event(30.0, 0, 1, "resolution", "reopened", "system", {"after": 18.0}),
              Event(100.0, 0, 1, "resolution", "open_at_horizon", "system", {"state": "reopened"})]
    account = accounts(events)[0, 1]
    assert math.isnan(account.mitigated) and account.mitigation == ""
    assert account.first_restored == 10.0
    assert account.longest_silence == 97.0  # from the update to the horizon: never restored for good
    assert not account.attempts[0].held
    table = incident_table(events)
    assert_agree(table, {(0, 1): account})


def test_cleanup_and_postmortem():
    onset = {"mode": "m", "cause": "c", "severity": "SEV2"}
    events = [Event(0.0, 0, 1, "detection", "onset", "system", onset),
              Event(50.0, 0, 1, "resolution", "cleanup_skipped", "Ops lead"),
              Event(60.0, 0, 1, "learning", "postmortem_held", "Incident Commander",
                    {"severity": "SEV2", "action_items": 2}),
              Event(90.0, 0, 1, "learning", "action_item_done", "Ops lead", {"improves": "rate", "mode": "m"})]
    account = accounts(events)[0, 1]
    assert account.cleanup == SKIPPED and account.cleanup_due == 50.0 and np.isnan(account.cleaned_up)
    assert (account.postmortem, account.postmortem_at, account.action_items) == ("held", 60.0, 2)
    assert account.items_done == ((90.0, "rate"),)
