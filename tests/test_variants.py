"""Variants: overrides applied to the YAML data and validated like the scenario itself."""

from __future__ import annotations

import pytest

from simulator.errors import ScenarioError
from simulator.scenario.variants import (
    format_value,
    parse_path,
    parse_source,
    resolve,
    set_override,
    sweep_values,
)

DRILL = """\
name: drill
replications: 4
seed: 11
team:
  responders: 2
  names: [Ana, Ben]
failure_modes:
  - name: bad-deploy
    cause: deployment
    rate: 1/w
    detection:
      monitoring: {delay: 5m}
    mitigations:
      rollback: {duration: 10m}
      debug: {duration: {kind: lognormal, median: 1h, p95: 4h}}
  - name: traffic-peak
    cause: capacity
    rate: 1/2w
    detection:
      customer_report: {delay: 20m}
    mitigations:
      debug: {duration: 2h}
variants:
  debug-first: {policy.mitigation: debug-first}
  three-on-call:
    team.responders: 3
    team.names: [Ana, Ben, Cleo]
"""


def source(text: str = DRILL):
    return parse_source(text, file="drill.yaml")


def problems(call) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        call()
    return [str(problem) for problem in caught.value.problems]


def test_variants_from_the_file_change_only_their_fields():
    variants = source().variants()
    assert list(variants) == ["baseline", "debug-first", "three-on-call"]
    base, debug, three = variants.values()
    assert base.policy.mitigation == "rollback-first"
    assert debug.policy.mitigation == "debug-first"
    assert debug.team == base.team and debug.failure_modes == base.failure_modes
    assert three.team.responders == 3 and three.team.names == ("Ana", "Ben", "Cleo")
    assert three.policy == base.policy
    assert debug.variants == {}  # a variant is a plain scenario


def test_set_options_make_one_more_variant():
    variants = source().variants(names=[], sets=["team.responders=3", "team.names=[A, B, C]"])
    assert list(variants) == ["baseline", "team.responders=3, team.names=[A, B, C]"]
    changed = variants["team.responders=3, team.names=[A, B, C]"]
    assert changed.team.names == ("A", "B", "C")


def test_set_values_are_yaml():
    assert set_override("team.responders=3").value == 3
    assert set_override("policy.mitigation=debug-first").value == "debug-first"
    assert set_override("team.names=[Ana, Ben]").value == ["Ana", "Ben"]
    assert set_override("policy.confirm={kind: exponential, mean: 10m}").value == {"kind": "exponential",
                                                                                    "mean": "10m"}


def test_paths_reach_list_items_by_index_and_by_name():
    data = source().document.data
    assert resolve(data, "failure_modes[1].rate") == ("failure_modes", 1, "rate")
    assert resolve(data, "failure_modes.traffic-peak.rate") == ("failure_modes", 1, "rate")
    assert parse_path("failure_modes[0].detection.monitoring") == ("failure_modes", 0, "detection", "monitoring")
    by_name = source().with_overrides({"failure_modes.bad-deploy.mitigations.rollback.success": 0.5})
    by_index = source().with_overrides({"failure_modes[0].mitigations.rollback.success": 0.5})
    assert by_name == by_index
    assert by_name.failure_modes[0].mitigations["rollback"].success == 0.5


def test_fields_missing_from_the_file_can_be_set():
    changed = source().with_overrides({"policy.declare_after": "0s", "team.secondary.name": "Chen"})
    assert changed.policy.declare_after.mean == 0
    assert changed.team.secondary.name == "Chen"


def test_a_whole_distribution_can_be_replaced_and_a_field_inside_one_changed():
    s = source()
    replaced = s.with_overrides({"failure_modes.bad-deploy.mitigations.debug.duration": "30m"})
    assert replaced.failure_modes[0].mitigations["debug"].duration.mean == 30
    changed = s.with_overrides({"failure_modes.bad-deploy.mitigations.debug.duration.median": "2h"})
    assert changed.failure_modes[0].mitigations["debug"].duration.median == 120


