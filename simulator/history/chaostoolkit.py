"""A planned game day as a Chaos Toolkit experiment, so that the chaos tool the team runs injects the failure
and its journal comes back to `drillsim score`.

The experiment (chaostoolkit-lib's format, version 1.0.0) holds:

    title, description   the injection, the scenario, and the plan's expected ranges and abort criterion
    configuration        the plan's timings in seconds (each phase's p10, median, p90, when to step in, when to
                         abort), the mode and severity, and three commands read from the environment:
                         DRILLSIM_HEALTH_COMMAND (exits 0 while the service is healthy),
                         DRILLSIM_INJECT_COMMAND (injects the failure) and DRILLSIM_ROLLBACK_COMMAND (undoes
                         it). Unset, each prints what to set and exits 1, so that an experiment nobody filled
                         in stops at its steady state and injects nothing.
    steady-state-hypothesis
                         the service is healthy (the health command exits 0), checked before the injection and
                         again after the method, that is once the plan's abort time has passed: a service still
                         unhealthy then is a drill that ran past its 99th percentile of the time to restore
    method               the injection (a process action running the inject command), then a pause of the
                         plan's abort time while the team responds
    rollbacks            the rollback command, so that the failure is undone whatever the drill did
    extensions           drillsim's own: the mode and severity, which `drillsim score` reads from the journal,
                         and the expected ranges in minutes

The journal `chaos run` writes then gives the injection time (its run's start) and the mode; the Scribe's
drill.csv gives the team's times (`drillsim score drill.csv journal.json --scenario …`).
"""

from __future__ import annotations

import json
import math
import shlex

from simulator.history.journal import EXTENSION
from simulator.history.plan import Plan
from simulator.units import format_duration

VERSION = "1.0.0"
"""The experiment format's version, as chaostoolkit-lib reads it."""
COMMANDS = {
    "health_command": ("DRILLSIM_HEALTH_COMMAND", "the command that exits 0 while the service is healthy"),
    "inject_command": ("DRILLSIM_INJECT_COMMAND", "the command that injects {mode}"),
    "rollback_command": ("DRILLSIM_ROLLBACK_COMMAND", "the command that undoes the injection of {mode}"),
}
"""Configuration key → (environment variable, what it must hold)."""


def _seconds(minutes: float) -> int | None:
    return None if minutes is None or not math.isfinite(minutes) else round(minutes * 60)


def _command(key: str, mode: str) -> dict:
    variable, what = COMMANDS[key]
    message = f"drillsim: set {variable} to {what.format(mode=mode)}"
    return {"type": "env", "key": variable, "default": f"echo {shlex.quote(message)} >&2; exit 1"}


def _shell(name: str, kind: str, key: str, **extra) -> dict:
    """A process activity running the configured command `key` through sh -c."""
    return {"type": kind, "name": name,
            "provider": {"type": "process", "path": "sh", "arguments": ["-c", "${" + key + "}"], "timeout": 600},
            **extra}


def experiment(plan: Plan) -> dict:
    """The Chaos Toolkit experiment of `plan` (a JSON-ready dict)."""
    mode = plan.mode.name
    restore = plan.expect("restoration")
    abort_after = _seconds(plan.abort_after) or 0
    ranges = "; ".join(f"{e.label} {format_duration(e.p10)}–{format_duration(e.p90)} (median "
                       f"{format_duration(e.median)})" for e in plan.expected)
    description = (
        f"Game day planned by `drillsim gameday plan` from the scenario {plan.scenario.name!r}: inject the failure "
        f"mode {mode} ({plan.severity})"
        + (f" at {plan.at.isoformat(timespec='minutes')}" if plan.at is not None else "")
        + f". Expected (10th to 90th percentile of simulated runs): {ranges}. The method pauses for the abort "
        f"time, {format_duration(plan.abort_after)}, then the steady state is checked again: the service must "
        "be healthy by then. Set DRILLSIM_HEALTH_COMMAND, DRILLSIM_INJECT_COMMAND and DRILLSIM_ROLLBACK_COMMAND "
        "(or edit the activities) before running; score the drill with `drillsim score drill.csv journal.json`.")
    configuration: dict = {"drillsim_mode": mode, "drillsim_severity": plan.severity}
    if plan.at is not None:
        configuration["drillsim_inject_at"] = plan.at.isoformat(timespec="minutes")
    for e in plan.expected:
        for name in ("p10", "median", "p90"):
            value = _seconds(getattr(e, name))
            if value is not None:
                configuration[f"{e.key}_{name}_seconds"] = value
    for cue in plan.cues:
        value = _seconds(cue.after)
        if value is not None:
            configuration[f"step_in_{cue.phase}_after_seconds"] = value
    configuration["abort_after_seconds"] = abort_after
    for key in COMMANDS:
        configuration[key] = _command(key, mode)
    expected = {e.key: {"p10": e.p10, "median": e.median, "p90": e.p90, "p95": e.p95, "p99": e.p99}
                for e in plan.expected}
    return {
        "version": VERSION,
        "title": f"Game day: {mode} ({plan.severity}) injected into {plan.scenario.name}",
        "description": description,
        "tags": ["drillsim", "gameday", mode],
        "configuration": configuration,
        "steady-state-hypothesis": {
            "title": (f"the service is healthy (and, after the method, restored within "
                      f"{format_duration(plan.abort_after)}; simulated median {format_duration(restore.median)})"),
            "probes": [_shell("service-is-healthy", "probe", "health_command", tolerance=0)],
        },
        "method": [
            _shell(f"inject-{mode}", "action", "inject_command", pauses={"after": abort_after}),
        ],
        "rollbacks": [_shell(f"undo-{mode}", "action", "rollback_command")],
        "extensions": [{"name": EXTENSION, "mode": mode, "severity": plan.severity,
                        "expected_minutes": expected, "abort_after_minutes": plan.abort_after}],
    }


def experiment_text(plan: Plan) -> str:
    return json.dumps(experiment(plan), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
