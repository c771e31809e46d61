"""A blameless postmortem draft of one incident: summary, impact, timeline, what went well, what went badly,
contributing factors and action items, filled in from the incident's account (simulator.results.account), with
marked prompts for what only the people who were there can write. It speaks of conditions and tools, never of
who got it wrong."""

from __future__ import annotations

import math

import numpy as np

from simulator.errors import DrillsimError
from simulator.events import Event, incident_label
from simulator.report.document import PROMPT_MARK, Block, Bullets, Cell, Heading, Paragraph, Prompt, Table
from simulator.report.narrative import CAUSES, MEANS, Context, incident_id, scribe_log, state_text
from simulator.results.account import (
    ALONE,
    ANECDOTE,
    AUTOMATION,
    INVESTIGATE,
    LATE,
    ON_TIME,
    PERSON,
    SKIPPED,
    Account,
    Attempt,
    accounts,
)
from simulator.units import format_duration as fmt

CHANNEL_NOUNS = {
    "monitoring": "a monitoring alert", "slo_burn": "an SLO burn-rate alert", "synthetic": "a synthetic check",
    "customer_report": "a customer report",
    "social_media": "customers posting on social media: found by customers in public",
}  # fmt: skip
AUTOMATED = ("monitoring", "slo_burn", "synthetic")
PAGING_TARGET = 5.0  # minutes: the SRE book's paging target for user-facing services
NOTHING = "Nothing stood out in the simulated record."


def postmortem(events: list[Event], incident: int, context: Context, *, why: str = "",
               level: int = 2, drill: bool = False) -> list[Block]:
    """The draft for `incident`, from the events of its whole replication (to see what else was going on).
    A `drill`'s incident is named alone: its one replication is not a simulated run's sample."""
    found = accounts(events)
    replication = events[0].replication if events else 0
    account = found.get((replication, incident))
    if account is None or math.isnan(account.onset):
        raise DrillsimError(f"{incident_label(incident)} is not in the event log of this replication")
    others = [a for key, a in found.items() if key[1] != incident]
    blocks: list[Block] = [
        Heading(level, f"{incident_label(incident)}: postmortem draft" if drill else
                f"{incident_label(incident)} of replication {replication} (`{incident_id(replication, incident)}`): "
                "postmortem draft",
                anchor=f"incident-{replication}-{incident}"),
        Paragraph("A blameless draft written from the simulation's event log"
                  f"{f' ({why})' if why else ''}. Places marked **{PROMPT_MARK}** are for the people who "
                  "were there."),
        Heading(level + 1, "Summary"), Paragraph(summary(account, context)),
        Prompt("what customers saw, in one or two sentences, and why this incident matters."),
        Heading(level + 1, "Impact"), Bullets(tuple(impact(account, context))),
        Prompt("failed requests or orders, revenue, error budget spent, customer tickets."),
        Heading(level + 1, "Timeline"), Paragraph(f"The Scribe's log. Times are {context.clock.describe()}."),
        scribe_log([e for e in events if e.incident == incident], context, others),
    ]
    sections = (
        ("What went well", went_well(account, context), "what else helped? Ask the responders."),
        ("What went badly", went_badly(account, context, others),
         "what got in the way? Describe conditions and tools, not people."),
        ("Contributing factors", factors(account, context, others),
         "which conditions made this failure possible, or its impact larger? Ask how, not who."),
    )
    for title, items, prompt in sections:
        blocks += [Heading(level + 1, title), Bullets(tuple(items)) if items else Paragraph(NOTHING), Prompt(prompt)]
    rows = tuple((Cell(action), Cell(reason), Cell(f"{PROMPT_MARK}: owner"), Cell(f"{PROMPT_MARK}: due date"))
                 for action, reason in actions(account))
    blocks.append(Heading(level + 1, "Action items"))
    if rows:
        blocks.append(Table(("action", "why", "owner", "due"), rows))
    blocks.append(Prompt("the action items the review agrees on, each with an owner and a due date, scheduled "
                         "into the coming sprints."))
    return blocks


def _reached(value: float) -> bool:
    return not math.isnan(value)


def _mitigations(a: Account) -> list[Attempt]:
    """The mitigations tried, in order (investigations left out)."""
    return [x for x in a.attempts if x.name != INVESTIGATE]


def _means(attempt: Attempt | None) -> str:
    return "" if attempt is None else MEANS.get(attempt.name, attempt.name)


def severity_text(a: Account) -> str:
    """The severity declared, and what it turned out to be when that was another."""
    declared = a.declared_severity or a.severity
    return declared if declared == a.severity else f"declared {declared}; it turned out to be {a.severity}"


