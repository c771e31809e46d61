"""Stakeholder updates: from declaration until service is restored, one every `policy.updates.every` for the
severity. A Comms lead sends each on time. Without one the Incident Commander does, each a drawn `slip` late,
and the next falls due a cadence after the last one sent. Nothing else depends on them, so they are worked
out when the incident is restored (or when the horizon comes) and logged at their own times."""

from __future__ import annotations

from simulator.dice import COMMS
from simulator.engine.drill import Drill
from simulator.engine.incident import Incident


def send_updates(drill: Drill, incident: Incident, until: float) -> None:
    """Log the updates of `incident` due from its declaration up to `until`."""
    rules = drill.rules
    cadence = rules.cadence.get(incident.rank)
    if cadence is None:
        return
    people = drill.roster.people
    if incident.abstract_roles:
        sender, on_time = "Comms lead", True
    elif incident.comms is not None:
        sender, on_time = people[incident.comms].name, True
    else:
        commander = incident.commander if incident.commander is not None else incident.responder
        sender, on_time = (people[commander].name if commander is not None else "Incident Commander"), False
    due, i = incident.declared + cadence, 0
    while due < until:
        sent = due if on_time else due + rules.slip(incident.dice.u(COMMS, i))
        if sent >= until:
            break
        drill.record_at(sent, incident, "status_update", sender, {"due": due, "on_time": sent - due <= rules.grace})
        due, i = sent + cadence, i + 1
