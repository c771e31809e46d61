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
