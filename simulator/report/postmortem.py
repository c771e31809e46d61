"""A blameless postmortem draft of one incident: summary, impact, timeline, what went well, what went badly,
contributing factors and action items, filled in from the event log, with marked prompts for what only the
people who were there can write. It speaks of conditions and tools, never of who got it wrong."""

from __future__ import annotations

import numpy as np

from simulator.errors import DrillsimError
from simulator.events import Event, incident_label
from simulator.report.document import PROMPT_MARK, Block, Bullets, Cell, Heading, Paragraph, Prompt, Table
from simulator.report.narrative import CAUSES, MEANS, Context, incident_id, scribe_log, state_text
from simulator.report.tracks import Track, tracks
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
               level: int = 2) -> list[Block]:
    """The draft for `incident`, from the events of its whole replication (to see what else was going on)."""
    everyone = tracks(events)
    track = next((t for t in everyone if t.incident == incident), None)
    if track is None or "onset" not in track.at:
        raise DrillsimError(f"{incident_label(incident)} is not in the event log of this replication")
    replication = events[0].replication
    others = [t for t in everyone if t.incident != incident]
    blocks: list[Block] = [
        Heading(level, f"{incident_label(incident)} of replication {replication} "
                       f"(`{incident_id(replication, incident)}`): postmortem draft",
                anchor=f"incident-{replication}-{incident}"),
        Paragraph("A blameless draft written from the simulation's event log"
                  f"{f' ({why})' if why else ''}. Places marked **{PROMPT_MARK}** are for the people who "
                  "were there."),
        Heading(level + 1, "Summary"), Paragraph(summary(track, context)),
        Prompt("what customers saw, in one or two sentences, and why this incident matters."),
        Heading(level + 1, "Impact"), Bullets(tuple(impact(track, context))),
        Prompt("failed requests or orders, revenue, error budget spent, customer tickets."),
        Heading(level + 1, "Timeline"), Paragraph(f"The Scribe's log. Times are {context.clock.describe()}."),
        scribe_log([e for e in events if e.incident == incident], context, others),
    ]
    sections = (
        ("What went well", went_well(track, context), "what else helped? Ask the responders."),
        ("What went badly", went_badly(track, context, others),
         "what got in the way? Describe conditions and tools, not people."),
        ("Contributing factors", factors(track, context, others),
         "which conditions made this failure possible, or its impact larger? Ask how, not who."),
    )
    for title, items, prompt in sections:
        blocks += [Heading(level + 1, title), Bullets(tuple(items)) if items else Paragraph(NOTHING), Prompt(prompt)]
    rows = tuple((Cell(action), Cell(reason), Cell(f"{PROMPT_MARK}: owner"), Cell(f"{PROMPT_MARK}: due date"))
                 for action, reason in actions(track))
    blocks.append(Heading(level + 1, "Action items"))
    if rows:
        blocks.append(Table(("action", "why", "owner", "due"), rows))
    blocks.append(Prompt("the action items the review agrees on, each with an owner and a due date, scheduled "
                         "into the coming sprints."))
    return blocks


def summary(track: Track, context: Context) -> str:
    at, clock = track.at, context.clock
    onset = at["onset"]
    description = context.scenario.get("failure_mode_descriptions", {}).get(track.mode, "")
    parts = [f"On {clock.day(onset)} at {clock.time(onset)}, **{track.mode}** began ({track.severity}, caused by "
             f"{CAUSES.get(track.cause, track.cause)})." + (f" {description}" if description else "")]
    if "detected" in at:
        parts.append(f"It was detected {fmt(at['detected'] - onset)} after onset, by "
                     f"{CHANNEL_NOUNS.get(track.channel, track.channel)}.")
    if "mitigated" in at:
        worked = next((MEANS.get(a[2], a[2]) for a in track.attempts if a[3]), "")
        failed = [a[2] for a in track.attempts if not a[3]]
        tried = f" after {' and '.join(failed)} did not help" if failed else ""
        parts.append(f"Service was restored by {worked}{tried}, **{fmt(at['mitigated'] - onset)}** after onset.")
    else:
        parts.append("Service was not restored before the simulated period ended.")
    if "resolved" in at:
        cleaned = f", and temporary fixes were removed by {clock.stamp(at['cleaned_up'])}" if "cleaned_up" in at else ""
        after = fmt(at["resolved"] - at["mitigated"])
        if track.reopened is not None:
            again = (f"service was restored again **{fmt(track.restored_again - onset)}** after onset"
                     if track.restored_again is not None else "service was not restored again before the "
                     "simulated period ended")
            parts.append(f"It was called healthy on anecdote {after} later, without data, and was not: it reopened "
                         f"{fmt(track.reopened - at['resolved'])} after that, and {again}{cleaned}.")
        elif track.confirmed_by == "anecdote":
            parts.append(f"It was called healthy on anecdote {after} later, without data{cleaned}.")
        else:
            parts.append(f"Health was confirmed {after} later{cleaned}.")
    return " ".join(parts)


