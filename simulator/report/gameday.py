"""Game days on paper: the facilitator's plan and a drill's score as report blocks (rendered to Markdown and
HTML by markdown.py and html.py), and the score as a terminal table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from rich.table import Table as RichTable

from simulator.report.document import Block, Bullets, Cell, Heading, Image, Paragraph, Prompt, Table
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.history.plan import Plan
    from simulator.history.score import Score


def when(plan: Plan, minutes: float) -> str:
    """A moment of the drill: the clock time when the injection time is set ('14:07', '00:10 next day'), else
    the time since the injection ('T+7m')."""
    if math.isnan(minutes):
        return "–"
    if plan.at is None:
        return f"T+{format_duration(minutes)}" if minutes > 0 else "T"
    moment = plan.at + timedelta(minutes=minutes)
    days = (moment.date() - plan.at.date()).days
    return f"{moment:%H:%M}" + ("" if days == 0 else " next day" if days == 1 else f" (+{days} days)")


def _span(plan: Plan, low: float, high: float) -> str:
    return f"{when(plan, low)}–{when(plan, high)}"


def cue_text(minutes: float) -> str:
    """A cue's wait as a facilitator reads a clock: rounded up to the minute ('16m', '1h 5m')."""
    return format_duration(math.ceil(minutes - 1e-9)) if minutes >= 1 else format_duration(minutes)


def _minutes(value: float) -> Cell:
    return Cell(format_duration(value), None if math.isnan(value) else value)


def plan_blocks(plan: Plan, figure_png: bytes, scenario_file: str) -> list[Block]:
    sim = plan.simulated
    restore = plan.expect("restoration")
    at = (f"on {plan.at:%a %d %b %Y} at {plan.at:%H:%M} (UTC{plan.at:%z})" if plan.at is not None
          else "at a time to agree (give --at to put clock times in this plan)")
    severities = ", ".join(f"{level} {weight:.0%}" for level, weight in plan.mode.severities)
    blocks: list[Block] = [
        Heading(1, f"Game-day plan: {plan.mode.name}"),
        Paragraph(f"Inject **{plan.mode.name}** {at}. The scenario “{plan.scenario.name}” expects service to be "
                  f"restored {format_duration(restore.median)} after the injection (median; 80% of simulated runs "
                  f"between {format_duration(restore.p10)} and {format_duration(restore.p90)})."),
        Heading(2, "The failure", "failure"),
        Table(("", ""), (
            (Cell("failure mode"), Cell(f"`{plan.mode.name}`: {plan.mode.description.strip() or 'no description'}")),
            (Cell("cause"), Cell(plan.mode.cause)),
            (Cell("severity to declare"), Cell(f"{plan.severity} (the scenario's mix: {severities})")),
            (Cell("inject"), Cell(at)),
            (Cell("the team"), Cell("busy with another incident (--under-load)" if sim.conditions.load ==
                                    "under-load" else "on a quiet day: no other incident open")),
        )),
        Heading(2, "Who should be on call", "on-call"),
        Bullets(tuple(page_line(plan, page) for page in plan.on_call.pages)
                + ((f"then every level again, {plan.on_call.repeat} more time(s)",) if plan.on_call.repeat else ())
                + ("the Facilitator and any Observer are not on call",)),
        *((Paragraph(plan.on_call.note[0].upper() + plan.on_call.note[1:] + "."),) if plan.on_call.note else ()),
        Heading(2, "What to expect", "expect"),
        Table(("phase", "from → to", "p10", "median", "p90", "p95: step in"),
              tuple((Cell(e.label), Cell(e.span), _minutes(e.p10), _minutes(e.median), _minutes(e.p90),
                     _minutes(e.p95)) for e in plan.expected),
              numeric=(False, False, True, True, True, True)),
        Paragraph(f"From {sim.incidents:,} simulated incidents ({sim.conditions.describe()}) among "
                  f"{sim.simulated:,} in {sim.replications:,} replications of "
                  f"{format_duration(plan.scenario.horizon)}, "
                  f"seed {sim.seed}. Time to acknowledge counts from the first alert and includes declaring the "
                  "incident and waiting for a free responder."
                  + ("" if sim.by_period else " The scenario plays the same response at every hour of the day.")),
        Image("plan", "The expected timeline after the injection", "When each moment is expected: 80% of simulated "
              "runs reach it within the bar, the circle is the median, the triangle the cue to step in.",
              figure_png),
        Heading(2, "When to step in", "cues"),
        Table(("at", "if", "then"), tuple(
            (Cell(f"{cue_text(c.wait)} after {c.since}" + (f" (about {when(plan, c.after)})"
                                                                    if plan.at else "")),
             Cell(c.check), Cell(c.action)) for c in plan.cues)),
        Heading(2, "When to stop", "abort"),
        Bullets(tuple(plan.abort)),
        Heading(2, "Roles", "roles"),
    ]
    for role, who, items in plan.roles:
        blocks += [Heading(3, f"{role}: {who}"), Bullets(items)]
    moments = [("failure injected", "T" if plan.at is None else when(plan, 0.0))]
    moments += [(m.label, _span(plan, m.p10, m.p90)) for m in plan.milestones]
    rows = [(Cell(label), Cell(expected), Cell(""), Cell("")) for label, expected in moments]
    rows += [(Cell("other (decision, action, update)"), Cell(""), Cell(""), Cell(""))] * 6
    blocks += [
        Heading(2, "The Scribe's timeline", "timeline"),
        Paragraph("Write each moment to the minute as it happens. Expected is the range 80% of simulated runs "
                  "fall in."),
        Table(("moment", "expected", "time", "who / notes"), tuple(rows)),
        Heading(2, "After the drill", "after"),
        Paragraph("Copy the Scribe's times into `drill.csv` (written beside this plan: one row in the history "
                  "format, times with their time zone), then score the drill against the same scenario:"),
        Paragraph(f"`drillsim score drill.csv --scenario {scenario_file}`"),
        Prompt("what the drill taught, and the action items it leaves"),
    ]
    return blocks


