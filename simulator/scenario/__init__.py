"""The scenario language: YAML files to validated, frozen Scenario objects, and its JSON Schema."""

from simulator.scenario.model import Scenario
from simulator.scenario.validate import load_scenario, parse_scenario

__all__ = ["Scenario", "load_scenario", "parse_scenario"]
