"""The JSON Schema of the scenario format, generated from the models (editors use it for completion)."""

from __future__ import annotations

import json

from simulator.scenario.model import Scenario

SCHEMA_ID = "https://drillsim.dev/schema/scenario.json"


def scenario_schema() -> dict:
    schema = Scenario.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def scenario_schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, sort_keys=True) + "\n"
