"""Every module imports on its own, first: no import cycle hides behind the order of imports."""

from __future__ import annotations

import subprocess
import sys

# Runs in a fresh interpreter: for each module, forget every simulator module, then import that one first.
# Third-party packages stay loaded, so the check is quick.
CHECK = """
import importlib, pkgutil, sys
import simulator
names = ["simulator"] + [m.name for m in pkgutil.walk_packages(simulator.__path__, "simulator.")
                         if not m.name.endswith("__main__")]
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


def test_every_module_imports_first():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count, *failures = done.stdout.strip().splitlines()
    assert int(count) > 20
    assert not failures, "\n".join(failures)
