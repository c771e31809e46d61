"""The debrief of a drill: the trainee's timeline beside the scenario's policy on the same dice, where the
trainee's times fall among the simulated incidents of the same failure mode, what cost the most time, the
decisions that differed, the gaps between stakeholder updates, and a blameless postmortem draft.

Everything is read from the accounts of the two event logs' incidents (simulator.results.account: the trainee's
drill and the policy's, played with the same dice and the same injects) and the incident table of a simulation
of the scenario. Every incident of the drill is told, the Game Master's injected failures as fully as the
first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.events import Event
from simulator.report.clock import Clock
from simulator.report.document import Block, Bullets, Cell, Heading, Paragraph, Table
from simulator.results.account import (
    ANECDOTE,
    DATA,
    INVESTIGATE,
    LATE,
    ON_TIME,
    SKIPPED,
    Account,
    Attempt,
    account,
    accounts,
)
from simulator.results.incidents import IncidentTable
from simulator.units import format_duration as fmt

METRICS = (("MTTD", "time to detect", "onset", "detected"), ("MTTA", "time to acknowledge", "detected",
                                                              "acknowledged"),
           ("TTR", "time to restore", "onset", "mitigated"))


@dataclass(frozen=True)
class Percentile:
    metric: str
    label: str
    you: float
    policy: float
    median: float
    p90: float
    share_you: float
    share_policy: float
    count: int


def percentile(value: float, values: np.ndarray) -> float:
    """The share of simulated values below `value` (ties count half), as a percentage; values not reached (NaN:
    the horizon came first) count as above anything. NaN when `value` itself was not reached."""
    if np.isnan(value) or len(values) == 0:
        return float("nan")
    done = values[~np.isnan(values)]
    below = np.count_nonzero(done < value - 1e-9)
    ties = np.count_nonzero(np.abs(done - value) <= 1e-9)
    return 100.0 * (below + 0.5 * ties) / len(values)


Log = Sequence[Any]
"""A drill's event log: Events, or tuples in Event's field order."""


def _account(found: Account | Log, incident: int = 1) -> Account | None:
    """The account of `incident` in a log (or the account itself)."""
    if isinstance(found, Account):
        return found
    try:
        return account(found, incident)
    except KeyError:
        return None


def percentiles(you: Account | Log, policy: Account | Log, simulated: IncidentTable,
                incident: int = 1) -> list[Percentile]:
    """The trainee's and the policy's MTTD, MTTA and time to restore (to the final restoration, as metrics count
    it), and where each falls among the simulated incidents of the same failure mode (`simulated`, that mode's
    rows only)."""
    mine, theirs = _account(you, incident), _account(policy, incident)
    out = []
    for metric, label, start, end in METRICS:
        values = getattr(simulated, end) - getattr(simulated, start)
        done = values[~np.isnan(values)]
        a = getattr(mine, end, np.nan) - getattr(mine, start, np.nan)
        b = getattr(theirs, end, np.nan) - getattr(theirs, start, np.nan)
        out.append(Percentile(metric, label, a, b, float(np.median(done)) if len(done) else np.nan,
                              float(np.quantile(done, 0.9)) if len(done) else np.nan, percentile(a, values),
                              percentile(b, values), len(values)))
    return out


def _attempt_label(attempt: Attempt) -> str:
    if attempt.name == INVESTIGATE:
        return "investigating"
    name = "working alone" if attempt.alone else attempt.name
    if attempt.restored:
        return f"{name} (restored service)" if attempt.held else f"{name} (restored service, did not hold)"
    return f"{name} (did not help)"


def phases(found: Account | Log, incident: int = 1) -> list[tuple[str, float]]:
    """(what, minutes) of each stretch of the incident from its first alert to health confirmed, in order."""
    a = _account(found, incident)
    if a is None:
        return []
    out = []
    for label, start, end in (("deciding to declare", a.detected, a.declared),
                              ("paging until someone acknowledged", a.declared, a.acknowledged),
                              ("assembling the roles", a.acknowledged, a.roles_in_place)):
        if not (np.isnan(start) or np.isnan(end)) and end >= start:  # (one alone first acknowledged before it
            out.append((label, end - start))                        # was declared: no paging after)
    out += [(_attempt_label(x), x.minutes) for x in a.attempts if not np.isnan(x.ended)]
    for restored, resolution in zip(a.restorations, a.resolutions, strict=False):
        how = "calling it resolved on anecdote" if resolution.how == ANECDOTE else "confirming health with data"
        out.append((how, resolution.time - restored))
    return out


def _totals(pairs: list[tuple[str, float]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for label, minutes in pairs:
        totals[label] = totals.get(label, 0.0) + minutes
    return totals


def update_gaps(found: Account | Log, incident: int = 1) -> list[float]:
    """The silences stakeholders sat through: declaration → each update → service restored for good (or the
    end)."""
    a = _account(found, incident)
    return [] if a is None else list(a.silences)


CLEANED = {ON_TIME: "now", LATE: "late", SKIPPED: "skip"}
"""How the temporary fixes were cleaned up, as the decision it shows."""
CLEANUP_WORDS = {"now": "were removed on the planned date", "late": "were removed late",
                 "skip": "were never removed (the fix stayed in place)"}


def decisions(found: Account | Log, incident: int = 1) -> dict[str, Any]:
    """The Incident Commander's decisions: when declared and at which severity, escalations, roles, the
    mitigations and investigations in order, the updates sent, how health was confirmed, the cleanup and the
    postmortem's action items."""
    a = _account(found, incident)
    if a is None:
        return {"declared": None, "severity": None, "escalations": [], "roles": None, "assigned": [], "steps": [],
                "updates": [], "alone": False, "confirmed": [], "reopened": 0, "cleanup": None, "items": None}
    return {
        "declared": None if np.isnan(a.declared) else a.declared,
        "severity": a.declared_severity or a.severity,
        "escalations": [t for t, by in a.escalations if by == "Incident Commander"],
        "roles": a.roles_held or None,
        "assigned": [(who, role) for role, who in a.roles if role != "Incident Commander"],
        "steps": [x.name for x in a.attempts if not x.alone and not x.automated],
        "updates": list(a.updates),
        "alone": any(x.alone for x in a.attempts),
        "confirmed": [r.how for r in a.resolutions],
        "reopened": a.reopened,
        "cleanup": CLEANED.get(a.cleanup) if a.cleanup else None,
        "items": (a.action_items or 0) if a.postmortem == "held" else None,
    }


