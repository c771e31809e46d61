"""The scenario language: valid YAML becomes a frozen Scenario; every invalid file is refused with every problem
listed as FILE:LINE:COL: field.path: message, by the library and by `drillsim validate` (exit status 2)."""

import difflib
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from simulator import load_scenario, parse_scenario
from simulator.cli import app
from simulator.errors import DrillsimError, Problem, ScenarioError

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid" / "minimal.yaml"
INVALID = FIXTURES / "invalid"

# One fixture per validation rule: (line, column, field path, message). Each fixture is the valid scenario with
# one rule broken, so exactly this one problem is reported.
RULES = {
    "yaml_syntax_error": (7, 18, "", "YAML syntax error: mapping values are not allowed here"),
    "empty_file": (1, 1, "", "the file is empty; a scenario needs at least `name` and `failure_modes`"),
    "not_a_mapping": (1, 1, "", "a scenario is a mapping of fields (name, failure_modes, ...)"),
    "duplicate_key": (8, 3, "team.acknowledge", "duplicate key 'acknowledge' (first given on line 7)"),
    "unknown_key": (6, 3, "team.respondrs", "unknown field 'respondrs'; did you mean 'responders'?"),
    "wrong_type": (6, 3, "team.responders", "Input should be a valid integer"),
    "negative_duration": (7, 3, "team.acknowledge", "duration '-3m' is negative"),
    "unitless_duration": (7, 3, "team.acknowledge", "duration 3 has no unit; write e.g. '3m' (s, m, h, d or w)"),
    "p95_below_median": (16, 63, "failure_modes[0].detection.customer_report.delay.p95",
                         "p95 (10m) must be above the median (20m)"),
    "probability_out_of_range": (15, 20, "failure_modes[0].detection.monitoring.probability",
                                 "must be at most 1.0 (got 1.5)"),
    "missing_required_field": (11, 5, "failure_modes[0].cause", "required field is missing"),
    "unknown_distribution_kind": (16, 25, "failure_modes[0].detection.customer_report.delay",
                                  "unknown distribution kind 'lognormall'"),
    "no_sure_detection_channel": (14, 5, "failure_modes[0].detection",
                                  "at least one channel must always fire (probability 1)"),
    "every_and_rate": (11, 5, "failure_modes[0]", "give exactly one of `every`"),
    "zero_time_between_failures": (13, 5, "failure_modes[0].every", "the mean time between onsets must be above 0"),
    "unknown_cause": (12, 5, "failure_modes[0].cause", "must be one of 'deployment', 'config', "),
    "bad_severity": (13, 5, "failure_modes[0].severity", "a severity is SEV1 (worst) to SEV5 (got 'critical')"),
    "responder_names_mismatch": (5, 1, "team", "names lists 3 people for 2 responders"),
    "high_below_low": (19, 15, "failure_modes[0].mitigations.debug.duration", "high must be above low"),
}

MANY = [  # many_problems.yaml: every problem, in file order
    (3, 1, "horizon", "duration 30 has no unit"),
    (6, 3, "team.respondrs", "unknown field 'respondrs'; did you mean 'responders'?"),
    (7, 3, "team.acknowledge", "duration '-3m' is negative"),
    (11, 5, "failure_modes[0].cause", "required field is missing"),
    (14, 20, "failure_modes[0].detection.monitoring.probability", "must be at most 1.0 (got 1.5)"),
    (15, 63, "failure_modes[0].detection.customer_report.delay.p95", "p95 (10m) must be above the median (20m)"),
    (18, 15, "failure_modes[0].mitigations.debug.duration",
     "unknown distribution kind 'exponentail' (kinds: constant, exponential, lognormal, gamma, weibull, uniform, "
     "triangular, empirical); did you mean 'exponential'?"),
]


def prefix(file, line, column, path):
    return f"{file}:{line}:{column}: {path}: " if path else f"{file}:{line}:{column}: "


def test_every_invalid_fixture_is_listed():
    assert {p.stem for p in INVALID.glob("*.yaml")} == set(RULES) | {"many_problems"}


# ── The valid scenario and the model ───────────────────────────────────────────────────────────────────────


def test_the_fixtures_base_scenario_is_valid():
    scenario = load_scenario(VALID)
    assert scenario.name == "checkout"
    assert scenario.horizon == 30 * 1440
    assert scenario.replications == 2
    assert scenario.team.responders == 2
    assert scenario.team.acknowledge.value == 3.0
    (mode,) = scenario.failure_modes
    assert mode.cause == "deployment"
    assert mode.interarrival.mean == 3 * 1440
    assert mode.detection.monitoring.probability == 0.9
    assert mode.detection.customer_report.probability == 1.0  # the default
    assert mode.mitigations["rollback"].success == 0.9
    assert mode.mitigations["debug"].duration.value == 60.0


