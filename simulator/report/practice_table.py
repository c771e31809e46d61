"""The practices' sections of summary.json (simulator.analysis.practice_summary) as text rows, for the
terminal tables of `drillsim run` and the report's tables alike: availability and the error budget, OKRs, DORA, and the
practices themselves (reopenings, fixes left in place, the learning loop, drills)."""

from __future__ import annotations

import math

from rich.table import Table

from simulator.analysis.budget import describe_limit
from simulator.scenario.objectives import percent
from simulator.units import format_duration


def share(value: float | None, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{decimals}f}%"


def chance(found: dict) -> str:
    """'63% (56%–70%)'."""
    return f"{share(found['share'], 0)} ({share(found['ci_low'], 0)}–{share(found['ci_high'], 0)})"


def reliability_rows(section: dict) -> list[tuple[str, str]]:
    a = section["availability"]
    rows = [("availability, mean (95% CI)",
             f"{share(a['mean'], 3)} ({share(a['ci_low'], 3)}–{share(a['ci_high'], 3)})"),
            ("availability, 5th–95th percentile", f"{share(a['p5'], 3)}–{share(a['p95'], 3)}")]
    if "slo" in section:
        budget = section["budget_consumed"]
        rows += [("SLO", f"{percent(section['slo'])} (error budget {format_duration(section['error_budget_minutes'])} "
                         "of full outage)"),
                 ("error budget consumed, mean (median)", f"{share(budget['mean'], 0)} ({share(budget['median'], 0)})"),
                 ("chance of meeting the SLO", chance(section["meets_slo"]))]
        if "drills_budget_consumed" in section:
            rows.append(("error budget the drills consumed", share(section["drills_budget_consumed"]["mean"], 0)))
    worst = sorted(section["unavailability_by_mode"].items(), key=lambda item: -item[1])
    total = sum(value for _, value in worst) or 1.0
    rows.append(("downtime by failure mode", ", ".join(f"{name} {value / total:.0%}" for name, value in worst)))
    return rows


def amount(value: float | None, unit: str | None) -> str:
    """'GBP 12,345', '12,345 users', '–'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    if not unit:
        return number
    return f"{unit} {number}" if unit.isupper() or len(unit) <= 3 else f"{number} {unit}"


def cost_rows(section: dict, period: str) -> list[tuple[str, str, str, str, str, str]]:
    """(figure, mean per period (95% CI), median, p90, p99 per period, mean per incident) of users affected and
    the cost of downtime."""
    rows = []
    for name, label, unit in (("users_affected", "users affected", section.get("users_unit")),
                              ("cost", "cost of downtime", section.get("currency"))):
        found = section.get(name)
        if not found:
            continue
        p, one = found["per_period"], found["per_incident"]
        rows.append((f"{label} per {period}", f"{amount(p['mean'], unit)} ({amount(p['ci_low'], None)}–"
                     f"{amount(p['ci_high'], None)})", amount(p["median"], unit), amount(p["p90"], unit),
                     amount(p["p99"], unit), amount(one["mean"], unit)))
    return rows


def cost_by_mode(section: dict) -> str:
    """Each failure mode's share of the cost (or of the users affected, without a cost)."""
    found = section.get("cost") or section.get("users_affected") or {"by_mode": {}}
    worst = sorted(found["by_mode"].items(), key=lambda item: -item[1])
    total = sum(value for _, value in worst) or 1.0
    return ", ".join(f"{name} {value / total:.0%}" for name, value in worst)


COST_HEADER = ("figure", "mean (95% CI)", "median", "p90", "p99", "mean per incident")


def okr_rows(section: dict) -> list[tuple[str, str, str]]:
    """(key result, chance met per period, the typical value)."""
    rows = []
    for result in section["key_results"]:
        typical = result["typical"]
        shown = "–" if typical is None else describe_limit({**result, "limit": typical})
        rows.append((result["name"], chance(result), shown))
    rows.append(("all key results", chance(section["all"]), ""))
    return rows


def dora_rows(section: dict) -> list[tuple[str, str, str]]:
    """(metric, value, DORA band)."""
    cfr, recovery = section["change_failure_rate"], section["failed_deployment_recovery_time"]
    return [("deployments per day", f"{section['deployments_per_day']:.1f}", ""),
            ("change failure rate (95% CI)", f"{share(cfr['value'])} ({share(cfr['ci_low'])}–{share(cfr['ci_high'])})",
             cfr["band"] or "–"),
            ("failed deployment recovery time, median (mean)",
             f"{format_duration(recovery['median'])} ({format_duration(recovery['mean'])})", recovery["band"] or "–")]


