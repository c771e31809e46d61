"""The debrief of a drill: the trainee's timeline beside the scenario's policy on the same dice, where the
trainee's times fall among the simulated incidents of the same failure mode, what cost the most time, the
decisions that differed, the gaps between stakeholder updates, and a blameless postmortem draft.

Everything is read from the two event logs (the trainee's drill and the policy's, played with the same dice
and the same injects) and the incident table of a simulation of the scenario."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from simulator.events import Event
from simulator.report.clock import Clock
from simulator.report.document import Block, Bullets, Cell, Heading, Paragraph, Table
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


def times(events: list[Event], incident: int = 1) -> dict[str, float]:
    """The first minute of each action of `incident`."""
    at: dict[str, float] = {}
    for event in events:
        if event.incident == incident:
            at.setdefault(event.action, event.time)
    return at


def percentiles(you: list[Event], policy: list[Event], simulated: IncidentTable) -> list[Percentile]:
    """The trainee's and the policy's MTTD, MTTA and time to restore, and where each falls among the simulated
    incidents of the same failure mode (`simulated`, that mode's rows only)."""
    a, b = times(you), times(policy)
    out = []
    for metric, label, start, end in METRICS:
        values = getattr(simulated, end) - getattr(simulated, start)
        done = values[~np.isnan(values)]
        mine = a.get(end, np.nan) - a.get(start, np.nan)
        theirs = b.get(end, np.nan) - b.get(start, np.nan)
        out.append(Percentile(metric, label, mine, theirs, float(np.median(done)) if len(done) else np.nan,
                              float(np.quantile(done, 0.9)) if len(done) else np.nan, percentile(mine, values),
                              percentile(theirs, values), len(values)))
    return out


def phases(events: list[Event], incident: int = 1) -> list[tuple[str, float]]:
    """(what, minutes) of each stretch of the incident from its first alert to health confirmed, in order."""
    out, at = [], times(events, incident)
    for label, start, end in (("deciding to declare", "detected", "declared"),
                              ("paging until someone acknowledged", "declared", "acknowledged"),
                              ("assembling the roles", "acknowledged", "roles_assembled")):
        if start in at and end in at:
            out.append((label, at[end] - at[start]))
    started = None
    for event in events:
        if event.incident != incident:
            continue
        if event.action in ("mitigation_started", "investigation_started"):
            started = event
        elif started is not None and event.action in ("mitigation_failed", "mitigated", "clue_found"):
            if event.action == "clue_found":
                label = "investigating"
            else:
                name = "working alone" if (started.detail or {}).get("alone") else \
                    (started.detail or {}).get("mitigation", "")
                label = f"{name} (restored service)" if event.action == "mitigated" else f"{name} (did not help)"
            out.append((label, event.time - started.time))
            started = None
    if "mitigated" in at and "resolved" in at:
        resolved = next(e for e in events if e.incident == incident and e.action == "resolved")
        how = "calling it resolved on anecdote" if (resolved.detail or {}).get("by") == "anecdote" else \
            "confirming health with data"
        out.append((how, at["resolved"] - at["mitigated"]))
    return out


def _totals(pairs: list[tuple[str, float]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for label, minutes in pairs:
        totals[label] = totals.get(label, 0.0) + minutes
    return totals


def update_gaps(events: list[Event], incident: int = 1) -> list[float]:
    """The silences stakeholders sat through: declaration → each update → service restored (or the end)."""
    at = times(events, incident)
    if "declared" not in at:
        return []
    end = at.get("mitigated", max(e.time for e in events if e.incident == incident))
    marks = [at["declared"], *sorted(e.time for e in events if e.incident == incident
                                     and e.action == "status_update" and e.time <= end), end]
    return [b - a for a, b in itertools.pairwise(marks)]


def decisions(events: list[Event], incident: int = 1) -> dict[str, object]:
    """The Incident Commander's decisions in a log: when declared and at which severity, escalations, roles,
    the mitigations and investigations in order, the updates sent."""
    at = times(events, incident)
    mine = [e for e in events if e.incident == incident]
    onset = next((e for e in mine if e.action == "onset"), None)
    declared = next((e for e in mine if e.action == "declared"), None)
    severity = ((declared.detail or {}).get("severity") if declared else None) or \
        ((onset.detail or {}).get("severity") if onset else None)
    return {
        "declared": at.get("declared"), "severity": severity,
        "escalations": [e.time for e in mine if e.action == "escalated" and e.actor == "Incident Commander"],
        "roles": next(((e.detail or {}).get("roles") for e in mine if e.action == "roles_assembled"), None),
        "assigned": [(e.actor, (e.detail or {}).get("role")) for e in mine if e.action == "role_assigned"
                     and (e.detail or {}).get("role") != "Incident Commander"],
        "steps": [(e.detail or {}).get("mitigation", "investigate") for e in mine
                  if e.action in ("mitigation_started", "investigation_started") and not (e.detail or {}).get("alone")],
        "updates": [e for e in mine if e.action == "status_update"],
        "alone": any(e.action == "mitigation_started" and (e.detail or {}).get("alone") for e in mine),
        "confirmed": [(e.detail or {}).get("by", "data") for e in mine if e.action == "resolved"],
        "reopened": sum(e.action == "reopened" for e in mine),
        "cleanup": next((CLEANED[e.action] for e in mine if e.action in CLEANED), None),
        "items": next(((e.detail or {}).get("action_items", 0) for e in mine if e.action == "postmortem_held"), None),
    }


ALONE_REASON = "tried alone for"
"""How the engine words the end of a time alone that did not restore service (simulator.engine.practice)."""
CLEANED = {"cleaned_up": "now", "cleanup_late": "late", "cleanup_skipped": "skip"}
"""The first cleanup event of an incident, as the decision it shows (a late cleanup logs cleanup_late first)."""
CLEANUP_WORDS = {"now": "were removed on the planned date", "late": "were removed late",
                 "skip": "were never removed (the fix stayed in place)"}


RESOLVED_WAYS = {"data": "health confirmed with data", "anecdote": "called on anecdote", None: "not resolved"}


def _first_resolution(events: list[Event]) -> str | None:
    """How the drill's incident was first called resolved: "data", "anecdote", or None (it was not)."""
    first = next((e for e in events if e.incident == 1 and e.action == "resolved"), None)
    return None if first is None else (first.detail or {}).get("by", "data")


def debrief_blocks(you: list[Event], policy: list[Event], simulated: IncidentTable, *, mode: str, start,
                   hints: int = 0, postmortem: list[Block] = ()) -> list[Block]:
    """The debrief as report blocks (rendered as Markdown by report.markdown)."""
    clock = Clock(start)
    a, b = times(you), times(policy)
    origin = a.get("detected", 0.0)

    def since(minute: float | None) -> str:
        return "–" if minute is None or np.isnan(minute) else f"+{fmt(minute - origin)}"

    onset = next((e for e in you if e.incident == 1 and e.action == "onset"), None)
    detail = (onset.detail or {}) if onset else {}
    blocks: list[Block] = [
        Heading(1, f"Debrief: INC-0001, {mode}"),
        Paragraph(f"The failure was **{mode}** (cause: {detail.get('cause', '?')}, {detail.get('severity', '?')}), "
                  f"starting {clock.stamp(onset.time) if onset else '?'}; the first alert came "
                  f"{fmt(origin - onset.time) if onset else '?'} later ({clock.stamp(origin)}). Times below count "
                  "from that alert. The policy's side is the scenario's automatic policy playing the same "
                  "failure with the same dice and the same injects."
                  + (f" Hints taken: {hints}." if hints else "")),
        Heading(2, "Timeline beside the policy's"),
    ]
    ways = tuple(_first_resolution(events) for events in (you, policy))
    resolved = ("health confirmed (resolved)" if "anecdote" not in ways else
                f"resolved ({RESOLVED_WAYS[ways[0]]})" if ways[0] == ways[1] else
                f"resolved (you: {RESOLVED_WAYS[ways[0]]}; policy: {RESOLVED_WAYS[ways[1]]})")
    milestones = [("declared", "declared"), ("first page", "paged"), ("acknowledged", "acknowledged"),
                  ("roles in place", "roles_assembled"), ("service restored", "mitigated"), (resolved, "resolved")]
    rows = []
    for label, action in milestones:
        mine, theirs = a.get(action), b.get(action)
        diff = "–" if mine is None or theirs is None else (f"{'+' if mine >= theirs else '−'}"
                                                           f"{fmt(abs(mine - theirs))}")
        rows.append((Cell(label), Cell(since(mine), mine), Cell(since(theirs), theirs), Cell(diff)))
    blocks.append(Table(("milestone", "you", "policy", "you − policy"), tuple(rows), (False, True, True, True)))
    blocks.append(Table(("you", "policy"), _side_by_side(you, policy, origin), (False, False),
                        caption="Each decision and its outcome, in order."))

    found = percentiles(you, policy, simulated)
    blocks += [Heading(2, "Where your times fall in the simulation"),
               Paragraph(f"Among {found[0].count} simulated incidents of {mode}: the percentile is the share "
                         "that took less time (lower is faster; incidents the simulated period cut short count "
                         "as slower).")]
    blocks.append(Table(
        ("metric", "you", "percentile", "policy", "percentile", "simulated median", "simulated p90"),
        tuple((Cell(f"{p.metric} ({p.label})"), Cell(fmt(p.you), p.you), Cell(_pct(p.share_you)),
               Cell(fmt(p.policy), p.policy), Cell(_pct(p.share_policy)), Cell(fmt(p.median), p.median),
               Cell(fmt(p.p90), p.p90)) for p in found),
        (False, True, True, True, True, True, True)))

    mine_phases, their_phases = _totals(phases(you)), _totals(phases(policy))
    labels = list(dict.fromkeys([*mine_phases, *their_phases]))
    extra = {label: mine_phases.get(label, 0.0) - their_phases.get(label, 0.0) for label in labels}
    blocks.append(Heading(2, "What cost the most time"))
    if mine_phases:
        longest = max(mine_phases, key=mine_phases.get)
        text = f"Your longest stretch was **{longest}** ({fmt(mine_phases[longest])})."
        worst = max(extra, key=extra.get) if extra else None
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

    blocks += [Heading(2, "Decisions that differed from the policy"),
               Bullets(tuple(_differences(decisions(you), decisions(policy), origin)) or ("None: you decided as the "
                                                                                        "policy would.",))]

    gaps, their_gaps = update_gaps(you), update_gaps(policy)
    sent = decisions(you)["updates"]
    late = [e for e in sent if not (e.detail or {}).get("on_time", True)]
    text = (f"You sent {len(sent)} stakeholder update{'s' * (len(sent) != 1)}"
            + (f", {len(late)} late" if late else "") + ". ")
    if gaps:
        text += (f"Stakeholders waited {', '.join(fmt(g) for g in gaps)} between the declaration, each update "
                 f"and service restored: the longest silence was **{fmt(max(gaps))}**")
        text += (f" (the policy's: {fmt(max(their_gaps))})." if their_gaps else ".")
    blocks += [Heading(2, "Stakeholder updates"), Paragraph(text)]
    if postmortem:
        blocks += list(postmortem)
    return blocks


def _pct(value: float) -> str:
    return "–" if np.isnan(value) else f"{value:.0f}%"


def _signed(minutes: float) -> str:
    if abs(minutes) < 1 / 120:
        return "0s"
    return f"{'+' if minutes > 0 else '−'}{fmt(abs(minutes))}"


DECISION_ACTIONS = ("declared", "escalated", "roles_assembled", "investigation_started", "clue_found",
                    "mitigation_started", "mitigation_failed", "mitigated", "status_update", "resolved",
                    "customer_escalated", "unavailable", "acknowledged", "reopened")


def _lines(events: list[Event], origin: float) -> list[str]:
    out = []
    for e in events:
        if e.incident != 1 or e.action not in DECISION_ACTIONS:
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
                "status_update": f"update by {e.actor}" + ("" if d.get("on_time", True) else " (late)"),
                "resolved": "called resolved on anecdote" if d.get("by") == "anecdote" else "health confirmed",
                "reopened": "reopened", "customer_escalated": "a customer escalated",
                "unavailable": f"{e.actor} unreachable", "acknowledged": f"{e.actor} acknowledged"}[e.action]
        out.append(f"+{fmt(e.time - origin)} {what}")
    return out


def _side_by_side(you: list[Event], policy: list[Event], origin: float) -> tuple[tuple[Cell, ...], ...]:
    left, right = _lines(you, origin), _lines(policy, origin)
    size = max(len(left), len(right))
    left += [""] * (size - len(left))
    right += [""] * (size - len(right))
    return tuple((Cell(x), Cell(y)) for x, y in zip(left, right, strict=True))


def _differences(mine: dict, theirs: dict, origin: float) -> list[str]:
    out = []
    if mine["declared"] != theirs["declared"] or mine["severity"] != theirs["severity"]:
        when = "never" if mine["declared"] is None else f"at +{fmt(mine['declared'] - origin)}"
        out.append(f"You declared {when} at {mine['severity']}; the policy declared at "
                   f"+{fmt(theirs['declared'] - origin)} at {theirs['severity']}.")
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
