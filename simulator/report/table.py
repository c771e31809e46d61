"""The metrics table printed in the terminal, in units people read."""

from __future__ import annotations

from rich.table import Table

from simulator.metrics import METRICS, Stats
from simulator.units import format_duration


def metrics_table(stats: dict[str, Stats], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("metric", no_wrap=True)
    table.add_column("mean", justify="right", no_wrap=True)
    table.add_column("95% CI of mean", justify="right", no_wrap=True)
    for name in ("median", "p90", "p95", "p99", "max"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("n", justify="right")
    table.add_column("open", justify="right")
    for key, (label, _, _) in METRICS.items():
        s = stats[key]
        interval = f"{format_duration(s.ci_low)}–{format_duration(s.ci_high)}"
        table.add_row(label, format_duration(s.mean), interval, format_duration(s.median),
                      format_duration(s.p90), format_duration(s.p95), format_duration(s.p99),
                      format_duration(s.max), str(s.count), str(s.censored) if key != "mtbf" else "")
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
