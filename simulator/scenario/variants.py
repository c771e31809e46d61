"""Variants: the scenario as written with some fields changed, checked exactly like the scenario itself.

A variant is a set of overrides, each a field path and a value. Paths are dotted and reach list items by
index or, for failure modes, by name:

    team.responders                         policy.mitigation
    failure_modes[0].rate                   failure_modes.bad-deploy.mitigations.rollback.success

Overrides come from the scenario's own `variants:` mapping, from `--set path=value` on the command line, or
from a sweep's grid. They are applied to the plain YAML data (never to the frozen models), and the changed
data is validated by the same path as a scenario file, so a bad override gets the same message as a bad
field, naming where the override came from (`variants.NAME` or `--set ...`), the field and, for variants
written in the file, their line.

The seed and the number of replications cannot be overridden: every variant meets the same failures
(common random numbers), which is what makes comparing them fair.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from simulator.errors import Problem, ScenarioError
from simulator.scenario import reader
from simulator.scenario.common import expand_located
from simulator.scenario.model import BASELINE, Scenario
from simulator.scenario.reader import Document, parse_yaml, path_text
from simulator.scenario.validate import data_path, did_you_mean, one_per_mistake, parse_scenario, problem_at

DataPath = tuple[str | int, ...]

FIXED = {
    "seed": "every variant runs with the same seed so that all meet the same failures; give --seed to the "
            "command instead",
    "replications": "every variant runs the same replications so that they can be paired; give "
                    "--replications to the command instead",
    "variants": "a variant cannot define variants",
}  # fmt: skip
"""Top-level fields that overrides may not touch, and why."""

_PIECE = re.compile(r"^(?P<key>[^\[\]]*)(?P<indices>(\[\d+\])*)$")


@dataclass(frozen=True)
class Override:
    """One field changed: `path` as written, the new `value` (plain YAML data), and where it came from.

    `origin` names the override in problems ("variants.debug-first", "--set team.responders=3");
    `document_path` is where the value sits in the scenario file, when it was written there."""

    path: str
    value: Any
    origin: str
    document_path: DataPath | None = None


def parse_path(text: str) -> DataPath:
    """'failure_modes[0].detection.monitoring' → ('failure_modes', 0, 'detection', 'monitoring').

    Raises ValueError for an empty piece or a malformed index."""
    if not text.strip():
        raise ValueError("the field path is empty")
    out: list[str | int] = []
    for piece in text.strip().split("."):
        match = _PIECE.match(piece)
        if not match or (not match["key"] and not match["indices"]) or (not match["key"] and not out):
            raise ValueError(f"cannot read the field path {text!r} (write e.g. team.responders or "
                             "failure_modes[0].rate)")
        if match["key"]:
            out.append(match["key"])
        out.extend(int(index) for index in re.findall(r"\[(\d+)\]", match["indices"]))
    return tuple(out)


def parse_value(text: str) -> Any:
    """A command-line value read as YAML: '3' → 3, 'debug-first' → 'debug-first', '[A, B]' → ['A', 'B']."""
    return reader.parse_value(text)


def _split_set(text: str) -> tuple[str, str]:
    path, equals, value = text.partition("=")
    if not equals or not path.strip() or not value.strip():
        raise ValueError("expected PATH=VALUE, e.g. team.responders=3 or 'team.names=[Ana, Ben, Cleo]'")
    return path.strip(), value.strip()


def set_override(text: str) -> Override:
    """One `--set path=value` option as an override. Raises ScenarioError naming the option."""
    origin = f"--set {text}"
    try:
        path, value = _split_set(text)
        return Override(path, parse_value(value), origin)
    except ValueError as exc:
        raise ScenarioError([Problem(str(exc), file=origin)]) from None


def sweep_values(text: str) -> tuple[str, list[tuple[str, Any]]]:
    """One sweep option `path=v1,v2,...` as (path, [(value as written, value), ...]).

    The values are read as one YAML flow sequence, so commas inside brackets stay with their value:
    `team.names=[A, B],[A, B, C]` gives two values."""
    origin = f"--set {text}"
    try:
        path, values = _split_set(text)
        parsed = reader.parse_values(values)
    except ValueError as exc:
        raise ScenarioError([Problem(str(exc), file=origin)]) from None
    if not parsed:
        raise ScenarioError([Problem("give at least one value, e.g. team.responders=1,2,3", file=origin)])
    return path, parsed


def format_value(value: Any) -> str:
    """A value as a person would write it after `--set path=`: 3, debug-first, [Ana, Ben]."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | int | float):
        return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()