def test_an_unknown_path_says_did_you_mean_with_the_line_of_the_override():
    text = DRILL + "  typo: {team.respondrs: 3}\n"
    assert problems(lambda: source(text).variant("typo")) == [
        "drill.yaml:28:10: variants.typo: team.respondrs: unknown field 'respondrs' in team; did you mean "
        "'responders'?"
    ]
    assert problems(lambda: source().variants([], sets=["failure_modes.bad-deplo.rate=1/d"])) == [
        "drill.yaml: --set failure_modes.bad-deplo.rate=1/d: failure_modes.bad-deplo.rate: no item of "
        "failure_modes is named 'bad-deplo' (names: bad-deploy, traffic-peak); did you mean 'bad-deploy'?"
    ]
    assert "there is no [5]" in problems(lambda: source().with_overrides({"failure_modes[5].rate": "1/d"}))[0]


def test_a_bad_value_is_reported_like_a_bad_field_naming_the_variant_and_its_line():
    text = DRILL + "  broken:\n    team.responders: 0\n    policy.mitigation: debug-frist\n"
    found = problems(lambda: source(text).variant("broken"))
    assert found[0] == "drill.yaml:29:5: variants.broken: team.responders: must be at least 1 (got 0)"
    assert found[1].startswith("drill.yaml:30:5: variants.broken: policy.mitigation: must be one of")


def test_a_rule_broken_elsewhere_by_an_override_points_at_the_override():
    text = DRILL + "  short-handed: {team.responders: 1}\n"
    assert problems(lambda: source(text).variant("short-handed")) == [
        "drill.yaml:28:18: variants.short-handed: team: names lists 2 people for 1 responders"
    ]


def test_a_bad_set_names_the_option():
    found = problems(lambda: source().variants([], sets=["team.responders=many", "policy.mitigation"]))
    assert "--set policy.mitigation: expected PATH=VALUE" in found[0]
    assert problems(lambda: source().variants([], sets=["team.responders=many"])) == [
        "drill.yaml: --set team.responders=many: team.responders: Input should be a valid integer, unable to "
        "parse string as an integer (got 'many')"
    ]


def test_every_problem_of_every_variant_is_reported_at_once():
    text = DRILL + "  a: {team.respondrs: 3}\n  b: {policy.mitigation: sideways}\n"
    found = problems(lambda: source(text).variants(sets=["seed=3"]))
    assert len(found) >= 3
    assert any("variants.a:" in line for line in found)
    assert any("variants.b:" in line for line in found)
    assert any("--set seed=3: seed: cannot be changed" in line for line in found)


def test_unknown_variant_names_are_errors():
    assert problems(lambda: source().variants(["debug-frist"])) == [
        "drill.yaml: no variant named 'debug-frist' (variants: debug-first, three-on-call); did you mean "
        "'debug-first'?"
    ]


def test_variant_names_are_checked_when_the_scenario_loads():
    text = DRILL + "  baseline: {team.responders: 1}\n"
    found = problems(lambda: source(text))
    assert found == ["drill.yaml:23:1: variants: the variant name 'baseline' is reserved for the scenario as "
                     "written"]


def test_sweep_values_split_at_top_level_commas_only():
    assert sweep_values("team.responders=1,2, 3") == ("team.responders", [("1", 1), ("2", 2), ("3", 3)])
    path, values = sweep_values("team.names=[A, B],[A, B, C]")
    assert path == "team.names"
    assert values == [("[A, B]", ["A", "B"]), ("[A, B, C]", ["A", "B", "C"])]
    assert sweep_values("policy.declare_after={kind: exponential, mean: 5m},0s")[1][1] == ("0s", "0s")
    with pytest.raises(ScenarioError):
        sweep_values("team.responders")


def test_format_value_reads_like_the_command_line():
    assert format_value(3) == "3"
    assert format_value("debug-first") == "debug-first"
    assert format_value(["Ana", "Ben"]) == "[Ana, Ben]"
    assert format_value(0.5) == "0.5"


def test_validate_checks_the_variants_of_a_file(tmp_path):
    from typer.testing import CliRunner

    from simulator.cli import app

    bad = DRILL.split("variants:")[0] + (
        "variants:\n  wider:\n    team.respondrs: 3\n  odd:\n    policy.mitigation: sideways\n"
    )
    path = tmp_path / "drill.yaml"
    path.write_text(bad)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    wider = bad.splitlines().index("    team.respondrs: 3") + 1
    assert lines == [
        f"{path}:{wider}:5: variants.wider: team.respondrs: unknown field 'respondrs' in team; "
        "did you mean 'responders'?",
        f"{path}:{wider + 2}:5: variants.odd: policy.mitigation: must be one of 'rollback-first' or 'debug-first' "
        "(got 'sideways')",
    ]