def impact(track: Track, context: Context) -> list[str]:
    onset = track.at["onset"]
    out = []
    if track.restored is not None:
        ttr = track.restored - onset  # to the second restoration when it reopened, as the metrics count it
        again = " for good, after the reopening" if track.reopened is not None else ""
        out.append(f"Service was degraded for **{fmt(ttr)}** (onset → service restored{again}); severity "
                   f"{track.severity}.")
        median, p95 = context.stat("mttr", "median"), context.stat("mttr", "p95")
        typical = f" (median {fmt(median)}, p95 {fmt(p95)})" if median is not None and p95 is not None else ""
        restored = int(np.count_nonzero(~np.isnan(context.table.mitigated)))
        longer = 1 - context.share_below("mttr", ttr)  # the share that took this long or longer
        if round(longer * restored) <= 1:
            out.append(f"It was the slowest of all {restored} simulated incidents{typical}.")
        else:
            share = f"{longer:.0%}" if longer >= 0.01 else "under 1%"
            out.append(f"{share} of all {restored} simulated incidents took this long or longer{typical}.")
    else:
        out.append(f"Service was still not restored when the simulated period ended "
                   f"({state_text(track.open_state)}).")
    if track.resolved is not None:
        how = "called healthy on anecdote" if track.confirmed_by == "anecdote" and track.reopened is None else \
            "health confirmed"
        out.append(f"Time to resolve ({how}): {fmt(track.resolved - onset)}.")
    return out


def went_well(track: Track, context: Context) -> list[str]:
    at, onset = track.at, track.at["onset"]
    out = []
    if track.channel in AUTOMATED and "detected" in at:
        out.append(f"Automated detection: {CHANNEL_NOUNS[track.channel]} caught the failure "
                   f"{fmt(at['detected'] - onset)} after onset, before customers reported it.")
    if "declared" in at and at["declared"] - at["detected"] < 1 / 60:
        out.append("Declaration was automatic: the incident opened the moment it was detected.")
    elif "declared" in at and at["declared"] - at["detected"] <= 5:
        out.append(f"The incident was declared {fmt(at['declared'] - at['detected'])} after detection: "
                   "the team mobilised early.")
    if "acknowledged" in at and track.waited == 0:
        out.append("A responder was free at once: the page did not queue behind other incidents.")
    if not track.secondary and "acknowledged" in at and at["acknowledged"] - at["page_delivered"] <= PAGING_TARGET:
        out.append(f"The page was acknowledged in {fmt(at['acknowledged'] - at['page_delivered'])}, within the "
                   "5-minute paging target for user-facing services.")
    if track.secondary and "acknowledged" in at:
        out.append(f"Escalation worked: {track.secondary} acknowledged "
                   f"{fmt(at['acknowledged'] - at['escalated'])} after the page escalated.")
    if track.attempts and track.attempts[0][3]:
        begin, end, name, _ = track.attempts[0]
        out.append(f"The first mitigation tried, {name}, restored service in {fmt(end - begin)}.")
    median = context.stat("mttr", "median")
    if "mitigated" in at and median and at["mitigated"] - onset <= 0.75 * median:
        out.append(f"Service was restored in {fmt(at['mitigated'] - onset)}, well under the median simulated "
                   f"incident's {fmt(median)}.")
    if "postmortem_held" in at:
        out.append(f"A blameless postmortem was held {fmt(at['postmortem_held'] - at['resolved'])} after resolution.")
    return out


