"""What the trainee sees of a drill in play, as plain lines: the alerts with their channel and symptoms, the
incidents, pages and acknowledgements, who is on call and who is busy, the stakeholders waiting for an update,
the log so far, and the decision waiting to be made.

Hidden information: nothing here names a failure mode, its cause or its description before the failure is
diagnosed (service restored); symptoms and clues are the scenario's words for what people see and find. A
mitigation that fails says only that it did not help, as a rollback that does not apply would on the day.
"""

from __future__ import annotations

from simulator.drill.answers import ROLE_KEYS, Entry
from simulator.engine.incident import Incident
from simulator.engine.session import Session
from simulator.engine.world import (
    ANECDOTE,
    CLEANUP,
    CONFIRM,
    DATA,
    INVESTIGATE,
    ITEMS,
    MITIGATE,
    ROLES,
    UPDATE,
    Question,
)
from simulator.events import incident_label
from simulator.report.clock import Clock
from simulator.units import format_duration as fmt

CHANNELS = {"monitoring": "monitoring alert", "slo_burn": "SLO burn-rate alert", "synthetic": "synthetic check",
            "customer_report": "customer report", "social_media": "social-media post (public)"}
GENERIC = {"monitoring": "error rate and latency alerts firing on the service",
           "slo_burn": "the error budget is burning fast", "synthetic": "a synthetic check is failing",
           "customer_report": "a customer says the service is not working for them",
           "social_media": "customers are posting in public that the service is not working"}
"""The symptom of an alert when the scenario gives none: the channel's own words, the same for every mode."""


def clock_of(session: Session) -> Clock:
    start = session.scenario.start
    return Clock(start.replace(tzinfo=None) if start is not None else None)


def since(session: Session, minute: float) -> str:
    """'+12m 5s' since the first alert."""
    if session.origin is None:
        return "+0s"
    return "+" + fmt(max(minute - session.origin, 0.0), precision=3)


def seen(session: Session) -> list[tuple]:
    """The events the trainee can know of: those at or before the drill's clock. The engine logs a stretch of
    work in advance (what it will do, at the times it will happen); a screen never shows the future."""
    now = session.now
    return [e for e in session.log if e[0] <= now]


def diagnosed(incident: Incident) -> bool:
    return incident.restored is not None


def symptoms(incident: Incident, channel: str) -> str:
    return incident.mode.symptoms or GENERIC.get(channel, "an alert fired")


def header(session: Session, status: str) -> str:
    clock = clock_of(session)
    return (f"{session.scenario.name}: drill, seed {session.seed}  │  {clock.stamp(session.now)}  │  "
            f"{since(session, session.now)} since the first alert  │  {status}")


def alerts(session: Session) -> list[str]:
    clock, out = clock_of(session), []
    for event in seen(session):
        if event[4] == "detected":
            incident = session.incident(event[2])
            channel = (event[6] or {}).get("channel", "")
            out.append(f"{clock.time(event[0])} {incident_label(event[2])} {CHANNELS.get(channel, channel)}: "
                       f"{symptoms(incident, channel)}")
        elif event[4] == "customer_escalated":
            out.append(f"{clock.time(event[0])} {incident_label(event[2])} a customer escalates: they want an "
                       "update now")
    return out


def incidents(session: Session) -> list[str]:
    """One block of lines per incident the trainee knows of (alerted)."""
    clock, out = clock_of(session), []
    log = seen(session)
    for incident in session.incidents:
        events = [e for e in log if e[2] == incident.number]
        actions = {e[4]: e for e in events}
        if "detected" not in actions:
            continue
        label = incident_label(incident.number)
        reopened = actions.get("reopened")
        if reopened is not None:  # what happened before it reopened is over
            actions = {action: e for action, e in actions.items() if e[0] >= reopened[0] or action == "declared"}
        if "declared" not in actions and reopened is None:
            if "resolved" in actions:
                out.append(f"{label}  resolved {clock.time(actions['resolved'][0])} by the alerted engineer alone, "
                           "never declared")
            elif any(e[4] == "mitigation_started" and (e[6] or {}).get("alone") for e in events):
                out.append(f"{label}  not declared: the alerted engineer is trying to fix it alone")
            else:
                out.append(f"{label}  alerting, not declared ({fmt(session.now - actions['detected'][0])} since its "
                           "alert)")
            continue
        declared = f"declared {clock.time(actions['declared'][0])}" if "declared" in actions else "never declared"
        state = f"{label}  {incident.severity} {declared}"
        if reopened is not None and "resolved" not in actions:
            state += f" · REOPENED {clock.time(reopened[0])}"
        if "resolved" in actions:
            state += f" · resolved {clock.time(actions['resolved'][0])}"
        elif "mitigated" in actions:
            state += f" · service restored {clock.time(actions['mitigated'][0])}, confirming health"
        elif "acknowledged" in actions:
            state += f" · {actions['acknowledged'][5]} on it since {clock.time(actions['acknowledged'][0])}"
        elif "resumed" in actions:
            state += f" · {actions['resumed'][5]} on it again since {clock.time(actions['resumed'][0])}"
        else:
            state += " · paging"
        out.append(state)
        work = _under_way(events, clock)
        if work:
            out.append(f"    {work}")
        found = [e[6]["clue"] for e in events if e[4] == "clue_found"]
        for clue in found:
            out.append(f"    clue: {clue}")
        if diagnosed(incident) and incident.restored is not None and incident.restored <= session.now:
            mode = incident.mode
            out.append(f"    diagnosed: {mode.name} ({mode.cause})" + (f": {mode.description.strip()}"
                                                                       if mode.description else ""))
    return out