ALONE_REASON = "tried alone for"
"""How the engine words the end of a time alone that did not restore service (simulator.engine.practice)."""

RESOLVED_WAYS = {DATA: "health confirmed with data", ANECDOTE: "called on anecdote", None: "not resolved"}


def _how(resolution) -> str | None:
    return None if resolution is None else resolution.how


def debrief_blocks(you: Log, policy: Log, simulated: IncidentTable | Callable[[str], IncidentTable], *, mode: str,
                   start, hints: int = 0, postmortem: Sequence[Block] = ()) -> list[Block]:
    """The debrief as report blocks (rendered as Markdown by report.markdown): every incident of the drill, each
    beside the policy's, in incident order. `simulated` is the simulated incidents of the drill's failure mode,
    or a function giving those of any mode."""
    clock = Clock(start)
    mine_all, theirs_all = accounts(you), accounts(policy)
    numbers = sorted({n for _, n in mine_all})
    blocks: list[Block] = []
    for number in numbers:
        mine = next(a for (_, n), a in mine_all.items() if n == number)
        theirs = next((a for (_, n), a in theirs_all.items() if n == number), None)
        table = simulated(mine.mode) if callable(simulated) else simulated
        blocks += _incident_blocks(mine, theirs, you, policy, table, clock, hints=hints if number == 1 else 0,
                                   level=1)
    if postmortem:
        blocks += list(postmortem)
    return blocks


