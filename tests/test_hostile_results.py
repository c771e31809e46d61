"""Damaged results folders and hostile text in them: `drillsim report` refuses a folder that is not one run's
whole results, saying what is wrong, and writes nothing; names and descriptions reach report.md, report.html,
the figures and the terminal as text, never as markup."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from eventlog_helpers import as_jsonl_folder
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from simulator import parse_scenario, simulate, write_results
from simulator.cli import app
from simulator.errors import DrillsimError
from simulator.outputs.names import EVENTS, EVENTS_JSONL, INCIDENTS, SUMMARY
from simulator.outputs.run import summary_digest
from simulator.report.document import Cell
from simulator.report.results import read_results

MINIMAL = (Path(__file__).parent / "fixtures" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
runner = CliRunner()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Two whole results folders of different runs."""
    base = tmp_path_factory.mktemp("damaged")
    scenario = parse_scenario(MINIMAL.replace("replications: 2", "replications: 3"))
    write_results(simulate(scenario, workers=1), base / "one")
    write_results(simulate(scenario, seed=99, workers=1), base / "other")
    return base


@pytest.fixture
def folder(written, tmp_path):
    copy = tmp_path / "results"
    shutil.copytree(written / "one", copy)
    return copy


def edit_summary(folder: Path, change, sign: bool = True) -> None:
    """Change summary.json; signed again, it stands for a summary made to look whole (by hand or another
    program), which only its fields' checks can refuse."""
    document = json.loads((folder / SUMMARY).read_text())
    change(document)
    if sign:
        document["digest"] = summary_digest(document)
    (folder / SUMMARY).write_text(json.dumps(document))


def refused(folder: Path, message: str) -> None:
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(DrillsimError, match=message):
        results = read_results(folder)
        results.events_of(range(results.replications))
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written


def test_a_whole_folder_is_read(folder):
    results = read_results(folder)
    assert len(results.events_of(range(3))) == 3
    assert runner.invoke(app, ["report", str(folder), "--quiet"]).exit_code == 0


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(replications="three"), r"replications: Input should be a valid integer"),
    (lambda d: d["metrics"]["mttr"].update(mean="abc"), r"metrics\.mttr\.mean: Input should be a valid number"),
    (lambda d: d["scenario"].update(name=5), r"scenario\.name: Input should be a valid string"),
    (lambda d: d["scenario"].update(horizon_minutes=1e300), r"scenario\.horizon_minutes: Input should be less"),
    (lambda d: d["scenario"].update(start="9999-12-30T00:00:00"), r"the start is in the year 9999; drillsim reads "
                                                                  r"dates from 1900 to 2200"),
    (lambda d: d["scenario"].update(start="2200-12-30T00:00:00"), r"past the end of 2200"),
    (lambda d: d["scenario"].update(start="2026-02-30"), r"scenario\.start: Input should be a valid datetime"),
    (lambda d: d.pop("metrics"), r"metrics: Field required"),
    (lambda d: d.update(format=1), r"in format 1; this drillsim reads format 2: run it again"),
    (lambda d: d.update(replications=2), r"incidents of replication 2 and summary\.json counts 2 replications"),
    (lambda d: d.update(incidents=1), r"incidents\.csv has \d+ incidents and summary\.json counts 1"),
    (lambda d: d.update(run_id="0123456789abcdef"), r"incidents\.csv holds rows of run '[0-9a-f]{16}' and "
                                                    r"summary\.json is run '0123456789abcdef'"),
    (lambda d: d["files"].pop(EVENTS), r"summary\.json records no events\.parquet"),
])  # fmt: skip
def test_a_damaged_summary_is_refused(folder, change, message):
    edit_summary(folder, change)
    refused(folder, message)


def test_a_summary_changed_by_hand_is_refused(folder):
    edit_summary(folder, lambda d: d["on_call_load"].clear(), sign=False)
    refused(folder, r"summary\.json was changed since drillsim wrote it")


def test_a_summary_that_is_not_json_is_refused(folder):
    (folder / SUMMARY).write_text((folder / SUMMARY).read_text()[:100])
    refused(folder, r"summary\.json:\d+:\d+: not JSON")
    (folder / SUMMARY).write_bytes(b"\xff\xfe{}")
    refused(folder, r"summary\.json:1:1: not UTF-8 text")


def test_a_summary_of_another_run_is_refused(folder, written):
    shutil.copy(written / "other" / SUMMARY, folder / SUMMARY)
    refused(folder, r"incidents\.csv is not the file this run wrote")


def test_incidents_of_another_run_are_refused(folder, written):
    shutil.copy(written / "other" / INCIDENTS, folder / INCIDENTS)
    refused(folder, r"incidents\.csv is not the file this run wrote")