def _under_way(events, clock: Clock) -> str:
    last = None
    for event in events:
        if event[4] in ("mitigation_started", "investigation_started"):
            last = event
        elif event[4] in ("mitigation_failed", "mitigated", "clue_found"):
            last = None
    if last is None:
        return ""
    what = "investigating" if last[4] == "investigation_started" else f"trying {last[6]['mitigation']}"
    return f"{what} (Ops lead, since {clock.time(last[0])})"


def people(session: Session) -> list[str]:
    """Who is on call at each level now, and what each is doing."""
    roster, rules = session.world.roster, session.rules
    out = []
    for level in range(len(rules.levels)):
        names = []
        for i in rules.oncall.at(level, session.now):
            person = roster.people[i]
            names.append(f"{person.name} ({_doing(person)})")
        out.append(f"level {level + 1}: {', '.join(names) or 'nobody on call'}")
    busy = [p for p in roster.people if p.working is not None and
            not any(p.index in rules.oncall.at(level, session.now) for level in range(len(rules.levels)))]
    if busy:
        out.append("also busy: " + ", ".join(f"{p.name} ({_doing(p)})" for p in busy))
    away = [p.name for p in roster.people if p.away]
    if away:
        out.append(f"unreachable: {', '.join(away)}")
    return out


def _doing(person) -> str:
    if person.away:
        return "unreachable"
    if person.working is not None:
        return f"on {incident_label(person.working.number)}"
    if person.ringing is not None:
        return f"paged for {incident_label(person.ringing.page.incident.number)}"
    return "free"


def pages(session: Session) -> list[str]:
    clock, out = clock_of(session), []
    for event in seen(session):
        time, _, number, _, action, actor, detail = event
        detail = detail or {}
        label = incident_label(number)
        if action == "page_delivered":
            out.append(f"{clock.time(time)} {label} paged {actor} (level {detail.get('level')})")
        elif action == "page_missed":
            out.append(f"{clock.time(time)} {label} no answer from {actor}")
        elif action == "escalated":
            who = "you" if actor == "Incident Commander" else "the pager"
            out.append(f"{clock.time(time)} {label} {who} escalated to level {detail.get('level')}: "
                       f"{', '.join(detail.get('to', ())) or 'nobody on call'}")
        elif action == "acknowledged":
            out.append(f"{clock.time(time)} {label} {actor} acknowledged")
    return out


def stakeholders(session: Session) -> list[str]:
    """Per declared incident not yet restored: the last update and when the next is due."""
    clock, out = clock_of(session), []
    for question in session.pending(kind=UPDATE):
        number = question.incident.number
        sent = [e for e in seen(session) if e[2] == number and e[4] == "status_update"]
        last = f"last update {clock.time(sent[-1][0])}" if sent else "no update yet"
        promised = (sent[-1][6] or {}).get("next") if sent else None
        if promised is not None:
            last += f" (it promised the next by {clock.time(sent[-1][0] + promised)})"
        due = question.facts["due"]
        wait = due - session.now
        when = f"next due {clock.time(due)} (in {fmt(wait)})" if wait > 0 else f"update OVERDUE by {fmt(-wait)}"
        who = question.incident.comms_by
        sender = f" · {who} (Comms lead) sends it" if who else " · you send it (u)"
        out.append(f"{incident_label(number)}: {last} · {when}{sender}")
    return out or ["nobody is waiting for an update"]


