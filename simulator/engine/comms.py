"""Stakeholder updates: from declaration until service is restored, one every `policy.updates.every` for the
severity. A Comms lead sends each on time. Without one the Incident Commander does, each a drawn `slip` late,
and the next falls due a cadence after the last one sent. Nothing else depends on them, so they are worked
out when the incident is restored (or when the horizon comes) and logged at their own times."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from simulator.dice import COMMS
from simulator.engine.incident import Incident
from simulator.engine.world import UPDATE, World

MAX_NEXT_UPDATE = 24 * 60.0
"""The furthest a written update may promise the next one (minutes)."""
MAX_UPDATE_TEXT = 200
"""The most characters of one part of a written stakeholder update (impact, what is being done)."""


@dataclass(frozen=True)
class UpdateText:
    """What a written stakeholder update says: the customers' `impact`, what is being `done` about it, and in how
    many minutes the `next` update will come (None: no time promised). Logged with the update (`detail`)."""

    impact: str = ""
    done: str = ""
    next: float | None = None

    def detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {"impact": self.impact, "done": self.done}
        if self.next is not None:
            out["next"] = self.next
        return out

    def invalid(self) -> str | None:
        """Why this update cannot be sent (None when it can): a part `problem` refuses, or a next update not in
        (0, MAX_NEXT_UPDATE] minutes."""
        found = self.problem(self.impact) or self.problem(self.done)
        if found is None and self.next is not None and not 0 < self.next <= MAX_NEXT_UPDATE:
            found = f"the next update comes in more than 0 minutes and at most 24 hours (got {self.next:g} minutes)"
        return found

    @staticmethod
    def problem(text: str) -> str | None:
        """Why `text` cannot be a part of an update (None when it can): one line, no '|' or '#' (an answers
        file keeps the update on one line, parts split by '|', comments after '#'), at most MAX_UPDATE_TEXT."""
        if any(c in text for c in "|#\n\r"):
            return "an update's text cannot hold '|', '#' or a line break"
        if len(text) > MAX_UPDATE_TEXT:
            return f"an update's text is at most {MAX_UPDATE_TEXT} characters (got {len(text)})"
        if any(not c.isprintable() for c in text):
            return "an update's text holds only printable characters"
        return None


def send_updates(world: World, incident: Incident, until: float) -> None:
    """Log the updates of `incident` due from its declaration up to `until`."""
    rules = world.rules
    cadence = rules.cadence.get(incident.rank)
    if cadence is None:
        return
    people = world.roster.people
    if incident.abstract_roles:
        sender, on_time = "Comms lead", True
    elif incident.comms is not None:
        sender, on_time = people[incident.comms].name, True
    else:
        commander = incident.commander if incident.commander is not None else incident.responder
        sender, on_time = (people[commander].name if commander is not None else "Incident Commander"), False
    due, i = incident.declared + cadence, 0
    while due < until:
        if on_time:
            sent = due
        else:
            slip = rules.slip(incident.dice.u(COMMS, i))
            sent = due + (slip if world.automatic else world.update_after(incident, due, slip))
        if sent >= until:
            break
        world.record_at(sent, incident, "status_update", sender, {"due": due, "on_time": sent - due <= rules.grace})
        due, i = sent + cadence, i + 1


def live_updates(env: simpy.Environment, world: World, incident: Incident) -> Generator[simpy.Event, Any, None]:
    """A drill: from the declaration until service is restored, each update falls due a cadence after the last
    one sent, and waits to be sent: by the Comms lead on time once the roles are in place, else when the
    Incident Commander (the person) sends it. The pause gives (minute sent, minute due, sender, text): a customer
    who escalates makes an update due at once. The sender is the person who wrote it when given (a trainee who
    is the Incident Commander), else as in `send_updates` the one the roles end with; an update the person wrote
    logs its text (`UpdateText.detail`)."""
    rules = world.rules
    cadence = rules.cadence.get(incident.rank)
    if cadence is None:
        return
    due, i = incident.declared + cadence, 0
    while incident.restored is None:
        sent, due, sender, text = yield world.pause(incident, UPDATE, due=due,
                                                    drawn=rules.slip(incident.dice.u(COMMS, i)))
        if incident.restored is not None and sent >= incident.restored:
            return
        detail: dict[str, Any] = {"due": due, "on_time": sent - due <= rules.grace}
        if text is not None:
            detail.update(text.detail())
        world.record_at(sent, incident, "status_update", sender or update_sender(world, incident), detail)
        due, i = sent + cadence, i + 1


def update_sender(world: World, incident: Incident) -> str:
    """Who sends a drill's stakeholder update now: the Comms lead, or the Incident Commander."""
    if incident.comms_by:
        return incident.comms_by
    people = world.roster.people
    commander = incident.commander if incident.commander is not None else incident.responder
    return people[commander].name if commander is not None else "Incident Commander"
