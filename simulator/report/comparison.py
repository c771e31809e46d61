"""What `drillsim compare` and `drillsim sweep` say: tables of statistics, paired differences and on-call
load, and the verdicts in plain sentences. Each table is built once as a document table (report/document.py)
and shown in the terminal, in comparison.md and in comparison.html alike. No matplotlib here: the figures
are in comparison_figures.py."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table as RichTable
from rich.text import Text

from simulator.analysis.compare import BETTER, WORSE, Comparison, Difference, signed_duration
from simulator.analysis.workload import Estimate, Workload
from simulator.report.document import Cell, Table
from simulator.results.metrics import METRICS
from simulator.units import format_duration, format_interval, format_share

if TYPE_CHECKING:
    from simulator.analysis.sweep import Point, Sweep

VERDICT_STYLE = {BETTER: "bold green", WORSE: "bold red"}


def terminal(table: Table) -> RichTable:
    """A document table in the terminal, its caption as the title and verdicts in colour."""
    shown = RichTable(title=table.caption or None, title_justify="left", header_style="bold")
    numeric = table.numeric or (False,) * len(table.header)
    for index, (column, right) in enumerate(zip(table.header, numeric, strict=True)):
        widest = max((len(row[index].text) for row in table.rows), default=0)
        shown.add_column(column, justify="right" if right else "left", no_wrap=right,
                         min_width=None if right else min(widest, 16))
    verdicts = [column == "verdict" for column in table.header]
    for row in table.rows:
        shown.add_row(*(Text(cell.text, style=VERDICT_STYLE.get(cell.text.split()[0], "") if verdict and cell.text
                             else "") for cell, verdict in zip(row, verdicts, strict=True)))
    return shown


def _interval(low: float, high: float) -> str:
    return format_interval(low, high)


def _estimate(estimate: Estimate, number: str, unit: str = "") -> str:
    """'7.2% (5.4%–9.0%)', '23.2 h (19.6–26.7)': the value with its interval, where it has one."""
    if math.isnan(estimate.value):
        return "–"
    text = f"{estimate.value:{number}}{unit}"
    if math.isnan(estimate.low):
        return text
    return f"{text} ({estimate.low:{number}}–{estimate.high:{number}})"


def _share(estimate: Estimate) -> str:
    return _estimate(estimate, ".1%")


def _hours(estimate: Estimate) -> str:
    return _estimate(estimate, ",.1f", " h")


# ── Comparisons ────────────────────────────────────────────────────────────────────────────────────────────


def statistics_rows(comparison: Comparison, metrics: Sequence[str] | None = None) -> Table:
    """Per metric and per variant, the statistics `drillsim run` prints."""
    header = ("metric", "variant", "mean", "95% CI of mean", "median", "p90", "p95", "p99", "n", "open")
    rows = []
    for metric in metrics or METRICS:
        for number, name in enumerate(comparison.names):
            s = comparison.summaries[name][metric]
            rows.append((Cell(METRICS[metric].label if number == 0 else ""), Cell(name),
                         Cell(format_duration(s.mean), s.mean), Cell(_interval(s.ci_low, s.ci_high)),
                         Cell(format_duration(s.median), s.median), Cell(format_duration(s.p90), s.p90),
                         Cell(format_duration(s.p95), s.p95), Cell(format_duration(s.p99), s.p99), Cell(str(s.count)),
                         Cell(str(s.censored) if metric != "mtbf" else "")))
    return Table(header, tuple(rows), (False, False, *[True] * 8),
                 "Statistics per variant (the same failures in every variant)")


def statistics_table(comparison: Comparison, metrics: Sequence[str] | None = None) -> RichTable:
    return terminal(statistics_rows(comparison, metrics))


def differences_rows(comparison: Comparison, metrics: Sequence[str] | None = None, compact: bool = False) -> Table:
    """Each variant against the baseline: paired differences of the mean and the median, with intervals and
    the probability that the variant is better. `compact` stacks each difference over its interval, for
    narrow screens and notebooks."""
    level = f"{comparison.level:.0%}"
    if compact:
        header: tuple[str, ...] = ("metric", "variant", f"Δ mean, {level} CI, P(better)",
                                   f"Δ median, {level} CI, P(better)", "verdict")
    else:
        header = ("metric", "variant", "Δ mean", f"{level} CI", "Δ median", f"{level} CI", "P(better)", "verdict")
    rows = []
    for metric in metrics or METRICS:
        for number, name in enumerate(comparison.variants):
            mean = comparison.difference(name, metric, "mean")
            median = comparison.difference(name, metric, "median")
            if compact:
                cells = [Cell(f"{signed_duration(d.difference)}\n{d.interval_text()}\n{d.p_better:.0%} better")
                         for d in (mean, median)]
            else:
                cells = [Cell(signed_duration(mean.difference), mean.difference), Cell(mean.interval_text()),
                         Cell(signed_duration(median.difference), median.difference), Cell(median.interval_text()),
                         Cell(f"{mean.p_better:.0%} / {median.p_better:.0%}")]
            rows.append((Cell(METRICS[metric].label if number == 0 else ""), Cell(name), *cells,
                         Cell(verdict_text(mean.verdict, median.verdict, compact))))
    numeric = (False, False, *[True] * (len(header) - 3), False)
    return Table(header, tuple(rows), numeric,
                 f"Paired differences from {comparison.baseline} ({level} bootstrap intervals over "
                 f"{comparison.replications} replications, {comparison.resamples} resamples)")


def differences_table(comparison: Comparison, metrics: Sequence[str] | None = None,
                      compact: bool = False) -> RichTable:
    return terminal(differences_rows(comparison, metrics, compact))


def verdict_text(mean: str, median: str, compact: bool = False) -> str:
    """The mean's verdict, with the median's beside it when they differ."""
    if mean == median:
        return mean
    return f"{mean}\n(median: {median})" if compact else f"{mean} (median: {median})"


def verdict_lines(comparison: Comparison, metrics: Sequence[str] = ("mttr",)) -> list[str]:
    """The findings in plain sentences: for each variant and metric, the mean's and the median's."""
    out = []
    for name in comparison.variants:
        for metric in metrics:
            for statistic in ("mean", "median"):
                out.append(comparison.difference(name, metric, statistic).sentence(comparison.baseline))
    return out


WORKLOAD_HEADER = ("pages", "waited for a responder (95% CI)", "mean wait", "escalated (95% CI)",
                   "responder-hours per {period} (95% CI)")


def _workload_cells(load: Workload) -> tuple[Cell, ...]:
    return (Cell(f"{load.pages:,}"), Cell(_share(load.waited_share)),
            Cell(format_duration(load.mean_wait) if load.waited else "–", load.mean_wait if load.waited else None),
            Cell(_share(load.escalated_share)), Cell(_hours(load.responder_hours)))


def workload_rows(comparison: Comparison) -> Table:
    """Why the times moved: per variant, the pages that waited for a free responder, the pages that escalated
    and the hours people spent held by incidents."""
    period = format_duration(comparison.results[comparison.baseline].scenario.horizon)
    header = ("variant", *(column.format(period=period) for column in WORKLOAD_HEADER))
    rows = tuple((Cell(name), *_workload_cells(comparison.workload(name))) for name in comparison.names)
    return Table(header, rows, (False, *[True] * 5), "On-call load per variant: why the times moved")


def workload_table(comparison: Comparison) -> RichTable:
    return terminal(workload_rows(comparison))


def comms_rows(comparison: Comparison) -> Table:
    """Stakeholder updates per variant and severity, per period: sent, late, and the longest silence."""
    from simulator.analysis.comms import COMMS_HEADER
    from simulator.analysis.comms import comms_rows as rows_of

    period = format_duration(comparison.results[comparison.baseline].scenario.horizon)
    rows = []
    for name in comparison.names:
        for index, row in enumerate(rows_of(comparison.comms(name))):
            rows.append((Cell(name if index == 0 else ""), *(Cell(text) for text in row)))
    return Table(("variant", *COMMS_HEADER), tuple(rows), (False, False, *[True] * (len(COMMS_HEADER) - 1)),
                 f"Stakeholder updates per {period}, by severity")


def workload_lines(comparison: Comparison) -> list[str]:
    """The on-call load in sentences, each variant beside the baseline: is waiting for a free responder, an
    escalation or plain effort behind the difference?"""
    base_name = comparison.baseline
    base = comparison.workload(base_name)
    period = format_duration(comparison.results[base_name].scenario.horizon)
    out = []
    for name in comparison.variants:
        load = comparison.workload(name)
        if not load.waited and not base.waited:
            waits = (f"no page waited for a free responder, nor in {base_name}: waiting explains none of the "
                     "difference, and more people on call would have nothing to shorten")
        else:
            waits = (f"{format_share(load.waited_share.value)} of pages waited for a free responder "
                     f"({load.waited:,} of {load.pages:,}{_mean_wait(load)}), against "
                     f"{format_share(base.waited_share.value)} in {base_name} ({base.waited:,} of "
                     f"{base.pages:,}{_mean_wait(base)})")
        escalated = (f"{format_share(load.escalated_share.value)} of pages escalated ({base_name}: "
                     f"{format_share(base.escalated_share.value)})")
        hours = (f"incidents held people {load.responder_hours.value:,.1f} responder-hours per {period} "
                 f"({base_name}: {base.responder_hours.value:,.1f})")
        out.append(f"{name}: {waits}; {escalated}; {hours}.")
    return out


def _signed(value: float | None, unit: str | None) -> str:
    from simulator.report.practice_table import amount

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return ("+" if value > 0 else "-" if value < 0 else "±") + amount(abs(value), unit)


def cost_rows(comparison: Comparison, names: Mapping[str, str] | None = None,
              heading: str = "variant") -> Table | None:
    """Users affected and the cost of downtime per period, per variant, with each variant's paired difference from
    the baseline; None when the scenario prices neither. `names` shows variants by shorter names (a sweep's
    points by their values, under `heading`)."""
    from simulator.analysis.cost import FIGURES, LABELS
    from simulator.report.practice_table import amount

    found = comparison.cost()
    if not found:
        return None
    period = format_duration(found["period_minutes"])
    units = {"users_affected": found["users_unit"], "cost": found["currency"]}
    header = ("figure", heading, "mean", "median", "p90", "p99", f"Δ mean ({comparison.level:.0%} CI)", "verdict")
    rows = []
    for figure in FIGURES:
        unit = units[figure]
        first = True
        for name in comparison.names:
            spread = found["variants"].get(name, {}).get(figure)
            if spread is None:
                continue
            d = found["differences"].get(name, {}).get(figure)
            delta = (f"{_signed(d['difference'], unit)} ({_signed(d['low'], None)} to {_signed(d['high'], None)})"
                     if d else "baseline")
            rows.append((Cell(f"{LABELS[figure]} per {period}" if first else ""), Cell((names or {}).get(name, name)),
                         *(Cell(amount(spread[key], unit), spread[key]) for key in ("mean", "median", "p90", "p99")),
                         Cell(delta), Cell(d["verdict"] if d else "")))
            first = False
    return Table(header, tuple(rows), (False, False, True, True, True, True, True, False),
                 f"What the incidents cost, per {period} (the same failures in every variant; drills left out; "
                 f"{comparison.min_effect.figure_text()})")


def people_rows(comparison: Comparison) -> Table | None:
    """The cost to each person on call, per variant: pages, pages in their sleep, interrupted nights, hours held
    and on-call pay per period, each with its change from the baseline."""
    found = comparison.people()
    if not found:
        return None
    period = format_duration(comparison.results[comparison.baseline].scenario.horizon)
    pay = comparison.results[comparison.baseline].scenario.team.pay
    header = ("person", "variant", f"pages per {period}", "pages in sleep", "interrupted nights", "hours held",
              f"on-call pay{f' ({pay.currency})' if pay is not None and pay.currency else ''}")
    rows = []

    def cell(row: dict, figure: str, number: str) -> Cell:
        text = f"{row[figure]:{number}}"
        d = row.get(f"{figure}_difference")
        if d is not None and d["difference"] is not None:
            text += f" ({d['difference']:+{number}})"
        return Cell(text, row[figure])

    for person, variants in found.items():
        if not any(row["pages"] or row["pay"] for row in variants.values()):
            continue
        for number, (name, row) in enumerate(variants.items()):
            rows.append((Cell(person if number == 0 else ""), Cell(name), cell(row, "pages", ".1f"),
                         cell(row, "sleep_pages", ".1f"), cell(row, "interrupted_nights", ".1f"),
                         cell(row, "hours_held", ".1f"), cell(row, "pay", ",.0f")))
    return Table(header, tuple(rows), (False, False, *[True] * 5),
                 f"The cost to each person on call, per {period} (mean per replication; in brackets the paired "
                 f"change from {comparison.baseline})")


def _mean_wait(load: Workload) -> str:
    return f", {format_duration(load.mean_wait)} on average" if load.waited else ""


def comparison_report(comparison: Comparison, metrics: Sequence[str] | None = None,
                      sentences: Sequence[str] = ("mttr",)) -> Group:
    """The tables `drillsim compare` prints (for `metrics`, default all), the verdicts in sentences (for
    `sentences`) and the on-call load behind them, as one renderable for a console or a notebook."""
    return Group(statistics_table(comparison, metrics), Text(""), differences_table(comparison, metrics, True),
                 Text(""), *[Text(line) for line in verdict_lines(comparison, sentences)], Text(""),
                 workload_table(comparison), *[Text(line) for line in workload_lines(comparison)])


# ── Sweeps ─────────────────────────────────────────────────────────────────────────────────────────────────


def sweep_rows(result: Sweep, metric: str = "mttr") -> Table:
    """One row per point: its parameter values, the metric's mean with its interval, its median, how many
    incidents the horizon cut short, and the paired difference of its mean from the baseline's, with its
    interval and verdict. The scenario as written, when played beside the grid, comes first. sweep_summary.csv
    and sweep_differences.csv hold the rest."""
    header = (*result.varied, "mean", "95% CI of mean", "median", "open", "Δ mean", "95% CI", "verdict")
    rows = []
    for point in _table_points(result):
        s = point.summary()[metric]
        d: Difference | None = result.difference(point, metric)
        found = ((Cell(signed_duration(d.difference), d.difference), Cell(d.interval_text()), Cell(d.verdict))
                 if d is not None else (Cell("baseline"), Cell(""), Cell("" if point.on_grid else "as written")))
        rows.append((*(Cell(point.written[p]) for p in result.varied), Cell(format_duration(s.mean), s.mean),
                     Cell(_interval(s.ci_low, s.ci_high)), Cell(format_duration(s.median), s.median),
                     Cell(str(s.censored) if metric != "mtbf" else ""), *found))
    fixed = [f"{p}={result.points[0].written[p]}" for p in result.parameters if p not in result.varied]
    beside = result.as_written is not None
    caption = (f"{METRICS[metric].title} per point ({result.replications} replications each, seed {result.seed}, "
               f"the same failures at every point; Δ from the baseline, {result.base_text()}"
               + (", played beside the grid" if beside else "")
               + (f"; everywhere {'on the grid ' if beside else ''}{', '.join(fixed)}" if fixed else "") + ")")
    return Table(header, tuple(rows), (*[False] * len(result.varied), *[True] * 6, False), caption)


def _table_points(result: Sweep) -> tuple[Point, ...]:
    """The points in a table's order: the scenario as written first when it was played beside the grid."""
    return result.points if result.as_written is None else (result.as_written, *result.points)