def _cleanup_clause(a: Account, context: Context) -> str:
    if a.cleanup == SKIPPED:
        return "; the temporary fixes were never removed (the cleanup was skipped)"
    if a.cleanup == LATE and _reached(a.cleaned_up):
        return (f", and temporary fixes were removed {fmt(a.late_by)} later than planned, by "
                f"{context.clock.stamp(a.cleaned_up)}")
    if a.cleanup == LATE:
        return "; the cleanup of the temporary fixes was put off"
    if _reached(a.cleaned_up):
        return f", and temporary fixes were removed by {context.clock.stamp(a.cleaned_up)}"
    return ""


def summary(a: Account, context: Context) -> str:
    clock, onset = context.clock, a.onset
    description = context.scenario.get("failure_mode_descriptions", {}).get(a.mode, "")
    parts = [f"On {clock.day(onset)} at {clock.time(onset)}, **{a.mode}** began ({severity_text(a)}, caused by "
             f"{CAUSES.get(a.cause, a.cause)})." + (f" {description}" if description else "")]
    if _reached(a.detected):
        parts.append(f"It was detected {fmt(a.mttd)} after onset, by {CHANNEL_NOUNS.get(a.channel, a.channel)}.")
    holding = a.holding
    failed = [x.name for x in _mitigations(a) if x.failed]
    tried = f" after {' and '.join(failed)} did not help" if failed else ""
    first = a.first_resolution
    if a.reopenings and first is not None:
        undone = next((x for x in a.attempts if x.restored and not x.held), None)
        called = ("called healthy on anecdote" if first.how == ANECDOTE else "confirmed healthy") + \
            f" {fmt(first.time - a.first_restored)} later" + (", without data" if first.how == ANECDOTE else "")
        again = (f"service was restored for good by {_means(holding)} **{fmt(a.ttr)}** after onset"
                 if a.restored else "service was not restored again before the simulated period ended")
        times = f" ({len(a.reopenings)} times in all)" if len(a.reopenings) > 1 else ""
        parts.append(f"Service was first restored by {_means(undone)}, {fmt(a.first_ttr)} after onset. It was "
                     f"{called}, and was not: it reopened {fmt(a.reopenings[0].after)} after that{times}, and "
                     f"{again}.")
    elif a.restored:
        parts.append(f"Service was restored by {_means(holding)}{tried}, **{fmt(a.ttr)}** after onset.")
    else:
        parts.append("Service was not restored before the simulated period ended.")
    final = a.final_resolution
    if final is not None:
        after = fmt(final.time - a.mitigated)
        said = (f"It was called healthy on anecdote {after} later, without data" if final.how == ANECDOTE
                else f"Health was confirmed with data {after} later")
        parts.append(f"{said}{_cleanup_clause(a, context)}.")
    return " ".join(parts)


def impact(a: Account, context: Context) -> list[str]:
    out = []
    if a.restored:
        again = " for good, after the reopening" if a.reopenings else ""
        out.append(f"Service was degraded for **{fmt(a.ttr)}** (onset → service restored{again}); severity "
                   f"{severity_text(a)}.")
        median, p95 = context.stat("mttr", "median"), context.stat("mttr", "p95")
        typical = f" (median {fmt(median)}, p95 {fmt(p95)})" if median is not None and p95 is not None else ""
        restored = int(np.count_nonzero(~np.isnan(context.table.mitigated)))
        longer = 1 - context.share_below("mttr", a.ttr)  # the share that took this long or longer
        if round(longer * restored) <= 1:
            out.append(f"It was the slowest of all {restored} simulated incidents{typical}.")
        else:
            share = f"{longer:.0%}" if longer >= 0.01 else "under 1%"
            out.append(f"{share} of all {restored} simulated incidents took this long or longer{typical}.")
    else:
        out.append(f"Service was still not restored when the simulated period ended "
                   f"({state_text(a.open_state)}).")
    if _reached(a.resolved):
        how = "called healthy on anecdote" if a.confirmed_by == ANECDOTE else "health confirmed with data"
        out.append(f"Time to resolve ({how}): {fmt(a.time_to_resolve)}.")
    return out


