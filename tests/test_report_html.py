"""The HTML report: self-contained (no external resource), the metrics table with the numbers of
summary.json, one embedded image per figure; the Markdown report links the same figures as PNG files."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from simulator import load_scenario, simulate, write_results
from simulator.errors import DrillsimError
from simulator.outputs.names import EVENTS
from simulator.outputs.read import read_summary
from simulator.report.build import build_report
from simulator.report.content import load_blocks, narrative_blocks, timeline_blocks
from simulator.report.document import Heading, Paragraph, Prompt
from simulator.report.html import render_html
from simulator.report.markdown import render_markdown
from simulator.report.results import read_results
from simulator.results.metrics import METRICS
from simulator.scenario.bundled import default_scenario
from simulator.units import format_duration


class Page(HTMLParser):
    """Collects what the tests look at: tags with attributes, and the cells of the metrics table."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.cells: list[tuple[dict, str]] = []
        self._cell: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "td":
            self._cell, self._text = dict(attrs), []

    def handle_data(self, data):
        if self._cell is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell, "".join(self._text)))
            self._cell = None


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    write_results(simulate(load_scenario(default_scenario()), replications=3), folder)
    written = build_report(folder)
    return folder, written


def test_writes_html_markdown_and_one_png_per_figure(report):
    _, written = report
    names = [p.name for p in written]
    assert names[:2] == ["report.html", "report.md"]
    assert sorted(names[2:]) == sorted(["mttd.png", "mtta.png", "mttr.png", "mtbf.png", "phases.png",
                                        "on-call-load.png", "timeline.png", "incidents-over-time.png",
                                        "availability.png"])
    for path in written[2:]:
        assert path.read_bytes().startswith(b"\x89PNG")


def test_html_embeds_every_figure_and_fetches_nothing(report):
    folder, written = report
    text = (folder / "report.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert len(images) == len(written) - 2
    embedded = {base64.b64decode(src.removeprefix("data:image/png;base64,")) for src in images}
    assert embedded == {path.read_bytes() for path in written[2:]}
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "poster", "data", "action"):
            value = attrs.get(name)
            assert value is None or value.startswith(("data:", "#")), (tag, name, value)
        assert tag not in ("script", "link", "iframe", "object", "embed")
    assert "url(" not in text and "@import" not in text and "http://" not in text and "https://" not in text
    assert "@media print" in text


def test_html_metrics_table_matches_summary_json(report):
    folder, _ = report
    summary = read_summary(folder)
    page = Page()
    page.feed((folder / "report.html").read_text(encoding="utf-8"))
    rows = {}
    for attrs, text in page.cells:
        if "data-minutes" in attrs:
            rows.setdefault(float(attrs["data-minutes"]), set()).add(text)
    for key in METRICS:
        stats = summary["metrics"][key]
        for name in ("mean", "median", "p90", "p95", "p99", "max"):
            value = stats[name]
            assert value in rows, (key, name)
            assert format_duration(value) in rows[value]
        assert str(stats["count"]) in rows[float(stats["count"])]
    html_text = (folder / "report.html").read_text(encoding="utf-8")
    for key, metric in METRICS.items():
        label = metric.label
        stats = summary["metrics"][key]
        ci = f"{format_duration(stats['ci_low'])}–{format_duration(stats['ci_high'])}"
        assert f"<td>{label}</td>" in html_text and ci in html_text


def test_markdown_has_the_same_sections_and_links_the_pngs(report):
    folder, written = report
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    for path in written[2:]:
        assert f"]({path.name})" in markdown
    html_text = (folder / "report.html").read_text(encoding="utf-8")
    for heading in re.findall(r"^#{1,4} (.+)$", markdown, flags=re.MULTILINE):
        assert heading.replace("`", "") in re.sub(r"</?code>", "", html_text)
    assert "## Incident narratives" in markdown and "#### What went badly" in markdown
    assert markdown.count("**To write:**") >= 6


def test_without_the_event_log_the_report_says_so(report, tmp_path):
    folder, _ = report
    for name in ("summary.json", "incidents.csv"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    assert not (tmp_path / EVENTS).exists()
    results = read_results(tmp_path)
    missing = "No event log (events.parquet) in the results folder, so no"
    assert timeline_blocks(results, None)[1:] == [Paragraph(f"{missing} timeline.")]
    assert narrative_blocks(results)[1:] == [Paragraph(f"{missing} narratives.")]


def test_a_folder_without_results_is_a_clear_error(tmp_path):
    with pytest.raises(DrillsimError, match=r"no summary\.json"):
        build_report(tmp_path)


def test_text_is_escaped_and_prompts_are_marked():
    blocks = [Heading(1, "a <b> & c"), Paragraph("**bold** and `code` <script>"), Prompt("fill in")]
    html_text = render_html(blocks, "t")
    assert "a &lt;b&gt; &amp; c" in html_text and "<script>" not in html_text
    assert "<strong>bold</strong> and <code>code</code>" in html_text
    assert 'class="prompt"' in html_text and "To write:" in html_text
    assert "> ✎ **To write:** fill in" in render_markdown(blocks)


def test_the_contents_list_comes_once_under_the_first_title():
    """A document with several top-level headings (a team drill's debrief: the team, then each incident's
    debrief) lists its chapters once, under the first, not again under every one."""
    blocks = [Heading(1, "The team"), Paragraph("seats"), Heading(1, "Debrief: INC-0001"),
              Heading(2, "Timeline"), Heading(2, "INC-0001: postmortem draft", anchor="postmortem-1"),
              Heading(1, "Debrief: INC-0002")]
    html_text = render_html(blocks, "t")
    assert html_text.count('<nav aria-label="contents">') == 1
    assert ('<h1>The team</h1>\n<nav aria-label="contents"><ol><li><a href="#postmortem-1">INC-0001: postmortem '
            'draft</a></li></ol></nav>\n<p>seats</p>') in html_text


def test_a_drills_folder_says_why_it_has_no_on_call_load(tmp_path):
    """`drillsim report` on a drill's folder: a drill is the failures people played, not a period of on call, so
    the on-call load is not drawn, and the report says why instead of leaving the section out; a run written
    without the load says so too."""
    from test_drill_practice import EVERY_MITIGATION_TRIED
    from typer.testing import CliRunner

    from simulator.cli import app as cli

    (tmp_path / "answers.txt").write_text(EVERY_MITIGATION_TRIED)
    scenario = default_scenario().with_name("learning-loop.yaml")
    drill = tmp_path / "drill"
    result = CliRunner().invoke(cli, ["drill", str(scenario), "--answers", str(tmp_path / "answers.txt"), "-n", "3",
                                      "-q", "-o", str(drill)])
    assert result.exit_code == 0, result.output
    written = {path.name for path in build_report(drill)}
    assert "on-call-load.png" not in written and "phases.png" in written
    markdown = (drill / "report.md").read_text()
    assert ("## On-call load\n\nThis folder holds a drill: the failures people played, not a period of on call, so "
            "what carrying the pager costs each person cannot be drawn from it. `drillsim run` on the scenario "
            "draws it.\n") in markdown
    plain = tmp_path / "plain"
    write_results(simulate(load_scenario(default_scenario()), replications=2, oncall_load=False), plain)
    assert load_blocks(read_results(plain)) == [
        Heading(2, "On-call load", anchor="on-call-load"),
        Paragraph("The run that wrote this folder left the on-call load out of its summary.json.")]