def _incident_blocks(mine: Account, theirs: Account | None, you: Log, policy: Log, simulated: IncidentTable,
                     clock: Clock, *, hints: int, level: int) -> list[Block]:
    origin = mine.detected if not np.isnan(mine.detected) else mine.onset
    number = mine.number

    def since(minute: float | None) -> str:
        return "–" if minute is None or np.isnan(minute) else f"+{fmt(minute - origin)}"

    def at(found: Account | None, name: str) -> float | None:
        value = getattr(found, name, None) if found is not None else None
        return None if value is None or np.isnan(value) else value

    blocks: list[Block] = [
        Heading(level, f"Debrief: {mine.label}, {mine.mode}"),
        Paragraph(f"The failure was **{mine.mode}** (cause: {mine.cause or '?'}, {mine.severity or '?'})"
                  + (f", injected by the Game Master ({mine.drill})" if mine.drill else "")
                  + f", starting {clock.stamp(mine.onset)}; the first alert came {fmt(origin - mine.onset)} later "
                  f"({clock.stamp(origin)}). Times below count from that alert. The policy's side is the scenario's "
                  "automatic policy playing the same failure with the same dice and the same injects."
                  + (f" Hints taken: {hints}." if hints else "")),
        Heading(level + 1, "Timeline beside the policy's"),
    ]
    reopened = bool(mine.reopenings) or (theirs is not None and bool(theirs.reopenings))
    first = (_how(mine.first_resolution), _how(theirs.first_resolution if theirs else None))
    final = (_how(mine.final_resolution), _how(theirs.final_resolution if theirs else None))

    def resolved_label(ways, text):
        if ANECDOTE not in ways:
            return f"{text} (health confirmed)"
        if ways[0] == ways[1]:
            return f"{text} ({RESOLVED_WAYS[ways[0]]})"
        return f"{text} (you: {RESOLVED_WAYS[ways[0]]}; policy: {RESOLVED_WAYS[ways[1]]})"

    milestones: list[tuple[str, float | None, float | None]] = [
        (label, at(mine, name), at(theirs, name))
        for label, name in (("declared", "declared"), ("first page", "paged"), ("acknowledged", "acknowledged"),
                            ("roles in place", "roles_in_place"))]
    if reopened:
        def first_called(found):
            return found.first_resolution.time if found is not None and found.first_resolution else None

        def first_reopened(found):
            return found.reopenings[0].time if found is not None and found.reopenings else None

        milestones += [("service first restored", at(mine, "first_restored"), at(theirs, "first_restored")),
                       (resolved_label(first, "first called resolved"), first_called(mine), first_called(theirs)),
                       ("reopened", first_reopened(mine), first_reopened(theirs)),
                       ("service restored for good", at(mine, "mitigated"), at(theirs, "mitigated")),
                       (resolved_label(final, "resolved for good"), at(mine, "resolved"), at(theirs, "resolved"))]
    else:
        milestones += [("service restored", at(mine, "mitigated"), at(theirs, "mitigated")),
                       (resolved_label(final, "resolved"), at(mine, "resolved"), at(theirs, "resolved"))]
    rows = []
    for label, a, b in milestones:
        diff = "–" if a is None or b is None else f"{'+' if a >= b else '−'}{fmt(abs(a - b))}"
        rows.append((Cell(label), Cell(since(a), a), Cell(since(b), b), Cell(diff)))
    blocks.append(Table(("milestone", "you", "policy", "you − policy"), tuple(rows), (False, True, True, True)))
    blocks.append(Table(("you", "policy"), _side_by_side(you, policy, origin, number), (False, False),
                        caption="Each decision and its outcome, in order."))

    found = percentiles(mine, theirs if theirs is not None else [], simulated)
    blocks += [Heading(level + 1, "Where your times fall in the simulation"),
               Paragraph(f"Among {found[0].count} simulated incidents of {mine.mode}: the percentile is the share "
                         "that took less time (lower is faster; incidents the simulated period cut short count "
                         "as slower). The time to restore runs to the restoration that held, as the metrics count "
                         "it.")]
    blocks.append(Table(
        ("metric", "you", "percentile", "policy", "percentile", "simulated median", "simulated p90"),
        tuple((Cell(f"{p.metric} ({p.label})"), Cell(fmt(p.you), p.you), Cell(_pct(p.share_you)),
               Cell(fmt(p.policy), p.policy), Cell(_pct(p.share_policy)), Cell(fmt(p.median), p.median),
               Cell(fmt(p.p90), p.p90)) for p in found),
        (False, True, True, True, True, True, True)))

    mine_phases = _totals(phases(mine))
    their_phases = _totals(phases(theirs)) if theirs is not None else {}
    labels = list(dict.fromkeys([*mine_phases, *their_phases]))
    extra = {label: mine_phases.get(label, 0.0) - their_phases.get(label, 0.0) for label in labels}
    blocks.append(Heading(level + 1, "What cost the most time"))
    if mine_phases:
        longest = max(mine_phases, key=lambda label: mine_phases[label])
        text = f"Your longest stretch was **{longest}** ({fmt(mine_phases[longest])})."
        worst = max(extra, key=lambda label: extra[label]) if extra else None
        if worst is not None and extra[worst] > 1 / 60:
            text += f" Against the policy, **{worst}** cost the most: {fmt(extra[worst])} more."
        else:
            text += " No stretch took longer than the policy's."
        blocks.append(Paragraph(text))
    blocks.append(Table(("stretch", "you", "policy", "you − policy"),
                        tuple((Cell(label), Cell(fmt(mine_phases.get(label)), mine_phases.get(label)),
                               Cell(fmt(their_phases.get(label)), their_phases.get(label)),
                               Cell(_signed(extra[label]))) for label in labels),
                        (False, True, True, True)))

    blocks += [Heading(level + 1, "Decisions that differed from the policy"),
               Bullets(tuple(_differences(decisions(mine), decisions(theirs) if theirs is not None else
                                          decisions([]), origin))
                       or ("None: you decided as the policy would.",))]

    costly = costly_decisions(mine, since)
    if costly:
        blocks += [Heading(level + 1, "Costly decisions"), Bullets(tuple(costly))]

    gaps, their_gaps = list(mine.silences), list(theirs.silences) if theirs is not None else []
    sent, late = len(mine.updates), mine.updates_late
    text = f"You sent {sent} stakeholder update{'s' * (sent != 1)}" + (f", {late} late" if late else "") + ". "
    if gaps:
        text += (f"Stakeholders waited {', '.join(fmt(g) for g in gaps)} between the declaration, each update "
                 f"and service restored{' for good' if mine.reopenings else ''}: the longest silence was "
                 f"**{fmt(max(gaps))}**")
        text += (f" (the policy's: {fmt(max(their_gaps))})." if their_gaps else ".")
    blocks += [Heading(level + 1, "Stakeholder updates"), Paragraph(text)]
    written = [u for u in mine.updates if u.written]
    if written:
        blocks.append(Table(("sent", "due", "impact", "what is being done", "next update", "judged"),
                            tuple((Cell(since(u.time), u.time), Cell(since(u.due), u.due),
                                   Cell(u.impact or "–"), Cell(u.done or "–"),
                                   Cell("–" if np.isnan(u.next) else f"in {fmt(u.next)}"),
                                   Cell("; ".join(judge_update(mine, u))))
                                  for u in written), (True, True, False, False, False, False),
                            caption="Each update you wrote, judged for cadence (on time for its due time, the next "
                                    "one by the time it promised) and content (it says the impact on customers "
                                    "and when the next update comes)."))
    return blocks


