"""The analyses' files: one writer per artefact, each from the analysis' own document or rows.

    comparison      comparison.json (every statistic and difference), differences.csv
    sweep           sweep.csv (a row per point and replication), sweep_summary.csv, sweep_differences.csv
    detectability   detectability.json
    maturity        maturity.json, maturity.csv (a row per level and figure, then one per step)

Figures are drawn by simulator.report; the api puts both into one folder, replaced whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from simulator.outputs.files import write_csv, write_json

if TYPE_CHECKING:
    from simulator.analysis.compare import Comparison
    from simulator.analysis.detectability import Detectability
    from simulator.analysis.maturity import Ladder
    from simulator.analysis.sweep import Sweep

COMPARISON, DIFFERENCES = "comparison.json", "differences.csv"
TIDY, SWEEP_SUMMARY, SWEEP_DIFFERENCES = "sweep.csv", "sweep_summary.csv", "sweep_differences.csv"
DETECTABILITY = "detectability.json"
MATURITY_JSON, MATURITY_CSV = "maturity.json", "maturity.csv"


def write_comparison(comparison: Comparison, folder: str | Path) -> list[Path]:
    """comparison.json (every statistic and difference) and differences.csv (one row per variant, metric and
    statistic), in minutes."""
    folder = Path(folder)
    document = comparison.as_document()
    columns = ["variant", "metric", "statistic", "baseline", "value", "difference", "relative", "low", "high",
               "p_better", "verdict"]
    return [write_json(folder / COMPARISON, document),
            write_csv(folder / DIFFERENCES, columns, ([row[c] for c in columns] for row in document["differences"]))]


def write_sweep(result: Sweep, folder: str | Path) -> list[Path]:
    """sweep.csv (one row per point and replication), sweep_summary.csv (one row per point and metric) and
    sweep_differences.csv (one row per point, metric and statistic: the paired difference from the baseline)."""
    folder = Path(folder)
    return [write_csv(folder / name, None, rows) for name, rows in
            ((TIDY, result.rows()), (SWEEP_SUMMARY, result.summary_rows()),
             (SWEEP_DIFFERENCES, result.difference_rows()))]


def write_detectability(found: Detectability, folder: str | Path) -> list[Path]:
    """detectability.json: every trial's verdicts and the detection rates."""
    return [write_json(Path(folder) / DETECTABILITY, found.as_document())]


MATURITY_COLUMNS = ("row", "level", "figure", "value", "ci_low", "ci_high", "difference", "p_better", "verdict")


def write_ladder(found: Ladder, folder: str | Path) -> list[Path]:
    """maturity.json (every figure, step and preset) and maturity.csv (one row per level and figure, then one
    per step; numbers to 9 decimals, empty where there is none)."""
    folder = Path(folder)
    document = found.as_document()
    rows: list[list[object]] = [
        ["level", level, name, _cell(f["value"]), _cell(f["ci_low"]), _cell(f["ci_high"]), "", "", ""]
        for level, figures in document["levels"].items() for name, f in figures.items()]
    rows += [["step", f"{s['from']}→{s['to']}", s["figure"], "", _cell(s["ci_low"]), _cell(s["ci_high"]),
              _cell(s["difference"]), _cell(s["p_better"]), s["verdict"]] for s in document["steps"]]
    return [write_json(folder / MATURITY_JSON, document), write_csv(folder / MATURITY_CSV, MATURITY_COLUMNS, rows)]


def _cell(value: float | None) -> str:
    """A number to 9 decimals (finer than csv_cell's 6: the ladder's shares differ in the fifth place)."""
    return "" if value is None else repr(round(value, 9))


__all__ = ["write_comparison", "write_detectability", "write_ladder", "write_sweep"]
