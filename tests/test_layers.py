"""The rooms of simulator/ import one way: scenario → engine → results → analysis → outputs → report → api →
cli, with the leaf modules (errors, units, fields, limits, distributions, dice, calendar, events, inputs, collector)
below them all (they import only one another), and drill and history hanging off the api: they may import the api and
everything below it, the api and the commands may import them, nothing else does. Every import is read (at
module level and inside functions), so an import put off to run time still counts; only an import under
`if TYPE_CHECKING:`, which names a type for an annotation and never runs, is left out. Commands parse, call
the api and print: they import no other command and reach past the api only to print (report) or to state
limits and units. No module is longer than MAX_LINES."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"

LEAVES = ("errors", "units", "fields", "limits", "distributions", "dice", "calendar", "events", "inputs",
          "collector")
ORDER = ("scenario", "engine", "results", "analysis", "outputs", "report", "api", "cli")
"""The rooms from the bottom up; a room imports only its own and those before it (and the leaves)."""
BESIDE_THE_API = ("drill", "history")
"""Rooms that hang off the api: they import the api and what is below it; only the api, the commands and the
trainer (which sits beside them) import them."""

RANK = {**dict.fromkeys(LEAVES, 0), **{room: rank for rank, room in enumerate(ORDER, 1)},
        **dict.fromkeys(BESIDE_THE_API, ORDER.index("api") + 1.5)}
TOP = len(ORDER) + 2
"""simulator/__init__.py and __main__.py: the package's front door, above everything."""

COMMAND_MAY_IMPORT = {"api", "cli", "report", "errors", "limits", "units", "drill"}
"""What a command (simulator/cli/*.py) may import: the api; the shared options; the report to print what the
api returned; errors, limits and units to parse; and the trainer's terminal app."""

MAX_LINES = 500
LONG_ON_PURPOSE: set[str] = set()
"""Modules allowed past the limit for now (none: the one lifecycle brought the engine's under it)."""


def room_of(module: str) -> str | None:
    """The room of a dotted module name inside simulator ('simulator.results.runner' → 'results')."""
    parts = module.split(".")
    if parts[0] != "simulator":
        return None
    if len(parts) == 1 or parts[1] in ("__init__", "__main__"):
        return "__init__"
    return parts[1]


def rank(room: str) -> float:
    return TOP if room == "__init__" else RANK[room]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of the imports under `if TYPE_CHECKING:` (they never run)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            lines |= {inner.lineno for part in node.body for inner in ast.walk(part)
                      if isinstance(inner, ast.Import | ast.ImportFrom)}
    return lines


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every simulator module a file imports, at module level or in a function,
    relative imports resolved; `from simulator import api` counts as simulator.api."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = type_checking_only(tree)
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            if base == "simulator":
                found += [(node.lineno, f"simulator.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, base))
    return [(line, name) for line, name in found if room_of(name) is not None]


def upward(path: Path) -> list[str]:
    """The imports of one file that go against the arrows, as 'file:line imports module (why)'."""
    here = room_of(module_name(path))
    assert here is not None
    wrong = []
    for line, name in imports(path):
        there = room_of(name)
        assert there is not None
        if there == here or (there not in RANK and there != "__init__"):
            if there not in RANK and there != "__init__":
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}: simulator/{there} is "
                             "in no layer (add it to tests/test_layers.py)")
            continue
        allowed = rank(there) < rank(here) or (here in LEAVES and there in LEAVES)
        if there in BESIDE_THE_API:
            allowed = here in ("api", "cli", "__init__") or here in BESIDE_THE_API
        if here == "cli" and path.name not in ("__init__.py", "common.py") and there not in COMMAND_MAY_IMPORT:
            wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}: a command goes through "
                         "simulator.api")
        elif not allowed:
            wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}: simulator/{here} may not "
                         f"import simulator/{there}")
    return wrong


def test_every_room_has_a_layer():
    rooms = {path.relative_to(PACKAGE).parts[0].removesuffix(".py") for path in PACKAGE.rglob("*.py")}
    assert rooms - {"__init__", "__main__"} <= set(RANK), rooms - set(RANK)


def test_imports_go_one_way():
    wrong = [line for path in sorted(PACKAGE.rglob("*.py")) for line in upward(path)]
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_commands_import_no_other_command():
    wrong = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for line, name in imports(path):
            if name.startswith("simulator.cli.") and name not in ("simulator.cli.common",):
                wrong.append(f"simulator/cli/{path.name}:{line} imports {name}: shared options go in cli/common.py")
    assert not wrong, "\n".join(wrong)


def test_the_layer_check_sees_upward_imports(tmp_path, monkeypatch):
    fake = tmp_path / "simulator"
    (fake / "results").mkdir(parents=True)
    (fake / "report").mkdir()
    (fake / "results" / "x.py").write_text(
        "from typing import TYPE_CHECKING\nfrom simulator.scenario import model\nif TYPE_CHECKING:\n"
        "    from simulator.analysis import compare\n\n\ndef f():\n    from simulator.outputs import run\n"
        "    from ..analysis import sweep\n    from simulator import api\n")
    (fake / "report" / "y.py").write_text("import simulator.history.plan\nfrom simulator.results import x\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert upward(fake / "results" / "x.py") == [
        "simulator/results/x.py:8 imports simulator.outputs: simulator/results may not import simulator/outputs",
        "simulator/results/x.py:9 imports simulator.analysis: simulator/results may not import simulator/analysis",
        "simulator/results/x.py:10 imports simulator.api: simulator/results may not import simulator/api"]
    assert upward(fake / "report" / "y.py") == [
        "simulator/report/y.py:1 imports simulator.history.plan: simulator/report may not import simulator/history"]


def test_no_module_is_longer_than_the_limit():
    long = {str(path.relative_to(PACKAGE)): count for path in sorted(PACKAGE.rglob("*.py"))
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    long = {name: count for name, count in long.items() if name not in LONG_ON_PURPOSE}
    assert not long, f"modules over {MAX_LINES} lines (split them by what they hold): {long}"
