"""What each seat of a team drill sees (simulator.drill.team): the drill as an incident commander sees it
(simulator.drill.view: nothing names the failure before it is diagnosed), the decisions that are the seat's to
make now with their options, and for the Game Master what is behind the scenes. Plain data, sent to the seat's
page as JSON and drawn there as text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.drill import view
from simulator.drill.answers import SEATS
from simulator.drill.hints import hint
from simulator.drill.seats import DOES, KIND_SEAT, SEAT_NAMES
from simulator.engine.world import (
    ANECDOTE,
    CLEANUP,
    CLEANUPS,
    CONFIRM,
    DATA,
    DECLARE,
    INSTANT_KINDS,
    ITEMS,
    MITIGATE,
    ROLES,
    UPDATE,
)
from simulator.events import incident_label
from simulator.scenario.model import SEVERITIES

if TYPE_CHECKING:
    from simulator.drill.team import TeamDrill

SPEEDS = (1, 2, 5, 10, 20, 30, 60, 120, 300)
"""Simulated seconds per real second the Game Master may set."""



def state(team: TeamDrill, seat: str) -> dict[str, Any]:
    """What the person at `seat` sees: the drill as every seat sees it (what an incident commander sees:
    nothing names the failure before it is diagnosed), the decisions that are theirs to make now, and for
    the Game Master what is behind the scenes."""
    session = team.session
    status = ("ended" if team.ending else "not started" if not team.started else
              "PAUSED" if team.paused else f"running ×{team.speed}")
    waiting = next((q for q in session.questions if q.kind in INSTANT_KINDS), None)
    if waiting is not None and not team.ending:
        status += f" · waiting for the {SEAT_NAMES[KIND_SEAT[waiting.kind]]}"
    state: dict[str, Any] = {
        "seat": seat, "seat_name": SEAT_NAMES[seat], "does": DOES[seat],
        "header": view.header(session, status), "status": status, "version": team.version,
        "panels": {name: lines if seat == "ic" else [third_person(line) for line in lines] for name, lines in (
            ("alerts", view.alerts(session)), ("incidents", view.incidents(session)),
            ("stakeholders", stakeholders(team)), ("people", view.people(session)), ("pages", view.pages(session)),
            ("log", view.log_lines(session)[-60:]))},
        "feed": [f"{_since(line.seconds)} {line.text}" for line in team.feed[-40:]],
        "team": [{"seat": s, "name": SEAT_NAMES[s], "person": s in team.joined} for s in SEATS],
        "controls": team.controller(seat) and not team.ending,
        "paused": team.paused, "speed": team.speed, "speeds": list(SPEEDS),
        "incidents": [{"number": i.number, "label": incident_label(i.number)} for i in session.incidents
                      if any(e[2] == i.number and e[4] == "detected" for e in session.log)],
        "decisions": [] if team.ending else decisions(team, seat),
        "ending": team.ending, "finished": session.finished,
    }
    if seat == "gm":
        state["behind"] = behind(team)
    return state

def stakeholders(team: TeamDrill) -> list[str]:
    lines = view.stakeholders(team.session)
    if team.empty("comms"):
        return [line.replace("you send it (u)", "the policy sends it") for line in lines]
    return [line.replace("you send it (u)", "the Comms lead writes it") for line in lines]

def decisions(team: TeamDrill, seat: str) -> list[dict[str, Any]]:
    """The decisions open to `seat` now, each with its options."""
    session, out = team.session, []
    for question in session.questions:
        if question.kind not in INSTANT_KINDS or KIND_SEAT[question.kind] != seat:
            continue
        number = question.incident.number
        title = view.question_lines(session, question, [], None)[0]
        if question.kind == ROLES:
            candidates = question.facts["candidates"]
            roles = [{"role": role, "names": list(names)} for role, names in candidates.items()
                     if not (role == "Comms lead" and not team.empty("comms"))]
            out.append({"kind": ROLES, "incident": number, "title": f"{incident_label(number)}: the team "
                        "has assembled. Who takes the roles? (nobody: the responder keeps it)", "roles": roles})
            continue
        if question.kind == MITIGATE:
            options = session.offered(question)
        elif question.kind == CONFIRM:
            options = [DATA, ANECDOTE]
        elif question.kind == CLEANUP:
            options = list(CLEANUPS)
        else:
            options = [str(n) for n in range(9)]
        out.append({"kind": question.kind, "incident": number, "title": title,
                    "options": [{"value": int(o) if question.kind == ITEMS else o, "label": view.describe(o)}
                                for o in options]})
    if seat == "ic":
        for question in session.pending(kind=DECLARE):
            number = question.incident.number
            out.append({"kind": "declare", "incident": number,
                        "title": f"{incident_label(number)} is alerting: declare it?",
                        "options": [{"value": s, "label": view.severity_line(session, s)} for s in SEVERITIES],
                        "alone": session.world.practices_asked})
    if seat == "comms":
        for question in session.pending(kind=UPDATE):
            if question.incident.comms_by == "":
                number = question.incident.number
                out.append({"kind": "update", "incident": number,
                            "title": f"{incident_label(number)}: write the stakeholder update"})
    return out

def behind(team: TeamDrill) -> dict[str, Any]:
    """What only the Game Master sees: each incident's failure mode and cause, and what the policy would do
    about the decision waiting."""
    session = team.session
    modes = [f"{incident_label(i.number)}: {i.mode.name} ({i.mode.cause})" for i in session.incidents]
    waiting = next((q for q in session.questions if q.kind in INSTANT_KINDS), None)
    return {"modes": modes, "modes_available": [m.mode.name for m in session.rules.modes],
            "secondary": session.secondary(), "people": [p.name for p in session.world.roster.people],
            "policy": unkeyed(hint(session, waiting.incident.number)) if waiting is not None else None}


YOU = (("you declared", "the Incident Commander declared"), ("sent by you", "sent by the Incident Commander"),
       ("you escalated", "the Incident Commander escalated"), ("you paged", "the Incident Commander paged"))
"""The drill's screen speaks to the Incident Commander; the other seats read of them."""


def third_person(line: str) -> str:
    for you, them in YOU:
        line = line.replace(you, them)
    return line


KEYS = ((" (press a)", ""), (" (press d)", ""), (" Press d.", ""), (" Press u.", ""), (", then press d.", "."),
        ("press e to escalate now, m to page every level", "the Incident Commander can escalate now, or mobilise "
                                                           "every level"))
"""A hint's words for the terminal's keys, and what a browser seat reads instead."""


def unkeyed(text: str) -> str:
    for key, instead in KEYS:
        text = text.replace(key, instead)
    return text


def _since(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"+{minutes}m {secs:02d}s"
