"""What `drillsim compare` and `drillsim sweep` write beside their data: comparison.md (plain Markdown, fit for
a pull-request comment), comparison.html (one self-contained page with the figures) and the figures as PNG
files. The content is built once as document blocks and rendered by markdown.py and html.py, as the run
report is."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from simulator.analysis.compare import Comparison
from simulator.outputs.files import atomic_open, drillsim_version
from simulator.report.comparison import (
    change_lines,
    comms_rows,
    dashboard_lines,
    differences_rows,
    person_load_rows,
    reliability_rows,
    statistics_rows,
    untitled,
    verdict_lines,
    workload_lines,
    workload_rows,
)
from simulator.report.document import Block, Bullets, Heading, Image, Paragraph
from simulator.report.html import render_html
from simulator.report.markdown import render_markdown
from simulator.results.metrics import METRICS
from simulator.units import format_duration

MARKDOWN, HTML, LOAD = "comparison.md", "comparison.html", "on-call-load.png"


def _cost_blocks(comparison: Comparison) -> list[Block]:
    """The cost to each person on call and what the incidents cost, per variant, when the scenario says."""
    from simulator.report.comparison import cost_rows, people_rows

    out: list[Block] = []
    people, cost = people_rows(comparison), cost_rows(comparison)
    if people is not None:
        out += [Heading(2, "The cost to the people on call", anchor="people"), Paragraph(people.caption),
                untitled(people)]
    if cost is not None:
        out += [Heading(2, "What the incidents cost", anchor="cost"), Paragraph(cost.caption), untitled(cost)]
    return out


def ecdf_name(metric: str) -> str:
    return f"ecdf-{metric}.png"


def comparison_blocks(comparison: Comparison, metric: str = "mttr", figures: Sequence[Block] = ()) -> list[Block]:
    """The comparison as a document: what was compared and what each variant changes, whether the gates passed,
    the verdicts, availability and the SLO, whether it would show on a dashboard, the load on each person, the
    paired differences, the on-call load behind them, stakeholder updates, every variant's statistics and the
    `figures` (figure_blocks, or a note where they are)."""
    base = comparison.results[comparison.baseline]
    named = METRICS[metric]
    count = len(comparison.variants)
    blocks: list[Block] = [
        Heading(1, f"Comparison: {base.scenario.name}"),
        Paragraph(f"{comparison.baseline} and {count} variant{'s' if count != 1 else ''}, each "
                  f"{comparison.replications} replications × {format_duration(base.scenario.horizon)} with seed "
                  f"{comparison.seed}: every variant meets the same failures at the same times (common random "
                  "numbers), and each difference is judged replication by replication."),
        Heading(2, "What changed", anchor="changes"),
        Bullets(tuple(change_lines(comparison))),
    ]
    if comparison.notes:
        blocks.append(Bullets(tuple(comparison.notes)))
    if comparison.gates:
        gates = ", ".join(f"the {statistic} {METRICS[m].label}" for m, statistic in comparison.gates)
        failures = comparison.failures()
        outcome = ("**Failed**: " + "; ".join(f"{d.variant} is meaningfully worse on the {d.statistic} "
                                               f"{METRICS[d.metric].label}" for d in failures) + "."
                   if failures else "**Passed**: no variant is meaningfully worse.")
        blocks.append(Paragraph(f"Gate: a variant meaningfully worse than {comparison.baseline} on {gates} fails "
                                f"the comparison. {outcome}"))
    blocks += [Heading(2, f"Verdicts on the {named.title}", anchor="verdicts"),
               Bullets(tuple(verdict_lines(comparison, (metric,)))),
               Heading(2, "Availability and the SLO", anchor="availability"),
               untitled(reliability_rows(comparison))]
    heading, *lines = dashboard_lines(comparison, metric)
    blocks += [Heading(2, "Would it show on a dashboard?", anchor="dashboard"),
               Paragraph(heading.removeprefix("Would it show on a dashboard? ")),
               Bullets(tuple(lines))]
    people = person_load_rows(comparison)
    if people is not None:
        blocks += [Heading(2, "Load on each person", anchor="people"),
                   Paragraph("Pages, pages out of hours and pages at night per person, per period, mean over "
                             "replications: what the change does to each person's nights."),
                   untitled(people)]
    blocks += [
        Heading(2, "Paired differences", anchor="differences"),
        Paragraph(f"Each variant minus {comparison.baseline}, for the mean and the median of every metric, with "
                  f"the {comparison.level:.0%} bootstrap interval ({comparison.resamples:,} resamples of whole "
                  "replications) and the share of resamples in which the variant is better. Incidents the "
                  "horizon cut short count as lasting at least until it (Kaplan–Meier). The verdict is "
                  "**better** or **worse** (meaningfully) only when the interval lies on one side of zero and "
                  f"the difference is at least {comparison.min_effect.text()} (--min-effect); **no difference "
                  "that matters** when the interval lies within ±that."),
        untitled(differences_rows(comparison)),
        Heading(2, "Why: the on-call load", anchor="load"),
        Paragraph("Pages that waited for a free responder, pages that escalated to the secondary, and the hours "
                  "incidents held people, with 95% intervals over replications."),
        untitled(workload_rows(comparison)),
        Bullets(tuple(workload_lines(comparison))),
        Heading(2, "Stakeholder updates", anchor="comms"),
        Paragraph("Per period and severity, for the declared incidents: updates sent (and per incident), those "
                  "sent late (and their share), and each incident's longest silence (declaration → updates → "
                  "restoration): its median, 90th percentile and maximum."),
        untitled(comms_rows(comparison)),
        *_cost_blocks(comparison),
        Heading(2, "Statistics per variant", anchor="statistics"),
        untitled(statistics_rows(comparison)),
    ]
    blocks += figures
    blocks.append(Paragraph(f"Made with drillsim {drillsim_version()}; every time in comparison.json and "
                            "differences.csv is in minutes."))
    return blocks


def figure_blocks(comparison: Comparison, metric: str = "mttr") -> list[Block]:
    """The figures of a comparison as document images. Imports matplotlib."""
    from simulator.report.comparison_figures import ecdf_figure, forest_figure, workload_figure
    from simulator.report.style import png_bytes

    named = METRICS[metric]
    return [
        Heading(2, "Figures", anchor="figures"),
        Image(ecdf_name(metric)[:-4], f"{named.label} per variant",
              f"The whole distribution of the {named.what} per variant: the share of {named.many} at or below each "
              f"time. {comparison.baseline} is the broad grey line; a variant drawn on top of it all along is "
              "identical.", png_bytes(ecdf_figure(comparison, metric))),
        Image("differences", "Paired differences",
              "Every paired difference as a share of the baseline's value: the mean (filled circle) and the median "
              "(open square) with their bootstrap intervals. An interval that crosses the dashed zero line is no "
              "detectable difference.", png_bytes(forest_figure(comparison))),
        Image(LOAD[:-4], "On-call load per variant",
              "Why the times moved: the share of pages that waited for a free responder, the share that escalated, "
              "and the responder-hours per period, each with its 95% interval.",
              png_bytes(workload_figure(comparison))),
    ]


def write_comparison_report(comparison: Comparison, folder: str | Path, metric: str = "mttr") -> list[Path]:
    """comparison.md (text only, for a pull-request comment), comparison.html (with the figures) and the
    figures as PNG files; returns the paths written."""
    folder = Path(folder)
    figures = figure_blocks(comparison, metric)
    images = [block for block in figures if isinstance(block, Image)]
    note = Paragraph("Figures beside this file: " + ", ".join(f"`{image.name}.png`" for image in images)
                     + f"; the same page with the figures in `{HTML}`.")
    text = render_markdown(comparison_blocks(comparison, metric, [note]))
    page = render_html(comparison_blocks(comparison, metric, figures),
                       f"drillsim comparison: {comparison.results[comparison.baseline].scenario.name}")
    written = []
    for name, content in ((MARKDOWN, text), (HTML, page)):
        with atomic_open(folder / name) as handle:
            handle.write(content)
        written.append(folder / name)
    for image in images:
        with atomic_open(folder / f"{image.name}.png", "wb") as handle:
            handle.write(image.png)
        written.append(folder / f"{image.name}.png")
    return written


def write_sweep_figures(result, folder: str | Path, metric: str = "mttr") -> list[Path]:
    """sweep-METRIC.png (the metric and its paired differences across the sweep) and sweep-load.png (the
    on-call load)."""
    from simulator.report.style import save_png
    from simulator.report.sweep_figures import sweep_figure, sweep_workload_figure

    folder = Path(folder)
    return [save_png(sweep_figure(result, metric), folder / f"sweep-{metric}.png"),
            save_png(sweep_workload_figure(result), folder / "sweep-load.png")]
