"""The report's blocks as Markdown; figures are linked as PNG files beside the report."""

from __future__ import annotations

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


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Prompt):
            out.append(f"> ✎ **{PROMPT_MARK}:** {block.text}")
        elif isinstance(block, Table):
            align = [("---:" if right else "---") for right in (block.numeric or (False,) * len(block.header))]
            lines = [f"| {' | '.join(_cell(h) for h in block.header)} |", f"|{'|'.join(align)}|"]
            lines += [f"| {' | '.join(_cell(c.text) for c in row)} |" for row in block.rows]
            if block.caption:
                lines.append(f"\n{block.caption}")
            out.append("\n".join(lines))
        elif isinstance(block, Image):
            out.append(f"![{block.title}]({block.name}.png)\n\n*{block.caption}*")
        elif isinstance(block, Log):
            for day, lines in block.days:
                out.append(f"**{day}**")
                out.append("\n".join(f"- {line.time} {line.text}" for line in lines))
        else:  # pragma: no cover - every block type is handled above
            raise TypeError(f"cannot render {type(block).__name__}")
    return "\n\n".join(out) + "\n"