def went_badly(track: Track, context: Context, others: list[Track]) -> list[str]:
    at, onset = track.at, track.at["onset"]
    out = []
    if track.channel == "customer_report" and "detected" in at:
        out.append(f"Customers reported the failure before any alert fired, {fmt(at['detected'] - onset)} after "
                   "onset.")
    elif "detected" in at and context.share_below("mttd", at["detected"] - onset) >= 0.9:
        out.append(f"Detection took {fmt(at['detected'] - onset)}, longer than for 90% of simulated incidents.")
    if "declared" in at and at["declared"] - at["detected"] > 15:
        out.append(f"Declaring the incident took {fmt(at['declared'] - at['detected'])} after detection.")
    if track.waited > 0:
        busy = [t.label for t in others if t.at.get("acknowledged", np.inf) <= at["page_delivered"] - track.waited
                < t.at.get("resolved", np.inf)]
        out.append(f"The page waited {fmt(track.waited)} for a free responder"
                   + (f": the people it reached were working on other incidents ({', '.join(busy)})." if busy
                      else "."))
    if track.escalated:
        escalate = context.scenario.get("escalate_after_minutes")
        out.append("The page was not acknowledged" + (f" within the {fmt(escalate)} timeout" if escalate else "")
                   + " and escalated" + ("; the next level answered it." if track.secondary else "."))
    for begin, end, name, worked in track.attempts:
        if not worked:
            out.append(f"{name.capitalize()} took {fmt(end - begin)} and did not restore service.")
    final = next((a for a in track.attempts if a[3]), None)
    if final and final[2] == "debug" and len(track.attempts) > 1:
        out.append(f"Service came back only by debugging live, which took {fmt(final[1] - final[0])}.")
    if "mitigated" in at and context.share_below("mttr", at["mitigated"] - onset) >= 0.9:
        out.append("The time to restore was longer than for 90% of simulated incidents.")
    if "cleaned_up" in at and at["cleaned_up"] - at["resolved"] > 1440:
        out.append(f"Temporary fixes stayed in place for {fmt(at['cleaned_up'] - at['resolved'])} after resolution.")
    if track.open_state:
        out.append(f"The incident was still open when the simulated period ended ({state_text(track.open_state)}).")
    return out


def factors(track: Track, context: Context, others: list[Track]) -> list[str]:
    description = context.scenario.get("failure_mode_descriptions", {}).get(track.mode, "")
    trigger = f"Trigger: {CAUSES.get(track.cause, track.cause)} ({track.mode})."
    out = [f"{trigger} {description}" if description else trigger]
    start, end = track.at["onset"], track.at.get("resolved", np.inf)
    overlapping = [t for t in others if t.at.get("onset", np.inf) < end and t.at.get("resolved", np.inf) > start]
    if overlapping:
        out.append(f"{len(overlapping)} other incident{'s were' if len(overlapping) > 1 else ' was'} open at the same "
                   f"time ({', '.join(t.label for t in overlapping)}), competing for the same responders.")
    if any(a[2] == "rollback" and not a[3] for a in track.attempts) and track.cause != "deployment":
        policy = context.scenario.get("mitigation_policy", "")
        out.append(f"The mitigation policy ({policy}) tries rollback first, but no deployment caused this failure.")
    if track.channel == "customer_report":
        out.append(f"No automated alert caught {track.mode} before customers did.")
    return out


def actions(track: Track) -> list[tuple[str, str]]:
    """(action, why) suggested by what went badly."""
    out = []
    if track.channel == "customer_report":
        out.append((f"Add or tighten an alert for {track.mode}, for example an SLO burn-rate alert.",
                    "customers noticed before monitoring did"))
    if track.waited > 0:
        out.append(("Review on-call capacity for overlapping incidents.",
                    f"the page queued {fmt(track.waited)} for a free responder"))
    if track.escalated:
        out.append(("Check that pages reach the primary (device, signal, volume) and the escalation timeout.",
                    "the page escalated unanswered"))
    for _, _, name, worked in track.attempts:
        if worked:
            continue
        if name == "rollback" and track.cause != "deployment":
            out.append((f"Give {track.mode} a stop-gap that fits a {track.cause} failure: a mitigation in the "
                        f"scenario's catalogue that applies to {track.cause}, tried before rollback.",
                        "a rollback cannot undo a failure that no deployment caused"))
        else:
            out.append((f"Make {name} dependable for {track.mode}.", f"{name} did not restore service"))
    final = next((a for a in track.attempts if a[3]), None)
    if final and final[2] == "debug" and final[1] - final[0] > 60:
        out.append((f"Write a runbook for {track.mode}, so that restoring service does not wait on live debugging.",
                    f"debugging live took {fmt(final[1] - final[0])}"))
    return out