def judge_update(found: Account, update) -> list[str]:
    """What a written update did well or not, read from the account: on time for its due time; says the impact;
    gives a next-update time; and that promise kept (the next update, or service restored for good, by then)."""
    out = ["on time" if update.on_time else f"late by {fmt(update.time - update.due)}"]
    out.append("says the impact" if update.impact else "does not say the impact on customers")
    if np.isnan(update.next):
        out.append("gives no time for the next update")
        return out
    later = [u.time for u in found.updates if u.time > update.time]
    restored = [t for t in found.restorations if t > update.time]  # stakeholders then hear it is back
    ends = [t for t in (later[0] if later else np.nan, restored[0] if restored else np.nan, found.end)
            if not np.isnan(t)]
    if ends and min(ends) <= update.promised + 1e-9:
        out.append("promise kept")
    elif ends:
        out.append(f"promise broken: nothing for {fmt(min(ends) - update.promised)} past the time it gave")
    else:
        out.append("next update not sent by the drill's end")
    return out


def costly_decisions(found: Account, since: Callable[[float], str]) -> list[str]:
    """The decisions the account shows cost the most, in words: health called on someone's word (and what the
    reopening cost: the outage from the first restoration to the one that held), and temporary fixes left in
    place or put off (reliability debt)."""
    out = []
    for resolution in found.resolutions:
        if resolution.how != ANECDOTE:
            continue
        reopening = next((r for r in found.reopenings if r.time > resolution.time), None)
        if reopening is None:
            out.append(f"At {since(resolution.time)} you called it resolved on someone's word, without data. It "
                       "held this time; confirming with metrics and logs costs minutes, a reopening hours.")
            continue
        restored = next((t for t in found.restorations if t > reopening.time), np.nan)
        after = (f"service was restored for good only at {since(restored)}: **{fmt(restored - reopening.time)}** "
                 "more of the outage" if not np.isnan(restored) else "service was not restored again by the "
                 "drill's end")
        out.append(f"At {since(resolution.time)} you called it resolved on someone's word, without data: it was "
                   f"not healthy and reopened {fmt(reopening.after)} later ({since(reopening.time)}); {after}. "
                   "Metrics and logs would have shown it.")
    if found.cleanup == SKIPPED:
        out.append("You left the temporary fixes in place (the cleanup was skipped): reliability debt that stays "
                   "until someone removes it. While a fix stays, the failures it makes likelier can start, and the "
                   "next responder meets a system that is not as documented.")
    elif found.cleanup == LATE:
        out.append(f"You put off removing the temporary fixes ({fmt(found.late_by)} late"
                   + (f", removed {since(found.cleaned_up_at)}" if not np.isnan(found.cleaned_up_at) else "")
                   + "): reliability debt for that long.")
    return out


