"""The documentation cannot rot: every scenario field is described (the scenario reference is generated from the
descriptions), every output the README and the site show is what the code prints today, every file they name is
shipped, and the README stays short and opens with the two set-up commands."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_every_scenario_field_has_a_description():
    missing = _script("docs_gen").undescribed_fields()
    assert not missing, ("give these scenario fields a Field(description=...), which the scenario reference "
                         f"shows: {', '.join(missing)}")


def test_the_generated_references_cover_every_field_and_command(tmp_path):
    from simulator import cli
    from simulator.scenario.model import Scenario

    gen = _script("docs_gen")
    written = {path.name: path.read_text(encoding="utf-8") for path in gen.write(tmp_path)}
    scenario = written["scenario.md"]
    for name in Scenario.model_fields:
        assert f"| `{name}` |" in scenario
    assert "assumption (the SRE book's paging target" in scenario  # a default's source, from the model
    for name in cli.COMMANDS:
        assert f"## drillsim {name}" in written["commands.md"]
    assert "`open_at_horizon`" in written["events.md"]
    assert "practices.alerts" in written["maturity.md"]


def test_the_readme_is_short_and_opens_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250
    opening = "\n".join(lines[:60])
    assert "make demo" in opening and "make test" in opening
    for guide in ("guides/compare-policies.md", "guides/game-days.md", "guides/drills.md"):
        assert guide in opening, f"the README's first screen links to {guide}"


def _documents() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md")), *sorted((DOCS / "excerpts").glob("*.txt"))]


def test_every_file_the_documentation_names_is_shipped():
    named = set()
    for path in _documents():
        named |= set(re.findall(r"\b((?:examples|scenarios|notebooks|benchmarks|scripts)/[\w./-]+\.\w+)",
                                path.read_text(encoding="utf-8")))
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert not missing, f"the documentation names files that are not shipped: {', '.join(missing)}"


def test_every_excerpt_a_page_includes_exists():
    for path in _documents():
        for name in re.findall(r'^\s*--8<-- "([\w.-]+)"', path.read_text(encoding="utf-8"), re.M):
            assert (DOCS / "excerpts" / name).exists(), f"{path.name} includes {name}, which is not in docs/excerpts/"


def test_every_figure_the_documentation_shows_exists():
    for path in _documents():
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", path.read_text(encoding="utf-8")):
            assert (path.parent / target).resolve().exists(), f"{path.name} shows {target}, which does not exist"


def test_every_excerpt_is_what_the_code_prints_today():
    """Runs scripts/excerpts.py (the bundled scenarios and examples, fixed seeds, small replication counts where
    the page allows) and compares: a change that moves an output must regenerate it with `make excerpts`."""
    excerpts = _script("excerpts")
    differences = excerpts.differences(excerpts.make())
    assert not differences, "\n".join([*differences, "Regenerate them with `make excerpts` and review the diff."])