def sweep_cost_rows(result: Sweep) -> Table | None:
    """The sweep's cost table (cost_rows), each point named by its values of the varied parameters."""
    if result.comparison is None:
        return None
    names = {result.label(point): ", ".join(point.written[p] for p in result.varied)
             + ("" if point.on_grid else " (as written)") for point in result.played}
    return cost_rows(result.comparison, names, ", ".join(result.varied))


def sweep_table(result: Sweep, metric: str = "mttr") -> RichTable:
    return terminal(sweep_rows(result, metric))


def sweep_workload_rows(result: Sweep) -> Table:
    """Per point: pages, pages that waited for a free responder, escalations and responder-hours."""
    period = format_duration(result.base.results.scenario.horizon)
    header = (*result.varied, *(column.format(period=period) for column in WORKLOAD_HEADER))
    rows = tuple((*(Cell(point.written[p]) for p in result.varied), *_workload_cells(point.workload()))
                 for point in _table_points(result))
    return Table(header, rows, (*[False] * len(result.varied), *[True] * 5), "On-call load per point")


def sweep_workload_table(result: Sweep) -> RichTable:
    return terminal(sweep_workload_rows(result))


def untitled(table: Table) -> Table:
    """The table without its caption (documents put a heading before it instead)."""
    return replace(table, caption="")