def page_line(plan: Plan, page) -> str:
    """'level 1, from the primary rotation (…): Ana (on call at 14:00); the first free one takes the page'."""
    who = " or ".join(page.who) if page.one else ", ".join(page.who)
    when = f" (on call at {plan.at:%H:%M})" if plan.at is not None and page.source.startswith("the ") else ""
    head = "level 1" if page.number == 1 else (f"level {page.number}, after "
                                               f"{format_duration(plan.on_call.pages[page.number - 2].after)} "
                                               "without an acknowledgement")
    how = "the first free one takes the page" if page.one and len(page.who) > 1 else ""
    text = f"{head}, from {page.source}: {who or 'see the rotation'}{when}"
    return text + (f"; {how}" if how else "")


def plan_lines(plan: Plan) -> list[str]:
    """The plan in a few lines, for the terminal."""
    later = ["everyone" if p.source.startswith("everyone") else " and ".join(p.who)
             for p in plan.on_call.pages[1:] if p.who]
    lines = [f"Inject {plan.mode.name}" + (f" at {plan.at:%Y-%m-%d %H:%M %z}" if plan.at else "") +
             f"; on call: {' or '.join(plan.on_call.primaries) or 'see the plan'}"
             + (f", then {', then '.join(later)}" if later else "") + "."]
    for e in plan.expected:
        lines.append(f"  {e.label:<20} p10 {format_duration(e.p10):>8}  median {format_duration(e.median):>8}  "
                     f"p90 {format_duration(e.p90):>8}")
    for c in plan.cues:
        lines.append(f"Step in {cue_text(c.wait)} after {c.since} if {c.check}: {c.action}.")
    lines.append(f"Abort if service is not restored {format_duration(plan.abort_after)} after the injection.")
    return lines