LOGGED = {
    "detected": lambda e: f"{CHANNELS.get(e[6]['channel'], e[6]['channel'])} fired",
    "declared": lambda e: ("you declared the incident" if e[5] == "on-call" else f"{e[5]} declared the incident")
    + (f" at {e[6]['severity']}" if (e[6] or {}).get("severity") else ""),
    "acknowledged": lambda e: f"{e[5]} acknowledged",
    "role_assigned": lambda e: f"{e[5]} took the {e[6].get('role')} role",
    "roles_assembled": lambda e: f"team in place: {e[6].get('roles')}",
    "investigation_started": lambda e: "the Ops lead investigates",
    "clue_found": lambda e: f"found: {e[6]['clue']}",
    "mitigation_started": lambda e: "the alerted engineer tries to fix it alone" if e[6].get("alone") else
    f"{e[6]['mitigation']} started",
    "mitigation_failed": lambda e: e[6]["reason"] if str(e[6].get("reason", "")).startswith("tried alone") else
    f"{e[6]['mitigation']} did not restore service",
    "mitigated": lambda e: f"service restored by {e[6]['mitigation']}",
    "status_update": lambda e: _update(e),
    "resolved": lambda e: "called resolved on someone's word" if (e[6] or {}).get("by") == "anecdote" else
    "health confirmed with metrics and logs: resolved",
    "reopened": lambda e: "REOPENED: service was not healthy after all",
    "cleanup_late": lambda e: "the cleanup of the temporary fixes is put off",
    "cleanup_skipped": lambda e: "the temporary fixes are left in place",
    "cleaned_up": lambda e: "temporary fixes removed" + (f", {fmt(e[6]['late_by'])} late"
                                                          if (e[6] or {}).get("late_by") else ""),
    "postmortem_held": lambda e: f"postmortem held: {(e[6] or {}).get('action_items', 0)} action items",
    "unavailable": lambda e: f"{e[5]} cannot be reached (on a plane)",
    "customer_escalated": lambda e: "a customer escalated",
    "handover": lambda e: f"{e[6]['from']}'s shift ended: handed over to {e[5]}",
    "preempted": lambda e: f"{e[5]} was taken off for a more severe incident",
}


def _update(e) -> str:
    """A stakeholder update as the log tells it: who sent it, and what it said when it was written."""
    detail = e[6] or {}
    who = "you" if e[5] == "Incident Commander" else e[5]
    text = f"stakeholder update sent by {who}"
    if "impact" in detail:
        said = [f"impact: {detail['impact'] or '(none given)'}", f"doing: {detail['done'] or '(none given)'}",
                f"next update in {fmt(detail['next'])}" if "next" in detail else "no next-update time"]
        text += ": " + "; ".join(said)
    return text


def log_lines(session: Session) -> list[str]:
    """The log so far (never past the drill's clock), in time order, in words that never name the failure mode.
    Events on a later day than the first (a postmortem days later, a late cleanup) carry their day."""
    clock = clock_of(session)
    shown = sorted((e for e in seen(session) if e[4] in LOGGED), key=lambda e: (e[0], e[2]))
    first = clock.day_index(shown[0][0]) if shown else 0

    def when(minute: float) -> str:
        return clock.time(minute) if clock.day_index(minute) == first else clock.stamp(minute)

    return [f"{when(e[0])} {incident_label(e[2])} {LOGGED[e[4]](e)}" for e in shown]


def question_lines(session: Session, question: Question, options: list[str], role: str | None = None) -> list[str]:
    """The decision waiting to be made, with numbered options."""
    label = incident_label(question.incident.number)
    if question.kind == ROLES:
        title = f"{label}: the team has assembled. Who takes the {role} role?"
    elif question.kind == MITIGATE:
        tried = question.facts["tried"]
        title = f"{label}: what next?" + (f" (tried: {', '.join(tried)})" if tried else "")
    elif question.kind == CONFIRM:
        title = f"{label}: service looks restored. Confirm it is healthy how?"
    elif question.kind == CLEANUP:
        title = f"{label}: resolved. When are the temporary fixes removed?"
    elif question.kind == ITEMS:
        title = f"{label}: the postmortem is held. How many action items does it write?"
    else:
        title = f"{label}: decide"
    lines = [title]
    for i, option in enumerate(options, 1):
        lines.append(f"  {i}  {describe(option)}")
    return lines


