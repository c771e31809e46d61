"""The report's section on reliability and practices, as document blocks: availability against the SLO and
where the downtime comes from, reliability OKRs, DORA's stability metrics, the practices' own figures and the
learning loop's trend. Everything comes from the results folder (summary.json and incidents.csv)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.analysis.budget import open_minutes
from simulator.report.document import Block, Cell, Heading, Image, Paragraph, Table
from simulator.report.practice_table import (
    COST_HEADER,
    cost_by_mode,
    cost_rows,
    dora_rows,
    okr_rows,
    practice_rows,
    reliability_rows,
)
from simulator.report.results import ResultsFolder
from simulator.results.incidents import organic
from simulator.units import format_duration

CAPTIONS = {
    "availability": "Left: how available each replication's {period} was, with the SLO's objective (dashed) and "
                    "the mean. A replication left of the SLO missed it: its incidents took more than the error "
                    "budget. Right: each failure mode's share of the downtime, counting each incident's minutes "
                    "open times the share of requests it fails (its impact).",
    "learning": "Left: organic incidents per 90 days, with the learning loop (this run) and without it (the same "
                "runs with no action items). The two meet the same failures, so the gap is what completed "
                "action items did. Right: action items written and not yet done, and temporary fixes left in "
                "place past their cleanup: the reliability debt.",
}


def practice_blocks(results: ResultsFolder) -> list[Block]:
    """The section, or nothing for a folder written before it existed."""
    from simulator.report.practice_figures import availability_figure, learning_figure
    from simulator.report.style import png_bytes

    summary = results.summary
    reliability = summary.get("reliability")
    if not reliability:
        return []
    period = format_duration(results.horizon)
    blocks: list[Block] = [
        Heading(2, "Reliability and practices", anchor="reliability"),
        Paragraph("Availability counts each incident from onset until service was restored (to the end of the "
                  "period when it was not), weighted by the share of requests its failure mode fails (its "
                  "impact); incidents open at once count once, at the larger impact: 1 − ∫ the largest impact "
                  "open ÷ the period's minutes. The error budget is (1 − the "
                  "objective) × the period. Drills, started on purpose, are left out and reported apart."),
        _table(("", ""), reliability_rows(reliability)),
    ]
    table = organic(results.incidents)
    bad = np.zeros(results.replications)
    found = open_minutes(table, reliability["impact"], results.horizon)[:, 0]
    bad[:len(found)] = found
    per = 1 - bad / results.horizon
    blocks.append(Image("availability", "Availability per replication", CAPTIONS["availability"].format(
        period=period), png_bytes(availability_figure(per, reliability["unavailability_by_mode"],
                                                      reliability.get("slo"), period))))
    if summary.get("cost"):
        blocks += [Heading(3, "Users affected and the cost of downtime", anchor="cost"),
                   Paragraph("Each incident counts from onset until service was restored for good (to the end of "
                             "the period when it was not), times the share of requests its failure mode fails: "
                             "users affected are impact × the users per hour over those minutes, its cost impact × "
                             "the cost of a minute of full outage, both at the time of day the minutes fell. Per "
                             f"{period}: each replication's sum. By failure mode: {cost_by_mode(summary['cost'])}."),
                   _table(COST_HEADER, cost_rows(summary["cost"], period))]
    if summary.get("okrs"):
        okrs = summary["okrs"]
        blocks += [Heading(3, "Reliability OKRs"),
                   Paragraph(f"Each key result judged over each {format_duration(okrs['period_minutes'])} of every "
                             f"replication ({_periods(okrs['periods_per_replication'])}): the chance it is met, with "
                             "its 95% interval, and its typical (median) value."),
                   _table(("key result", "chance met (95% CI)", "typical value"), okr_rows(okrs))]
    if summary.get("comms", {}).get("severities"):
        from simulator.analysis.comms import COMMS_HEADER, comms_rows

        blocks += [Heading(3, "Stakeholder updates"),
                   Paragraph(f"Per {period}, by severity, for the declared incidents: updates sent (and per "
                             "incident), those sent late (and their share), and each incident's longest silence "
                             "(declaration → updates → restoration): its median, 90th percentile and maximum."),
                   _table(COMMS_HEADER, comms_rows(summary["comms"]))]
    if summary.get("dora"):
        blocks += [Heading(3, "DORA stability metrics"),
                   Paragraph("Change failure rate: failed deployments ÷ deployments. Failed deployment recovery "
                             "time: onset → service restored of the incidents failed deployments started. Bands: "
                             + "; ".join(summary["dora"]["bands"].values()) + "."),
                   _table(("metric", "value", "DORA band"), dora_rows(summary["dora"]))]
    practices = summary.get("practices")
    if practices:
        rows = practice_rows(practices)
        if rows:
            blocks += [Heading(3, "Practices"), _table(("", ""), rows)]
        if practices.get("learning"):
            blocks.append(Image("learning", "The learning loop", CAPTIONS["learning"],
                                png_bytes(learning_figure(practices["learning"]))))
    return blocks


def _periods(count: int) -> str:
    return "one period per replication" if count == 1 else f"{count} periods per replication"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    return Table(header, tuple(tuple(Cell(text) for text in row) for row in rows))


__all__ = ["practice_blocks"]
