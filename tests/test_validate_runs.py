"""Whatever `validate` accepts, `run` runs: scenarios made by mutating the bundled ones' fields (team shapes,
people, zero delays, load sections, practices on and off) either fail validation with a located problem or
play one replication without an exception."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine.run import Engine
from simulator.errors import DrillsimError
from simulator.scenario.validate import parse_scenario

BUNDLED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
SOURCES = {path.name: yaml.safe_load(path.read_text()) for path in BUNDLED}

TEAMS = [
    None,  # as the file has it
    {"responders": 2},
    {"responders": 2, "names": ["Ana", "Ben"], "people": ["Ana", "Ben"]},
    {"responders": 2, "names": ["Ana", "Ben"], "secondary": {"name": "Chen"}, "people": ["Ana", "Ben", "Chen"]},
    {"responders": 2, "people": [{"name": "Ana", "timezone": "Europe/London"}]},  # refused: who is on-call #1?
    {"responders": 2, "names": ["Ana", "Ben"], "secondary": None, "people": ["Ana", "Ben", "Cleo"]},
    {"responders": 1, "secondary": None},
]
LOAD = {"weekly": [{"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "hours": "09:00-17:00", "level": 1.7}],
        "failure_rate": 1.0, "mitigation": 0.5}
PRACTICES = [
    None,
    {},
    {"declaration": {"alone_first": 0.5, "automated": {"duration": "0s", "success": 0.5}},
     "confirmation": {"anecdote": 0.5, "reopen": 0.5}, "cleanup": {"skip": 0.2, "late": 0.2},
     "learning": {"action_items": 2}, "alerts": "email", "on_call": "who-to-call", "dedicated_roles": False},
]


@st.composite
def mutants(draw):
    name = draw(st.sampled_from(sorted(SOURCES)))
    data = copy.deepcopy(SOURCES[name])
    data["horizon"] = "14d"
    team = draw(st.sampled_from(TEAMS))
    if team is not None:
        data["team"] = {**team}
        data.get("policy", {}).pop("roles", None)
    if draw(st.booleans()):  # zero delays everywhere they can be zero
        data.setdefault("policy", {})["declare_after"] = "0s"
        for mode in data.get("failure_modes", []):
            for channel in (mode.get("detection") or {}).values():
                if isinstance(channel, dict) and "delay" in channel:
                    channel["delay"] = "0s"
    if draw(st.booleans()):
        data["load"] = copy.deepcopy(LOAD)
        data.setdefault("start", "2026-01-05T09:00")
    practices = draw(st.sampled_from(PRACTICES))
    if practices is None:
        data.pop("practices", None)
    else:
        data["practices"] = practices
    return yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=25, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutants())
def test_a_scenario_validate_accepts_runs(text):
    try:
        scenario = parse_scenario(text, "mutant.yaml")
    except DrillsimError:
        return  # refused, with its problems located: fine
    Engine(scenario).play(7, 0)
