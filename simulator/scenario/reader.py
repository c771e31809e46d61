"""YAML text to plain data, remembering the line and column of every node.

Only YAML's safe subset is read, and only what a scenario needs of it: mappings, lists, strings, numbers,
booleans, null and dates, with anchors, aliases and merge keys (`<<`). Anything else is a problem with its
line, never an exception: a tag other than those (`!foo`, `!!python/...`, `!!binary`), a value its tag cannot
take (`!!int abc`, the date 2026-02-30), characters YAML does not allow, text that is not UTF-8.

The file's size, its nesting depth and the values it expands to through aliases are bounded (LIMITS), so that
no file, however small, can make the loader hang or take the machine's memory ("billion laughs").

Positions are kept in a side table keyed by the path of keys and indices that leads to a node, so that a
problem found later (by the models) can name its line.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator.errors import Problem, ScenarioError
from simulator.limits import MAX_DEPTH, MAX_VALUES
from simulator.limits import MAX_FILE_BYTES as MAX_BYTES

Path = tuple[str | int, ...]


_YAML = "tag:yaml.org,2002:"
_SCALARS = {f"{_YAML}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}
_MAP, _SEQ, _MERGE = f"{_YAML}map", f"{_YAML}seq", f"{_YAML}merge"
_PLAIN = {_MERGE, f"{_YAML}value"}
_KIND = {"str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false",
         "null": "null", "timestamp": "a date"}
# What YAML allows in a stream (YAML 1.1, as PyYAML reads it): tab, line breaks, printable characters.
_NOT_ALLOWED = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SAVE_AS = "save the file as UTF-8"


@dataclass
class Document:
    """The plain data of one YAML file and where each of its nodes stands (1-based line and column)."""

    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def position(self, path: Path) -> tuple[int, int] | None:
        """The position of the deepest node along `path` that exists (so a missing field points at its parent)."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found:
                return found
        return None


# ── Bytes to text ──────────────────────────────────────────────────────────────────────────────────────────


def decode(data: bytes, file: str | None = None) -> str:
    """The text of a scenario file: UTF-8 (with or without a byte-order mark), or UTF-16/32 with one.
    Raises ScenarioError naming the line and column of the first byte that is not UTF-8."""
    if len(data) > MAX_BYTES:
        raise ScenarioError([Problem(f"the file has {len(data):,} bytes; a scenario may have at most "
                                     f"{MAX_BYTES:,}", file=file)])
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise ScenarioError([Problem(f"the file starts with a {encoding.upper()} byte-order mark but "
                                             f"is not {encoding.upper()} text; {_SAVE_AS}", file=file)]) from None
    if len(data) >= 2 and (data[0] == 0) != (data[1] == 0) and data[:64].count(0) >= len(data[:64]) // 3:
        raise ScenarioError([Problem(f"the file looks like UTF-16 text without a byte-order mark; {_SAVE_AS}",
                                     line=1, column=1, file=file)])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise ScenarioError([Problem(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); {_SAVE_AS}",
                                     line=line, column=column, file=file)]) from None


def _characters(text: str, file: str | None) -> list[Problem]:
    """A problem for each character YAML does not allow (NUL, other control characters, C1 controls)."""
    problems = []
    for match in _NOT_ALLOWED.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        problems.append(Problem(f"the character U+{ord(match.group()):04X} is not allowed in YAML; remove it or "
                                f"{_SAVE_AS}", line=line, column=column, file=file))
        if len(problems) == 20:
            problems.append(Problem("and more such characters; the file is probably not text", file=file))
            break
    return problems


# ── Text to nodes, bounded ─────────────────────────────────────────────────────────────────────────────────


