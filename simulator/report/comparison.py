"""What `drillsim compare` and `drillsim sweep` print: terminal tables of statistics and paired differences,
and the verdicts in plain sentences. No matplotlib here: the figures are in comparison_figures.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from simulator.compare import BETTER, WORSE, Comparison, signed_duration
from simulator.metrics import METRICS
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.sweep import Sweep

VERDICT_STYLE = {BETTER: "bold green", WORSE: "bold red"}


def statistics_table(comparison: Comparison, metrics: Sequence[str] | None = None) -> Table:
    """Per metric and per variant, the statistics `drillsim run` prints."""
    table = Table(title="Statistics per variant (same failures in every variant)", title_justify="left",
                  header_style="bold")
    for column in ("metric", "variant", "mean", "95% CI of mean", "median", "p90", "p95", "p99", "n", "open"):
        table.add_column(column, justify="left" if column in ("metric", "variant") else "right", no_wrap=True)
    for metric in metrics or METRICS:
        for number, name in enumerate(comparison.names):
            s = comparison.summaries[name][metric]
            table.add_row(METRICS[metric].label if number == 0 else "", name, format_duration(s.mean),
                          f"{format_duration(s.ci_low)}–{format_duration(s.ci_high)}", format_duration(s.median),
                          format_duration(s.p90), format_duration(s.p95), format_duration(s.p99), str(s.count),
                          str(s.censored) if metric != "mtbf" else "", end_section=number == len(comparison.names) - 1)
    return table


def differences_table(comparison: Comparison, metrics: Sequence[str] | None = None, compact: bool = False) -> Table:
    """Each variant against the baseline: paired differences of the mean and the median, with intervals and
    the probability that the variant is better. `compact` stacks each difference over its interval, for
    narrow screens and notebooks."""
    level = f"{comparison.level:.0%}"
    table = Table(title=f"Paired differences from {comparison.baseline} ({level} bootstrap intervals over "
                        f"{comparison.replications} replications, {comparison.resamples} resamples)",
                  title_justify="left", header_style="bold")
    if compact:
        columns = ("metric", "variant", f"Δ mean, {level} CI, P(better)", f"Δ median, {level} CI, P(better)",
                   "verdict")
    else:
        columns = ("metric", "variant", "Δ mean", f"{level} CI", "Δ median", f"{level} CI", "P(better)", "verdict")
    for column in columns:
        table.add_column(column, justify="left" if column in ("metric", "variant", "verdict") else "right",
                         no_wrap=column != "variant")
    for metric in metrics or METRICS:
        for number, name in enumerate(comparison.variants):
            mean = comparison.difference(name, metric, "mean")
            median = comparison.difference(name, metric, "median")
            if compact:
                cells = [f"{signed_duration(d.difference)}\n{d.interval_text()}\n{d.p_better:.0%} better"
                         for d in (mean, median)]
            else:
                cells = [signed_duration(mean.difference), mean.interval_text(), signed_duration(median.difference),
                         median.interval_text(), f"{mean.p_better:.0%} / {median.p_better:.0%}"]
            table.add_row(
                METRICS[metric].label if number == 0 else "", name, *cells,
                Text(verdict_text(mean.verdict, median.verdict, compact), style=VERDICT_STYLE.get(mean.verdict, "")),
                end_section=compact or number == len(comparison.variants) - 1,
            )
    return table


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


def sweep_table(result: Sweep, metric: str = "mttr") -> Table:
    """One row per point: its parameter values and the metric's statistics."""
    table = Table(title=f"{METRICS[metric].title} per point ({result.replications} replications each, seed "
                        f"{result.seed}, same failures at every point)", title_justify="left",
                  header_style="bold")
    for parameter in result.parameters:
        table.add_column(parameter, no_wrap=True)
    for column in ("mean", "95% CI of mean", "median", "p90", "p95", "n", "open"):
        table.add_column(column, justify="right", no_wrap=True)
    for point in result.points:
        s = point.summary()[metric]
        table.add_row(*point.written.values(), format_duration(s.mean),
                      f"{format_duration(s.ci_low)}–{format_duration(s.ci_high)}", format_duration(s.median),
                      format_duration(s.p90), format_duration(s.p95), str(s.count),
                      str(s.censored) if metric != "mtbf" else "")
    return table


def comparison_report(comparison: Comparison, metrics: Sequence[str] | None = None,
                      sentences: Sequence[str] = ("mttr",)) -> Group:
    """The tables `drillsim compare` prints (for `metrics`, default all) and the verdicts in sentences (for
    `sentences`), as one renderable for a console or a notebook."""
    return Group(statistics_table(comparison, metrics), Text(""), differences_table(comparison, metrics, True),
                 Text(""),
                 *[Text(line) for line in verdict_lines(comparison, sentences)])
