"""Failures that start while the clock runs: candidates decided when their time comes, deployments, drills.

Without practices every incident is known before the clock starts (Engine.incidents): arrival rates depend on
the time alone. With them a rate can depend on the state of the world (action items done, temporary fixes
left in place), so each candidate onset of such a mode is decided when its time comes, with the same
acceptance uniform it would have had, against its rate then. Candidates of the other modes are thinned up
front as before; a mode that deployments start logs every deployment and decides at its time whether it
fails. Drills (chaos injections and game days) start at their times with dice of their own. Incidents are
numbered in onset order as they start, as Engine.incidents numbers them; with nothing changing state, both ways
give the same incidents with the same numbers.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Generator
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import simpy

from simulator.dice import ARRIVAL, DEPLOYMENT_FAILS, GAP, SEVERITY, IncidentDice, ModeDice, ReplicationDice
from simulator.engine.clock import ONSET, At, jump
from simulator.engine.incident import Incident
from simulator.scenario.model import severity_rank

if TYPE_CHECKING:
    from simulator.engine.practice import Injected
    from simulator.engine.world import World

FIXED, STATE_DEPENDENT, DEPLOYMENT, DRILL, THINNED = 0, 1, 2, 3, -1
"""Kinds of candidate; THINNED: a live mode's candidate that its time of day alone rules out (sorted, as a live
mode's candidates are, before a drill of the same mode at the same minute)."""


class Pipeline:
    """What the log records deployments against: incident 0, not an incident."""

    __slots__ = ("number", "state")

    def __init__(self):
        self.number = 0
        self.state: Any = None  # no action logged against it moves a state


def start(env: simpy.Environment, world: World, dice: ReplicationDice, lifecycle: Callable) -> list:
    """Start the replication's failures as their time comes; returns the list they are added to, in onset
    order (complete once the clock has run to the horizon)."""
    rules = world.rules
    horizon = rules.horizon
    candidates: list[tuple[float, int, int, int, float, float, ModeDice, Injected | str, float]] = []
    for mode in rules.modes:
        if mode.gap is None:
            continue
        mode_dice = dice.mode(mode.stream)
        kind = DEPLOYMENT if mode.mode.deployments is not None else STATE_DEPENDENT if mode.state_dependent else FIXED
        accept = mode.accept
        breaks, values = (accept.breaks, accept.values) if accept is not None else ([], [])
        onsets = mode_dice.onsets(mode.gap, horizon, mode.batch, mode.gap_mean)
        for k, (onset, u_accept, u_severity) in enumerate(onsets):
            # accept(onset), inline (a mode of deployments has a thousand candidates a replication); kept for _arrive
            factor = values[bisect_right(breaks, onset) - 1] if accept is not None else 1.0
            if u_accept >= factor:  # thinned by its time alone
                if kind == FIXED:
                    continue
                # A live mode's: whatever the world's state then (a state's factor is at most 1, see
                # PracticeState.acceptance). _arrive decides it without waking at it.
                candidates.append((onset, mode.index, k, THINNED, u_accept, u_severity, mode_dice, "", factor))
                continue
            candidates.append((onset, mode.index, k, kind, u_accept, u_severity, mode_dice, "", factor))
    for injected in rules.practice.injected:
        mode_dice = dice.injection(injected.stream)
        at = injected.at
        if at is None:
            assert injected.peak is not None  # an injection without a time falls within a peak
            low, high = injected.peak
            at = low + mode_dice.uniform(0, ARRIVAL, GAP) * (high - low)
        candidates.append((at, injected.mode, 0, DRILL, 0.0, mode_dice.uniform(0, ARRIVAL, SEVERITY), mode_dice,
                           injected, 1.0))
    if rules.practice.injected:  # two drills of one mode may fall on one minute: kept in their order
        candidates.sort(key=itemgetter(0, 1, 2, 3))
    else:  # by (onset, mode, k), which no two of the modes' candidates share: no key tuple made per candidate
        candidates.sort()
    incidents: list = []
    env.process(_arrive(env, world, candidates, incidents, lifecycle))
    return incidents


def at_first(mode, mode_dice, onsets: list, practice) -> list[tuple]:
    """(onset, mode, k, dice, severity uniform) of the failures of a live mode as the world's first state thins
    its candidates (for Engine.incidents): no action item done, no fix left in place."""
    out = []
    accept = mode.accept
    for k, (onset, u_accept, u_severity) in enumerate(onsets):
        factor = accept(onset) if accept is not None else 1.0
        if mode.mode.deployments is not None:
            load = practice.load_failure(onset) if practice.load_failure is not None else 1.0
            fails = u_accept < factor and mode_dice.uniform(k, ARRIVAL, DEPLOYMENT_FAILS) < min(mode.cfr * load, 1.0)
        else:
            fails = u_accept * mode.debt_cap < factor
        if fails:
            out.append((onset, mode.index, k, mode_dice, u_severity))
    return out


def _arrive(env: simpy.Environment, world: World, candidates: list, incidents: list, lifecycle: Callable) -> Generator:
    modes, state = world.rules.modes, world.practice
    pipeline = Pipeline()
    now = env.now  # where the clock would wake this process if it woke at every candidate (see below)
    for onset, m, k, kind, u_accept, u_severity, mode_dice, injected, factor in candidates:
        if kind == THINNED:
            # Decided without waking at it (most of a live mode's candidates). The clock's minutes are worked out
            # as the waits of every candidate would have put them (now + (onset - now), which need not be
            # `onset` in floating point), so that the candidates that wake come at the same minutes.
            if onset > now:
                now = now + (onset - now)
            continue
        rules = modes[m]
        if onset > now:
            now = now + (onset - now)
            if env.peek() <= now:  # something happens before it, or at its instant: the clock's order decides
                yield At(env, now, ONSET, 0)
            else:  # nothing happens until then, so nothing can change: decided at its minute without a wake-up
                jump(env, now)
        if kind == STATE_DEPENDENT:
            if u_accept >= factor * state.acceptance(rules, onset):
                continue
        elif kind == DEPLOYMENT:  # in the allowed hours (start thinned the others)
            fails = mode_dice.arrival(k, DEPLOYMENT_FAILS) < state.deployment_fails(rules, onset)
            world.record_at(onset, pipeline, "deployed", "pipeline", {"mode": rules.mode.name, "failed": fails})
            if not fails:
                continue
        severity = injected.severity if kind == DRILL and injected.severity else rules.severity(u_severity)
        incident = Incident(len(incidents) + 1, onset, rules, severity, severity_rank(severity),
                            IncidentDice(mode_dice, k))
        if kind == DRILL:
            state.drills[incident.number] = injected.name
        incidents.append(incident)
        incident.process = env.process(lifecycle(env, world, incident))