class _Limit(yaml.YAMLError):
    def __init__(self, message: str, mark):
        super().__init__(message)
        self.message, self.mark = message, mark


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, composing nodes within MAX_DEPTH and MAX_VALUES and refusing recursive aliases."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._open: set[str] = set()  # anchors of the collections being composed

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open:
                raise _Limit(f"the alias *{event.anchor} refers to a node that contains it (a recursive alias)",
                             event.start_mark)
            return super().compose_node(parent, index)
        event = self.peek_event()
        self._nodes += 1
        if self._nodes > MAX_VALUES:
            raise _Limit(f"the file holds more than {MAX_VALUES:,} values; a scenario needs far fewer",
                         event.start_mark)
        collection = isinstance(event, yaml.CollectionStartEvent)
        if collection:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Limit(f"nested more than {MAX_DEPTH} levels deep; a scenario needs far fewer",
                             event.start_mark)
            if event.anchor:
                self._open.add(event.anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1
                self._open.discard(event.anchor)


def parse_yaml(text: str, file: str | None = None) -> Document:
    """Parse YAML text into a Document. Syntax errors, duplicate keys, tags drillsim does not read, values that
    do not fit their tag and files beyond the limits become problems, not exceptions."""
    root, doc = _compose(text, file)
    if doc.problems:
        return doc
    if root is None:
        doc.problems.append(Problem("the file is empty; a scenario needs at least `name` and `failure_modes`",
                                    line=1, column=1, file=file))
        return doc
    if isinstance(root, yaml.ScalarNode) and root.tag == f"{_YAML}null":
        doc.problems.append(Problem("the file holds no scenario, only an empty document ('---', 'null' or '~'); "
                                    "a scenario needs at least `name` and `failure_modes`",
                                    line=root.start_mark.line + 1, column=root.start_mark.column + 1, file=file))
        return doc
    doc.positions[()] = _mark(root)
    try:
        doc.data = _Builder(doc, file).build(root, ())
    except _Limit as exc:
        return Document(None, problems=[_at(exc.message, exc.mark, file)])
    return doc


def _compose(text: str, file: str | None) -> tuple[yaml.Node | None, Document]:
    """The root node of `text`, within the limits, or a Document holding the problems."""
    doc = Document(None)
    if len(text) > MAX_BYTES:
        doc.problems.append(Problem(f"the text has {len(text):,} characters; a scenario may have at most "
                                    f"{MAX_BYTES:,}", file=file))
        return None, doc
    doc.problems.extend(_characters(text, file))
    if doc.problems:
        return None, doc
    loader = _Loader(text)
    try:
        return loader.get_single_node(), doc
    except _Limit as exc:
        doc.problems.append(_at(exc.message, exc.mark, file))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        if context := getattr(exc, "context", None):
            reason = f"{reason} ({context})"
        doc.problems.append(_at(f"YAML syntax error: {reason}", mark, file))
    finally:
        loader.dispose()
    return None, doc


def _shown(tag: str) -> str:
    """A tag as it is written: !!python/object rather than tag:yaml.org,2002:python/object."""
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


def parse_value(text: str) -> Any:
    """A YAML value given on its own (on the command line, say), read like a value in a scenario file and
    within the same limits. Raises ValueError with a message for people."""
    return parse_values(text, flow=False)[0][1]


def parse_values(text: str, flow: bool = True) -> list[tuple[str, Any]]:
    """The values of a comma-separated list written as YAML flow items ('5m, 15m, [A, B]'), each with the
    text it was written as. Raises ValueError with a message for people."""
    wrapped = f"[{text}]" if flow else text
    root, doc = _compose(wrapped, None)
    try:
        if not doc.problems and root is not None:
            builder = _Builder(doc, None)
            nodes = root.value if flow else [root]
            out = [(wrapped[node.start_mark.index:node.end_mark.index].strip() if flow else text.strip(),
                    builder.build(node, ())) for node in nodes]
            if not doc.problems:
                return out
    except _Limit as exc:
        doc.problems.append(_at(exc.message, exc.mark, None))
    if root is None and not doc.problems:
        return [(text, None)]
    raise ValueError(f"cannot read {text!r} as YAML: {doc.problems[0].message}")


def _at(message: str, mark, file: str | None) -> Problem:
    return Problem(message, line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
                   file=file)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Nodes to plain data. Each use of an alias is built in full and counted against MAX_VALUES, and may not
    nest deeper than MAX_DEPTH."""

    def __init__(self, doc: Document, file: str | None):
        self.loader = yaml.SafeLoader("")  # constructs scalars only: never a mapping or a list, so no aliases
        self.doc, self.file = doc, file
        self.values = 0

    def problem(self, message: str, node: yaml.Node, path: Path) -> None:
        line, column = _mark(node)
        self.doc.problems.append(Problem(message, path=path_text(path), line=line, column=column, file=self.file))

    def build(self, node: yaml.Node, path: Path, positions: dict | None = None) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Limit(f"the aliases in the file expand to more than {MAX_VALUES:,} values; a scenario needs "
                         "far fewer", node.start_mark)
        if len(path) > MAX_DEPTH:
            raise _Limit(f"with its aliases expanded, the file nests more than {MAX_DEPTH} levels deep",
                         node.start_mark)
        positions = self.doc.positions if positions is None else positions
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                self.problem(f"the tag {_shown(node.tag)!r} is not one drillsim reads; remove it", node, path)
                return None
            return self.mapping(node, path, positions)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.problem(f"the tag {_shown(node.tag)!r} is not one drillsim reads; remove it", node, path)
                return None
            items = []
            for index, item in enumerate(node.value):
                positions[(*path, index)] = _mark(item)
                items.append(self.build(item, (*path, index), positions))
            return items
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: Path) -> Any:
        if node.tag in _PLAIN:  # '=' and '<<' written as values: YAML 1.1 tags them, but they are text here
            return node.value
        if node.tag not in _SCALARS:
            self.problem(f"the tag {_shown(node.tag)!r} is not one drillsim reads; remove it", node, path)
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            kind = _KIND[node.tag.removeprefix(_YAML)]
            date = node.tag == f"{_YAML}timestamp" and isinstance(exc, ValueError) and str(exc)
            reason = f" ({exc})" if date else ""
            self.problem(f"{node.value!r} is not {kind}{reason}", node, path)
            return None

    def key(self, node: yaml.Node, path: Path) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag in (f"{_YAML}null", f"{_YAML}timestamp"):
            self.problem("keys must be plain names", node, path)
            return None
        problems = len(self.doc.problems)
        key = self.scalar(node, path)
        if len(self.doc.problems) > problems:
            return None
        if not isinstance(key, str | int | float | bool):
            self.problem("keys must be plain names", node, path)
            return None
        return key

    def mapping(self, node: yaml.MappingNode, path: Path, positions: dict) -> dict:
        result: dict[Any, Any] = {}
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            child = (*path, key)
            if key in result:
                first = positions.get(child, _mark(key_node))
                self.problem(f"duplicate key {key!r} (first given on line {first[0]})", key_node, child)
                continue
            positions[child] = _mark(key_node)
            result[key] = self.build(value_node, child, positions)
        # Merge keys (<<: *defaults, or a list of them): keys given explicitly win, then earlier mappings.
        for value_node in merges:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    self.problem("a merge key (<<) takes a mapping or a list of mappings", source, path)
                    continue
                scratch: dict = {}
                merged = self.build(source, path, scratch)
                if not isinstance(merged, dict):
                    continue
                for key, value in merged.items():
                    if key not in result:
                        result[key] = value
                        positions.update({p: where for p, where in scratch.items()
                                          if p[:len(path) + 1] == (*path, key)})
        return result


def path_text(path: Path) -> str:
    """A field path as people write it: failure_modes[0].detection.monitoring.delay."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
