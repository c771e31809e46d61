"""YAML text to plain data, remembering the line and column of every node.

Only YAML's safe subset is read. Positions are kept in a side table keyed by the path of keys and
indices that leads to a node, so that a problem found later (by the models) can name its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator.errors import Problem

Path = tuple[str | int, ...]


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


def parse_yaml(text: str, file: str | None = None) -> Document:
    """Parse YAML text into a Document. Syntax errors and duplicate keys become problems, not exceptions."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        if getattr(exc, "context", None):
            reason = f"{reason} ({exc.context})"
        problem = Problem(
            f"YAML syntax error: {reason}",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            file=file,
        )
        return Document(None, problems=[problem])
    finally:
        loader.dispose()
    doc = Document(None)
    if root is None:
        doc.problems.append(Problem("the file is empty; a scenario needs at least `name` and `failure_modes`",
                                    line=1, column=1, file=file))
        return doc
    doc.positions[()] = _mark(root)
    doc.data = _build(loader, root, (), doc, file)
    return doc


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, doc: Document, file: str | None) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                doc.problems.append(Problem("keys must be plain names", path=path_text(path),
                                            line=_mark(key_node)[0], column=_mark(key_node)[1], file=file))
                continue
            child = (*path, key)
            if key in result:
                first = doc.positions[child]
                doc.problems.append(Problem(f"duplicate key {key!r} (first given on line {first[0]})",
                                            path=path_text(child), line=_mark(key_node)[0],
                                            column=_mark(key_node)[1], file=file))
                continue
            doc.positions[child] = _mark(key_node)
            result[key] = _build(loader, value_node, child, doc, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            doc.positions[child] = _mark(item)
            items.append(_build(loader, item, child, doc, file))
        return items
    return loader.construct_object(node, deep=True)


def path_text(path: Path) -> str:
    """A field path as people write it: failure_modes[0].detection.monitoring.delay."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


