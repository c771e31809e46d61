"""The maturity ladder as a table (each level's figures, and between levels what the step up is worth) and the
presets behind it, as text cells for the terminal and for files."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.table import Table

from simulator.analysis.compare import signed_duration
from simulator.analysis.paired import BETTER, CUT_SHORT, NEGLIGIBLE, NO_DATA, UNCLEAR, UNSURE, WORSE
from simulator.scenario.maturity import LEVELS, SETTINGS
from simulator.scenario.variants import format_value
from simulator.units import format_duration

if TYPE_CHECKING:
    from simulator.analysis.maturity import Ladder

HEADINGS = {"mttd": "MTTD", "mtta": "MTTA", "mttr": "MTTR", "availability": "availability",
            "incidents": "incidents / quarter", "meets_slo": "meets SLO", "users_affected": "users affected / period",
            "cost": "cost / period"}
MARKS = {BETTER: "✓", WORSE: "✗", NEGLIGIBLE: "=", UNSURE: "~", UNCLEAR: "≈", NO_DATA: "?", CUT_SHORT: "⊘"}
"""A step's verdict (analysis.paired.verdict), in a cell."""
MARK_WORDS = {BETTER: "meaningfully better", WORSE: "meaningfully worse", CUT_SHORT: "no honest answer (too many cut "
              "short)"}


def legend() -> str:
    """'✓ meaningfully better, ✗ meaningfully worse, = no difference that matters, …'."""
    return ", ".join(f"{mark} {MARK_WORDS.get(verdict, verdict)}" for verdict, mark in MARKS.items())


def matters_text(found: Ladder) -> str:
    """Which difference matters, figure by figure: 'The smallest difference that matters: 5% of the lower level's
    value (for availability, of its downtime).'"""
    effect = found.min_effect
    if effect.minutes is not None:
        return (f"The smallest difference that matters: {effect.text()} for MTTD, MTTA and MTTR, "
                f"{effect.figure_share:.0%} of the lower level's value for the other figures (of its downtime for "
                "availability).")
    return (f"The smallest difference that matters: {effect.text()} of the lower level's value (of its downtime for "
            "availability).")


def units_of(found: Ladder) -> dict[str, str | None]:
    """The currency and the users' unit, where the scenario names them."""
    return {name: unit if isinstance(unit := found.costs.get(key), str) else None
            for name, key in (("cost", "currency"), ("users_affected", "users_unit"))}


def value_text(figure: str, value: float) -> str:
    if value is None or math.isnan(value):
        return "–"
    if figure in ("mttd", "mtta", "mttr"):
        return format_duration(value)
    if figure == "availability":
        return f"{value * 100:.3f}%"
    if figure == "meets_slo":
        return f"{value * 100:.0f}%"
    if figure in ("users_affected", "cost"):
        return f"{value:,.0f}"
    return f"{value:.1f}"



def difference_text(figure: str, value: float, unit: bool = True) -> str:
    if value is None or math.isnan(value):
        return "–"
    if figure in ("mttd", "mtta", "mttr"):
        return signed_duration(value)
    if figure in ("availability", "meets_slo"):
        points = value * 100
        return (f"{points:+.3f}" if figure == "availability" else f"{points:+.0f}") + (" pts" if unit else "")
    if figure in ("users_affected", "cost"):
        return f"{value:+,.0f}"
    return f"{value:+.2f}"


def ladder_rows(found: Ladder) -> tuple[list[str], list[tuple[str, list[str], list[str]]]]:
    """The header, and rows of (kind, cells, verdicts): a row per level ('level': its value), and between two
    levels a row for the step up ('step': the paired difference, its 95% interval and its verdict's mark,
    MARKS). Availability's and the SLO chance's steps are in percentage points."""
    figures = found.figures
    from simulator.units import format_period

    units = units_of(found)
    period = format_period(found.results[LEVELS[0]].scenario.horizon)
    header = ["level", *(HEADINGS[name].replace(" / period", f" ({units[name]}) per {period}" if units.get(name)
                                                 else f" per {period}") for name in figures)]
    if found.slo is not None and "availability" in figures:
        header[1 + figures.index("availability")] = f"availability (SLO {found.slo * 100:g}%)"
    rows = []
    for number, level in enumerate(LEVELS):
        cells = [level_text(found, level), *(value_text(name, found.levels[level][name].value) for name in figures)]
        rows.append(("level", cells, [""] * len(figures)))
        if number + 1 < len(LEVELS):
            step_cells, verdicts = ["  ↓ step up"], []
            for name in figures:
                s = found.step(name, level)
                step_cells.append(f"{difference_text(name, s.difference)} [{difference_text(name, s.low, False)}, "
                                  f"{difference_text(name, s.high, False)}] {MARKS[s.verdict]}")
                verdicts.append(s.verdict)
            rows.append(("step", step_cells, verdicts))
    return header, rows