# ── Scores ────────────────────────────────────────────────────────────────────────────────────────────────


def score_table(scores: Sequence[Score]) -> RichTable:
    table = RichTable(title="Drill against the simulated runs" if len(scores) == 1 else "Incidents against the "
                      "simulated runs", title_justify="left", header_style="bold")
    for name, right in (("incident", False), ("phase", False), ("time", True), ("percentile", True),
                        ("sim. p10", True), ("sim. median", True), ("sim. p90", True), ("verdict", False)):
        table.add_column(name, justify="right" if right else "left", no_wrap=name != "verdict")
    for score in scores:
        for i, p in enumerate(score.phases):
            time = "–" if p.minutes is None else format_duration(p.minutes) + ("" if p.reached else "+")
            percentile = "" if p.percentile is None else f"{'≥' if p.lower_bound else ''}{p.percentile:.0f}"
            table.add_row(score.incident if i == 0 else "", p.label, time, percentile, format_duration(p.p10),
                          format_duration(p.median), format_duration(p.p90), p.band)
        table.add_section()
    return table


def score_lines(scores: Sequence[Score]) -> list[str]:
    lines = []
    for score in scores:
        prefix = f"{score.incident}: " if len(scores) > 1 else ""
        lines += [prefix + p.verdict + "." for p in score.phases if p.percentile is not None]
        lines.append(prefix + score.cost_sentence)
    return lines


def score_blocks(scores: Sequence[Score], figures: dict[str, bytes]) -> list[Block]:
    """score.md: per drill, the verdicts, the table and the figure."""
    blocks: list[Block] = [Heading(1, "Drill score" if len(scores) == 1 else "Incident scores")]
    for score, name in zip(scores, figure_names(scores), strict=True):
        sim = score.simulated
        started = f", started {score.started_at:%Y-%m-%d %H:%M %z}" if score.started_at else ""
        blocks += [
            Heading(2, f"{score.incident} ({score.mode}{started})"),
            Paragraph(f"Against {sim.incidents:,} simulated incidents of “{sim.scenario.name}” "
                      f"({sim.conditions.describe()}; {sim.replications:,} replications, seed {sim.seed})."
                      + ("" if sim.by_period else " The scenario plays the same response at every hour, so all "
                         "hours are pooled.")),
            Bullets((*(p.verdict for p in score.phases if p.percentile is not None), score.cost_sentence)),
            Table(("phase", "from → to", "drill", "percentile", "sim. p10", "sim. median", "sim. p90"),
                  tuple((Cell(p.label), Cell(p.span),
                         Cell("–" if p.minutes is None else format_duration(p.minutes) + ("" if p.reached else "+"),
                              p.minutes),
                         Cell("" if p.percentile is None else f"{'≥' if p.lower_bound else ''}{p.percentile:.0f}"),
                         _minutes(p.p10), _minutes(p.median), _minutes(p.p90)) for p in score.phases),
                  numeric=(False, False, True, True, True, True, True)),
        ]
        if name in figures:
            blocks.append(Image(name, f"{score.incident} on the simulated distributions",
                                "The drill's time on each phase's simulated distribution function (log axis).",
                                figures[name]))
    return blocks


def figure_names(scores: Sequence[Score]) -> list[str]:
    """The figure's file stem of each score: 'score' for one, else 'score-' and the incident's slug, unique
    even where two incidents' slugs agree ('INC 1' and 'inc-1')."""
    if len(scores) == 1:
        return ["score"]
    from simulator.outputs.names import unique_slugs

    names = unique_slugs((score.incident for score in scores), "incident")
    stems: list[str] = []
    for score in scores:  # the same incident scored twice (from two files) still gets two figures
        stem, count = f"score-{names[score.incident]}", 1
        while stem in stems:
            count += 1
            stem = f"score-{names[score.incident]}-{count}"
        stems.append(stem)
    return stems
