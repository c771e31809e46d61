"""Chaos Toolkit journals: when a chaos experiment's run injected its failure, and which failure mode it was.

`chaos run` writes a journal (journal.json by default): a JSON object whose keys include `chaoslib-version`,
`experiment` (the experiment as run), `start` and `end` (ISO 8601; UTC), `status` ('completed', 'failed',
'aborted', 'interrupted'), `deviated`, `steady_states` and `run` (each activity with its own `start`, `end`,
`status` and `output`). The run's `start` is taken as the injection time. chaostoolkit-lib writes its times
with an offset (+00:00) since version 1.45; older versions wrote UTC without one, which is read as UTC.

The failure mode comes from the experiment's `extensions`, where Chaos Toolkit keeps tool-specific data, as
an object named `drillsim`:

    "extensions": [{"name": "drillsim", "mode": "bad-deploy", "severity": "SEV2"}]

or else from the command line (`--mode`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from simulator import inputs
from simulator.errors import Problem, ScenarioError
from simulator.history.format import HistoryError, severity_level
from simulator.limits import MAX_JOURNAL_BYTES

EXTENSION = "drillsim"
MAX_TITLE = 500
"""The longest experiment title, status or mode name read from a journal."""


@dataclass(frozen=True)
class Journal:
    """What a game day needs from a Chaos Toolkit journal."""

    file: str
    start: datetime
    end: datetime | None
    status: str | None
    title: str
    mode: str | None = None
    severity: str | None = None
    deviated: bool = False


def looks_like_journal(path: str | Path) -> bool:
    """A .json file holding one object with an `experiment` and a `run`, as Chaos Toolkit writes; also a .json
    file that cannot be read at all, so that read_journal says why."""
    path = Path(path)
    if path.suffix.lower() != ".json":
        return False
    try:
        data = inputs.load_json(inputs.read_text(path, MAX_JOURNAL_BYTES, "journal"), path)
    except ScenarioError:
        return True
    return isinstance(data, dict) and "experiment" in data and "run" in data


Title = Annotated[str, Field(max_length=MAX_TITLE)]


class _Extension(BaseModel):
    """An entry of the experiment's `extensions`; only drillsim's own is read."""

    model_config = ConfigDict(extra="allow")
    name: object = None


class _Experiment(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: Title | None = None
    extensions: list[_Extension | object] | None = None


class _Journal(BaseModel):
    """What drillsim reads of a journal, typed: anything else in it is left as it is."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    experiment: _Experiment
    start: object = None
    end: object = None
    status: Annotated[str, Field(max_length=MAX_TITLE)] | None = None
    deviated: bool | None = None


def _time(text: object) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 time, got {inputs.short(text)}")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"cannot read {inputs.short(text)} as an ISO 8601 time") from None
    inputs.check_date(moment, "the time")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def read_journal(path: str | Path) -> Journal:
    """Read a Chaos Toolkit journal through the guarded reader (simulator.inputs). Raises HistoryError naming
    the file, the line or the key when it cannot be used."""
    path = Path(path)
    file = str(path)
    data = inputs.load_json(inputs.read_text(path, MAX_JOURNAL_BYTES, "journal", error=HistoryError), file,
                            error=HistoryError)
    if not isinstance(data, dict) or not isinstance(data.get("experiment"), dict):
        raise HistoryError([Problem("not a Chaos Toolkit journal: expected an object with `experiment`, `start` "
                                    "and `run` (the journal.json that `chaos run` writes)", file=file)])
    journal = inputs.validated(_Journal, data, file, error=HistoryError)
    problems = []
    start = end = None
    try:
        start = _time(journal.start)
    except ValueError as exc:
        problems.append(Problem(f"the run's start: {exc}", path="start", file=file))
    if journal.end is not None:
        try:
            end = _time(journal.end)
        except ValueError as exc:
            problems.append(Problem(f"the run's end: {exc}", path="end", file=file))
    mode = severity = None
    for extension in journal.experiment.extensions or ():
        if isinstance(extension, _Extension) and extension.name == EXTENSION:
            extra = extension.model_extra or {}
            mode = extra.get("mode")
            if mode is not None and (not isinstance(mode, str) or not mode.strip() or len(mode) > MAX_TITLE):
                problems.append(Problem(f"the mode must be a failure mode's name (got {inputs.short(mode)})",
                                        path="experiment.extensions[drillsim].mode", file=file))
            if extra.get("severity") is not None:
                try:
                    severity = severity_level(str(extra["severity"])[:MAX_TITLE])
                except ValueError as exc:
                    problems.append(Problem(str(exc), path="experiment.extensions[drillsim].severity", file=file))
    if problems:
        raise HistoryError(problems)
    assert start is not None, "a start that could not be read is a problem raised above"
    return Journal(file=file, start=start, end=end, status=journal.status,
                   title=journal.experiment.title or path.stem, mode=mode, severity=severity,
                   deviated=bool(journal.deviated))
