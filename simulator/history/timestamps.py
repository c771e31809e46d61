"""Times in incident histories: ISO 8601 with a time zone, or local times read in a named zone.

A time without a zone is ambiguous (whose 09:00?), so it is refused unless a zone is named (`--timezone
Europe/Paris`). Local times are then checked against that zone's daylight-saving changes: a time that did not
exist (the hour skipped when clocks go forward) and one that happened twice (the hour repeated when they go
back) are refused, since no offset can be assumed for them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timezone, tzinfo
from zoneinfo import ZoneInfo

from simulator.calendar import zone
from simulator.errors import DrillsimError
from simulator.inputs import check_date, short

EXAMPLE = "2026-01-05T09:00:00+01:00"
_SPACED_OFFSET = re.compile(r"(?<=\d) ([+-]\d\d:?\d\d)$")


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` ('Europe/Paris', 'UTC'); a DrillsimError for an unknown name."""
    try:
        return zone(name)
    except ValueError as exc:
        raise DrillsimError(str(exc)) from None


def parse_time(text: str, zone: tzinfo | None = None) -> datetime:
    """An aware datetime from ISO 8601 text. A time without an offset is read in `zone`, or refused when no
    zone is given. Raises ValueError with a message for people."""
    value = text.strip()
    if value[-4:].upper() in (" UTC", " GMT"):  # '2026-01-05 09:00:00 UTC', as some exports write it
        value = value[:-4] + "+00:00"
    value = _SPACED_OFFSET.sub(r"\1", value)  # '2026-01-05 09:00:00 -0500'
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"cannot read {short(text)} as an ISO 8601 time (e.g. {EXAMPLE})") from None
    check_date(parsed, short(text))
    if parsed.tzinfo is not None:
        return parsed
    if zone is None:
        raise ValueError(f"{text!r} has no time zone; add its offset (e.g. {EXAMPLE}, or Z for UTC) "
                         "or name the zone of the file with --timezone")
    return localize(parsed, zone)


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in `zone`, refused when daylight saving made it skipped or repeated. The result
    carries the fixed offset in force then (datetimes sharing a zone object would otherwise subtract and
    compare as wall-clock times, ignoring the change of offset)."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either the hour the clocks went back (it happened twice) or the hour they skipped (it never happened).
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        name = getattr(zone, "key", str(zone))
        if round_trip != naive:
            raise ValueError(f"{naive:%Y-%m-%d %H:%M} did not happen in {name}: the clocks went forward "
                             "at that hour (daylight saving); check the time or give its UTC offset")
        raise ValueError(f"{naive:%Y-%m-%d %H:%M} happened twice in {name}: the clocks went back at "
                         "that hour (daylight saving); give its UTC offset")
    offset = first.utcoffset()
    assert offset is not None, "first is an aware time"
    return first.astimezone(timezone(offset))


def format_time(moment: datetime) -> str:
    """ISO 8601 to the second, with the offset ('2026-01-05T09:00:00+01:00'; 'Z' is written as +00:00)."""
    return moment.isoformat(timespec="seconds")


def option_time(text: str | None, zone: tzinfo | None, option: str) -> datetime | None:
    """An ISO 8601 option value (`option` names it in the error) as an aware datetime; None stays None."""
    if text is None:
        return None
    try:
        return parse_time(text, zone)
    except ValueError as exc:
        raise DrillsimError(f"{option}: {exc}") from None
