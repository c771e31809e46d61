"""What drillsim refuses as a mistake rather than try: the limits on input, in one place.

Each guards against a file or an option that would otherwise hang, exhaust memory or overflow (a YAML alias
bomb, a rate per second where a rate per week was meant, a billion responders), and each sits far above what
a real drill needs. docs/concepts/results.md lists them.
"""

from __future__ import annotations

MAX_FILE_BYTES = 1_000_000
"""The largest scenario file read (the bundled scenarios are a few kB)."""
MAX_DEPTH = 40
"""How deeply the mappings and lists of a scenario file may nest (a scenario needs about 8 levels)."""
MAX_VALUES = 100_000
"""How many values a scenario file may hold, counting each use of an alias in full."""

MAX_MINUTES = 1000 * 365.25 * 1440
"""The longest duration, horizon or distribution mean: 1,000 years."""
MAX_REPLICATIONS = 10_000_000
MAX_SEED = 2**63 - 1
MAX_RESPONDERS = 10_000
MAX_INCIDENTS = 1_000_000
"""Incidents one replication may be expected to hold (a rate per minute where a rate per week was meant)."""
MAX_RUN_INCIDENTS = 10_000_000
"""Incidents a whole run (every replication) may be expected to hold: some 110 bytes each in memory, and more
while statistics are computed."""

MAX_PERIOD_INCIDENTS = 100_000
"""Incidents a dashboard period may hold in `drillsim detectability`."""
MAX_TRIALS = 1_000_000
"""Simulated pairs of periods in `drillsim detectability`."""
MAX_PERIOD_DRAWS = 400_000_000
"""Durations drawn for the pairs of periods (three periods a pair): some minutes of work at most."""
MAX_RESAMPLES = 100_000
"""Bootstrap resamples of `compare` and `sweep`."""
MAX_WORKERS = 1_024
"""Worker processes (a local Dask cluster starts as many)."""
MAX_FIT_BOOTSTRAP = 10_000
"""Parametric bootstrap samples of `calibrate`: each refits a distribution, some milliseconds."""

# ── Files other than scenarios (simulator/inputs.py reads them all) ───────────────────────────────────────────
MAX_FIELD_CHARS = 10_000
"""The longest cell of a CSV file and the longest text of a JSON file drillsim reads (ids, names, titles)."""
MAX_JSON_DEPTH = 64
"""How deeply a JSON file may nest (a Chaos Toolkit journal needs about a dozen levels, a summary five)."""
MAX_NUMBER_DIGITS = 40
"""The most digits of a whole number in a JSON file (a seed needs 19)."""
MAX_HISTORY_BYTES = 100_000_000
"""The largest incident history read (some 300,000 incidents)."""
MAX_JOURNAL_BYTES = 50_000_000
"""The largest Chaos Toolkit journal read (activities' outputs make journals large)."""
MAX_ANSWERS_BYTES = 1_000_000
"""The largest answers or injects file read (a drill's answers are a few hundred bytes)."""
MAX_SUMMARY_BYTES = 16_000_000
"""The largest summary.json read back by `drillsim report`."""
MAX_TABLE_BYTES = 4_000_000_000
"""The largest incidents.csv read back (a run of MAX_RUN_INCIDENTS incidents writes about 2 GB)."""
MAX_EVENT_LINE = 1_000_000
"""The longest line of an events.jsonl read back."""

# ── The calendar ─────────────────────────────────────────────────────────────────────────────────────────────
MIN_YEAR = 1900
MAX_YEAR = 2200
"""Dates drillsim reads (a scenario's start and the end of its horizon, `gameday plan --at`, the times of
histories and journals, a results folder's start) lie in the years MIN_YEAR to MAX_YEAR."""

# ── Work per run ────────────────────────────────────────────────────────────────────────────────────────────
MAX_ARRIVALS = 5_000_000
"""Candidate arrivals one replication may be expected to play: deployments (each one drawn, failed or not),
incidents, game days and injections, with cleanup debt and windows at their most."""
MAX_RUN_ARRIVALS = 100_000_000
"""Candidate arrivals a whole run (every replication) may be expected to play: some minutes of work."""