def practice_rows(section: dict) -> list[tuple[str, str]]:
    rows = []
    if section.get("maturity"):
        rows.append(("maturity preset", section["maturity"]))
    reopened = section["reopened"]
    if reopened["met"]:
        rows.append(("incidents that reopened", chance(reopened)))
    cleanup = section.get("cleanup")
    if cleanup and cleanup["fixes_left"]["mean"]:
        rows.append(("temporary fixes left in place past cleanup, per replication",
                     f"{cleanup['fixes_left']['mean']:.1f} (on average {cleanup['fixes_left_on_average']['mean']:.1f} "
                     "in place at once)"))
    learning = section.get("learning")
    if learning:
        rows.append(("action items written, done, still open at the end",
                     f"{learning['written']['mean']:.1f}, {learning['done']['mean']:.1f}, "
                     f"{learning['open_at_horizon']['mean']:.1f} per replication"))
        with_loop = learning["incidents_per_quarter"]
        rows.append(("incidents per quarter, with the loop", trend_text(with_loop)))
        without = learning.get("incidents_per_quarter_without_learning")
        if without:
            rows.append(("incidents per quarter, without it", trend_text(without)))
    drills = section.get("drills")
    if drills:
        m = drills["metrics"]
        rows.append(("drills (reported apart)", f"{drills['per_replication']:.1f} per replication; MTTD "
                     f"{format_duration(m['mttd']['mean'])}, MTTA {format_duration(m['mtta']['mean'])}, MTTR "
                     f"{format_duration(m['mttr']['mean'])}"))
    return rows


def trend_text(trend: list[dict]) -> str:
    shown = trend if len(trend) <= 8 else trend[:4] + trend[-4:]
    text = " → ".join(f"{q['mean']:.1f}" for q in shown)
    return text if len(trend) <= 8 else text.replace(f"{trend[3]['mean']:.1f} → ", f"{trend[3]['mean']:.1f} … ", 1)


def practice_tables(sections: dict, period: str) -> list[Table]:
    """The terminal tables of the practices' sections, in reading order (those that apply)."""
    tables = []
    table = Table(title=f"Availability per {period} (drills left out)", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    row: tuple[str, ...]
    for row in reliability_rows(sections["reliability"]):
        table.add_row(*row)
    tables.append(table)
    if "cost" in sections:
        table = Table(title="Users affected and cost of downtime (drills left out)", title_justify="left",
                      header_style="bold", caption=f"By failure mode: {cost_by_mode(sections['cost'])}",
                      caption_justify="left")
        for number, column in enumerate(COST_HEADER):
            table.add_column(column, justify="left" if number == 0 else "right")
        for cells in cost_rows(sections["cost"], period):
            table.add_row(*cells)
        tables.append(table)
    if "okrs" in sections:
        okrs = sections["okrs"]
        table = Table(title=f"Reliability OKRs: chance each is met per {format_duration(okrs['period_minutes'])}",
                      title_justify="left", header_style="bold")
        for column in ("key result", "chance met (95% CI)", "typical value"):
            table.add_column(column)
        for row in okr_rows(okrs):
            table.add_row(*row)
        tables.append(table)
    if sections.get("comms", {}).get("severities"):
        from simulator.analysis.comms import COMMS_HEADER, comms_rows

        table = Table(title=f"Stakeholder updates per {period}, by severity", title_justify="left",
                      header_style="bold")
        for index, column in enumerate(COMMS_HEADER):
            table.add_column(column, justify="left" if index == 0 else "right")
        for row in comms_rows(sections["comms"]):
            table.add_row(*row)
        tables.append(table)
    if "dora" in sections:
        table = Table(title="DORA stability metrics", title_justify="left", header_style="bold")
        for column in ("metric", "value", "DORA band"):
            table.add_column(column)
        for row in dora_rows(sections["dora"]):
            table.add_row(*row)
        tables.append(table)
    if "practices" in sections:
        rows = practice_rows(sections["practices"])
        if rows:
            table = Table(title="Practices", title_justify="left", show_header=False)
            table.add_column(style="bold")
            table.add_column()
            for row in rows:
                table.add_row(*row)
            tables.append(table)
    return tables


__all__ = ["COST_HEADER", "amount", "chance", "cost_by_mode", "cost_rows", "dora_rows", "okr_rows", "practice_rows",
           "practice_tables", "reliability_rows", "share",
           "trend_text"]