def went_well(a: Account, context: Context) -> list[str]:
    out = []
    if a.channel in AUTOMATED and _reached(a.detected):
        out.append(f"Automated detection: {CHANNEL_NOUNS[a.channel]} caught the failure {fmt(a.mttd)} after onset, "
                   "before customers reported it.")
    if a.declared_by == AUTOMATION:
        out.append("Declaration was automatic: the incident opened the moment it was detected.")
    elif a.declared_by in (PERSON, "policy") and a.declared - a.detected < 1 / 60:
        out.append("The incident was declared at the first alert: the team mobilised at once.")
    elif a.declared_by != ALONE and _reached(a.declared) and a.declared - a.detected <= 5:
        out.append(f"The incident was declared {fmt(a.declared - a.detected)} after detection: "
                   "the team mobilised early.")
    if _reached(a.acknowledged) and a.waited == 0:
        out.append("A responder was free at once: the page did not queue behind other incidents.")
    answered = a.acknowledged - a.page_reached
    if a.level <= 1 and _reached(a.acknowledged) and answered <= PAGING_TARGET:
        out.append(f"The page was acknowledged in {fmt(answered)}, within the 5-minute paging target for "
                   "user-facing services.")
    if a.level > 1 and _reached(a.acknowledged):
        out.append(f"Escalation worked: {a.responder} acknowledged {fmt(a.acknowledged - a.escalated_at)} after "
                   "the page escalated.")
    tried = _mitigations(a)
    if tried and tried[0].held:
        out.append(f"The first mitigation tried, {tried[0].name}, restored service in {fmt(tried[0].minutes)}.")
    median = context.stat("mttr", "median")
    if a.restored and median and a.ttr <= 0.75 * median:
        out.append(f"Service was restored in {fmt(a.ttr)}, well under the median simulated incident's "
                   f"{fmt(median)}.")
    if a.confirmed_by == "data" and not a.reopenings:
        out.append("Health was confirmed with data before the incident was called resolved.")
    if a.cleanup == ON_TIME and _reached(a.cleaned_up):
        out.append("The temporary fixes were removed on the planned date.")
    if a.postmortem == "held" and _reached(a.resolved):
        out.append(f"A blameless postmortem was held {fmt(a.postmortem_at - a.resolved)} after resolution.")
    return out


def _busy_at(others: list[Account], at: float) -> list[str]:
    return [o.label for o in others if o.acknowledged <= at < (o.resolved if _reached(o.resolved) else math.inf)]


def went_badly(a: Account, context: Context, others: list[Account]) -> list[str]:
    out = []
    if a.channel == "customer_report" and _reached(a.detected):
        out.append(f"Customers reported the failure before any alert fired, {fmt(a.mttd)} after onset.")
    elif _reached(a.detected) and context.share_below("mttd", a.mttd) >= 0.9:
        out.append(f"Detection took {fmt(a.mttd)}, longer than for 90% of simulated incidents.")
    if _reached(a.declared) and a.declared - a.detected > 15:
        out.append(f"Declaring the incident took {fmt(a.declared - a.detected)} after detection.")
    if a.waited > 0:
        busy = _busy_at(others, a.page_reached - a.waited)
        out.append(f"The page waited {fmt(a.waited)} for a free responder"
                   + (f": the people it reached were working on other incidents ({', '.join(busy)})." if busy
                      else "."))
    if a.escalated:
        escalate = context.scenario.get("escalate_after_minutes")
        out.append("The page was not acknowledged" + (f" within the {fmt(escalate)} timeout" if escalate else "")
                   + " and escalated" + ("; the next level answered it." if a.level > 1 else "."))
    for x in _mitigations(a):
        if x.failed and x.alone:
            out.append(f"The alerted engineer tried alone for {fmt(x.minutes)} before declaring, without restoring "
                       "service.")
        elif x.failed:
            out.append(f"{x.name.capitalize()} took {fmt(x.minutes)} and did not restore service.")
    if a.on_anecdote:
        out.append("Restored service was called healthy on anecdote, without metrics or logs to confirm it"
                   + (", and it was not healthy." if a.reopenings else "."))
    for x in a.attempts:
        if x.restored and not x.held:
            out.append(f"{x.name.capitalize()} restored service {fmt(x.ended - a.onset)} after onset, but that did "
                       "not hold.")
    for reopening in a.reopenings:
        then = (f"service was restored for good {fmt(a.mitigated - reopening.time)} later" if a.restored
                else "service was not restored again before the simulated period ended")
        out.append(f"The incident reopened {fmt(reopening.after)} after it was called resolved; {then}.")
    holding = a.holding
    if holding is not None and holding.name == "debug" and len(_mitigations(a)) > 1:
        out.append(f"Service came back only by debugging live, which took {fmt(holding.minutes)}.")
    if a.restored and context.share_below("mttr", a.ttr) >= 0.9:
        out.append("The time to restore was longer than for 90% of simulated incidents.")
    if a.updates_late:
        out.append(f"{a.updates_late} of {len(a.updates)} stakeholder update{'s' * (len(a.updates) != 1)} went out "
                   f"late; the longest silence was {fmt(a.longest_silence)}.")
    if a.cleanup == SKIPPED:
        out.append("The temporary fixes were never removed: the cleanup was skipped, and they stay in place.")
    elif a.cleanup == LATE:
        late = f" {fmt(a.late_by)}" if a.late_by else ""
        out.append(f"The cleanup was put off: the temporary fixes stayed in place{late} longer than planned.")
    elif _reached(a.cleaned_up) and _reached(a.resolved) and a.cleaned_up - a.resolved > 1440:
        out.append(f"Temporary fixes stayed in place for {fmt(a.cleaned_up - a.resolved)} after resolution.")
    if a.open_state:
        out.append(f"The incident was still open when the simulated period ended ({state_text(a.open_state)}).")
    return out


