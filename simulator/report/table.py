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
    for key, metric in METRICS.items():
        s = stats[key]
        interval = f"{format_duration(s.ci_low)}–{format_duration(s.ci_high)}"
        table.add_row(metric.label, format_duration(s.mean), interval, format_duration(s.median),
                      format_duration(s.p90), format_duration(s.p95), format_duration(s.p99),
                      format_duration(s.max), str(s.count), str(s.censored) if key != "mtbf" else "")
    return table