def level_text(found: Ladder, level: str) -> str:
    """A level's name in the table, marked where the scenario stands today: 'Intermediate ◀ here'."""
    here = found.here
    if here is None or here.level != level:
        return level.capitalize()
    return f"{level.capitalize()} ◀ {'here' if here.exact else 'nearest'}"


def ladder_table(found: Ladder, title: str | None = None) -> Table:
    header, rows = ladder_rows(found)
    table = Table(title=title, title_justify="left", header_style="bold")
    for number, column in enumerate(header):
        # Too wide for the terminal, cells wrap at their spaces rather than lose their ends to an ellipsis.
        table.add_column(column, justify="left" if number == 0 else "right", no_wrap=number == 0, overflow="fold",
                         min_width=max(len(cells[0]) for _, cells, _ in rows) if number == 0 else None)
    for kind, cells, verdicts in rows:
        if kind == "level":
            table.add_row(*cells, style="bold")
        else:
            colours = ["green" if v == "better" else "red" if v == "worse" else "dim" for v in verdicts]
            table.add_row(f"[dim]{cells[0]}[/dim]",
                          *(f"[{colour}]{cell}[/{colour}]" for colour, cell in zip(colours, cells[1:], strict=True)))
    return table


def cost_lines(found: Ladder) -> list[str]:
    """Each level's users affected and cost per period as distributions: mean, median, p90, p99."""
    if not found.costs:
        return []
    from simulator.report.practice_table import amount
    from simulator.units import format_period

    period = format_period(found.results[LEVELS[0]].scenario.horizon)
    units = units_of(found)
    out = []
    for name, unit in (("users_affected", units["users_affected"]), ("cost", units["cost"])):
        label = "users affected" if name == "users_affected" else "cost of downtime"
        for level in LEVELS:
            spread = found.costs[level].get(name)
            if spread is None:
                continue
            out.append(f"{level.capitalize()}: {label} per {period}: mean {amount(spread['mean'], unit)}, median "
                       f"{amount(spread['median'], unit)}, p90 {amount(spread['p90'], unit)}, p99 "
                       f"{amount(spread['p99'], unit)}")
    return out


def setting_text(value) -> str:
    """A preset value, short: 'none', '95% in 1m', 'uniform 2w–8w', 'SEV1, SEV2'."""
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    if isinstance(value, dict):
        if value.get("kind") == "uniform":
            return f"uniform {value['low']}–{value['high']}"
        if "success" in value:
            return f"{value['success']:.0%} in {value['duration']}"
        if "every" in value:
            return f"every {value['every']}, {value['at']}"
        return format_value(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return format_value(value)


def preset_rows() -> tuple[list[str], list[list[str]]]:
    """Every preset field: its value at each level, what it stands for, and where the numbers come from."""
    header = ["field", *(level.capitalize() for level in LEVELS), "stands for", "source"]
    rows = [[s.path, *(setting_text(s.at(level)) for level in LEVELS), s.stands_for, s.source] for s in SETTINGS]
    return header, rows


def preset_table(title: str | None = None) -> Table:
    """The presets in the terminal: a row per field, what it stands for and its source under its name."""
    header, rows = preset_rows()
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=True)
    table.add_column("field (what it stands for; source)", ratio=1, overflow="fold", min_width=40)
    for level in header[1:5]:
        table.add_column(level, no_wrap=True)
    for field, *values, stands_for, source in rows:
        table.add_row(f"[bold]{field}[/bold]\n[dim]{stands_for}; {source}[/dim]", *values)
    return table


__all__ = ["cost_lines", "cut_short_warnings", "difference_text", "ladder_rows", "ladder_table", "preset_rows",
           "preset_table", "value_text"]


def cut_short_warnings(found: Ladder) -> list[str]:
    """A warning for each level and time figure whose mean leaves out more than a few percent of incidents,
    cut short by the horizon."""
    from simulator.analysis.maturity import LABELS
    from simulator.results.metrics import CENSORED_WARNING

    return [f"warning: at {level.capitalize()}, {cut:,} of {total:,} incidents ({cut / total:.0%}) had not reached "
            f"the end of their {LABELS[name]} span by the horizon; they count as lasting at least until it (the "
            "Kaplan–Meier restricted mean); a step whose faster level leaves too many open has no honest verdict "
            "(⊘): run a longer horizon"
            for level, name, cut, total in found.cut_short(CENSORED_WARNING)]
