"""The maturity ladder: presets that fit any scenario, the file's own fields winning inside a scenario, the
ladder's paired runs reproducible byte for byte, and its differences consistent with its levels."""

from __future__ import annotations

import dataclasses
import json

import pytest
from typer.testing import CliRunner

from simulator import api
from simulator.analysis.maturity import ladder, ladder_scenarios, you_are_here
from simulator.cli import app
from simulator.scenario import parse_scenario
from simulator.scenario.bundled import bundled_scenarios, default_scenario
from simulator.scenario.maturity import LEVELS, SETTINGS, fill_in, preset
from simulator.scenario.variants import load_source

runner = CliRunner()


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.name)
def test_every_level_fits_every_bundled_scenario(path):
    levels = ladder_scenarios(load_source(path))
    assert list(levels) == list(LEVELS)
    for level, scenario in levels.items():
        assert scenario.maturity == level
        assert scenario.practices.declaration.alone_first == preset(level)["practices.declaration.alone_first"]


def test_a_scenarios_own_fields_win_over_its_maturity_preset():
    text = default_scenario().read_text(encoding="utf-8")
    written = parse_scenario(text.replace("horizon: 90d", "maturity: baseline\nhorizon: 90d")
                             + "\npractices: {declaration: {alone_first: 0.25, automated: {success: 0.5}}}\n")
    assert written.practices.alerts == "email"  # from the preset
    assert written.practices.declaration.alone_first == 0.25  # the file's own
    assert written.policy.mitigation == "rollback-first"  # the file's own policy, not the preset's debug-first
    assert written.practices.declaration.automated.success == 0.5


def test_fill_in_merges_a_mapping_key_by_key():
    data = {"practices": {"declaration": {"automated": {"success": 0.5}}}}
    merged = fill_in(data, "advanced")
    assert merged["practices"]["declaration"]["automated"] == {"duration": "1m", "success": 0.5}
    assert data == {"practices": {"declaration": {"automated": {"success": 0.5}}}}  # not changed in place


def test_every_preset_field_has_a_value_at_each_level_and_a_source():
    for setting in SETTINGS:
        assert len(setting.values) == len(LEVELS)
        assert setting.source and setting.stands_for


@pytest.fixture(scope="module")
def small():
    return ladder(replications=6, seed=4, workers=1)


