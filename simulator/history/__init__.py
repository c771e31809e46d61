"""Incident history in and out: the history format and its presets, calibration of a scenario from history,
game-day plans, and scoring a drill or a real incident against simulated runs.

    format      the incident-history format (CSV or JSON Lines, or a platform's JSON export), reading and writing
    rows        a history file's rows before they are read: CSV, JSON Lines, a JSON export flattened
    presets     the exports of PagerDuty, Opsgenie and incident.io mapped onto the format, found from the header;
                severity vocabularies
    shapes      incidents written in those platforms' shapes (the examples and the presets' round-trip tests)
    timestamps  ISO 8601 times with time zones, and local times read in a named zone (daylight saving)
    phases      history → per-phase durations, with open incidents as right-censored observations
    fit         censored maximum-likelihood fits, AIC, goodness of fit and bootstrap intervals
    calibrate   history → a scenario YAML whose comments give each fit's quality and sample size
    simulated   the simulated distribution of each phase for one failure mode (and severity, hour, load)
    plan        a facilitator's plan for a game day
    score       a drill's (or a real incident's) phases as percentiles of the simulated runs
    journal     Chaos Toolkit journals: the injection time and the failure mode of a chaos experiment's run
"""
