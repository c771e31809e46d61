"""The seats of a team drill: who decides what, and the debrief's account of the team (each seat's decisions
beside the scenario's policy on the same dice). Read from the answers file's seat marks, so a team drill played
again with `--answers` gives the same debrief."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from simulator.drill import view
from simulator.drill.answers import SEATS, Answers, Entry
from simulator.drill.debrief import decisions
from simulator.engine.world import CLEANUP, CONFIRM, DECLARE, ITEMS, MITIGATE, ROLES, UPDATE
from simulator.events import incident_label
from simulator.report.document import Block, Bullets, Cell, Heading, Paragraph, Table
from simulator.results.account import accounts
from simulator.units import format_duration as fmt

SEAT_NAMES = {"ic": "Incident Commander", "ops": "Ops lead", "comms": "Comms lead", "scribe": "Scribe",
              "gm": "Game Master"}
assert tuple(SEAT_NAMES) == SEATS
KIND_SEAT = {DECLARE: "ic", ROLES: "ic", ITEMS: "ic", MITIGATE: "ops", CONFIRM: "ops", CLEANUP: "ops",
             UPDATE: "comms"}
"""The seat that answers each of the drill's questions."""
VERB_SEAT = {"declare": "ic", "alone": "ic", "escalate": "ic", "mobilise": "ic", "roles": "ic", "items": "ic",
             "mitigate": "ops", "investigate": "ops", "confirm": "ops", "cleanup": "ops", "update": "comms",
             "note": "scribe", "inject": "gm", "hint": "gm", "stop": "gm"}
"""The seat that makes each decision of an answers file."""
DOES = {"ic": "declares and sets the severity, escalates, mobilises, hands out the roles, sets the action items",
        "ops": "investigates, chooses the mitigations, confirms health, cleans up the temporary fixes",
        "comms": "writes the stakeholder updates",
        "scribe": "annotates the timeline",
        "gm": "injects, pauses, sets the speed, reveals hints"}


def team_blocks(answers: Answers, you: Sequence[Any], policy: Sequence[Any], origin: float) -> list[Block]:
    """The team's part of the debrief: who took which seat, and per seat its decisions beside the policy's."""
    people = (answers.settings.get("team") or "").split()
    by_seat: dict[str, list[Entry]] = {seat: [] for seat in SEATS}
    for entry in answers.entries:
        if entry.seat is not None:
            by_seat[entry.seat].append(entry)
    took = ", ".join(SEAT_NAMES[s] for s in SEATS if s in people) or "nobody"
    left = ", ".join(SEAT_NAMES[s] for s in SEATS if s not in people)
    blocks: list[Block] = [
        Heading(1, "The team"),
        Paragraph(f"People took the seats of {took}" + (f"; the scenario's policy played {left}" if left else "")
                  + ". Each seat's decisions are listed beside what the policy decided on the same dice; a "
                  "decision the policy made for a seat nobody took is marked (policy)."),
    ]
    mine, theirs = accounts(you), accounts(policy)
    numbers = sorted({n for _, n in mine})
    rows = []
    for seat in SEATS:
        made = by_seat[seat]
        yours = "; ".join(_said(e, people) for e in made if e.verb != "hint") or "nothing"
        sides = []
        for number in numbers:
            a = next((x for (_, n), x in mine.items() if n == number), None)
            b = next((x for (_, n), x in theirs.items() if n == number), None)
            side = _policy_side(seat, decisions(b) if b is not None else decisions([]), origin)
            if side and len(numbers) > 1:
                side = f"{incident_label(number)}: {side}"
            if side and a is not None:
                sides.append(side)
        rows.append((Cell(SEAT_NAMES[seat] + ("" if seat in people else " (policy)")), Cell(yours),
                     Cell("; ".join(sides) or "–")))
    blocks.append(Table(("seat", "decided", "the policy on the same dice"), tuple(rows), (False, False, False)))
    notes = [e for e in answers.entries if e.verb == "note"]
    if notes:
        blocks += [Heading(2, "The Scribe's notes"),
                   Bullets(tuple(f"+{_clock(e.seconds)} {incident_label(e.incident)}: {' '.join(e.args)}"
                                 for e in notes))]
    return blocks


def _clock(seconds: int | None) -> str:
    return fmt((seconds or 0) / 60)


def words(entry: Entry, people: Collection[str]) -> str:
    """A seat's decision in words: the trainer's (view.said), said of the seat rather than to "you" ("declared it
    at SEV2", "tries failover" for the Ops lead); `people` are the seats people took. The team's feed and its
    debrief both say it so."""
    if entry.verb == "roles" and all(arg.lower() == "none" or arg.lower().endswith(("=no", "=none"))
                                     for arg in entry.args):
        return "nobody else takes a role" + (": the Comms lead's seat writes the updates" if "comms" in people
                                             else "")
    return view.said(entry).replace("you ", "").removeprefix(f"the {SEAT_NAMES[entry.seat or 'ic']} ")


def _said(entry: Entry, people: Collection[str]) -> str:
    what = words(entry, people)
    if entry.verb == "update" and entry.args:
        what += f": “{entry.args[0]}”, “{entry.args[1]}”"
    when = f"+{_clock(entry.seconds)} " if entry.seconds is not None else ""
    return f"{when}{what}" + (" (policy)" if entry.policy else "")


def _policy_side(seat: str, d: dict[str, Any], origin: float) -> str:
    def at(minute: float) -> str:
        return f"+{fmt(minute - origin)}"

    if seat == "ic":
        out = [f"declared {at(d['declared'])} at {d['severity']}" if d["declared"] is not None else "never declared"]
        out += [f"escalated {at(t)}" for t in d["escalations"]]
        if d["roles"]:
            out.append(f"roles: {d['roles']}")
        if d["items"] is not None:
            out.append(f"{d['items']} action items")
        return "; ".join(out)
    if seat == "ops":
        out = [" → ".join(d["steps"]) or "no mitigation"]
        if d["confirmed"]:
            out.append("confirmed " + " then ".join(d["confirmed"]))
        if d["cleanup"]:
            out.append(f"cleanup {d['cleanup']}")
        return "; ".join(out)
    if seat == "comms":
        count = len(d["updates"])
        return f"{count} update{'s' * (count != 1)}" + (f" ({', '.join(at(u.time) for u in d['updates'])})"
                                                 if d["updates"] else "")
    return ""
