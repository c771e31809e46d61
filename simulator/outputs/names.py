"""What a results folder holds: its files' names, the manifest, the format version and the run id's key."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

SUMMARY, INCIDENTS, EVENTS = "summary.json", "incidents.csv", "events.parquet"
EVENTS_JSONL = "events.jsonl"
"""The event log as folders written before events.parquet hold it (one JSON object a line); still read."""
DATA_FILES = (SUMMARY, INCIDENTS, EVENTS)
ANSWERS = "answers.txt"
"""Beside the data files of a drill's folder (`drillsim drill --out`): the drill's settings and decisions."""
MANIFEST = ".drillsim"
"""In every folder drillsim writes: the names of the files it wrote there."""
FORMAT_VERSION = 2
"""2: the run id in all three files and the files' sizes and digests in summary.json."""
RUN_ID = "run_id"
DIGEST = "digest"
"""summary.json's own SHA-256, of everything else in it."""


SLUG_LENGTH = 60
"""Longest slug kept whole; a longer one is cut and given a short hash, so every file name stays far from the
255-byte limit of file systems."""


def slug(text: str, fallback: str = "item") -> str:
    """A name fit for a file: 'Payment provider (PSP)' → 'payment-provider-psp'. Not unique by itself ('INC 1'
    and 'inc-1' give the same slug): names of several files are made with unique_slugs."""
    found = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(found) > SLUG_LENGTH:
        found = found[:SLUG_LENGTH].rstrip("-") + "-" + _short_hash(text)
    return found or fallback


def unique_slugs(texts: Iterable[str], fallback: str = "item") -> dict[str, str]:
    """A slug per distinct text, never two alike: where several texts share a slug (by case, punctuation or
    an empty slug), each of them gets a short hash of its own text appended ('inc-1-3f2a9c')."""
    distinct = list(dict.fromkeys(texts))
    plain = {text: slug(text, fallback) for text in distinct}
    counts = Counter(plain.values())
    names = {text: name if counts[name] == 1 else f"{name}-{_short_hash(text)}" for text, name in plain.items()}
    taken = Counter(names.values())
    for text, name in names.items():  # a hashed name equal to another text's plain slug: hash longer
        if taken[name] > 1 and name != plain[text]:
            names[text] = f"{plain[text]}-{_short_hash(text, 16)}"
    return names


def _short_hash(text: str, length: int = 6) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]