def test_events_of_another_run_are_refused(folder, written):
    shutil.copy(written / "other" / EVENTS, folder / EVENTS)
    refused(folder, r"events\.parquet (has [\d,]+ bytes where|belongs to run)")


def test_a_truncated_event_log_is_refused(folder):
    data = (folder / EVENTS).read_bytes()
    (folder / EVENTS).write_bytes(data[: len(data) // 2])
    refused(folder, r"events\.parquet has [\d,]+ bytes where summary\.json records [\d,]+: it was cut short")


def test_an_event_log_changed_in_place_is_refused(folder):
    data = bytearray((folder / EVENTS).read_bytes())
    data[len(data) // 3] ^= 0xFF  # the same size: only reading it shows
    (folder / EVENTS).write_bytes(bytes(data))
    refused(folder, r"events\.parquet is not (the file this run wrote \(its SHA-256 differs|an event log drillsim)")


def test_an_event_log_that_is_not_parquet_is_refused(folder):
    size = (folder / EVENTS).stat().st_size
    (folder / EVENTS).write_bytes(b"x" * size)
    refused(folder, r"events\.parquet is not an event log drillsim writes")


# An older folder keeps its log in events.jsonl: read the same way, refused the same way when damaged.


def test_an_older_folder_with_events_jsonl_is_read(folder):
    as_jsonl_folder(folder)
    results = read_results(folder)
    assert results.events_file == EVENTS_JSONL
    assert sum(len(log) for log in results.events_of(range(3)).values()) > 0
    assert runner.invoke(app, ["report", str(folder), "--quiet"]).exit_code == 0


def test_a_truncated_jsonl_event_log_is_refused(folder):
    as_jsonl_folder(folder)
    data = (folder / EVENTS_JSONL).read_bytes()
    (folder / EVENTS_JSONL).write_bytes(data[: len(data) // 2])
    refused(folder, r"events\.jsonl has [\d,]+ bytes where summary\.json records [\d,]+: it was cut short")


def test_a_jsonl_event_log_that_is_not_utf8_is_refused(folder):
    as_jsonl_folder(folder)
    data = bytearray((folder / EVENTS_JSONL).read_bytes())
    at = data.index(b'"actor":"') + 9
    data[at] = 0xFF  # the same size: only reading it shows
    (folder / EVENTS_JSONL).write_bytes(bytes(data))
    refused(folder, r"events\.jsonl(:\d+: not an event drillsim writes \(not UTF-8 text\)| is not the file)")


def test_a_jsonl_event_log_with_a_changed_line_is_refused(folder):
    as_jsonl_folder(folder)
    lines = (folder / EVENTS_JSONL).read_text().splitlines(keepends=True)
    lines[-1] = lines[-1].replace('"replication":2', '"replication":7', 1)
    (folder / EVENTS_JSONL).write_text("".join(lines))
    refused(folder, r"events\.jsonl is not the file this run wrote \(its SHA-256 differs")


def test_a_cut_incidents_file_is_refused(folder):
    data = (folder / INCIDENTS).read_bytes()
    (folder / INCIDENTS).write_bytes(data[:-40])
    refused(folder, r"incidents\.csv is not the file this run wrote")


def test_a_folder_without_its_event_log_still_reports_without_timeline(folder):
    (folder / EVENTS).unlink()
    results = read_results(folder)
    assert not results.has_events


# ── Text from scenarios is text ────────────────────────────────────────────────────────────────────────────

HOSTILE_NAME = "<script>alert(1)</script> $x^$ [bold]loud[/bold] [link](javascript:alert(2))"


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-text") / "results"
    text = (MINIMAL.replace("name: checkout", f"name: '{HOSTILE_NAME}'\ndescription: '<img src=x onerror=alert(3)>'")
            .replace("name: bad-deploy", "name: 'cost $5 <b>x</b>'")
            .replace("acknowledge: 3m", "acknowledge: 3m\n  names: ['$Ana$', '<i>Ben</i>']"))
    scenario_file = folder.parent / "hostile.yaml"
    scenario_file.write_text(text)
    result = runner.invoke(app, ["run", str(scenario_file), "-n", "2", "--out", str(folder), "--report"])
    assert result.exit_code == 0, result.output
    return folder, result.output


def test_the_terminal_shows_names_as_written(reported):
    _, output = reported
    assert "[bold]loud[/bold]" in output


def test_report_md_carries_no_html_and_no_link_from_names(reported):
    folder, _ = reported
    rendered = MarkdownIt("commonmark").render((folder / "report.md").read_text(encoding="utf-8"))
    for raw in ("<script", "<img src=x", "<b>", "<i>", 'href="javascript'):
        assert raw not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "cost $5 &lt;b&gt;x&lt;/b&gt;" in rendered


def test_report_html_carries_no_html_from_names(reported):
    folder, _ = reported
    page = (folder / "report.html").read_text(encoding="utf-8")
    for raw in ("<script", "<img src=x", "<b>x", "<i>Ben"):
        assert raw not in page


def test_compare_shows_names_as_written_and_writes_plain_numbers(tmp_path):
    out = tmp_path / "compare"
    result = runner.invoke(app, ["compare", "-n", "3", "--set", "policy.mitigation=[failover, rollback]",
                                 "--resamples", "100", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "policy.mitigation=[failover, rollback]" in result.output  # not swallowed as markup
    differences = (out / "differences.csv").read_text()
    assert "np." not in differences and "float64" not in differences
    assert json.loads((out / "comparison.json").read_text())


# ── Text that would be markup in Markdown or a formula in a spreadsheet ───────────────────────────────────

BLOCKS = "```\nall that follows is code\n# a heading\n| a | b |\n|---|---|\n| 1 | 2 |\n    indented\n1. item\n---"


@pytest.mark.parametrize("text", [BLOCKS, "``` unclosed", "~~~", "# title", "  - item", "x\n===", "a | b\n--|--"])
def test_user_text_opens_no_code_block_table_heading_or_list(text):
    from simulator.report.document import Bullets, Heading, Paragraph, Table
    from simulator.report.markdown import render_markdown

    markdown = render_markdown([Paragraph(text), Bullets((text,)), Table(("name",), ((Cell(text),),)),
                                Heading(2, text), Paragraph("after")])
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    for tag in ("<pre", "<code", "<h1", "<h3", "<ol", "<hr", "<td>1</td>", "<th>a</th>"):
        assert tag not in rendered, (tag, markdown)
    assert rendered.count("<ul>") == 1 and rendered.count("<table>") == 1 and rendered.count("<h2>") == 1
    assert "<p>after</p>" in rendered


def test_an_unclosed_fence_in_a_description_leaves_the_report_as_it_is(tmp_path):
    text = MINIMAL.replace("name: checkout", "name: checkout\ndescription: |\n  ``` the rest\n  # not a heading")
    scenario_file = tmp_path / "fence.yaml"
    scenario_file.write_text(text)
    result = runner.invoke(app, ["run", str(scenario_file), "-n", "2", "--quiet", "--out", str(tmp_path / "out"),
                                 "--report"])
    assert result.exit_code == 0, result.output
    rendered = MarkdownIt("commonmark").enable("table").render((tmp_path / "out" / "report.md").read_text())
    assert "<pre" not in rendered and "``` the rest" in rendered and "# not a heading" in rendered
    assert rendered.count("<table>") >= 2  # the report's own tables are still tables


FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_no_text_in_a_csv_drillsim_writes_is_a_formula(tmp_path):
    import csv

    from simulator.history.format import Incident, read_history, write_history
    from simulator.outputs.files import csv_text, csv_text_read, write_csv

    for text in [*FORMULAS, "'=x", "''-y", "plain", "-2.5", "1e-06", "-", "'"]:
        written = csv_text(text)
        assert csv_text_read(written) == text
        assert not written.startswith(("=", "+", "@", "\t", "\r")) and (not written.startswith("-") or
                                                                        written in ("-2.5", "-"))
    path = write_csv(tmp_path / "t.csv", ["name", "value"], [[text, -1.5] for text in FORMULAS])
    rows = list(csv.reader(path.open(newline="")))
    assert all(row[0].startswith("'") and row[1] == "-1.5" for row in rows[1:])  # numbers stay numbers
    from datetime import UTC, datetime, timedelta

    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    history = write_history(tmp_path / "h.csv", [
        Incident(f"INC {n}", 2, mode=text, started_at=start + timedelta(days=n),
                 mitigated_at=start + timedelta(days=n, hours=1)) for n, text in enumerate(FORMULAS)])
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
               for row in csv.reader(history.open(newline="")) for cell in row)
    read = read_history(history)
    assert [i.mode for i in read.incidents] == [text.strip() for text in FORMULAS]  # as it was (the reader strips)


def test_a_mode_named_like_a_formula_stays_text_in_incidents_csv(tmp_path):
    import csv

    text = MINIMAL.replace("name: bad-deploy", "name: '=HYPERLINK(\"x\")'")
    scenario_file = tmp_path / "formula.yaml"
    scenario_file.write_text(text)
    result = runner.invoke(app, ["run", str(scenario_file), "-n", "2", "--quiet", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "out" / INCIDENTS).open(newline="")))
    assert rows and all(not row["mode"].startswith("=") for row in rows)
    assert "'=HYPERLINK(\"x\")" in {row["mode"] for row in rows}
    assert all(row["onset"][0].isdigit() for row in rows)
    results = read_results(tmp_path / "out")  # and the report reads the name as it was
    assert '=HYPERLINK("x")' in set(results.incidents.mode)
