"""The tables printed by `drillsim run`, in units people read: the metrics, and the metrics per group."""

from __future__ import annotations

from rich.table import Table

from simulator.analysis.breakdowns import By, Group
from simulator.report.censoring import mean_text, percentile_text
from simulator.results.metrics import METRICS, PERCENTILES, Stats
from simulator.units import format_duration, format_interval

DROPPED_FIRST = ("max", "p99", "p95", "n", "p90")
"""The metrics table's columns a narrow terminal loses first, in this order (the mean, its interval, the median
and the count of open incidents stay)."""


def metrics_table(stats: dict[str, Stats], title: str | None = None, width: int | None = None) -> Table:
    """MTTD, MTTA, MTTR, MTBF and time to resolve, a row each. With `width` (the terminal's columns), the
    lower-priority columns (DROPPED_FIRST) are left out until the table fits, rather than cut its values short."""
    header = ["metric", "mean", "95% CI of mean", "median", "p90", "p95", "p99", "max", "n", "open"]
    rows = []
    for key, metric in METRICS.items():
        s = stats[key]
        interval = format_interval(s.ci_low, s.ci_high)
        rows.append([metric.label, mean_text(s), interval, *(percentile_text(s, name) for name in PERCENTILES),
                     format_duration(s.max), str(s.count), str(s.censored) if key != "mtbf" else ""])
    shown = list(range(len(header)))
    if width is not None:
        def needed() -> int:  # each column's widest cell, one space of padding either side, and the borders
            return 1 + sum(max(len(row[c]) for row in [header, *rows]) + 3 for c in shown)

        for name in DROPPED_FIRST:
            if needed() <= width:
                break
            shown.remove(header.index(name))
    table = Table(title=title, title_justify="left", header_style="bold")
    for c in shown:
        table.add_column(header[c], justify="left" if c == 0 else "right", no_wrap=True)
    for row in rows:
        table.add_row(*(row[c] for c in shown))
    return table


def load_table(load: dict, period: str, title: str | None = None) -> Table:
    """On-call load per person (the `on_call_load` section of summary.json), per `period` of the run (a quarter,
    a year: the scenario's horizon), mean over replications."""
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("person", no_wrap=True)
    table.add_column(f"pages per {period}", justify="right")
    table.add_column("out of hours", justify="right")
    table.add_column("at night", justify="right")
    table.add_column("hours held", justify="right")
    table.add_column("longest stretch", justify="right")
    table.add_column("busiest 12h (p95)", justify="right")
    table.add_column(f"12h blocks over {load['sustainable_incidents_per_12h']}", justify="right")
    for person, figures in load["people"].items():
        if figures["pages"]["mean"] == 0 and figures["hours_held"]["mean"] == 0:
            continue
        table.add_row(
            person, f"{figures['pages']['mean']:.1f}", f"{figures['out_of_hours_pages']['mean']:.1f}",
            f"{figures['night_pages']['mean']:.1f}", format_duration(figures["hours_held"]["mean"] * 60),
            format_duration(figures["longest_stretch_hours"]["mean"] * 60),
            f"{figures['busiest_12h']['mean']:.1f} ({figures['busiest_12h']['p95']:.0f})",
            f"{figures['blocks_over_two']['mean']:.1%}",
        )
    return table


def oncall_cost_rows(load: dict) -> tuple[list[str], list[list[str]]]:
    """The cost to the people on call (the `on_call_load` section of summary.json), per person: pages and hours of
    work in their sleeping hours, interrupted nights, shifts, hours on call and pay (mean per replication, and
    the 95th percentile of the pages and nights)."""
    currency = load.get("pay_currency")
    header = ["person", "pages in sleep (p95)", "hours worked in sleep", "interrupted nights (p95)", "shifts",
              "hours on call", f"on-call pay{f' ({currency})' if currency else ''}"]
    rows = []
    for person, f in load["people"].items():
        if "sleep_pages" not in f or not any(f[name]["mean"] for name in ("pages", "shifts", "on_call_hours")):
            continue
        rows.append([person, f"{f['sleep_pages']['mean']:.1f} ({f['sleep_pages']['p95']:.0f})",
                     format_duration(f["sleep_hours"]["mean"] * 60),
                     f"{f['interrupted_nights']['mean']:.1f} ({f['interrupted_nights']['p95']:.0f})",
                     f"{f['shifts']['mean']:.0f}", f"{f['on_call_hours']['mean']:,.0f}",
                     f"{f['pay']['mean']:,.0f}" if load.get("pay_currency") is not None else "–"])
    return header, rows


def oncall_cost_table(load: dict, period: str, title: str | None = None) -> Table:
    """The cost to the people on call, per `period`, in the terminal."""
    header, rows = oncall_cost_rows(load)
    table = Table(title=title or f"The cost to the people on call, per {period} (mean per replication)",
                  title_justify="left", header_style="bold")
    for number, column in enumerate(header):
        table.add_column(column, justify="left" if number == 0 else "right", no_wrap=number == 0)
    for row in rows:
        table.add_row(*row)
    return table


BREAKDOWN_COLUMNS = (("mttd", "mean"), ("mtta", "mean"), ("mttr", "mean"), ("mttr", "ci"), ("mttr", "median"),
                     ("mttr", "p90"))
"""The (metric, statistic) columns of a breakdown, in the order tables show them."""


def breakdown_header(by: By) -> list[str]:
    """The header of a breakdown table: the group, its incidents, then BREAKDOWN_COLUMNS and `open`."""
    named = [f"{METRICS[m].label} {'95% CI' if s == 'ci' else s}" for m, s in BREAKDOWN_COLUMNS]
    return [by.heading, "incidents", *named, "open"]


def breakdown_cells(group: Group) -> list[tuple[str, float | None]]:
    """A breakdown row's cells after the group's name: (text, minutes behind it or None)."""
    cells: list[tuple[str, float | None]] = [(str(group.incidents), None)]
    for metric, statistic in BREAKDOWN_COLUMNS:
        s = group.stats[metric]
        if statistic == "ci":
            cells.append((format_interval(s.ci_low, s.ci_high), None))
        else:
            value = getattr(s, statistic)
            cells.append((format_duration(value), value))
    cells.append((str(group.stats["mttr"].censored), None))
    return cells


def breakdown_table(groups: list[Group], by: str | By, title: str | None = None) -> Table:
    """MTTD, MTTA and MTTR per group of incidents (simulator.analysis.breakdowns), in the terminal."""
    by = By(by)
    header = breakdown_header(by)
    table = Table(title=title or f"Per {by.noun}", title_justify="left", header_style="bold")
    for number, column in enumerate(header):
        table.add_column(column, justify="left" if number == 0 else "right", no_wrap=number > 0,
                         min_width=12 if number == 0 else None)
    for group in groups:
        table.add_row(group.name, *(text for text, _ in breakdown_cells(group)))
    return table
