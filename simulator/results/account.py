"""What happened to one incident, derived once from the event log: its account.

An `Account` says who declared the incident and how, at which severity and what it turned out to be; how it was
detected and acknowledged; who held the roles; each mitigation tried and whether it held; the first restoration,
the reopenings and the final restoration; how health was confirmed; the stakeholder updates and the longest
silence; the cleanup; the postmortem and its action items; whether the period ended with it still open.

Every reader of an incident (the postmortem draft, the Scribe's narrative, the drill's debrief, scores and plans)
reads its account instead of the events. The incident table (simulator.results.incidents) is the same facts as
columns, reduced on the hot path without building accounts; a test holds the two equal column by column.

A reopened incident is restored when it is restored for good: `mitigated`, `resolved` and `cleaned_up` (and so
MTTR and the time to resolve) are those after its last reopening, NaN when the horizon came first, as metrics
count them. The first restoration stays in `first_restored`.

    found = accounts(events)            # {(replication, incident): Account}, in one pass over the log
    found[0, 1].ttr                     # the time to restore, from the final restoration
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

NAN = math.nan

AUTOMATION, POLICY, PERSON, ALONE = "automation", "policy", "person", "alone"
"""How an incident was declared: by automation from the alert; by the policy (the on-call engineer, after the
policy's delay); by a person playing a drill; by the alerted engineer after trying to fix it alone."""
ON_TIME, LATE, SKIPPED = "on time", "late", "skipped"
"""How temporary fixes were cleaned up."""
DATA, ANECDOTE = "data", "anecdote"
"""How health was confirmed: with metrics and logs, or on someone's word."""
INVESTIGATE = "investigate"
"""The name of an attempt that investigated rather than mitigated."""


@dataclass(frozen=True)
class Attempt:
    """One thing tried to restore service: a mitigation (or an investigation, named INVESTIGATE), from `started`
    to `ended` (NaN: still going when the log ends). `restored` when it restored service; `held` when that
    restoration was not undone by a reopening. `alone`: the alerted engineer's time alone before declaring;
    `automated`: a restoration no one started (an automatic rollback)."""

    name: str
    started: float
    ended: float = NAN
    restored: bool = False
    held: bool = False
    reason: str = ""
    clue: str = ""
    alone: bool = False
    automated: bool = False

    @property
    def minutes(self) -> float:
        return self.ended - self.started

    @property
    def failed(self) -> bool:
        """Ended without restoring service (an investigation that turned something up did not fail)."""
        return not math.isnan(self.ended) and not self.restored and self.name != INVESTIGATE


@dataclass(frozen=True)
class Update:
    """A stakeholder update: when it was sent, when it was due, and whether it was on time; and, for one a person
    wrote in a drill, what it said: the `impact`, what was being `done`, and in how many minutes the `next`
    update was promised (NaN: no time given). `impact` is None for an update sent without words."""

    time: float
    due: float
    on_time: bool
    by: str = ""
    impact: str | None = None
    done: str = ""
    next: float = NAN

    @property
    def written(self) -> bool:
        return self.impact is not None

    @property
    def promised(self) -> float:
        """When it said the next update would come (NaN: it did not say)."""
        return self.time + self.next


@dataclass(frozen=True)
class Resolution:
    """Restored service called healthy: when, by whom, and how (DATA or ANECDOTE)."""

    time: float
    by: str
    how: str


@dataclass(frozen=True)
class Reopening:
    """Service was not healthy after all: when it reopened, `after` minutes after it was called resolved."""

    time: float
    after: float


@dataclass(frozen=True)
class Account:
    """What happened to one incident (times in minutes since the start of its replication; NaN: not reached)."""

    replication: int
    number: int
    mode: str = ""
    cause: str = ""
    severity: str = ""
    """The severity it turned out to be: the failure's own."""
    drill: str | None = None
    """The name of the drill that injected it on purpose; None for a failure that just happened."""
    onset: float = NAN
    detected: float = NAN
    channel: str = ""
    declared: float = NAN
    declared_by: str = ""
    """AUTOMATION, POLICY, PERSON or ALONE ('' when not declared)."""
    declarer: str = ""
    """The actor of the declaration: 'automation', 'on-call' or a person's name."""
    declared_severity: str = ""
    """The severity it was declared at (the failure's own unless the declaration said otherwise)."""
    paged: float = NAN
    page_reached: float = NAN
    """When the page reached the person who acknowledged it."""
    acknowledged: float = NAN
    responder: str = ""
    level: int = 0
    waited: float = NAN
    escalations: tuple[tuple[float, str], ...] = ()
    """(when, by whom: the pager or the Incident Commander) each time the page escalated."""
    roles: tuple[tuple[str, str], ...] = ()
    """(role, person) as each role was taken, in order."""
    roles_in_place: float = NAN
    roles_held: str = ""
    """The roles the responder held when the team assembled (the roles_assembled detail)."""
    combined: bool = False
    """One person held more than one role."""
    attempts: tuple[Attempt, ...] = ()
    restorations: tuple[float, ...] = ()
    """Every time service was restored, the ones a reopening undid included."""
    resolutions: tuple[Resolution, ...] = ()
    reopenings: tuple[Reopening, ...] = ()
    updates: tuple[Update, ...] = ()
    customer_escalations: tuple[float, ...] = ()
    preempted: int = 0
    handovers: int = 0
    held: float = 0.0
    """Person-minutes spent on it (every role; to the horizon for those still working when it ended)."""
    cleanup: str | None = None
    """ON_TIME, LATE or SKIPPED; None when nothing was decided by the end of the log."""
    cleanup_due: float = NAN
    cleaned_up_at: float = NAN
    """When the temporary fixes were removed (after the last reopening or not)."""
    late_by: float = 0.0
    postmortem: str | None = None
    """'held', 'skipped', or None (not yet)."""
    postmortem_at: float = NAN
    postmortem_severity: str = ""
    action_items: int | None = None
    """Action items the postmortem wrote (None: no postmortem, or it wrote none it said)."""
    items_done: tuple[tuple[float, str], ...] = ()
    """(when, what it improves) for each action item done."""
    open_state: str = ""
    """The engine's state when the horizon came with the incident open; '' when it closed."""
    end: float = NAN
    """The horizon, when the incident was still open then."""

    # ── The milestones, as metrics count them ──

    @property
    def label(self) -> str:
        return f"INC-{self.number:04d}"

    @property
    def injected(self) -> bool:
        return self.drill is not None

    @property
    def last_reopened(self) -> float:
        return self.reopenings[-1].time if self.reopenings else -math.inf

    @property
    def reopened(self) -> int:
        return len(self.reopenings)

    @property
    def first_restored(self) -> float:
        return self.restorations[0] if self.restorations else NAN

    @property
    def mitigated(self) -> float:
        """Service restored for good: after the last reopening; NaN when the horizon came first."""
        last = self.restorations[-1] if self.restorations else NAN
        return last if last > self.last_reopened else NAN

    @property
    def restored(self) -> bool:
        return not math.isnan(self.mitigated)

    @property
    def resolved(self) -> float:
        """Health confirmed for good: the resolution after the last reopening; NaN when there is none."""
        last = self.resolutions[-1].time if self.resolutions else NAN
        return last if last > self.last_reopened else NAN

    @property
    def first_resolution(self) -> Resolution | None:
        return self.resolutions[0] if self.resolutions else None

    @property
    def final_resolution(self) -> Resolution | None:
        last = self.resolutions[-1] if self.resolutions else None
        return last if last is not None and last.time > self.last_reopened else None

    @property
    def confirmed_by(self) -> str:
        """How health was confirmed in the end: DATA or ANECDOTE ('' when it was not)."""
        final = self.final_resolution
        return final.how if final is not None else ""

    @property
    def on_anecdote(self) -> bool:
        """Called healthy on someone's word at least once (whether or not it then reopened)."""
        return any(r.how == ANECDOTE for r in self.resolutions)

    @property
    def cleaned_up(self) -> float:
        """Temporary fixes removed after the last reopening; NaN otherwise."""
        return self.cleaned_up_at if self.cleaned_up_at > self.last_reopened else NAN

    @property
    def mitigation(self) -> str:
        """The mitigation that held: the one of the final restoration ('' when service was not restored for
        good)."""
        holding = self.holding
        return holding.name if holding is not None else ""

    @property
    def holding(self) -> Attempt | None:
        """The attempt whose restoration held."""
        return next((a for a in reversed(self.attempts) if a.held), None)

    @property
    def escalated(self) -> bool:
        return bool(self.escalations)

    @property
    def escalated_at(self) -> float:
        return self.escalations[0][0] if self.escalations else NAN

    @property
    def updates_late(self) -> int:
        return sum(not u.on_time for u in self.updates)

    @property
    def silences(self) -> tuple[float, ...]:
        """The stretches stakeholders went without news: between the declaration, each update, and the final
        restoration (or the horizon, when the incident was still open then)."""
        if math.isnan(self.declared):
            return ()
        end = self.mitigated if not math.isnan(self.mitigated) else self.end
        if math.isnan(end):
            return ()
        moments = [self.declared, *sorted(u.time for u in self.updates), end]
        return tuple(b - a for a, b in pairwise(moments))

    @property
    def longest_silence(self) -> float:
        return max(self.silences, default=NAN)

    @property
    def commander(self) -> str:
        return next((who for role, who in reversed(self.roles) if role == "Incident Commander"), self.responder)

    @property
    def mttd(self) -> float:
        return self.detected - self.onset

    @property
    def mtta(self) -> float:
        return self.acknowledged - self.detected

    @property
    def ttr(self) -> float:
        """Onset to the final restoration."""
        return self.mitigated - self.onset

    @property
    def time_to_resolve(self) -> float:
        return self.resolved - self.onset

    @property
    def first_ttr(self) -> float:
        return self.first_restored - self.onset


# ── Reading the log ────────────────────────────────────────────────────────────────────────────────────────


class _Builder:
    """One incident's account while its events come in."""

    def __init__(self, replication: int, number: int):
        self.fields: dict[str, Any] = {"replication": replication, "number": number}
        self.escalations: list[tuple[float, str]] = []
        self.roles: list[tuple[str, str]] = []
        self.attempts: list[dict[str, Any]] = []
        self.started: dict[str, Any] | None = None
        self.restorations: list[float] = []
        self.resolutions: list[Resolution] = []
        self.reopenings: list[Reopening] = []
        self.updates: list[Update] = []
        self.customer: list[float] = []
        self.items: list[tuple[float, str]] = []
        self.rings: dict[str, float] = {}
        self.held = 0.0
        self.preempted = self.handovers = 0

    def add(self, time: float, action: str, actor: str, detail: dict[str, Any]) -> None:
        f = self.fields
        if action == "onset":
            f.update(onset=time, mode=detail.get("mode", ""), cause=detail.get("cause", ""),
                     severity=detail.get("severity", ""))
        elif action == "injected":
            f["drill"] = str(detail.get("drill", ""))
        elif action == "detected":
            f.update(detected=time, channel=detail.get("channel", ""))
        elif action == "declared":
            how = (AUTOMATION if actor == "automation" else PERSON if detail.get("by") == PERSON
                   else POLICY if actor == "on-call" else ALONE)
            f.update(declared=time, declared_by=how, declarer=actor)
            if "severity" in detail:
                f["declared_severity"] = detail["severity"]
        elif action == "paged":
            f.setdefault("paged", time)
        elif action == "page_delivered":
            self.rings.setdefault(actor, time)
        elif action == "acknowledged":
            f.update(acknowledged=time, responder=actor, level=detail.get("level", 1),
                     waited=detail.get("waited", 0.0), page_reached=self.rings.get(actor, time))
        elif action == "escalated":
            self.escalations.append((time, actor))
        elif action == "role_assigned":
            self.roles.append((detail.get("role", ""), actor))
            if detail.get("combined"):
                f["combined"] = True
        elif action == "roles_assembled":
            f.setdefault("roles_in_place", time)
            f["roles_held"] = detail.get("roles", "")
            if detail.get("combined"):
                f["combined"] = True
        elif action in ("mitigation_started", "investigation_started"):
            self._close(time)
            name = detail.get("mitigation", "") if action == "mitigation_started" else INVESTIGATE
            self.started = {"name": name, "started": time, "alone": bool(detail.get("alone"))}
        elif action == "clue_found":
            if self.started is not None and self.started["name"] == INVESTIGATE:
                self.started["clue"] = detail.get("clue", "")
                self._close(time)
        elif action == "mitigation_failed":
            reason = str(detail.get("reason", ""))
            if self.started is None:  # nothing logged its start: it ends here
                self.started = {"name": detail.get("mitigation", ""), "started": time}
            self.started["reason"] = reason
            self._close(time)
        elif action == "mitigated":
            self.restorations.append(time)
            if self.started is None or detail.get("automated"):
                self._close(time)  # what was under way stops: service is back
                self.started = {"name": detail.get("mitigation", ""), "started": time,
                                "automated": bool(detail.get("automated"))}
            self.started["restored"] = True
            self._close(time)
        elif action == "resolved":
            self.resolutions.append(Resolution(time, actor, ANECDOTE if detail.get("by") == ANECDOTE else DATA))
        elif action == "reopened":
            self.reopenings.append(Reopening(time, float(detail.get("after", 0.0))))
        elif action == "status_update":
            self.updates.append(Update(time, float(detail.get("due", time)), bool(detail.get("on_time", True)), actor,
                                       str(detail["impact"]) if "impact" in detail else None,
                                       str(detail.get("done", "")), float(detail.get("next", NAN))))
        elif action == "customer_escalated":
            self.customer.append(time)
        elif action == "preempted":
            self.preempted += 1
        elif action == "handover":
            self.handovers += 1
        elif action == "stood_down":
            self.held += time - detail["since"]
        elif action == "cleaned_up":
            f["cleaned_up_at"] = time
            if "late_by" in detail:
                f["late_by"] = float(detail["late_by"])
            f.setdefault("cleanup", ON_TIME)
            f.setdefault("cleanup_due", time - float(detail.get("late_by", 0.0)))
        elif action == "cleanup_late":
            f.update(cleanup=LATE, cleanup_due=time)
        elif action == "cleanup_skipped":
            f.update(cleanup=SKIPPED, cleanup_due=time)
        elif action == "postmortem_held":
            f.update(postmortem="held", postmortem_at=time, postmortem_severity=detail.get("severity", ""),
                     action_items=detail.get("action_items"))
        elif action == "postmortem_skipped":
            f.update(postmortem="skipped", postmortem_at=time, postmortem_severity=detail.get("severity", ""))
        elif action == "action_item_done":
            self.items.append((time, str(detail.get("improves", ""))))
        elif action == "open_at_horizon":
            f.update(open_state=detail.get("state", ""), end=time)
            for since in (detail.get("working") or {}).values():
                self.held += time - since
            if self.started is not None:
                self.started["open"] = True

    def _close(self, time: float) -> None:
        if self.started is not None:
            self.attempts.append({**self.started, "ended": time})
            self.started = None

    def account(self) -> Account:
        f = dict(self.fields)
        if self.started is not None:
            self.attempts.append(dict(self.started))
        last_reopened = self.reopenings[-1].time if self.reopenings else -math.inf
        attempts = []
        for a in self.attempts:
            a.pop("open", None)
            restored = a.get("restored", False)
            attempts.append(Attempt(**a, held=restored and a["ended"] > last_reopened))
        if not f.get("declared_severity") and "declared" in f:
            f["declared_severity"] = f.get("severity", "")
        return Account(**f, escalations=tuple(self.escalations), roles=tuple(self.roles),
                       attempts=tuple(attempts), restorations=tuple(self.restorations),
                       resolutions=tuple(self.resolutions), reopenings=tuple(self.reopenings),
                       updates=tuple(self.updates), customer_escalations=tuple(self.customer),
                       items_done=tuple(self.items), held=self.held, preempted=self.preempted,
                       handovers=self.handovers)


def accounts(events: Iterable[Any]) -> dict[tuple[int, int], Account]:
    """The account of every incident in `events` (Events, or tuples in Event's field order, of any number of
    replications), by (replication, incident), in that order; one pass over the log. Incident 0 (the
    deployment pipeline) is no incident."""
    building: dict[tuple[int, int], _Builder] = {}
    for time, replication, incident, _phase, action, actor, detail in events:
        if not incident:
            continue
        key = (replication, incident)
        builder = building.get(key)
        if builder is None:
            builder = building[key] = _Builder(replication, incident)
        builder.add(time, action, actor, detail or {})
    return {key: building[key].account() for key in sorted(building)}


def account(events: Iterable[Any], incident: int = 1, replication: int | None = None) -> Account:
    """The account of one incident of a log (of its only replication, unless `replication` is given)."""
    found = accounts(e for e in events if e[2] == incident and (replication is None or e[1] == replication))
    if not found:
        raise KeyError(f"INC-{incident:04d} is not in the event log")
    return next(iter(found.values()))