def _pct(value: float) -> str:
    return "–" if np.isnan(value) else f"{value:.0f}%"


def _signed(minutes: float) -> str:
    if abs(minutes) < 1 / 120:
        return "0s"
    return f"{'+' if minutes > 0 else '−'}{fmt(abs(minutes))}"


DECISION_ACTIONS = ("declared", "escalated", "roles_assembled", "investigation_started", "clue_found",
                    "mitigation_started", "mitigation_failed", "mitigated", "status_update", "resolved",
                    "customer_escalated", "unavailable", "acknowledged", "reopened")


def _lines(events: Log, origin: float, incident: int = 1) -> list[str]:
    out = []
    for e in map(Event._make, events):
        if e.incident != incident or e.action not in DECISION_ACTIONS:
            continue
        if e.action == "escalated" and e.actor != "Incident Commander":
            continue
        d = e.detail or {}
        what = {"declared": f"declared{' ' + d['severity'] if 'severity' in d else ''}",
                "escalated": f"escalated to level {d.get('level')}" + (" (mobilised)" if d.get("mobilised") else ""),
                "roles_assembled": f"roles in place: {d.get('roles')}",
                "investigation_started": "investigating", "clue_found": f"clue: {d.get('clue')}",
                "mitigation_started": "tried alone first" if d.get("alone") else f"{d.get('mitigation')} started",
                "mitigation_failed": "not fixed alone" if _alone(e) else f"{d.get('mitigation')} did not help",
                "mitigated": f"service restored by {d.get('mitigation')}",
                "status_update": f"update by {'you' if e.actor == 'Incident Commander' else e.actor}"
                + ("" if d.get("on_time", True) else " (late)"),
                "resolved": "called resolved on anecdote" if d.get("by") == "anecdote" else "health confirmed",
                "reopened": "reopened", "customer_escalated": "a customer escalated",
                "unavailable": f"{e.actor} unreachable", "acknowledged": f"{e.actor} acknowledged"}[e.action]
        out.append(f"+{fmt(e.time - origin)} {what}")
    return out


