"""Same seed, same results, byte for byte; another seed, other results; another policy, the same failures."""

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator import parse_scenario, simulate
from simulator.cli import app
from simulator.engine import play
from simulator.scenario.bundled import default_scenario

FILES = ("summary.json", "incidents.csv", "events.parquet")
runner = CliRunner()


def run_cli(folder, seed):
    result = runner.invoke(app, ["run", str(default_scenario()), "-n", "3", "--seed", str(seed), "--out",
                                 str(folder), "--quiet"])
    assert result.exit_code == 0, result.output
    return {name: (folder / name).read_bytes() for name in FILES}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("determinism")
    return {key: run_cli(base / key, seed) for key, seed in (("a", 11), ("b", 11), ("other", 12))}


@pytest.mark.parametrize("name", FILES)
def test_the_same_seed_writes_byte_identical_files(outputs, name):
    assert outputs["a"][name]
    assert outputs["a"][name] == outputs["b"][name]


@pytest.mark.parametrize("name", FILES)
def test_another_seed_writes_other_results(outputs, name):
    assert outputs["a"][name] != outputs["other"][name]


def with_policy(policy):
    text = default_scenario().read_text(encoding="utf-8")
    assert "mitigation: rollback-first" in text
    return parse_scenario(text.replace("mitigation: rollback-first", f"mitigation: {policy}"))


def test_a_change_of_policy_leaves_the_failure_history_unchanged():
    rollback = simulate(with_policy("rollback-first"), replications=4, seed=3, keep_events=False, workers=1)
    debug = simulate(with_policy("debug-first"), replications=4, seed=3, keep_events=False, workers=1)
    a, b = rollback.incidents, debug.incidents
    assert len(a) == len(b) > 20
    for column in ("replication", "incident", "onset", "detected", "declared"):
        np.testing.assert_array_equal(getattr(a, column), getattr(b, column), err_msg=column)
    for column in ("mode", "cause", "severity", "channel"):
        assert getattr(a, column).tolist() == getattr(b, column).tolist(), column
    # ... while what the policy decides does change.
    assert set(b.mitigation.tolist()) <= {"debug", ""}
    assert "rollback" in a.mitigation.tolist()
    assert not np.array_equal(a.mitigated, b.mitigated, equal_nan=True)


def test_a_replication_plays_the_same_however_the_run_is_split():
    scenario = with_policy("rollback-first")
    whole = simulate(scenario, replications=5, seed=9, workers=1)
    pieces = simulate(scenario, replications=5, seed=9, workers=1, chunk=2)
    assert whole.events == pieces.events
    alone = [event for r in range(5) for event in play(scenario, 9, r)]
    assert list(whole.events) == alone


def test_the_scenarios_seed_is_the_default():
    scenario = with_policy("rollback-first")
    implicit = simulate(scenario, replications=2, keep_events=False, workers=1)
    explicit = simulate(scenario, replications=2, seed=scenario.seed, keep_events=False, workers=1)
    assert implicit.seed == scenario.seed
    np.testing.assert_array_equal(implicit.incidents.mitigated, explicit.incidents.mitigated)