def test_the_ladder_is_the_same_byte_for_byte_for_the_same_seed(small, tmp_path):
    reported: list[int] = []
    again = ladder(replications=6, seed=4, workers=2, chunk=1, progress=reported.append)
    assert reported == sorted(reported) and reported[-1] == 4 * 6  # progress over the four levels, in one count
    first, second = tmp_path / "a", tmp_path / "b"
    api.write_maturity(small, first)
    api.write_maturity(again, second)
    for name in ("maturity.json", "maturity.csv", "maturity.png"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


SLOW_REPAIRS = """
name: slow repairs
horizon: 1d
seed: 3
team: {responders: 60, secondary: null, acknowledge: 1m, assemble: 1m}
failure_modes:
  - name: slow
    cause: infrastructure
    rate: 20/d
    severity: SEV2
    detection: {monitoring: {delay: 1m}}
    mitigations:
      debug: {duration: {kind: lognormal, median: 2h, p95: 1d}}
"""


def test_every_level_lies_within_its_own_interval_and_counts_what_was_cut_short(tmp_path):
    """A level's interval is of the figure it shows. Repairs of median 2h and p95 1d in a 1-day horizon: a
    quarter of the incidents are cut short. The ladder's time means count them (Kaplan–Meier restricted means,
    τ common to the levels), and the command says so."""
    path = tmp_path / "slow.yaml"
    path.write_text(SLOW_REPAIRS, encoding="utf-8")
    found = ladder(path, replications=40, seed=4, workers=1)
    for level, figures in found.levels.items():
        for name, figure in figures.items():
            assert figure.low <= figure.value <= figure.high, (level, name, figure)
        table = found.results[level].incidents
        for name, (cut, total) in found.censored[level].items():
            assert total == len(table.onset) - int(table.drill.sum()) and 0 <= cut < total, (level, name)
    assert found.censored["baseline"]["mttr"][0] > 0.05 * found.censored["baseline"]["mttr"][1]
    assert found.as_document()["censored"]["baseline"]["mttr"]["incidents"] == found.censored["baseline"]["mttr"][1]
    result = CliRunner().invoke(app, ["maturity", str(path), "-n", "40", "--seed", "4", "--workers", "1",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "at Baseline" in result.output and "Kaplan–Meier" in result.output


def test_the_levels_meet_the_same_failures(small):
    """Common random numbers: every level's runs draw the same candidate onsets; the levels whose practices
    leave the rates alone have the same organic onsets."""
    baseline = small.results["baseline"].incidents
    assert len(baseline) > 20
    for level in LEVELS:
        onsets = small.results[level].incidents.onset
        assert set(onsets.round(6)) & set(baseline.onset.round(6))


def test_each_step_is_the_difference_of_its_levels(small):
    for step in small.steps:
        expected = small.levels[step.higher][step.figure].value - small.levels[step.lower][step.figure].value
        assert step.difference == pytest.approx(expected)
        assert step.low <= step.high


def test_maturity_explain_prints_every_field_and_runs_nothing(tmp_path):
    result = runner.invoke(app, ["maturity", "--explain", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    for setting in SETTINGS:
        assert setting.path in result.stdout
    assert "policy.mitigation: rollback-first" in result.stdout  # the default scenario's own, replaced
    assert not (tmp_path / "m").exists()


def test_maturity_writes_its_table_and_figure(tmp_path):
    result = runner.invoke(app, ["maturity", "-n", "4", "-w", "1", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    for level in ("Baseline", "Intermediate", "Advanced", "Expert"):
        assert level in result.stdout
    document = json.loads((tmp_path / "m" / "maturity.json").read_text(encoding="utf-8"))
    assert list(document["levels"]) == list(LEVELS)
    assert {step["figure"] for step in document["steps"]} == {"mttd", "mtta", "mttr", "availability", "incidents",
                                                              "meets_slo", "users_affected", "cost"}
    # The default scenario prices its incidents: each step's cost, and each level's distribution per period.
    assert set(document["cost_distributions"]["expert"]["cost"]) == {"mean", "ci_low", "ci_high", "median", "p90",
                                                                      "p99"}
    said = " ".join(result.stdout.split())
    assert "cost of downtime per 90 days: mean GBP " in said and "(SLO" in said  # the header may wrap
    assert "Advanced ◀ nearest" in said and "You are here: nearest Advanced (" in said
    assert document["you_are_here"]["level"] == "advanced" and not document["you_are_here"]["exact"]
    assert (tmp_path / "m" / "maturity.png").read_bytes()[:4] == b"\x89PNG"


def test_maturity_refuses_a_bad_scenario_with_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfailure_modes: []\n", encoding="utf-8")
    result = runner.invoke(app, ["maturity", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "failure_modes" in result.output


def test_you_are_here_is_the_level_the_scenarios_practices_match_or_the_nearest():
    ticketing = load_source(default_scenario().parent / "maturity-ladder.yaml")  # `maturity: intermediate`
    here = you_are_here(ticketing)
    assert (here.level, here.exact, here.matches, here.fields) == ("intermediate", True, len(SETTINGS), len(SETTINGS))
    assert here.text() == f"You are here: Intermediate (the scenario's practices match its preset in all " \
                          f"{len(SETTINGS)} fields)."
    for level, scenario in ladder_scenarios(ticketing).items():  # each level's own scenario stands at that level
        assert you_are_here(dataclasses.replace(ticketing, scenario=scenario)).level == level
    near = you_are_here(load_source(default_scenario()))
    assert not near.exact and near.matches == len(SETTINGS) - len(near.differs)
    assert "practices.declaration.automated" in near.differs


def test_the_ladder_figure_marks_where_the_team_stands_the_slo_and_its_axes(small):
    from matplotlib.patches import Polygon, Rectangle

    from simulator.report.maturity_figures import ladder_figure

    figure = ladder_figure(small)
    panels = {ax.get_title(loc="left").split("\n")[0]: ax for ax in figure.axes if ax.get_visible()}
    assert "Cost of downtime per 90 days (GBP)" in panels and "Users affected per 90 days (shoppers)" in panels
    for title, ax in panels.items():
        shaded = [p for p in ax.patches if isinstance(p, Polygon | Rectangle)]
        assert shaded and any("you are here" in t.get_text() for t in ax.texts), title
        if title != "Availability":
            assert ax.get_ylim()[0] == 0.0, title
    availability = panels["Availability"]
    assert "not zero" in availability.get_title(loc="left")
    assert any(t.get_text() == "SLO 99.9%" for t in availability.texts)
    assert [line.get_ydata()[0] for line in availability.get_lines() if line.get_linestyle() == "--"] == [0.999]
    cost = panels["Cost of downtime per 90 days (GBP)"]
    figure.canvas.draw()
    assert any(t.get_text().startswith("GBP ") and "," in t.get_text() for t in cost.get_yticklabels())


def test_a_steps_verdict_weighs_min_effect_as_compare_does(tmp_path):
    """From Intermediate to Advanced the bundled scenario has 0.40 fewer incidents a quarter (interval 0.10 to
    0.70): clearly fewer, but less than 5% of 14.8, so no difference that matters; with --min-effect 0, better.
    MTTD's +1s (interval -8s to +14s) from Baseline lies within ±5% of 12m 40s."""
    def verdicts(min_effect):
        found = ladder(replications=20, min_effect=min_effect)
        return found, {(s.figure, s.lower): s.verdict for s in found.steps}

    found, judged = verdicts("5%")
    step = found.step("incidents", "intermediate")
    assert (round(step.difference, 2), round(step.low, 2), round(step.high, 2)) == (-0.40, -0.70, -0.10)
    assert round(step.min_effect, 3) == round(0.05 * found.levels["intermediate"]["incidents"].value, 3)
    assert judged[("incidents", "intermediate")] == "no difference that matters"
    assert judged[("mttd", "baseline")] == "no difference that matters"
    assert judged[("mttr", "baseline")] == "better"
    _, any_difference = verdicts("0")
    assert any_difference[("incidents", "intermediate")] == "better"
    assert any_difference[("mttd", "baseline")] == "no detectable difference"
    written = api.write_maturity(found, tmp_path / "out")
    document = json.loads((tmp_path / "out" / "maturity.json").read_text(encoding="utf-8"))
    assert document["min_effect"] == "5%" and written
    assert {(s["figure"], s["from"]): s["verdict"] for s in document["steps"]} == judged
    assert all(s["min_effect"] >= 0 for s in document["steps"])


def test_a_duration_min_effect_applies_to_the_time_figures_and_the_default_share_to_the_rest():
    from simulator.analysis.maturity import step_threshold
    from simulator.analysis.paired import parse_min_effect

    five_minutes, tenth = parse_min_effect("5m"), parse_min_effect("10%")
    assert step_threshold(five_minutes, "mttr", 120.0) == 5.0
    assert step_threshold(tenth, "mttr", 120.0) == 12.0
    assert step_threshold(five_minutes, "cost", 1000.0) == 50.0  # the default 5%: minutes cannot apply to money
    assert step_threshold(tenth, "cost", 1000.0) == 100.0
    assert round(step_threshold(tenth, "availability", 0.998), 6) == 0.0002  # a tenth of the downtime
