"""The report's blocks as Markdown; figures are linked as PNG files beside the report."""

from __future__ import annotations

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

_RUN = re.compile(r"`+")
_SPECIAL = re.compile(r"[\\<>&\[\]|]")
_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})", re.MULTILINE)
_FENCE_MARK = {"`": ("\ue000", "&#96;"), "~": ("\ue001", "&#126;")}
"""A fence's backticks and tildes stand for themselves while the text is escaped, then become entities."""
_BLOCK_START = re.compile(
    r"#{1,6}(?=[ \t]|$)"             # a heading
    r"|[-+*](?=[ \t]|$)"              # a bullet
    r"|\d{1,9}[.)](?=[ \t]|$)"        # a numbered item
    r"|(?:[-*_][ \t]*){3,}$"          # a thematic break
    r"|=+[ \t]*$|-+[ \t]*$")           # the underline of a heading (setext)


def escape(text: str) -> str:
    """Text for Markdown that shows as written and can carry no HTML, link, code block, table, heading or list
    of its own: <, > and & become entities, brackets, pipes and backslashes are escaped, a line opening a
    fence (``` or ~~~) or a heading, list or rule has that start escaped, and no line is indented (which
    would make it code). The **bold** and `code` that blocks may use stay. Code spans are found as CommonMark
    finds them (a run of backticks closed by a run of the same length), and left as they are: inside them
    nothing is markup."""
    text = _FENCE.sub(lambda m: "".join(_FENCE_MARK[c][0] for c in m.group(1)), text)
    out, position = [], 0
    while (opening := _RUN.search(text, position)) is not None:
        closing = next((m for m in _RUN.finditer(text, opening.end()) if len(m.group()) == len(opening.group())),
                       None)
        if closing is None:  # an unmatched run of backticks is plain text
            out.append(_plain(text[position:opening.end()]))
            position = opening.end()
            continue
        out.append(_plain(text[position:opening.start()]) + text[opening.start():closing.end()])
        position = closing.end()
    out.append(_plain(text[position:]))
    escaped = "".join(out)
    for mark, entity in _FENCE_MARK.values():
        escaped = escaped.replace(mark, entity)
    return "\n".join(_line_start(line) for line in escaped.split("\n"))


def _line_start(line: str) -> str:
    line = line.lstrip(" \t")
    found = _BLOCK_START.match(line)
    if found is None:
        return line
    if line[0].isdigit():  # '1.' → '1\.'
        end = found.end()
        return line[:end - 1] + "\\" + line[end - 1:]
    return "\\" + line


def _plain(text: str) -> str:
    return _SPECIAL.sub(lambda m: _ENTITY.get(m.group(), "\\" + m.group()), text)


def _line(text: str) -> str:
    """Escaped, on one line (a heading, a list item, a table cell)."""
    return escape(" ".join(text.splitlines()))


def _cell(text: str) -> str:
    return re.sub(r"(?<!\\)\|", r"\\|", _line(text))  # a pipe inside `code` too ends no cell


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {_line(block.text)}")
        elif isinstance(block, Paragraph):
            out.append(escape(block.text))
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {_line(item)}" for item in block.items))
        elif isinstance(block, Prompt):
            out.append(f"> ✎ **{PROMPT_MARK}:** {_line(block.text)}")
        elif isinstance(block, Table):
            align = [("---:" if right else "---") for right in (block.numeric or (False,) * len(block.header))]
            lines = [f"| {' | '.join(_cell(h) for h in block.header)} |", f"|{'|'.join(align)}|"]
            lines += [f"| {' | '.join(_cell(c.text) for c in row)} |" for row in block.rows]
            if block.caption:
                lines.append(f"\n{escape(block.caption)}")
            out.append("\n".join(lines))
        elif isinstance(block, Image):
            out.append(f"![{_line(block.title)}]({block.name}.png)\n\n*{_line(block.caption)}*")
        elif isinstance(block, Log):
            for day, entries in block.days:
                out.append(f"**{_line(day)}**")
                out.append("\n".join(f"- {_line(line.time)} {_line(line.text)}" for line in entries))
        else:  # pragma: no cover - every block type is handled above
            raise TypeError(f"cannot render {type(block).__name__}")
    return "\n\n".join(out) + "\n"