def change_lines(comparison: Comparison) -> list[str]:
    """Each variant's changes against the baseline, field by field (from the scenarios themselves, so whether
    they came from a file, `variants:` or `--set`)."""
    from simulator.scenario.diff import changes, value_text

    base = comparison.results[comparison.baseline].scenario
    out = []
    for name in comparison.variants:
        found = changes(base, comparison.results[name].scenario)
        listed = "; ".join(f"`{path}`: {value_text(before)} → {value_text(after)}" for path, before, after in found)
        out.append(f"{name}: {listed}" if found else f"{name}: no field differs from {comparison.baseline}")
    return out


def reliability_rows(comparison: Comparison) -> Table:
    """Per variant: availability (mean and 95% CI over replications), and with an SLO the error budget consumed
    and the chance of meeting it."""
    from simulator.analysis.budget import reliability_document
    from simulator.results.incidents import organic

    slo = comparison.results[comparison.baseline].scenario.slo
    header = ["variant", "availability (95% CI)"]
    if slo is not None:
        header += ["error budget consumed", f"chance of meeting {slo.objective:.2%} (95% CI)"]
    rows = []
    for name in comparison.names:
        result = comparison.results[name]
        found = reliability_document(organic(result.incidents), result.scenario, result.replications)
        a = found["availability"]
        cells = [Cell(name), Cell(f"{a['mean']:.3%} ({a['ci_low']:.3%}–{a['ci_high']:.3%})")]
        if slo is not None and "meets_slo" in found:
            met = found["meets_slo"]
            cells += [Cell(f"{found['budget_consumed']['mean']:.0%}"),
                      Cell(f"{met['share']:.0%} ({met['ci_low']:.0%}–{met['ci_high']:.0%})")]
        elif slo is not None:
            cells += [Cell("–"), Cell("–")]
        rows.append(tuple(cells))
    period = format_duration(comparison.results[comparison.baseline].scenario.horizon)
    return Table(tuple(header), tuple(rows), (False, *[True] * (len(header) - 1)),
                 f"Availability and the SLO per {period}")


