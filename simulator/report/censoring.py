"""What the horizon cut short, in words: table cells and the notes under the metrics table, for the terminal
(from Stats) and the report (from summary.json), so that both say the same.

With incidents still open at the horizon, percentiles are Kaplan–Meier estimates and the mean is the
restricted mean (simulator.results.survival): a mean restricted to the longest follow-up is a lower bound, shown as
'≥ 4h 36m'; a percentile beyond the longest follow-up has no estimate and shows as 'beyond'.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from simulator.results.metrics import CENSORED_WARNING, METRICS, PERCENTILES, Stats
from simulator.units import format_duration

BEYOND = "beyond"


def _fields(stats: Stats | Mapping[str, Any]) -> dict[str, Any]:
    """A metric's statistics as plain values, from Stats or from summary.json (None for NaN there)."""
    values = stats.as_dict() if isinstance(stats, Stats) else dict(stats)
    return {key: math.nan if value is None and key in ("restricted_to", "follow_up") else value
            for key, value in values.items()}


def mean_text(stats: Stats | Mapping[str, Any]) -> str:
    """The mean as a table shows it: '≥ 4h 36m' when it is restricted (a lower bound)."""
    values = _fields(stats)
    text = format_duration(values.get("mean"))
    restricted = values.get("restricted_to", math.nan)
    return f"≥ {text}" if restricted is not None and not math.isnan(restricted) else text


def percentile_text(stats: Stats | Mapping[str, Any], name: str) -> str:
    """A percentile as a table shows it: 'beyond' when it lies beyond the longest follow-up."""
    values = _fields(stats)
    if name in (values.get("beyond_follow_up") or ()):
        return BEYOND
    return format_duration(values.get(name))


def beyond_text(stats: Stats | Mapping[str, Any], name: str, bold: str = "") -> str:
    """A percentile for a sentence: '**4h 25m**', or 'the longest follow-up (**1d**)' when it lies beyond."""
    values = _fields(stats)
    if name in (values.get("beyond_follow_up") or ()):
        return f"the longest follow-up ({bold}{format_duration(values.get('follow_up'))}{bold})"
    return f"{bold}{format_duration(values.get(name))}{bold}"


def censoring_notes(metrics: Mapping[str, Stats | Mapping[str, Any]]) -> list[tuple[bool, str]]:
    """(warning?, sentence) for each metric whose numbers the horizon changed: a warning when more than
    CENSORED_WARNING of its durations were cut short and its mean is the restricted mean; a note when a mean is
    restricted or a percentile lies beyond the longest follow-up."""
    notes = []
    for key, metric in METRICS.items():
        values = _fields(metrics[key])
        censored, count = values.get("censored") or 0, values.get("count") or 0
        restricted = values.get("restricted_to", math.nan)
        restricted = restricted if restricted is not None and not math.isnan(restricted) else None
        beyond = [name for name in PERCENTILES if name in (values.get("beyond_follow_up") or ())]
        follow_up = values.get("follow_up", math.nan)
        share = censored / (count + censored) if count + censored else 0.0
        warn = key != "mtbf" and share > CENSORED_WARNING
        if not (warn or restricted is not None or beyond):
            continue
        parts = [f"{metric.label}: {censored:,} of {count + censored:,} {metric.many} ({share:.0%}) were cut short "
                 f"by the horizon (censored), so its percentiles are Kaplan–Meier estimates"]
        if restricted is not None:
            parts.append(f"its mean is restricted to {format_duration(restricted)} (the mean of min({metric.what}, "
                         f"{format_duration(restricted)})), a lower bound of the true mean, marked ≥")
        if beyond:
            longest = f" ({format_duration(follow_up)})" if follow_up is not None and not math.isnan(follow_up) else ""
            parts.append(f"{' and '.join(beyond)} {'lie' if len(beyond) > 1 else 'lies'} beyond the longest "
                         f"follow-up{longest}, so no estimate is given")
        notes.append((warn, "; ".join(parts) + "."))
    return notes
