"""The report as a list of plain blocks (headings, paragraphs, tables, figures, logs, prompts), written once
and rendered twice: by markdown.py and by html.py. Text may use **bold** and `code`, nothing else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Prompt:
    """A place where people must write what the simulation cannot know."""

    text: str


@dataclass(frozen=True)
class Cell:
    text: str
    minutes: float | None = None  # the exact value behind a duration, kept for machines (data-minutes)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: tuple[bool, ...] = ()  # right-align these columns
    caption: str = ""


@dataclass(frozen=True)
class Image:
    name: str  # file stem: the Markdown report links to NAME.png
    title: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class LogLine:
    time: str
    text: str


@dataclass(frozen=True)
class Log:
    """The Scribe's timeline: lines grouped under the day they happened."""

    days: tuple[tuple[str, tuple[LogLine, ...]], ...]


Block = Heading | Paragraph | Bullets | Prompt | Table | Image | Log

PROMPT_MARK = "To write"
"""The words that open every prompt, so that a reader (or grep) finds every place left for people."""
