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
