"""Every module imports on its own, first: no import cycle hides behind the order of imports. And the rooms
keep to their rules: simpy only in the engine, matplotlib only in the report, commands write no file
themselves."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

# Runs in a fresh interpreter: for each module, forget every simulator module, then import that one first.
# Third-party packages stay loaded. Every module (sys.argv[1] == "all") costs a whole import of simulator
# each, about a minute on a busy machine: `make fuzz` does that; `make test` imports first each package and
# the entry points (the API and the command line), which import every room in their turn.
CHECK = """
import importlib, pkgutil, sys
import simulator
names = ["simulator"] + [m.name for m in pkgutil.walk_packages(simulator.__path__, "simulator.")
                         if not m.name.endswith("__main__")
                         and (sys.argv[1] == "all" or m.ispkg or m.name in ("simulator.api", "simulator.cli"))]
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "simulator" or m.startswith("simulator.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print(len(names))
print("\\n".join(failed))
"""


@pytest.mark.parametrize(("which", "at_least"), [("packages", 10), pytest.param("all", 100, marks=pytest.mark.slow)])
def test_every_module_imports_first(which, at_least):
    done = subprocess.run([sys.executable, "-c", CHECK, which], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    count, *failures = done.stdout.strip().splitlines()
    assert int(count) >= at_least
    assert not failures, "\n".join(failures)


# ── Which room may import what, and who writes files ───────────────────────────────────────────────────────

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
ONLY_IN = {"simpy": "engine", "matplotlib": "report"}
"""A third-party package and the only room of simulator/ that may import it."""

WRITES = {"write_text", "write_bytes", "mkdir", "unlink", "rename", "replace", "rmdir", "touch", "savefig",
          "atomic_open", "dump", "writer", "DictWriter", "makedirs", "remove", "copy", "copyfile", "move",
          "rmtree", "mkstemp", "NamedTemporaryFile"}
"""Calls that write to disk themselves. A command calls a library function that writes (api.write_results)."""


def modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path))) for path in sorted(PACKAGE.rglob("*.py"))]


def imported(tree: ast.Module) -> set[str]:
    """The top-level packages a module imports, anywhere in it (functions included)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_simpy_only_in_the_engine_and_matplotlib_only_in_the_report():
    wrong = []
    for path, tree in modules():
        room = path.relative_to(PACKAGE).parts[0]
        for package, allowed in ONLY_IN.items():
            if package in imported(tree) and room != allowed:
                wrong.append(f"{path.relative_to(PACKAGE.parent)} imports {package} (only simulator/{allowed}/ may)")
    assert not wrong, "\n".join(wrong)


def file_writes(tree: ast.Module) -> list[str]:
    """What a module's code does to write files: open(..., 'w'), Path.write_text, json.dump, savefig, …"""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "open":
            mode = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "mode"), None)
            if isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax+"):
                found.append(f"line {node.lineno}: open(..., {mode.value!r})")
        elif name in WRITES:
            found.append(f"line {node.lineno}: {name}(...)")
    return found


def test_commands_never_write_files_themselves():
    wrong = []
    for path, tree in modules():
        if path.parent.name == "cli":
            wrong += [f"simulator/cli/{path.name} {what}" for what in file_writes(tree)]
    assert not wrong, "a command composes library calls; move the writing into the library:\n" + "\n".join(wrong)


def test_the_file_write_check_sees_writes():
    code = ("import json\nfrom pathlib import Path\nopen('x', 'w')\nopen('y')\nPath('z').write_text('')\n"
            "json.dump({}, open('a', mode='a'))\nfigure.savefig('f.png')\njson.dumps({})\n")
    assert sorted(file_writes(ast.parse(code))) == ["line 3: open(..., 'w')", "line 5: write_text(...)",
                                                    "line 6: dump(...)", "line 6: open(..., 'a')",
                                                    "line 7: savefig(...)"]
    assert imported(ast.parse("def f():\n    import simpy.resources\n    from matplotlib import pyplot\n")) == {
        "simpy", "matplotlib"}