@pytest.mark.parametrize("rule", [r for r in RULES if r not in ("empty_file", "not_a_mapping")])
def test_each_fixture_is_the_valid_scenario_with_one_change(rule):
    base = VALID.read_text().splitlines()[1:]
    broken = (INVALID / f"{rule}.yaml").read_text().splitlines()[1:]  # the first line is the comment
    changed = [line for line in difflib.ndiff(base, broken) if line.startswith(("+ ", "- "))]
    assert 1 <= len(changed) <= 3, changed


def test_defaults():
    scenario = parse_scenario("""
name: defaults
failure_modes:
  - name: f
    cause: config
    rate: 2/w
    detection: {customer_report: {delay: 30m}}
    mitigations: {debug: {duration: 1h}}
""")
    assert scenario.horizon == 90 * 1440
    assert (scenario.replications, scenario.seed, scenario.team.responders) == (200, 0, 1)
    assert scenario.team.acknowledge.value == 3.0
    assert scenario.team.escalate_after == 15.0
    assert scenario.policy.declare_after.value == 5.0
    assert scenario.policy.mitigation_order(tuple(scenario.catalogue)) == ("rollback", "failover", "drain", "debug")
    assert scenario.policy.postmortem.severities == ("SEV1", "SEV2")
    mode = scenario.failure_modes[0]
    assert mode.severities == (("SEV3", 1.0),)
    assert mode.interarrival.kind == "exponential"
    assert mode.interarrival.mean == pytest.approx(10080 / 2)  # a rate is an exponential time between onsets


def test_severity_weights_are_normalised():
    text = VALID.read_text().replace("    every: 3d", "    every: 3d\n    severity: {SEV1: 1, SEV3: 3}")
    scenario = parse_scenario(text)
    assert scenario.failure_modes[0].severities == (("SEV1", 0.25), ("SEV3", 0.75))


@pytest.mark.parametrize(
    ("mitigation", "order"),
    [
        ("rollback-first", ("rollback", "failover", "drain", "debug")),
        ("debug-first", ("debug",)),
        ("[failover, rollback]", ("failover", "rollback", "debug")),
        ("[debug, drain]", ("debug", "drain")),
    ],
)
def test_mitigation_order(mitigation, order):
    text = VALID.read_text().replace("  declare_after: 5m", f"  declare_after: 5m\n  mitigation: {mitigation}")
    scenario = parse_scenario(text)
    assert scenario.policy.mitigation_order(tuple(scenario.catalogue)) == order


def test_slo_burn_alert_fires_after_the_time_the_workbook_gives():
    """(1 − SLO) / error ratio × window × burn rate: 0.001 / 0.05 × 60m × 14.4 = 17.28m, plus evaluation."""
    text = VALID.read_text().replace(
        "      customer_report:",
        "      slo_burn: {slo: 0.999, error_ratio: 0.05, window: 1h, burn_rate: 14.4, evaluation: 1m}\n"
        "      customer_report:",
    )
    channel = parse_scenario(text).failure_modes[0].detection.slo_burn
    assert channel.delay.value == pytest.approx(17.28 + 1)


def test_a_scenario_is_frozen():
    scenario = load_scenario(VALID)
    with pytest.raises(ValidationError):
        scenario.horizon = 1.0
    with pytest.raises(ValidationError):
        scenario.team.responders = 5


# ── Problems, from the library ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_gives_exactly_its_problem(rule):
    line, column, path, message = RULES[rule]
    file = INVALID / f"{rule}.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    assert len(caught.value.problems) == 1, [str(p) for p in caught.value.problems]
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.path, problem.file) == (line, column, path, str(file))
    assert message in problem.message
    assert str(problem).startswith(prefix(file, line, column, path) + message)


def test_every_problem_of_a_file_is_listed_in_file_order():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(INVALID / "many_problems.yaml")
    found = [(p.line, p.column, p.path) for p in caught.value.problems]
    assert found == [(line, column, path) for line, column, path, _ in MANY]
    for problem, (*_, message) in zip(caught.value.problems, MANY, strict=True):
        assert message in problem.message


