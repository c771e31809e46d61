"""The trainer: a person plays the Incident Commander through a drill over the same engine as the
simulation (simulator.engine.session), at a terminal (app.py) or from an answers file (answers.py, play.py),
and is debriefed against the scenario's policy and the simulated distribution (debrief.py)."""
