"""Scenario files to validated, frozen Scenario objects; every problem found is reported at once.

Each problem names the file, the line and column, the field path and what is wrong, for example:

    checkout.yaml:14:9: failure_modes[0].detection.monitoring.probability: must be at most 1 (got 1.5)
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator import distributions
from simulator.errors import Problem, ScenarioError
from simulator.inputs import read_bytes
from simulator.limits import MAX_FILE_BYTES
from simulator.scenario import model, reader
from simulator.scenario.common import expand_located
from simulator.scenario.model import Scenario
from simulator.scenario.reader import Document, parse_yaml, path_text

STDIN = "<stdin>"
"""How problems name a scenario read from standard input."""
STDIN_PATHS = ("-", "/dev/stdin")
"""The spellings of standard input as a scenario path (`cat ours.yaml | drillsim run -`)."""
_stdin: list[bytes] = []
"""Standard input once read: a command may read its scenario more than once, a pipe only once."""


def from_stdin(path: str | Path) -> bool:
    """Whether `path` names standard input ('-' or /dev/stdin)."""
    return str(path) in STDIN_PATHS


def scenario_name(path: str | Path) -> str:
    """How problems name the scenario at `path`: the path, or '<stdin>'."""
    return STDIN if from_stdin(path) else str(path)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file ('-' or /dev/stdin: standard input). Raises ScenarioError listing every
    problem."""
    return parse_scenario(read_scenario_text(path), file=scenario_name(path))


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file, read through the guarded reader (simulator.inputs): a regular file of at
    most MAX_FILE_BYTES (so that /dev/zero, a FIFO or a folder is refused at once, unread); or, for '-' and
    /dev/stdin, standard input (a pipe or a file, read to its end, at most MAX_FILE_BYTES; a terminal is
    refused rather than waited on). Raises ScenarioError saying why it cannot be read."""
    if from_stdin(path):
        return reader.decode(_read_stdin(), STDIN)
    data = read_bytes(path, MAX_FILE_BYTES, "scenario file", error=ScenarioError)
    return reader.decode(data, str(path))


def _read_stdin() -> bytes:
    import sys

    if not _stdin:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # no standard input at all (closed, or a GUI's)
            raise ScenarioError([Problem("there is no standard input to read a scenario from", file=STDIN)])
        if stream.isatty():
            raise ScenarioError([Problem("standard input is a terminal: pipe a scenario into it (cat ours.yaml | "
                                         "drillsim run -) or give its file name", file=STDIN)])
        data = stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ScenarioError([Problem(f"the scenario is longer than the {MAX_FILE_BYTES:,} bytes drillsim reads",
                                         file=STDIN)])
        _stdin.append(data)
    return _stdin[0]


def parse_scenario(text: str, file: str | None = None) -> Scenario:
    """Validate scenario YAML given as text; `file` names it in problems."""
    doc = parse_yaml(text, file)
    problems = list(doc.problems)
    if doc.data is None:
        raise ScenarioError(problems or [Problem("the file holds no scenario", line=1, column=1, file=file)])
    if not isinstance(doc.data, dict):
        problems.append(Problem("a scenario is a mapping of fields (name, failure_modes, ...)",
                                line=1, column=1, file=file))
        raise ScenarioError(problems)
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        read_badly = {problem.path for problem in problems}  # values the loader could not read: said already
        errors = expand_located(exc.errors())
        problems.extend(problem for error in one_per_mistake(errors, doc.data)
                        if (problem := problem_at(error, doc, file)).path not in read_badly or not problem.path)
        raise ScenarioError(problems) from None
    if problems:
        raise ScenarioError(problems)
    return scenario


def one_per_mistake(errors: list[dict[str, Any]], data: Any) -> list[dict[str, Any]]:
    """Pydantic reports a value that fits no member of a union (`SEV1` or a mapping of weights, say) once per
    member. Where another error names the same field (or a part of it), drop the members' "not this type"
    errors."""
    paths = [data_path(data, error["loc"], error["type"]) for error in errors]
    specific = {path[:end] for path, error in zip(paths, errors, strict=True) if not _type_error(error)
                for end in range(len(path) + 1)}
    return [error for path, error in zip(paths, errors, strict=True)
            if not (_type_error(error) and path in specific)]


def _type_error(error: dict[str, Any]) -> bool:
    """Whether the error only says the value is not of this union member's type."""
    if error["type"] == "literal_error":  # a list given where a name would do, say
        return isinstance(error.get("input"), list | dict)
    return error["type"].endswith("_type")


def problem_at(error: dict[str, Any], doc: Document, file: str | None) -> Problem:
    path = data_path(doc.data, error["loc"], error["type"])
    where = doc.position(path)
    return Problem(
        _message(error, doc.data, path),
        path=path_text(path),
        line=where[0] if where else None,
        column=where[1] if where else None,
        file=file,
    )


def data_path(data: Any, loc: tuple, kind: str = "missing") -> tuple:
    """Pydantic's error location, less the union tags and validator names it inserts, as a path into the data.

    For a missing field (`kind` "missing") the key that is missing from the data still ends the path."""
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            path.append(part)
            node = node[part]
        elif kind == "missing" and index == len(loc) - 1 and isinstance(node, dict) and isinstance(part, str):
            path.append(part)  # a missing field
        # else: a tag such as 'lognormal' or 'function-before[...]' that the data does not hold
    return tuple(path)


def _message(error: dict[str, Any], data: Any, path: tuple) -> str:
    kind, msg, value = error["type"], error["msg"], error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else ""
        return f"unknown field {key!r}" + did_you_mean(key, _siblings(data, path))
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        return (f"unknown distribution kind {tag!r} (kinds: {', '.join(distributions.KINDS)})"
                + did_you_mean(str(tag), distributions.KINDS))
    if kind == "union_tag_not_found":
        return (f"a distribution is a duration such as '5m' or a mapping with a `kind` "
                f"({', '.join(distributions.KINDS)})")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        words = {"greater_than_equal": "at least", "less_than_equal": "at most",
                 "greater_than": "above", "less_than": "below"}[kind]
        limit = next(iter(error.get("ctx", {}).values()), "")
        return f"must be {words} {limit} (got {value!r})"
    if kind == "string_pattern_mismatch":
        if "SEV" in str(error.get("ctx", {}).get("pattern", "")):
            return f"a severity is SEV1 (worst) to SEV5 (got {value!r})"
        return f"{msg} (got {value!r})"
    if kind == "literal_error":
        return f"must be one of {error.get('ctx', {}).get('expected', '')} (got {value!r})"
    if kind == "finite_number":
        return f"must be a finite number (got {value!r})"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{msg} (got {value!r})"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix):]
    return msg


def did_you_mean(word: str, options) -> str:
    """'; did you mean X?' for the option closest to a misspelt `word`, or nothing when none is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _models() -> list[type[BaseModel]]:
    found = []
    for module in (model, distributions):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.model_fields:
                found.append(value)
    return found


def _field_names(cls: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in cls.model_fields.items()}


def _siblings(data: Any, path: tuple) -> set[str]:
    """The field names of the model that best fits the mapping holding an unknown key."""
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    present = {key for key in parent if key != path[-1]} if isinstance(parent, dict) else set()
    overlap = {cls: len(present & _field_names(cls)) for cls in _models()}
    best = max(overlap.values())
    # Several models may fit as well (a team's `acknowledge` is also a secondary's): suggest from all of them.
    return set().union(*(_field_names(cls) for cls, score in overlap.items() if score == best))