def test_a_key_like_no_other_gets_no_suggestion():
    text = VALID.read_text().replace("  responders: 2", "  responders: 2\n  holidays: weekly")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, file="s.yaml")
    (problem,) = caught.value.problems
    assert str(problem) == "s.yaml:7:3: team.holidays: unknown field 'holidays'"


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("    cause: deployment", "    casue: deployment", "unknown field 'casue'; did you mean 'cause'?"),
        ("  declare_after: 5m", "  declare_afterr: 5m", "did you mean 'declare_after'?"),
        ("{probability: 0.9, delay: 5m}", "{probability: 0.9, dealy: 5m}", "did you mean 'delay'?"),
        ("      monitoring:", "      monitorng:", "unknown field 'monitorng'; did you mean 'monitoring'?"),
        ("replications: 2", "replication: 2", "unknown field 'replication'; did you mean 'replications'?"),
    ],
)
def test_did_you_mean(replace, by, expected):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(VALID.read_text().replace(replace, by))
    assert any(expected in p.message for p in caught.value.problems), [str(p) for p in caught.value.problems]


def test_an_unknown_mitigation_in_the_order_is_one_problem_at_its_item():
    """A list of mitigations with one unknown name: the problem names the item and the known names."""
    text = VALID.read_text().replace("  declare_after: 5m", "  declare_after: 5m\n  mitigation: [rollback, bogus]")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, file="s.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "s.yaml:10:26: policy.mitigation[1]: no mitigation is called 'bogus' (known: rollback, failover, drain, "
        "debug)"
    ]


def test_a_model_rule_inside_a_distribution_names_the_field_not_the_kind():
    text = VALID.read_text().replace("median: 20m, p95: 1h", "median: 20m, p95: 1h, mu: 3.0")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    (problem,) = caught.value.problems
    assert problem.path == "failure_modes[0].detection.customer_report.delay"
    assert problem.message == "give either median and p95, or mu and sigma, not both"


def test_file_problems():
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(FIXTURES / "no-such-scenario.yaml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(FIXTURES)


def test_problem_text_without_a_file_or_a_line():
    assert str(Problem("bad", path="team", line=3, column=1)) == "<scenario>:3:1: team: bad"
    assert str(Problem("bad", file="a.yaml")) == "a.yaml: bad"
    assert issubclass(ScenarioError, DrillsimError)


# ── Problems, from the command line ────────────────────────────────────────────────────────────────────────

runner = CliRunner()


@pytest.mark.parametrize("rule", RULES)
def test_validate_prints_the_problem_and_exits_2(rule):
    line, column, path, message = RULES[rule]
    file = INVALID / f"{rule}.yaml"
    result = runner.invoke(app, ["validate", str(file)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    first, *rest = result.stderr.splitlines()
    assert first.startswith(prefix(file, line, column, path) + message)
    assert rest == ["1 of 1 file invalid."]
    assert result.stdout == ""


def test_validate_lists_every_problem():
    file = INVALID / "many_problems.yaml"
    result = runner.invoke(app, ["validate", str(file)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == len(MANY) + 1
    for text, (line, column, path, message) in zip(lines, MANY, strict=False):
        assert text.startswith(prefix(file, line, column, path) + message)


def test_validate_reports_good_and_bad_files_together():
    bad = INVALID / "unknown_key.yaml"
    result = runner.invoke(app, ["validate", str(VALID), str(bad)])
    assert result.exit_code == 2
    assert result.stdout == f"{VALID}: ok (checkout: 1 failure mode)\n"
    assert result.stderr.splitlines()[-1] == "1 of 2 files invalid."


def test_validate_accepts_a_valid_file():
    result = runner.invoke(app, ["validate", str(VALID)])
    assert result.exit_code == 0
    assert result.stdout == f"{VALID}: ok (checkout: 1 failure mode)\n"


def test_run_on_a_broken_file_exits_2_without_running():
    file = INVALID / "many_problems.yaml"
    result = runner.invoke(app, ["run", str(file), "-n", "1"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert lines[-1] == f"{len(MANY)} problems found."
    assert lines[0].startswith(prefix(file, *MANY[0][:3]))
    assert "MTTR" not in result.stdout


def cli(*args):
    """The installed command in a process of its own, as people run it."""
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True, timeout=600)


def test_validate_in_a_real_process_prints_every_problem_and_no_traceback():
    files = sorted(INVALID.glob("*.yaml"))
    result = cli("validate", *map(str, files))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for rule, (line, column, path, message) in RULES.items():
        assert prefix(INVALID / f"{rule}.yaml", line, column, path) + message in result.stderr
    assert result.stderr.splitlines()[-1] == f"{len(files)} of {len(files)} files invalid."


@pytest.mark.parametrize("file", [INVALID / "yaml_syntax_error.yaml", INVALID / "zero_time_between_failures.yaml",
                                  FIXTURES / "no-such-scenario.yaml"])
def test_run_in_a_real_process_exits_2_without_a_traceback(file):
    result = subprocess.run([str(Path(sys.executable).parent / "drillsim"), "run", str(file), "-n", "1"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{file}:")
    assert result.stdout == ""
