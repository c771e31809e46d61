"""The report's blocks as one self-contained HTML file: styles inline, figures embedded as data: URIs, no
scripts, fonts or anything else fetched from anywhere; laid out to print on A4 or Letter."""

from __future__ import annotations

import base64
import html
import re

from simulator.report.document import (
    PROMPT_MARK,
    Block,
    Bullets,
    Heading,
    Image,
    Log,
    Paragraph,
    Prompt,
    Table,
)

STYLE = """
:root { --ink: #1f1f1f; --muted: #5f5f5f; --rule: #c8c8c8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); max-width: 62rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid var(--ink); padding-bottom: .15rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: .9em; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid var(--rule); padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.2rem 0 1.6rem; }
figure img { width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .35rem; }
.prompt { border: 1.5px dashed var(--ink); background: #fff8d6; padding: .45rem .7rem; margin: .5rem 0 1rem; }
.prompt strong { letter-spacing: .02em; }
.log { margin: .4rem 0 1rem; }
.log h5 { margin: .6rem 0 .2rem; font-size: .95rem; }
.log ol { list-style: none; padding-left: 0; margin: 0; }
.log li { padding: .05rem 0 .05rem 4.2rem; text-indent: -4.2rem; }
.log time { display: inline-block; width: 4.2rem; text-indent: 0; font-variant-numeric: tabular-nums;
            font-weight: 600; }
nav ol { columns: 2; font-size: .95rem; }
a { color: inherit; }
@page { size: auto; margin: 14mm 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2, h3, h4, h5 { break-after: avoid; }
  figure, table, .prompt, .log li { break-inside: avoid; }
  h2.chapter, h3[id^="incident-"] ~ h3[id^="incident-"] { break-before: page; }
  nav { display: none; }
  .prompt { background: none; }
}
"""

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`(.+?)`")


def inline(text: str) -> str:
    """Escape text, then turn **bold** and `code` into tags."""
    escaped = html.escape(text, quote=False)
    return _CODE.sub(r"<code>\1</code>", _BOLD.sub(r"<strong>\1</strong>", escaped))


def _table(block: Table) -> str:
    numeric = block.numeric or (False,) * len(block.header)
    head = "".join(f'<th{" class=num" if n else ""}>{inline(h)}</th>' for h, n in zip(block.header, numeric,
                                                                                      strict=True))
    rows = []
    for row in block.rows:
        cells = []
        for cell, n in zip(row, numeric, strict=True):
            data = f' data-minutes="{cell.minutes!r}"' if cell.minutes is not None else ""
            cells.append(f'<td{" class=num" if n else ""}{data}>{inline(cell.text)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    caption = f"<caption>{inline(block.caption)}</caption>" if block.caption else ""
    thead = f"<thead><tr>{head}</tr></thead>" if any(block.header) else ""
    return f"<table>{caption}{thead}<tbody>{''.join(rows)}</tbody></table>"


def render_html(blocks: list[Block], title: str) -> str:
    body: list[str] = []
    chapters = [b for b in blocks if isinstance(b, Heading) and b.level == 2 and b.anchor]
    for block in blocks:
        if isinstance(block, Heading):
            anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
            chapter = ' class="chapter"' if block.level == 2 and block.anchor == "narratives" else ""
            body.append(f"<h{block.level}{anchor}{chapter}>{inline(block.text)}</h{block.level}>")
            if block.level == 1 and chapters:  # the contents, once: under the first title
                links = "".join(f'<li><a href="#{html.escape(c.anchor)}">{inline(c.text)}</a></li>' for c in chapters)
                body.append(f'<nav aria-label="contents"><ol>{links}</ol></nav>')
                chapters = []
        elif isinstance(block, Paragraph):
            body.append(f"<p>{inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{inline(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Prompt):
            body.append(f'<div class="prompt">✎ <strong>{PROMPT_MARK}:</strong> {inline(block.text)}</div>')
        elif isinstance(block, Table):
            body.append(_table(block))
        elif isinstance(block, Image):
            data = base64.b64encode(block.png).decode("ascii")
            body.append(f'<figure id="figure-{html.escape(block.name)}"><img src="data:image/png;base64,{data}" '
                        f'alt="{html.escape(block.title)}"><figcaption>{inline(block.caption)}</figcaption></figure>')
        elif isinstance(block, Log):
            days = []
            for day, lines in block.days:
                items = "".join(f"<li><time>{line.time}</time>{inline(line.text)}</li>" for line in lines)
                days.append(f"<h5>{inline(day)}</h5><ol>{items}</ol>")
            body.append(f'<section class="log">{"".join(days)}</section>')
        else:  # pragma: no cover - every block type is handled above
            raise TypeError(f"cannot render {type(block).__name__}")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
