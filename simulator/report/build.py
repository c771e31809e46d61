"""Read a results folder, write report.html, report.md and the figures as PNG files into it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from simulator.report.content import report_blocks
from simulator.report.document import Image
from simulator.report.html import render_html
from simulator.report.markdown import render_markdown
from simulator.report.results import read_results

HTML, MARKDOWN = "report.html", "report.md"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path` and rename it into place, so no half-written file remains."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # readable like any other file (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def build_report(folder: str | Path, *, incidents: Sequence[str] = (), replication: int | None = None) -> list[Path]:
    """Write the report of the results in `folder`; returns the paths written (HTML, Markdown, then PNGs).

    `incidents` names the incidents to tell as 'R:N' (default: the median and the slowest); `replication`
    picks the replication of the timeline (default: the one with the busiest stretch).
    """
    results = read_results(folder)
    blocks = report_blocks(results, incidents=incidents, replication=replication)
    title = f"drillsim report: {results.scenario['name']}"
    written = []
    for name, text in ((HTML, render_html(blocks, title)), (MARKDOWN, render_markdown(blocks))):
        _write(results.folder / name, text.encode("utf-8"))
        written.append(results.folder / name)
    for block in blocks:
        if isinstance(block, Image):
            _write(results.folder / f"{block.name}.png", block.png)
            written.append(results.folder / f"{block.name}.png")
    return written
