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

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from simulator.errors import Problem
from simulator.history.format import HistoryError, severity_level

EXTENSION = "drillsim"


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
    """A .json file holding one object with an `experiment` and a `run`, as Chaos Toolkit writes."""
    path = Path(path)
    if path.suffix.lower() != ".json":
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and "experiment" in data and "run" in data


def _time(text: object) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 time, got {text!r}")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"cannot read {text!r} as an ISO 8601 time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def read_journal(path: str | Path) -> Journal:
    """Read a Chaos Toolkit journal. Raises HistoryError naming the file and the key when it cannot be used."""
    path = Path(path)
    file = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HistoryError([Problem("no such file", file=file)]) from None
    except json.JSONDecodeError as exc:
        raise HistoryError([Problem(f"not JSON: {exc.msg}", line=exc.lineno, column=exc.colno, file=file)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError([Problem(f"cannot read the file: {exc}", file=file)]) from None
    if not isinstance(data, dict) or not isinstance(data.get("experiment"), dict):
        raise HistoryError([Problem("not a Chaos Toolkit journal: expected an object with `experiment`, `start` "
                                    "and `run` (the journal.json that `chaos run` writes)", file=file)])
    problems = []
    start = end = None
    try:
        start = _time(data.get("start"))
    except ValueError as exc:
        problems.append(Problem(f"the run's start: {exc}", path="start", file=file))
    if data.get("end") is not None:
        try:
            end = _time(data["end"])
        except ValueError as exc:
            problems.append(Problem(f"the run's end: {exc}", path="end", file=file))
    experiment = data["experiment"]
    mode = severity = None
    for extension in experiment.get("extensions") or ():
        if isinstance(extension, dict) and extension.get("name") == EXTENSION:
            mode = extension.get("mode")
            if mode is not None and (not isinstance(mode, str) or not mode.strip()):
                problems.append(Problem(f"the mode must be a failure mode's name (got {mode!r})",
                                        path="experiment.extensions[drillsim].mode", file=file))
            if extension.get("severity") is not None:
                try:
                    severity = severity_level(str(extension["severity"]))
                except ValueError as exc:
                    problems.append(Problem(str(exc), path="experiment.extensions[drillsim].severity", file=file))
    if problems:
        raise HistoryError(problems)
    assert start is not None, "a start that could not be read is a problem raised above"
    return Journal(file=file, start=start, end=end, status=data.get("status"),
                   title=str(experiment.get("title") or path.stem), mode=mode, severity=severity,
                   deviated=bool(data.get("deviated")))