def factors(a: Account, context: Context, others: list[Account]) -> list[str]:
    description = context.scenario.get("failure_mode_descriptions", {}).get(a.mode, "")
    trigger = f"Trigger: {CAUSES.get(a.cause, a.cause)} ({a.mode})."
    out = [f"{trigger} {description}" if description else trigger]
    start, end = a.onset, a.resolved if _reached(a.resolved) else math.inf
    overlapping = [o for o in others if o.onset < end and (o.resolved if _reached(o.resolved) else math.inf) > start]
    if overlapping:
        out.append(f"{len(overlapping)} other incident{'s were' if len(overlapping) > 1 else ' was'} open at the same "
                   f"time ({', '.join(o.label for o in overlapping)}), competing for the same responders.")
    if any(x.name == "rollback" and x.failed for x in a.attempts) and a.cause != "deployment":
        policy = context.scenario.get("mitigation_policy", "")
        out.append(f"The mitigation policy ({policy}) tries rollback first, but no deployment caused this failure.")
    if a.channel == "customer_report":
        out.append(f"No automated alert caught {a.mode} before customers did.")
    if a.on_anecdote:
        out.append("Recovery was judged on someone's word, not on data: nothing quick showed whether service was "
                   "healthy" + (", so the incident was closed while it was still failing." if a.reopenings else "."))
    if a.cleanup in (SKIPPED, LATE):
        out.append("Temporary fixes outlived the incident ("
                   + ("never removed" if a.cleanup == SKIPPED else "removed late")
                   + "): reliability debt that can start or worsen the next failure.")
    return out


def actions(a: Account) -> list[tuple[str, str]]:
    """(action, why) suggested by what went badly."""
    out = []
    if a.channel == "customer_report":
        out.append((f"Add or tighten an alert for {a.mode}, for example an SLO burn-rate alert.",
                    "customers noticed before monitoring did"))
    if a.waited > 0:
        out.append(("Review on-call capacity for overlapping incidents.",
                    f"the page queued {fmt(a.waited)} for a free responder"))
    if a.escalated:
        out.append(("Check that pages reach the primary (device, signal, volume) and the escalation timeout.",
                    "the page escalated unanswered"))
    for x in _mitigations(a):
        if not x.failed:
            continue
        if x.name == "rollback" and a.cause != "deployment":
            out.append((f"Give {a.mode} a stop-gap that fits a {a.cause} failure: a mitigation in the "
                        f"scenario's catalogue that applies to {a.cause}, tried before rollback.",
                        "a rollback cannot undo a failure that no deployment caused"))
        elif not x.alone:
            out.append((f"Make {x.name} dependable for {a.mode}.", f"{x.name} did not restore service"))
    if a.on_anecdote:
        out.append((f"Give responders a dashboard or query that shows whether {a.mode} has recovered, and "
                    "confirm with it before resolving.",
                    "health was called on anecdote" + (" and the incident reopened" if a.reopenings else "")))
    if a.cleanup == SKIPPED:
        out.append((f"Remove the temporary fixes left in place by {a.label}, with an owner and a date.",
                    "the cleanup was skipped: the fixes are still in place"))
    elif a.cleanup == LATE:
        out.append(("Put each incident's cleanup on the team's plan with a due date.",
                    f"the cleanup was put off{f' by {fmt(a.late_by)}' if a.late_by else ''}"))
    holding = a.holding
    if holding is not None and holding.name == "debug" and holding.minutes > 60:
        out.append((f"Write a runbook for {a.mode}, so that restoring service does not wait on live debugging.",
                    f"debugging live took {fmt(holding.minutes)}"))
    return out