def severity_line(session: Session, level: str) -> str:
    """A severity of the declare menu with its definition (the scenario's, or the default: policy.severities)."""
    meaning = session.scenario.policy.severity(level)
    return f"{level}  {meaning.impact} ({meaning.scope})"


def others(session: Session, focus: int) -> str:
    """The other incidents, for the line that says which one the keys act on: ' (Tab: INC-0002)'."""
    rest = [incident_label(i.number) for i in session.incidents if i.number != focus and any(
        e[4] == "detected" and e[2] == i.number for e in seen(session))]
    return f" (Tab: {', '.join(rest)})" if rest else ""


def update_prompt(session: Session, number: int) -> str:
    """The title of the update form: which incident, when the update is due, and what stakeholders last heard."""
    clock = clock_of(session)
    question = session.pending(number, UPDATE)[0]
    due, now = question.facts["due"], session.now
    when = f"due {clock.time(due)} (in {fmt(due - now)})" if due > now else f"OVERDUE by {fmt(now - due)}"
    cadence = session.rules.cadence.get(question.incident.rank)
    every = f"; the policy asks for one every {fmt(cadence)}" if cadence else ""
    return (f"Stakeholder update about {incident_label(number)}: {when}{every}.\n"
            "Say the impact on customers, what is being done, and when the next update comes.")


def took(verb: str, args: tuple[str, ...]) -> str:
    """A timed decision just taken, in words."""
    if verb == "declare":
        return f"you declared it at {args[0]}"
    if verb == "update":
        return "you sent a stakeholder update" + (f" (next in {args[2]})" if args and args[2] else "")
    if verb == "inject" and args:
        what = args[0].lower()
        if what == "away":
            return f"{args[1] if len(args) > 1 else 'the secondary'} is on a plane: unreachable"
        return "a second failure starts" if what == "failure" else "a customer escalates"
    return {"alone": "the alerted engineer tries to fix it alone first", "escalate": "you escalated the page",
            "mobilise": "you paged every level", "note": "a note", "hint": "a hint", "stop": "the drill ended"
            }.get(verb, verb)


def decided(kind: str, value) -> str:
    """A decision just made, in words (the echo under the drill's screen)."""
    if kind == ROLES:
        if not value:
            return "nobody else takes a role: you send the stakeholder updates yourself"
        return "; ".join(f"{name} takes the {role} role" for role, name in value.items())
    if kind == MITIGATE:
        return "the Ops lead investigates" if value == INVESTIGATE else f"the Ops lead tries {value}"
    if kind == CONFIRM:
        return "confirm health with metrics and logs" if value == DATA else "call it resolved on someone's word"
    if kind == CLEANUP:
        return {"now": "remove the temporary fixes on the planned date", "late": "put off the cleanup",
                "skip": "leave the temporary fixes in place"}[value]
    if kind == ITEMS:
        return f"the postmortem writes {value} action item{'s' * (value != 1)}"
    return f"{kind} {value}"


ANSWERED = {"roles": ROLES, "mitigate": MITIGATE, "investigate": MITIGATE, "confirm": CONFIRM, "cleanup": CLEANUP,
            "items": ITEMS}
"""The answers-file verbs that answer a question, by the question's kind."""


def said(entry: Entry) -> str:
    """A decision of a drill's answers file in the words the trainer echoed as it was made: `took` for a timed
    decision, `decided` for an answer to a question (a debrief that reads the file says it so)."""
    kind = ANSWERED.get(entry.verb)
    if kind is None:
        return took(entry.verb, entry.args)
    value: object = entry.args[0] if entry.args else INVESTIGATE
    if kind == ROLES:  # role=name; yes: the first one free; no: nobody
        pairs = (arg.partition("=") for arg in entry.args if "=" in arg)
        value = {ROLE_KEYS[key.lower()]: "the first one free" if name.lower() == "yes" else name
                 for key, _, name in pairs if key.lower() in ROLE_KEYS and name.lower() not in ("no", "none")}
    elif kind == ITEMS:
        value = int(entry.args[0])
    return decided(kind, value)


DESCRIBED = {
    INVESTIGATE: "investigate (look for clues before choosing)",
    DATA: "with data: metrics and logs (takes longer)",
    ANECDOTE: "call it resolved on someone's word (faster; it may reopen)",
    "now": "now: on the planned date",
    "late": "late: put it off",
    "skip": "skip: leave the fix in place",
}


def describe(option: str) -> str:
    if option.isdigit():  # a count of action items
        return f"{option} action item{'s' * (option != '1')}"
    return DESCRIBED.get(option, option)
