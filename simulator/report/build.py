"""Read a results folder, write report.html, report.md and the figures as PNG files into it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from simulator.outputs.files import write_bytes, write_text
from simulator.outputs.folders import results_folder
from simulator.report.content import report_blocks
from simulator.report.document import Image
from simulator.report.html import render_html
from simulator.report.markdown import render_markdown
from simulator.report.results import read_results

HTML, MARKDOWN = "report.html", "report.md"


def build_report(folder: str | Path, *, incidents: Sequence[str] = (), replication: int | None = None) -> list[Path]:
    """Write the report of the results in `folder`; returns the paths written (HTML, Markdown, then PNGs).

    The folder is rebuilt whole: its results are carried into a new folder beside it, the report is written
    there, and the new folder replaces the old one (a report of other results never stays behind).
    `incidents` names the incidents to tell as 'R:N' (default: the median and the slowest); `replication`
    picks the replication of the timeline (default: the one with the busiest stretch)."""
    folder = Path(folder)
    read_results(folder)  # a folder that is not a results folder is refused before anything is written
    keep = [entry.name for entry in folder.iterdir() if entry.is_file() and not entry.name.startswith(".")
            and entry.name not in (HTML, MARKDOWN) and entry.suffix != ".png"]  # all but the old report
    with results_folder(folder, keep=keep) as staging:
        written = write_report(staging, incidents=incidents, replication=replication)
    return [folder / path.name for path in written]


def write_report(folder: str | Path, *, incidents: Sequence[str] = (), replication: int | None = None) -> list[Path]:
    """Write the report files into `folder` as it is (a results folder being built, say)."""
    results = read_results(folder)
    blocks = report_blocks(results, incidents=incidents, replication=replication)
    title = f"drillsim report: {results.scenario['name']}"
    written = [write_text(results.folder / HTML, render_html(blocks, title)),
               write_text(results.folder / MARKDOWN, render_markdown(blocks))]
    for block in blocks:
        if isinstance(block, Image):
            written.append(write_bytes(results.folder / f"{block.name}.png", block.png))
    return written