def _side_by_side(you: Log, policy: Log, origin: float, incident: int = 1) -> tuple[tuple[Cell, ...], ...]:
    left, right = _lines(you, origin, incident), _lines(policy, origin, incident)
    size = max(len(left), len(right))
    left += [""] * (size - len(left))
    right += [""] * (size - len(right))
    return tuple((Cell(x), Cell(y)) for x, y in zip(left, right, strict=True))


def _differences(mine: dict[str, Any], theirs: dict[str, Any], origin: float) -> list[str]:
    out = []
    if mine["declared"] != theirs["declared"] or mine["severity"] != theirs["severity"]:
        def when(found: dict) -> str:
            return "never" if found["declared"] is None else f"at +{fmt(found['declared'] - origin)} at " \
                f"{found['severity']}"

        out.append(f"You declared {when(mine)}; the policy declared {when(theirs)}.")
    if mine["escalations"]:
        out.append("You escalated the page yourself at " + ", ".join(f"+{fmt(t - origin)}" for t in
                                                                   mine["escalations"])
                   + "; the policy leaves it to the pager's timeouts.")
    if (mine["roles"], mine["assigned"]) != (theirs["roles"], theirs["assigned"]):
        out.append(f"Roles: yours were {_roles(mine)}; the policy's {_roles(theirs)}.")
    if mine["steps"] != theirs["steps"]:
        out.append(f"You tried {' → '.join(mine['steps']) or 'nothing'}; the policy tried "
                   f"{' → '.join(theirs['steps']) or 'nothing'}.")
    if mine["alone"] != theirs["alone"]:
        out.append("You tried to fix it alone first; the policy declared." if mine["alone"] else
                   "You declared; the policy's engineer tried to fix it alone first.")
    if mine["confirmed"] != theirs["confirmed"] or mine["reopened"] != theirs["reopened"]:
        out.append(f"You confirmed {_confirmed(mine)}; the policy confirmed {_confirmed(theirs)}.")
    if mine["cleanup"] != theirs["cleanup"]:
        mine_, theirs_ = (CLEANUP_WORDS.get(found["cleanup"], "were not removed by the drill's end")
                          for found in (mine, theirs))
        out.append(f"Temporary fixes: yours {mine_}; the policy's {theirs_}.")
    if mine["items"] != theirs["items"]:
        out.append(f"Your postmortem wrote {_items(mine['items'])}; the policy's {_items(theirs['items'])}.")
    if len(mine["updates"]) != len(theirs["updates"]):
        out.append(f"You sent {len(mine['updates'])} stakeholder updates; the policy sent {len(theirs['updates'])}.")
    return out


def _alone(event: Event) -> bool:
    """The alerted engineer's time alone, ended (its failure says so in its reason)."""
    detail = event.detail or {}
    return bool(detail.get("alone")) or str(detail.get("reason", "")).startswith(ALONE_REASON)


def _confirmed(found: dict) -> str:
    ways = " then ".join("on anecdote" if by == "anecdote" else "with data" for by in found["confirmed"]) or "nothing"
    return ways + (f" (it reopened {found['reopened']}×)" if found["reopened"] else "")


def _items(count: int | None) -> str:
    return "no postmortem" if count is None else f"{count} action item{'s' * (count != 1)}"


def _roles(found: dict) -> str:
    named = ", ".join(f"{who} as {role}" for who, role in found["assigned"])
    return f"{found['roles'] or 'not assembled'}" + (f" ({named})" if named else "")
