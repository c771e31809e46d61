"""The drill's debrief and its postmortem read one account per incident, so they agree: a reopened incident is
scored from its final restoration everywhere, a restoration that did not hold is never credited, a person's
declaration is not automation's, the declared severity is the postmortem's, and a second incident is told as
fully as the first."""

from __future__ import annotations

import pytest
from test_drill_practice import AGAIN, SCRIPT, practiced

from simulator.drill.answers import parse_answers
from simulator.drill.debrief import percentiles, phases
from simulator.drill.outcome import debrief_markdown, scripted
from simulator.drill.play import setup
from simulator.results.account import PERSON, account
from simulator.units import format_duration as fmt


def played(scenario, text):
    answers = parse_answers(text, "answers.txt")
    outcome, notes = scripted(setup(scenario, answers), answers, replications=20)
    assert not notes
    return outcome, debrief_markdown(outcome)


@pytest.fixture(scope="module")
def reopened():
    text = SCRIPT.format(confirm="anecdote", cleanup="skip", items=2, reopened=AGAIN)
    return played(practiced(reopen=1), text)


def test_a_reopened_drill_is_scored_from_its_final_restoration_in_the_debrief_and_the_postmortem(reopened):
    outcome, markdown = reopened
    mine = account(outcome.log)
    assert mine.reopened == 1 and mine.ttr > mine.first_ttr
    origin = mine.detected
    assert f"| service restored for good | +{fmt(mine.mitigated - origin)} |" in markdown
    assert f"| service first restored | +{fmt(mine.first_restored - origin)} |" in markdown
    ttr = next(p for p in percentiles(outcome.log, outcome.policy, outcome.simulated) if p.metric == "TTR")
    assert ttr.you == pytest.approx(mine.ttr)
    assert f"| TTR (time to restore) | {fmt(mine.ttr)} |" in markdown
    assert f"Service was degraded for **{fmt(mine.ttr)}**" in markdown
    assert "(restored service, did not hold)" in dict(phases(mine)).__repr__()


def test_what_went_well_never_credits_a_restoration_that_did_not_hold(reopened):
    outcome, markdown = reopened
    well = markdown.split("### What went well")[1].split("### What went badly")[0]
    badly = markdown.split("### What went badly")[1].split("### Contributing factors")[0]
    factors = markdown.split("### Contributing factors")[1].split("### Action items")[0]
    items = markdown.split("### Action items")[1]
    undone = next(a for a in account(outcome.log).attempts if a.restored and not a.held)
    assert f"{undone.name}, restored service" not in well
    assert "Declaration was automatic" not in well
    assert f"{undone.name.capitalize()} restored service" in badly and "did not hold" in badly
    assert "called healthy on anecdote" in badly and "The incident reopened" in badly
    assert "cleanup was skipped" in badly
    assert "on someone's word" in factors and "never removed" in factors
    assert "health was called on anecdote and the incident reopened" in items
    assert "the cleanup was skipped" in items


def test_a_person_declaring_at_the_alert_is_not_automation_and_the_postmortem_keeps_their_severity():
    text = SCRIPT.format(confirm="data", cleanup="now", items=2, reopened="").replace("+5m declare SEV2",
                                                                                    "+0s declare SEV1")
    outcome, markdown = played(practiced(reopen=0), text)
    mine = account(outcome.log)
    assert mine.declared_by == PERSON and mine.declared == mine.detected
    assert (mine.declared_severity, mine.severity) == ("SEV1", "SEV2")
    assert "Declaration was automatic" not in markdown
    assert "declared at the first alert" in markdown
    assert "began (declared SEV1; it turned out to be SEV2," in markdown


def test_a_second_incident_is_told_as_fully_as_the_first():
    text = SCRIPT.format(confirm="data", cleanup="now", items=2, reopened="") + (
        "+6m inject failure\n+20m declare SEV2 INC-2\nroles comms=yes INC-2\nmitigate rollback INC-2\n"
        "mitigate failover INC-2\nconfirm data INC-2\ncleanup now INC-2\nitems 1 INC-2\n")
    outcome, markdown = played(practiced(reopen=0), text)
    assert {e.incident for e in outcome.log} >= {1, 2}
    first, second = markdown.split("Debrief: INC-0002")
    for heading in ("Timeline beside the policy's", "Where your times fall in the simulation",
                    "What cost the most time", "Decisions that differed from the policy", "Stakeholder updates"):
        assert heading in first and heading in second
    assert "| service restored |" in second
    assert "INC-0002: postmortem draft" in markdown  # its postmortem draft too, named as the drill named it
    assert "of replication" not in markdown


def test_the_anecdote_and_the_skipped_cleanup_are_shown_as_the_costly_decisions_they_were(reopened):
    """Read from the account: when it was called resolved on someone's word, when it reopened, and how much more
    of the outage followed before the restoration that held; and the fixes left in place."""
    outcome, markdown = reopened
    mine = account(outcome.log)
    costly = markdown.split("## Costly decisions")[1].split("## Stakeholder updates")[0]
    origin = mine.detected
    called = mine.first_resolution
    again = mine.reopenings[0]
    assert (f"At +{fmt(called.time - origin)} you called it resolved on someone's word, without data: it was not "
            f"healthy and reopened {fmt(again.after)} later (+{fmt(again.time - origin)}); service was restored "
            f"for good only at +{fmt(mine.mitigated - origin)}: **{fmt(mine.mitigated - again.time)}** more of "
            "the outage.") in costly
    assert "You left the temporary fixes in place (the cleanup was skipped): reliability debt" in costly


def test_a_drill_confirmed_with_data_and_cleaned_up_on_time_has_no_costly_decisions():
    text = SCRIPT.format(confirm="data", cleanup="now", items=2, reopened="")
    _, markdown = played(practiced(reopen=0), text)
    assert "Costly decisions" not in markdown


def test_a_failure_injected_at_the_minute_the_drill_stops_leaves_no_half_told_incident():
    """Ended at the very minute the Game Master injected a second failure, before its lifecycle took a step:
    nothing of it happened before the end, so the log has no account of it without an onset (the debrief then
    could not say when it started)."""
    from test_drill import PROVIDER

    from simulator.engine.session import Session
    from simulator.results.account import accounts
    from simulator.scenario import parse_scenario

    session = Session(parse_scenario(PROVIDER), 5)
    session.until_first_alert()
    assert session.second_failure() == 2
    found = accounts(session.finish(session.now))
    assert [number for _, number in found] == [1]
    assert found[(0, 1)].onset < session.now
