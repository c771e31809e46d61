"""What a report says, as document blocks: the scenario, the key numbers, the metrics table, the figures
with captions on how to read them, and the incident narratives. Everything comes from a results folder."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simulator.errors import DrillsimError
from simulator.events import incident_label
from simulator.outputs.names import ANSWERS
from simulator.report.censoring import beyond_text, censoring_notes, mean_text, percentile_text
from simulator.report.clock import Clock
from simulator.report.document import Block, Cell, Heading, Image, Paragraph, Table
from simulator.report.narrative import Context, incident_id, parse_incident_id, typical_incidents
from simulator.report.postmortem import postmortem
from simulator.report.practice_content import practice_blocks
from simulator.report.results import ResultsFolder
from simulator.results.metrics import METRICS, PERCENTILES, organic
from simulator.units import format_duration as fmt
from simulator.units import format_interval

STATS = ("mean", "ci", "median", "p90", "p95", "p99", "max")


def scenario_blocks(results: ResultsFolder) -> list[Block]:
    s, summary = results.scenario, results.summary
    clock = Clock(results.start)
    names = s.get("responder_names") or []
    team = f"{s.get('responders')} on call" + (f" ({', '.join(names)})" if names else "")
    if s.get("escalation"):
        levels = " → ".join(level["notifies"] for level in s["escalation"])
        afters = {level["after_minutes"] for level in s["escalation"]}
        team = (f"{len(names)} people ({', '.join(names)}); pages go to {levels}"
                + (f", {fmt(afters.pop())} a level" if len(afters) == 1 else ""))
    elif s.get("secondary"):
        team += f"; pages escalate to {s['secondary']}"
        if s.get("escalate_after_minutes"):
            team += f" after {fmt(s['escalate_after_minutes'])}"
    start = f", from {clock.day(0)} {clock.time(0)}" if clock.wall else " (no calendar start: times are day D hh:mm)"
    incidents, reps = summary["incidents"], results.replications
    open_count = summary.get("not_restored_at_horizon", 0)
    policy = s.get("mitigation_policy")
    facts = [
        ("scenario", s["name"]),
        ("simulated period", f"{fmt(results.horizon)} per replication{start}"),
        ("replications", f"{reps} (seed {summary['seed']})"),
        ("team", team),
        ("failure modes", ", ".join(s.get("failure_modes", []))),
        ("mitigation policy", policy if isinstance(policy, str) else " → ".join(policy or [])),
        ("incidents", f"{incidents} in all, {incidents / max(reps, 1):.1f} per replication"
                      + (f"; {open_count} not restored when the period ended" if open_count else "")),
        ("made with", f"drillsim {summary.get('drillsim_version', '')}"),
    ]
    blocks: list[Block] = [Heading(1, f"Incident response drill: {s['name']}")]
    if s.get("description"):
        blocks.append(Paragraph(s["description"]))
    blocks += [Heading(2, "What was simulated", anchor="scenario"),
               Table(("", ""), tuple((Cell(k), Cell(str(v))) for k, v in facts))]
    return blocks


def key_numbers(summary: dict) -> Paragraph:
    m = summary["metrics"]
    mttr, mttd, mtbf = m["mttr"], m["mttd"], m["mtbf"]
    parts = []
    if mttr.get("median") is not None:
        mean = (f"was **{fmt(mttr['mean'])}**" if mttr.get("restricted_to") is None else
                f"counting each incident up to {fmt(mttr['restricted_to'])} only, was at least **{fmt(mttr['mean'])}**")
        parts.append(f"The typical (median) incident was restored in **{fmt(mttr['median'])}**; the mean, pulled up "
                     f"by the long tail, {mean} (95% interval {format_interval(mttr['ci_low'], mttr['ci_high'])}). "
                     f"One incident in twenty took longer than {beyond_text(mttr, 'p95', '**')}.")
    if mttd.get("median") is not None:
        parts.append(f"Half of the failures were detected within {fmt(mttd['median'])}, and one in twenty took more "
                     f"than {beyond_text(mttd, 'p95')}.")
    if mtbf.get("mean") is not None:
        parts.append(f"A new failure started every {fmt(mtbf['mean'])} on average (median gap {fmt(mtbf['median'])}).")
    return Paragraph(" ".join(parts) or "No incident was restored in the simulated period.")


def metrics_table(summary: dict) -> Table:
    rows = []
    for key, metric in METRICS.items():
        s = summary["metrics"][key]
        cells = [Cell(metric.label), Cell(metric.definition)]
        for name in STATS:
            if name == "ci":
                low, high = s.get("ci_low"), s.get("ci_high")
                cells.append(Cell(format_interval(low, high)))
            elif name == "mean":
                cells.append(Cell(mean_text(s), s.get(name)))
            elif name in PERCENTILES:
                cells.append(Cell(percentile_text(s, name), s.get(name)))
            else:
                cells.append(Cell(fmt(s.get(name)), s.get(name)))
        cells += [Cell(str(s["count"]), s["count"]), Cell("" if key == "mtbf" else str(s["censored"]))]
        rows.append(tuple(cells))
    header = ("metric", "from → to", "mean", "95% CI of mean", "median", "p90", "p95", "p99", "max", "n", "open")
    return Table(header, tuple(rows), numeric=(False, False, *([True] * 9)),
                 caption="")


def breakdown_blocks(results: ResultsFolder) -> list[Block]:
    """MTTD, MTTA and MTTR per failure mode, severity, detection channel and mitigation that worked."""
    from simulator.analysis.breakdowns import By, breakdowns
    from simulator.report.table import breakdown_cells, breakdown_header

    blocks: list[Block] = [
        Heading(2, "Per failure mode, severity, channel and mitigation", anchor="breakdowns"),
        Paragraph("The same statistics for each group of incidents alone, over the same replications. A "
                  "group's interval is wider than the pooled one: it holds fewer incidents. `open` counts "
                  "incidents the end of the period cut short before service was restored."),
    ]
    for key, groups in breakdowns(organic(results.incidents), results.replications).items():
        header = breakdown_header(By(key))
        rows = tuple((Cell(group.name), *(Cell(text, minutes) for text, minutes in breakdown_cells(group)))
                     for group in groups)
        blocks += [Heading(3, f"Per {By(key).noun}"),
                   Table(tuple(header), rows, numeric=(False, *([True] * (len(header) - 1))))]
        if key == By.channel:
            blocks += public_blocks(results)
    return blocks


def public_blocks(results: ResultsFolder) -> list[Block]:
    """The incidents found by customers in public (a public channel detected them first), by severity."""
    from simulator.scenario.model import PUBLIC

    table = organic(results.incidents)
    public = table.where(np.isin(table.channel, PUBLIC)) if len(table) else table
    if not len(public):
        return []
    severities = sorted(set(public.severity.tolist()))
    counts = ", ".join(f"{level} {np.count_nonzero(public.severity == level) / results.replications:.2f}"
                       for level in severities)
    return [Paragraph(f"**Found by customers in public**: {len(public) / results.replications:.2f} incidents per "
                      f"{fmt(results.horizon)} were first noticed through public posts on social media, before "
                      f"any alert or support ticket ({counts} per {fmt(results.horizon)}). Each of these SEVs "
                      "was public before the team knew of it.")]


CAPTIONS = {
    "distribution": "Left: how many {noun} took how long. Right: the share of {noun} at or below each time. "
                    "Dashed line and circle: median (the typical {one}); solid line and square: mean; dotted line "
                    "and triangle: p95 (one in twenty is worse). The further the mean sits right of the median, "
                    "the more a few long {noun} dominate the average.",
    "phases": "Each bar splits the total time to restore of a severity's incidents into its phases (ratio of "
              "sums, so the shares add up to 100%). Right: the mean time spent confirming health and cleaning "
              "up after service was restored, which the time to restore does not count.",
    "timeline": "Above: every incident of one replication over the whole period; the hatched band is the "
                "stretch drawn below. Below: a row per incident with its phases on a real time axis, and a "
                "lane per responder showing which incident held them, so overlaps and waits for a free "
                "responder show. Bars run on past the right edge when an incident continued after the stretch.",
    "load": "Left: pages that reached each person, split by the time of their day. Middle: hours spent working "
            "incidents, and the longest stretch of work without a break. Below: pages by hour of the week across "
            "the team; a dark night row is a team being woken up.",
    "over_time": "Incidents started so far, at each moment of the simulated period: the solid line is the mean "
                 "of the replications, the hatched band holds 80% of them, and the dashed line is a steady rate "
                 "(the run's overall one). The mean leaves the dashed line where failures bunch; the band is how "
                 "differently one quarter can turn out from another with nothing changed.",
}


def figure_blocks(results: ResultsFolder, *, replication: int | None = None) -> list[Block]:
    """Headings, figures and captions. Imports matplotlib (through the figure modules)."""
    from simulator.report.figures import incidents_over_time_figure, metric_figures, phase_share_figure
    from simulator.report.style import png_bytes

    table, clock = organic(results.incidents), Clock(results.start)
    blocks: list[Block] = [Heading(2, "Distributions", anchor="distributions"),
                           Paragraph("Incident times are heavy-tailed: the mean sits well above the typical "
                                     "incident. Axes are logarithmic where the data spans decades and is not "
                                     "near exponential (gaps between failures stay on a linear axis).")]
    for metric, figure in metric_figures(table, results.replications, results.horizon).items():
        named = METRICS[metric]
        blocks.append(Image(metric, f"{named.label}: {named.what}",
                            CAPTIONS["distribution"].format(noun=named.many, one=named.one), png_bytes(figure)))
    blocks += [Heading(2, "Where the time goes", anchor="phases"),
               Image("phases", "Where the time goes", CAPTIONS["phases"], png_bytes(phase_share_figure(table)))]
    blocks += load_blocks(results)
    blocks += timeline_blocks(results, replication)
    blocks += [Heading(2, "Incidents over the horizon", anchor="over-time"),
               Image("incidents-over-time", "Incidents over the horizon", CAPTIONS["over_time"],
                     png_bytes(incidents_over_time_figure(table, results.horizon, results.replications, clock)))]
    return blocks


def load_blocks(results: ResultsFolder) -> list[Block]:
    """Pages, out-of-hours pages and hours held per person, as a table and a figure."""
    from simulator.report.oncall import load_figure
    from simulator.report.style import png_bytes

    load = results.summary.get("on_call_load")
    if not load:
        if (results.folder / ANSWERS).is_file():
            why = ("This folder holds a drill: the failures people played, not a period of on call, so what "
                   "carrying the pager costs each person cannot be drawn from it. `drillsim run` on the scenario "
                   "draws it.")
        else:
            why = "The run that wrote this folder left the on-call load out of its summary.json."
        return [Heading(2, "On-call load", anchor="on-call-load"), Paragraph(why)]
    period = fmt(results.horizon)
    rows = []
    for person, f in load["people"].items():
        if f["pages"]["mean"] == 0 and f["hours_held"]["mean"] == 0:
            continue
        rows.append((Cell(person), Cell(f"{f['pages']['mean']:.1f}", f["pages"]["mean"]),
                     Cell(f"{f['out_of_hours_pages']['mean']:.1f}", f["out_of_hours_pages"]["mean"]),
                     Cell(f"{f['night_pages']['mean']:.1f}", f["night_pages"]["mean"]),
                     Cell(fmt(f["hours_held"]["mean"] * 60), f["hours_held"]["mean"]),
                     Cell(fmt(f["longest_stretch_hours"]["mean"] * 60), f["longest_stretch_hours"]["mean"]),
                     Cell(f"{f['busiest_12h']['mean']:.1f} ({f['busiest_12h']['p95']:.0f})", f["busiest_12h"]["mean"]),
                     Cell(f"{f['blocks_over_two']['mean']:.1%}", f["blocks_over_two"]["mean"])))
    sustainable = load["sustainable_incidents_per_12h"]
    header = ("person", f"pages per {period}", "out of hours", "at night", "hours held", "longest stretch",
              "busiest 12h (p95)", f"12h blocks over {sustainable}")
    return [Heading(2, "On-call load", anchor="on-call-load"),
            Paragraph(f"What carrying the pager cost each person, per {period} (the mean over replications). Out "
                      "of hours and night are in each person's own time zone. The busiest 12 hours count the "
                      f"incidents taken up in one 12-hour block (the SRE book's sustainable load is {sustainable} "
                      "a shift); the last column is the share of their working blocks above it."),
            Table(header, tuple(rows), numeric=(False, *([True] * 7)), caption=""),
            *_oncall_cost_blocks(load, period),
            Image("on-call-load", "On-call load per person", CAPTIONS["load"], png_bytes(load_figure(load, period)))]


def _oncall_cost_blocks(load: dict, period: str) -> list[Block]:
    """The cost to the people on call: broken sleep, time on call and pay, per person."""
    from simulator.report.table import oncall_cost_rows

    header, rows = oncall_cost_rows(load)
    if not rows:
        return []
    return [Heading(3, "The cost to the people on call", anchor="on-call-cost"),
            Paragraph(f"Per {period} (the mean over replications; the 95th percentile in brackets): pages and hours "
                      "of work in each person's sleeping hours (their own time zone; 22:00–07:00 unless the "
                      "scenario says otherwise), the nights with any of them, the shifts a rotation gave them, their "
                      "hours on call and the on-call pay the scenario's rates come to."),
            Table(tuple(header), tuple(tuple(Cell(text) for text in row) for row in rows),
                  numeric=(False, *([True] * (len(header) - 1))), caption="")]


def timeline_blocks(results: ResultsFolder, replication: int | None) -> list[Block]:
    from simulator.report.style import png_bytes
    from simulator.report.timeline import timeline_figure
    from simulator.report.tracks import busiest_stretch, window_around
    from simulator.results.account import accounts

    blocks: list[Block] = [Heading(2, "A timeline of one replication", anchor="timeline")]
    if not results.has_events:
        return [*blocks, Paragraph("No event log (events.parquet) in the results folder, so no timeline.")]
    if replication is None:
        replication, low, high = busiest_stretch(results.incidents, results.horizon)
        why = "the busiest stretch of the whole run"
    else:
        low = high = math.nan
        why = f"replication {replication}, as asked"
    events = results.events_of([replication])[replication]
    if math.isnan(low):  # around the incident that took longest to resolve for good
        chosen = [a for a in accounts(events).values() if not math.isnan(a.resolved) or a.open_state]
        until = {a.number: results.horizon if math.isnan(a.resolved) else a.resolved for a in chosen}
        slowest = max(chosen, key=lambda a: until[a.number] - a.onset, default=None)
        low, high = (slowest.onset, until[slowest.number]) if slowest else (0.0, 240.0)
    window = window_around(low, high, results.horizon)
    clock = Clock(results.start)
    figure = timeline_figure(events, replication=replication, horizon=results.horizon, clock=clock, window=window,
                             people=results.scenario.get("responder_names") or [],
                             rename=Context(clock, results.summary, results.incidents).person)
    return [*blocks, Paragraph(f"Shown: {why}."), Image("timeline", f"Timeline of replication {replication}",
                                                        CAPTIONS["timeline"], png_bytes(figure))]


def narrative_picks(results: ResultsFolder, chosen: Sequence[str] = ()) -> list[tuple[str, int, int]]:
    """(why, replication, incident) of the incidents to tell: those chosen as 'R:N', or the typical ones."""
    if chosen:
        return [("chosen for this report", *parse_incident_id(text)) for text in chosen]
    return typical_incidents(organic(results.incidents))


def narrative_blocks(results: ResultsFolder, chosen: Sequence[str] = ()) -> list[Block]:
    """Postmortem drafts of the chosen incidents ('R:N'), or of the median and the slowest one."""
    blocks: list[Block] = [Heading(2, "Incident narratives", anchor="narratives")]
    if not results.has_events:
        return [*blocks, Paragraph("No event log (events.parquet) in the results folder, so no narratives.")]
    picks = narrative_picks(results, chosen)
    if not picks:
        return [*blocks, Paragraph("No incident was restored, so there is no typical one to tell.")]
    blocks.append(Paragraph("Told from the event log, in the Scribe's words: "
                            + "; ".join(f"{incident_label(n)} of replication {r} (`{incident_id(r, n)}`), {why}"
                                        for why, r, n in picks)
                            + ". Tell another with `drillsim report RESULTS --incident R:N`."))
    logs = results.events_of({r for _, r, _ in picks})
    context = Context(Clock(results.start), results.summary, results.incidents)
    for why, replication, number in picks:
        events = logs.get(replication) or []
        if not any(e.incident == number for e in events):
            raise DrillsimError(f"incident {incident_id(replication, number)} is not in these results")
        blocks += postmortem(events, number, context, why=why, level=3)
    return blocks


def report_blocks(results: ResultsFolder, *, incidents: Sequence[str] = (),
                  replication: int | None = None) -> list[Block]:
    """The whole report, in reading order. What was asked for is checked before anything is drawn."""
    if replication is not None and not 0 <= replication < results.replications:
        raise DrillsimError(f"replication {replication} is not in these results (0–{results.replications - 1})")
    if results.has_events:  # read the event logs the timeline and the narratives need in one pass
        from simulator.report.tracks import busiest_stretch

        shown = replication if replication is not None else busiest_stretch(results.incidents, results.horizon)[0]
        results.events_of({shown} | {r for _, r, _ in narrative_picks(results, incidents)})
    narratives = narrative_blocks(results, incidents)
    return [
        *scenario_blocks(results),
        Heading(2, "Key numbers", anchor="key-numbers"),
        key_numbers(results.summary),
        Heading(2, "Metrics", anchor="metrics"),
        metrics_table(results.summary),
        Paragraph("Pooled over every incident of every replication; `open` counts incidents the end of the "
                  "period cut short (censored), which count as durations at least as long as they ran: with any, "
                  "percentiles are Kaplan–Meier estimates and the mean is the restricted mean. The interval is "
                  "that of the mean across replications."),
        *(Paragraph(f"**Warning:** {text}" if warn else text)
          for warn, text in censoring_notes(results.summary["metrics"])),
        *breakdown_blocks(results),
        *figure_blocks(results, replication=replication),
        *practice_blocks(results),
        *narratives,
    ]