# ── Paths against the models ───────────────────────────────────────────────────────────────────────────────


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _shape(annotation: Any) -> tuple[str, Any]:
    """What a field holds: ('model', cls), ('models', [classes by `kind`]), ('list', item shape) or ('any', None)."""
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [_strip(arg) for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(options) == 1:
            return _shape(options[0])
        if all(isinstance(arg, type) and issubclass(arg, BaseModel) for arg in options):
            return "models", options
        return "any", None
    if origin in (tuple, list):
        args = [arg for arg in typing.get_args(annotation) if arg is not Ellipsis]
        if len(args) == 1:
            return "list", _shape(args[0])
        return "any", None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    return "any", None


def _fields(cls: type[BaseModel]) -> dict[str, Any]:
    return {info.alias or name: info.annotation for name, info in cls.model_fields.items()}


def _by_kind(classes: list[type[BaseModel]], node: Any) -> type[BaseModel] | None:
    if not isinstance(node, dict):
        return None
    for cls in classes:
        info = cls.model_fields.get("kind")
        if info is not None and node.get("kind") in typing.get_args(info.annotation):
            return cls
    return None


def resolve(data: Any, path: str) -> DataPath:
    """The data path that `path` names in the scenario `data`, checked against the scenario's fields.

    Item names become indices (failure_modes.bad-deploy → ('failure_modes', 0)). Fields that the data does not
    hold yet are fine as long as the model has them. Raises ValueError with a "did you mean" where it can."""
    pieces = parse_path(path)
    if pieces[0] in FIXED:
        raise ValueError(f"cannot be changed: {FIXED[pieces[0]]}")
    shape: tuple[str, Any] = ("model", Scenario)
    node: Any = data
    out: list[str | int] = []
    for piece in pieces:
        where = path_text(tuple(out)) or "the scenario"
        kind, detail = shape
        if kind == "models":
            chosen = _by_kind(detail, node)
            shape = ("model", chosen) if chosen else ("any", None)
            kind, detail = shape
        if node is not None and not isinstance(node, dict | list):
            raise ValueError(f"{where} is a single value ({format_value(node)}), not a mapping; "
                             f"set {where} itself")
        if kind == "list":
            items = node if isinstance(node, list) else []
            if isinstance(piece, int):
                if not 0 <= piece < len(items):
                    raise ValueError(f"{where} has {len(items)} item{'s' if len(items) != 1 else ''}; "
                                     f"there is no [{piece}]")
                index = piece
            else:
                names = [item.get("name") for item in items if isinstance(item, dict)]
                if piece not in names:
                    listed = ", ".join(str(name) for name in names)
                    raise ValueError(f"no item of {where} is named {piece!r} (names: {listed})"
                                     + did_you_mean(str(piece), [str(n) for n in names]))
                index = names.index(piece)
            out.append(index)
            node = items[index]
            shape = detail
            continue
        if isinstance(piece, int):
            if not isinstance(node, list):
                raise ValueError(f"{where} is not a list, so [{piece}] does not apply")
            if not 0 <= piece < len(node):
                raise ValueError(f"{where} has {len(node)} items; there is no [{piece}]")
            out.append(piece)
            node = node[piece]
            shape = ("any", None)
            continue
        if kind == "model":
            fields = _fields(detail)
            if piece not in fields:
                raise ValueError(f"unknown field {piece!r} in {where}" + did_you_mean(piece, fields))
            shape = _shape(fields[piece])
        out.append(piece)
        node = node.get(piece) if isinstance(node, dict) else None
    return tuple(out)


def _assign(data: Any, target: DataPath, value: Any) -> None:
    node = data
    for key in target[:-1]:
        if isinstance(node, dict) and not isinstance(node.get(key), dict | list):
            node[key] = {}
        node = node[key]
    node[target[-1]] = copy.deepcopy(value)


# ── The source a variant is made from ──────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ScenarioSource:
    """A validated scenario with the plain data and positions it was read from: what variants are made of."""

    scenario: Scenario
    document: Document
    file: str | None = None

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(self.scenario.variants)

    def build(self, overrides: Sequence[Override]) -> Scenario:
        """The scenario with `overrides` applied, validated. Raises ScenarioError listing every problem."""
        data = copy.deepcopy(self.document.data)
        data.pop("variants", None)
        positions = dict(self.document.positions)
        applied: list[tuple[DataPath, Override]] = []
        problems = []
        for override in overrides:
            try:
                target = resolve(data, override.path)
            except ValueError as exc:
                problems.append(self._override_problem(override, path_text(_loose(override.path)), str(exc)))
                continue
            _assign(data, target, override.value)
            for key in [key for key in positions if key[:len(target)] == target]:
                del positions[key]
            if override.document_path is not None:
                depth = len(override.document_path)
                for key, where in self.document.positions.items():
                    if key[:depth] == override.document_path:
                        positions[(*target, *key[depth:])] = where
            applied.append((target, override))
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as exc:
            document = Document(data, positions)
            problems.extend(self._validation_problem(error, document, applied)
                            for error in one_per_mistake(expand_located(exc.errors()), data))
        if problems:
            raise ScenarioError(problems)
        return scenario

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "overrides") -> Scenario:
        """The scenario with fields changed, given as {path: value}: `source.with_overrides({"team.responders": 3})`."""
        return self.build([Override(path, value, origin) for path, value in overrides.items()])

    def variant(self, name: str) -> Scenario:
        """One of the scenario's own variants, or the scenario itself for 'baseline'."""
        if name == BASELINE:
            return self.scenario
        if name not in self.scenario.variants:
            known = ", ".join(self.scenario.variants) or "none"
            raise ScenarioError([Problem(f"no variant named {name!r} (variants: {known})"
                                         + did_you_mean(name, self.scenario.variants), file=self.file)])
        overrides = [Override(path, value, f"variants.{name}", ("variants", name, path))
                     for path, value in self.scenario.variants[name].items()]
        return self.build(overrides)

    def variants(self, names: Sequence[str] | None = None, sets: Sequence[str] = (),
                 set_name: str | None = None) -> dict[str, Scenario]:
        """The baseline first, then the named variants (all of the scenario's when `names` is None), then one
        variant made of the `--set path=value` options, if any, named `set_name` (default: the options).

        Every problem of every variant is reported at once."""
        chosen = list(self.scenario.variants) if names is None else [n for n in names if n != BASELINE]
        out: dict[str, Scenario] = {BASELINE: self.scenario}
        problems: list[Problem] = []
        for name in chosen:
            try:
                out[name] = self.variant(name)
            except ScenarioError as exc:
                problems.extend(exc.problems)
        if sets:
            overrides = []
            for text in sets:
                try:
                    overrides.append(set_override(text))
                except ScenarioError as exc:
                    problems.extend(exc.problems)
            if len(overrides) == len(sets):
                try:
                    out[set_name or ", ".join(sets)] = self.build(overrides)
                except ScenarioError as exc:
                    problems.extend(exc.problems)
        if problems:
            raise ScenarioError(problems)
        return out

    def _override_problem(self, override: Override, field: str, message: str, where: tuple[int, int] | None = None):
        if where is None and override.document_path is not None:
            where = self.document.position(override.document_path)
        return Problem(message, path=f"{override.origin}: {field}" if field else override.origin,
                       line=where[0] if where else None, column=where[1] if where else None, file=self.file)

    def _validation_problem(self, error: dict, document: Document, applied: list[tuple[DataPath, Override]]):
        path = data_path(document.data, error["loc"])
        problem = problem_at(error, document, self.file)
        below = [(target, o) for target, o in applied if path[:len(target)] == target]
        above = [(target, o) for target, o in applied if target[:len(path)] == path]
        nearest = above or applied
        chosen = max(below, key=lambda pair: len(pair[0]), default=None) or (nearest[0] if nearest else None)
        if chosen is None:
            return problem
        override = chosen[1]
        if override.document_path is None:
            return replace(problem, path=f"{override.origin}: {problem.path}", line=None, column=None)
        if not below:  # the problem is the override's consequence elsewhere: point at the override
            where = self.document.position(override.document_path)
            problem = replace(problem, line=where[0] if where else None, column=where[1] if where else None)
        return replace(problem, path=f"{override.origin}: {problem.path}")


def _loose(path: str) -> DataPath:
    try:
        return parse_path(path)
    except ValueError:
        return (path,)


def parse_source(text: str, file: str | None = None) -> ScenarioSource:
    """Validate scenario YAML given as text and keep what variants are made from."""
    scenario = parse_scenario(text, file=file)
    return ScenarioSource(scenario, parse_yaml(text, file), file)


def load_source(path: str | Path) -> ScenarioSource:
    """Read and validate a scenario file (like load_scenario) and keep what variants are made from."""
    from simulator.scenario.validate import read_scenario_text, scenario_name

    # a missing or unreadable file reported the usual way; standard input ('-', /dev/stdin) named '<stdin>'
    return parse_source(read_scenario_text(path), scenario_name(path))
