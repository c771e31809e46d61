"""What every part of the scenario models shares: the frozen base model and the small field types."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from simulator.calendar import Weekly, parse_days, parse_handoff, parse_hours, zone
from simulator.distributions import Constant

Cause = Literal["deployment", "config", "capacity", "dependency", "infrastructure", "unknown"]
CAUSES: tuple[str, ...] = ("deployment", "config", "capacity", "dependency", "infrastructure", "unknown")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
SeverityLevel = Annotated[str, Field(pattern=r"^SEV[1-5]$", description="SEV1 (worst) to SEV5.")]
_HIDDEN = {0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
"""Marks that reorder text as a terminal shows it (bidirectional overrides and isolates)."""


def _unseen(value: str, allowed: str = "") -> str:
    """Refuse control characters, however the YAML spelled them ("\\e", "\\a", "\\x9b" are escapes of
    double-quoted strings, not bytes of the file): printed, they would set a terminal's title, clear its
    screen or reorder what it shows."""
    for position, character in enumerate(value):
        code = ord(character)
        if character not in allowed and (code < 0x20 or 0x7F <= code < 0xA0 or code in _HIDDEN):
            raise ValueError(f"holds the control character U+{code:04X} at position {position + 1}; names and "
                             "descriptions are plain text")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_unseen)]
Text = Annotated[str, AfterValidator(lambda value: _unseen(value, "\n\t"))]
"""Text over several lines (a description): tabs and line breaks, no other control character."""
ASSUMED: JsonDict = {"source": "assumption"}
"""A default's source, for the scenario reference: chosen here, with no published figure behind it."""


def _checked(parse):
    """An after-validator that keeps the text as written once `parse` accepts it."""

    def check(value):
        parse(value)
        return value

    return AfterValidator(check)


Days = Annotated[str | tuple[str, ...], _checked(parse_days),
                 Field(description="'Mon-Fri', 'Sat, Sun', a list such as [Mon, Wed], 'weekdays', 'every day'.")]
HoursOfDay = Annotated[str, _checked(parse_hours),
                       Field(description="'09:00-17:00'; may run past midnight ('22:00-07:00'); 'all day'.")]
Handoff = Annotated[str, _checked(parse_handoff), Field(description="'Mon 09:00' (weekly) or '09:00' (daily).")]
TimeZone = Annotated[str, _checked(zone),
                     Field(description="An IANA time zone, e.g. 'Europe/London', 'America/New_York', 'UTC'.")]


def weekly(days: str | tuple[str, ...] | None, hours: str | None) -> Weekly:
    """The weekly window of `days` and `hours` (every day, all day where not given)."""
    start, end = parse_hours(hours) if hours is not None else (0, 1440)
    return Weekly(parse_days(days) if days is not None else Weekly().days, start, end)


def _midnight(value):
    """A date alone stands for its midnight."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _in_calendar(value):
    from simulator.inputs import check_date

    check_date(value)
    return value


InCalendar = AfterValidator(_in_calendar)
"""A date-time within the years drillsim reads (simulator.limits.MIN_YEAR to MAX_YEAR)."""

Moment = Annotated[datetime, BeforeValidator(_midnight), InCalendar,
                   Field(description="A date-time such as 2026-02-01T09:00, or a date (its midnight), in the "
                         "scenario's time zone.")]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Stretch(Frozen):
    """A dated stretch of time, from `start` to `end`."""

    name: Name = Field(description="What the stretch is called.")
    start: Moment
    end: Moment

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError(f"{self.name!r} must end after it starts")
        return self


def constant(text: str) -> Constant:
    return Constant(value=text)


def severity_rank(level: str) -> int:
    """SEV1 → 1 (worst first when sorted)."""
    return int(level[3:])


# ── Problems that a validator finds below the model it checks ──────────────────────────────────────────────

_MARK = "\x1e"


def located(problems: list[tuple[tuple[str | int, ...], str]]) -> str:
    """One validator's message for several problems, each at a field path below the model that raised it;
    `expand_located` turns the error back into one error per problem, at its field."""
    return "".join(f"{_MARK}{json.dumps(list(path))}{_MARK}{message}" for path, message in problems)


def expand_located(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors, with each error made by `located` split into one error per problem and field."""
    out: list[dict[str, Any]] = []
    for error in errors:
        message = error.get("msg", "")
        if _MARK not in message:
            out.append(dict(error))
            continue
        prefix = message[:message.index(_MARK)]
        parts = message[message.index(_MARK) + 1:].split(_MARK)
        for path, text in zip(parts[::2], parts[1::2], strict=True):
            out.append({**error, "loc": (*error["loc"], *json.loads(path)), "msg": prefix + text})
    return out
