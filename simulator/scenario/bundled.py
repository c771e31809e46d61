"""The scenarios that ship with drillsim, in the project's `scenarios/` folder."""

from __future__ import annotations

from pathlib import Path

from simulator.errors import DrillsimError

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"


def bundled_scenarios() -> list[Path]:
    return sorted(SCENARIOS_DIR.glob("*.yaml"))


def default_scenario() -> Path:
    path = SCENARIOS_DIR / "default.yaml"
    if not path.is_file():
        raise DrillsimError(f"the bundled default scenario is missing (looked for {path.name} in "
                            "the scenarios folder); give a scenario file")
    return path


def bundled_scenario(name: str) -> Path:
    """A bundled scenario by its file name without `.yaml` ('default', 'follow-the-sun', ...)."""
    path = SCENARIOS_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in bundled_scenarios())
        raise DrillsimError(f"no bundled scenario named {name!r} (bundled: {known})")
    return path
