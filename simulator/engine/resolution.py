"""Phase 3, resolution & restoration: health confirmed with data frees the people who worked the incident;
then the temporary fixes are cleaned up."""

from __future__ import annotations

from simulator.dice import CLEANUP, INCIDENT
from simulator.engine.comms import send_updates
from simulator.engine.drill import Drill
from simulator.engine.incident import Incident


def stand_everyone_down(drill: Drill, incident: Incident) -> None:
    """Resolved: the responder, and the Incident Commander and Comms lead if others held those roles, are free."""
    people = drill.roster.people
    incident.preemptible = False
    if not drill.live:  # a drill's updates were sent as they fell due (comms.live_updates)
        send_updates(drill, incident, incident.restored)
    for index, role in ((incident.responder, ""), (incident.commander, "Incident Commander"),
                        (incident.comms, "Comms lead")):
        if index is not None and index in incident.since:
            drill.stand_down(incident, people[index], role)


def clean_up(drill: Drill, incident: Incident) -> float:
    """The minute the temporary fixes are gone (logged now if before the horizon: nothing can change it)."""
    incident.phase = "resolution"
    done = drill.env._now + drill.rules.cleanup(incident.dice.u(INCIDENT, CLEANUP))
    if done < drill.rules.horizon:
        drill.record_at(done, incident, "cleaned_up", "Ops lead")
    return done