def person_load_rows(comparison: Comparison) -> Table | None:
    """Per variant and person: pages, out-of-hours pages and night pages per period (mean per replication)."""
    from simulator.results.oncall_load import load_summary

    period = format_duration(comparison.results[comparison.baseline].scenario.horizon)
    rows = []
    for name in comparison.names:
        result = comparison.results[name]
        if result.load is None:
            continue
        people = load_summary(result.load, result.scenario.timezone)["people"]
        for index, (person, figures) in enumerate(people.items()):
            rows.append((Cell(name if index == 0 else ""), Cell(person), Cell(f"{figures['pages']['mean']:.1f}"),
                         Cell(f"{figures['out_of_hours_pages']['mean']:.1f}"),
                         Cell(f"{figures['night_pages']['mean']:.1f}")))
    if not rows:
        return None
    return Table(("variant", "person", f"pages per {period}", "out of hours", "at night"), tuple(rows),
                 (False, False, True, True, True), f"Pages per person per {period} (mean over replications)")


def dashboard_lines(comparison: Comparison, metric: str = "mttr") -> list[str]:
    """Would each variant's change show on a dashboard (report.detectability), computed once per comparison."""
    from simulator.report.detectability import comparison_dashboard_lines

    found = comparison.__dict__.setdefault("_dashboard", {})
    if metric not in found:
        found[metric] = comparison_dashboard_lines(comparison, metric)
    return found[metric]
