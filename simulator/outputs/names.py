"""What a results folder holds: its files' names, the manifest, the format version and the run id's key."""

from __future__ import annotations

import re

SUMMARY, INCIDENTS, EVENTS = "summary.json", "incidents.csv", "events.jsonl"
DATA_FILES = (SUMMARY, INCIDENTS, EVENTS)
MANIFEST = ".drillsim"
"""In every folder drillsim writes: the names of the files it wrote there."""
FORMAT_VERSION = 2
"""2: the run id in all three files and the files' sizes and digests in summary.json."""
RUN_ID = "run_id"
DIGEST = "digest"
"""summary.json's own SHA-256, of everything else in it."""

# Names a folder written by drillsim before it kept a manifest may hold; such a folder may be replaced too.
LEGACY = re.compile(r"(summary\.json|incidents\.csv|events\.jsonl|report\.(html|md)|[\w-]+\.png|"
                     r"detectability\.json|comparison\.json|differences\.csv|sweep(_summary)?\.csv)")
