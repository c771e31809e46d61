"""The JSON Schema that ships in scenarios/ is the one the models generate, and every bundled scenario is valid
(by the models and by the schema) and runs."""

import json
from pathlib import Path

import pytest
import yaml

from simulator import load_scenario, simulate
from simulator.scenario.bundled import SCENARIOS_DIR, bundled_scenarios, default_scenario
from simulator.scenario.schema import SCHEMA_ID, scenario_schema_text

SCHEMA = SCENARIOS_DIR / "schema.json"
FIXTURES = Path(__file__).parent / "fixtures"


def test_the_shipped_schema_is_up_to_date():
    assert SCHEMA.read_text(encoding="utf-8") == scenario_schema_text(), (
        "scenarios/schema.json is out of date with the scenario models; regenerate it with "
        "`drillsim schema --out scenarios/schema.json`"
    )


def test_the_schema_describes_the_scenario_format():
    schema = json.loads(scenario_schema_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"name", "failure_modes"}
    assert {"name", "horizon", "replications", "seed", "team", "policy", "failure_modes"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_there_are_bundled_scenarios_and_a_default():
    assert default_scenario() in bundled_scenarios()
    assert len(bundled_scenarios()) >= 1


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.name)
def test_every_bundled_scenario_validates_and_runs(path):
    scenario = load_scenario(path)
    results = simulate(scenario, replications=3, seed=1, keep_events=False, workers=1)
    assert results.replications == 3
    assert len(results.incidents) > 0
    summary = results.summary()
    assert summary["mttr"].count > 0
    assert summary["mttr"].mean >= summary["mttd"].mean > 0


def plain(path):
    """The YAML as JSON would hold it (timestamps as text)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    return jsonschema.Draft202012Validator(json.loads(scenario_schema_text()))


@pytest.mark.parametrize("path", [*bundled_scenarios(), FIXTURES / "valid" / "minimal.yaml"], ids=lambda p: p.name)
def test_the_schema_accepts_every_valid_scenario(validator, path):
    assert [error.message for error in validator.iter_errors(plain(path))] == []


@pytest.mark.parametrize(
    ("rule", "where"),
    [
        ("unknown_key", ["team"]),
        ("wrong_type", ["team", "responders"]),
        ("negative_duration", ["team", "acknowledge"]),
        ("unitless_duration", ["team", "acknowledge"]),
        ("missing_required_field", ["failure_modes", 0]),
        ("unknown_cause", ["failure_modes", 0, "cause"]),
        ("probability_out_of_range", ["failure_modes", 0, "detection", "monitoring"]),
    ],
)
def test_the_schema_rejects_what_an_editor_can_see(validator, rule, where):
    errors = list(validator.iter_errors(plain(FIXTURES / "invalid" / f"{rule}.yaml")))
    assert [list(error.path) for error in errors] == [where]
