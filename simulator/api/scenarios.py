"""How the API takes a scenario: a path, a loaded Scenario, or None for the bundled default."""

from __future__ import annotations

from pathlib import Path

from simulator.scenario import load_scenario
from simulator.scenario.model import Scenario

ScenarioLike = str | Path | Scenario | None


def scenario_of(scenario: ScenarioLike) -> Scenario:
    """A Scenario from a path, a Scenario, or None for the bundled default scenario."""
    if isinstance(scenario, Scenario):
        return scenario
    from simulator.scenario.bundled import default_scenario

    return load_scenario(default_scenario() if scenario is None else scenario)
