"""Hints for a trainee who is stuck: what the scenario's policy would do now. A hint never names the failure
mode; it says what the runbook and the policy say."""

from __future__ import annotations

from simulator.engine.session import Session, automatic_answer
from simulator.engine.world import (
    ALONE,
    ANECDOTE,
    CLEANUP,
    CONFIRM,
    DECLARE,
    INSTANT_KINDS,
    ITEMS,
    MITIGATE,
    ROLES,
    UPDATE,
)
from simulator.events import incident_label
from simulator.units import format_duration as fmt


def hint(session: Session, number: int) -> str:
    """A hint about incident `number` (or the decision waiting, whichever incident it is about)."""
    waiting = [q for q in session.questions if q.kind in INSTANT_KINDS]
    if waiting:
        question = waiting[0]
        label = incident_label(question.incident.number)
        choice = automatic_answer(session, question)
        if question.kind == ROLES:
            who = ", ".join(f"{name} as {role}" for role, name in choice.items()) or "nobody: the responder keeps " \
                                                                                     "every role"
            return f"{label}: the policy would bring in {who}."
        if question.kind == MITIGATE:
            return f"{label}: the runbook's next step is {choice}."
        if question.kind == CONFIRM:
            how = "on anecdote (faster, but it may reopen)" if choice == ANECDOTE else "with data"
            return f"{label}: the team's habit is to confirm {how}; the guide says confirm with data."
        if question.kind == CLEANUP:
            when = {"now": "on the planned date", "late": "late", "skip": "never: the fix stays"}[choice]
            return f"{label}: the team's habit would clean up {when}; a fix left in place is reliability debt."
        if question.kind == ITEMS:
            return f"{label}: the team's postmortems write {choice} action item{'s' * (choice != 1)}."
    for question in session.pending(number, DECLARE):
        after, severity = automatic_answer(session, question)
        if severity == ALONE:
            return f"{incident_label(number)}: the team's habit would have the alerted engineer try alone first " \
                   "(press a); the guide says declare early (press d)."
        waited = session.now - question.asked
        if waited >= after:
            return f"{incident_label(number)} has alerted for {fmt(waited)}: the policy would have declared it " \
                   f"({severity}) {fmt(waited - after)} ago. Press d."
        return f"{incident_label(number)}: the policy declares a few minutes after the alert; look at what the " \
               "alert says, then press d."
    incident = session.incident(number)
    page = incident.page
    if page is not None and page.live:
        waited = session.now - page.opened
        return f"{incident_label(number)}: nobody has acknowledged for {fmt(waited)}. The pager escalates on its " \
               "own after each level's timeout; press e to escalate now, m to page every level."
    for question in session.pending(number, UPDATE):
        late = session.now - question.facts["due"]
        if late > 0:
            return f"{incident_label(number)}: stakeholders have waited {fmt(late)} past the update's due time. " \
                   "Press u."
    return f"{incident_label(number)}: nothing is waiting for you. Watch the log, and keep stakeholders informed."
