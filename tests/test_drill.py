"""The trainer: a drill played by a person (or a script) over the same engine as the simulation."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest
import simpy
from typer.testing import CliRunner

from simulator import api
from simulator.cli import app as cli
from simulator.dice import ReplicationDice
from simulator.drill import view
from simulator.drill.answers import parse_answers
from simulator.drill.debrief import percentile, percentiles
from simulator.drill.hints import hint
from simulator.drill.outcome import scripted, simulated_mode
from simulator.drill.play import play, setup
from simulator.engine.policy import AutomaticPolicy
from simulator.engine.run import Engine, close, lifecycle
from simulator.engine.session import Session
from simulator.engine.world import World
from simulator.errors import DrillsimError, ScenarioError
from simulator.events import Event
from simulator.outputs.read import read_events
from simulator.scenario import parse_scenario
from simulator.scenario.bundled import default_scenario

# One failure mode whose times are all constant but its detection (uniform over 10 minutes), and whose first
# mitigation in the policy's order (a rollback) cannot help: the simulated time to restore is that uniform
# plus a constant, so where a drill's times fall in it is known exactly.
PROVIDER = """\
name: provider drill
horizon: 30d
replications: 300
seed: 11
start: 2026-03-02T09:00:00
team:
  responders: 1
  names: [Ana]
  acknowledge: 3m
  escalate_after: 10m
  secondary: {name: Ben, acknowledge: 4m}
  assemble: 5m
policy:
  declare_after: 5m
  mitigation: rollback-first
  confirm: 15m
  cleanup: 1h
  updates: {every: {SEV2: 20m}}
failure_modes:
  - name: provider-outage
    description: The card payment provider fails.
    cause: dependency
    rate: 1/w
    severity: SEV2
    symptoms: card payments declined; the checkout error rate is climbing
    clues:
      - {after: 6m, text: the provider's status page shows an incident}
      - {after: 12m, text: every failing call times out at the provider's gateway}
    detection:
      monitoring: {delay: {kind: uniform, low: 0s, high: 10m}}
    mitigations:
      rollback: {duration: 8m}
      failover: {duration: 12m}
      debug: {duration: 2h}
"""
HIDDEN = ("provider-outage", "dependency", "card payment provider fails")


@pytest.fixture(scope="module")
def provider():
    return parse_scenario(PROVIDER)


def but_roles(log: list) -> list:
    """A log without who took which role: a trainee's drill (the trainee commands, the Comms lead is named) and
    the policy's (the responder commands, an unnamed Comms lead joins) then match event for event."""
    return [(*e[:5], "-", None) if e[4] in ("role_assigned", "status_update") else e for e in log
            if not (e[4] == "stood_down" and (e[6] or {}).get("role") == "Comms lead")
            and not (e[4] == "role_assigned" and (e[6] or {}).get("role") == "Comms lead")]


def engine_log(scenario, seed, mode):
    """What Engine.play logs for the first failure of `mode` of a replication, played alone."""
    session = Session(scenario, seed, mode=mode, automatic=True)
    engine = Engine(scenario)
    incident = next(i for i in engine.incidents(ReplicationDice(seed, session.replication)) if i.mode.name == mode)
    incident.number = 1
    env, log = simpy.Environment(), []
    drill = World(env, engine.rules, AutomaticPolicy(scenario), 0, log)
    incident.process = env.process(lifecycle(env, drill, incident))
    env.run(until=scenario.horizon)
    return close(drill, [incident], scenario.horizon)


async def play_out(app, pilot, turns: int = 20) -> None:
    """n, turn after turn, until the drill ends (at most `turns` presses); it must have ended by then."""
    for _ in range(turns):
        if app.session.finished:
            break
        await pilot.press("n")
    assert app.session.finished


async def saved_debrief(app, pilot):
    """q from an ended drill to its debrief, the debrief's work done, then q to leave: the finished drill."""
    await pilot.press("q")
    await app.workers.wait_for_complete()
    await pilot.pause()
    finished = app.finished_drill
    await pilot.press("q")
    return finished


# ── The same engine ─────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("file", ["default.yaml", "follow-the-sun.yaml", "payment-outage.yaml"])
def test_a_drill_decided_by_the_policy_logs_what_the_engine_logs(file):
    scenario = api.load_scenario(default_scenario().with_name(file))
    for seed in range(6):
        for mode in [m.name for m in scenario.failure_modes]:
            session = Session(scenario, seed, mode=mode, automatic=True)
            session.advance(math.inf)
            assert session.finish() == engine_log(scenario, seed, mode), (file, seed, mode)


def test_a_script_of_the_policys_own_decisions_reproduces_its_timeline_exactly(provider):
    answers = parse_answers("seed 4\n+5m declare SEV2\nroles comms=yes\nmitigate rollback\nmitigate failover\n")
    played = play(setup(provider, answers), answers)
    # the same log, but that the declaration says a person made it, and that the person is the Incident
    # Commander: Ana, who acknowledges, is the Ops lead, and the Comms lead the trainee brings in is named (Ben,
    # the one free), where the policy's Ana commands and an unnamed Comms lead joins
    log = played.session.finish()
    declared = next(i for i, e in enumerate(log) if e[4] == "declared")
    assert log[declared][6] == {"by": "person"}
    log[declared] = (*log[declared][:6], None)
    policy = engine_log(provider, 4, "provider-outage")
    assert but_roles(log) == but_roles(policy)
    assert [e[3:] for e in log if e[4] in ("role_assigned", "roles_assembled", "status_update")
            or e[5] == "Ben"] == [
        ("response", "role_assigned", "Ana", {"role": "Ops lead"}),
        ("response", "role_assigned", "Ben", {"role": "Comms lead"}),
        ("response", "roles_assembled", "Ana", {"roles": "Ops lead, Comms lead, Scribe"}),
        ("response", "status_update", "Ben", {"due": log[12][0], "on_time": True}),
        ("resolution", "stood_down", "Ben", {"since": log[7][0], "role": "Comms lead"})]
    assert not played.unused


def test_the_same_answers_give_the_same_bytes(provider, tmp_path):
    text = ("seed 2\nat Wed 14:00\n+1m declare SEV1\n+2m escalate\nroles comms=no\ninvestigate\n"
            "mitigate failover\n+9m update\n+11m inject customer\n+12m 30s update\n")
    (tmp_path / "answers.txt").write_text(text)
    (tmp_path / "p.yaml").write_text(PROVIDER.replace("{SEV2: 20m}", "{SEV1: 15m, SEV2: 20m}"))
    runner = CliRunner()
    for out in ("one", "two"):
        result = runner.invoke(cli, ["drill", str(tmp_path / "p.yaml"), "--answers", str(tmp_path / "answers.txt"),
                                     "-n", "40", "-o", str(tmp_path / out), "-q"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    for name in ("summary.json", "incidents.csv", "events.parquet", "answers.txt", "debrief.md"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    again = runner.invoke(cli, ["drill", str(tmp_path / "p.yaml"), "--answers", str(tmp_path / "one" / "answers.txt"),
                                "-n", "40", "-o", str(tmp_path / "again"), "-q"])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again" / "events.parquet").read_bytes() == (tmp_path / "one" / "events.parquet").read_bytes()
    events = list(read_events(tmp_path / "one"))
    actions = [e.action for e in events if e.incident == 1]
    for decided in ("declared", "escalated", "investigation_started", "clue_found", "customer_escalated",
                    "status_update", "mitigated"):
        assert decided in actions
    assert next(e for e in events if e.action == "declared").detail == {"severity": "SEV1", "by": "person"}
    assert api.report(tmp_path / "one")[0].name == "report.html"


# ── The debrief ─────────────────────────────────────────────────────────────────────────────────────────


def test_percentiles_count_ties_half_and_unfinished_incidents_as_slower():
    values = np.array([1.0, 2.0, 2.0, 3.0, np.nan])
    assert percentile(2.0, values) == pytest.approx(100 * (1 + 1) / 5)
    assert percentile(0.5, values) == 0.0
    assert percentile(9.0, values) == pytest.approx(80.0)
    assert math.isnan(percentile(float("nan"), values))


def test_the_debrief_places_the_drill_where_the_uniform_detection_puts_it(provider):
    answers = parse_answers("seed 5\n+2m declare SEV2\nroles comms=yes\nmitigate failover\n")
    outcome, _ = scripted(setup(provider, answers), answers, replications=300)
    found = {p.metric: p for p in percentiles(outcome.log, outcome.policy, outcome.simulated)}
    detect = found["MTTD"].you
    assert found["MTTD"].you == found["MTTD"].policy
    # MTTD ~ U(0, 10m): its percentile is the uniform's CDF, within the sampling error of n simulated incidents
    n = found["MTTD"].count
    assert n > 1000
    assert abs(found["MTTD"].share_you - 10 * detect) < 4 * 100 * math.sqrt(0.25 / n) + 0.1
    # The policy restores at U + 5m declare + 3m ack + 5m assemble + 8m rollback + 12m failover; the trainee
    # declares 3m sooner and skips the rollback: 11m sooner, so their share is P(U < MTTD - 11m) = 0 when the
    # detection took under 11m (always here).
    assert found["TTR"].you == pytest.approx(found["TTR"].policy - 11)
    assert found["TTR"].share_you == 0.0
    assert abs(found["TTR"].share_policy - 10 * detect) < 4 * 100 * math.sqrt(0.25 / n) + 0.1
    table, _ = simulated_mode(setup(provider, answers), "provider-outage", 300)
    # ... but for the few incidents that queued behind another for the one responder
    assert np.mean(np.isclose(table.mitigated - table.detected, 33.0)) > 0.97


# ── Hidden information ──────────────────────────────────────────────────────────────────────────────────


def screen(session):
    lines = [view.header(session, ""), *view.alerts(session), *view.incidents(session), *view.people(session),
             *view.pages(session), *view.stakeholders(session), *view.log_lines(session), hint(session, 1)]
    for question in session.questions:
        if question.kind in ("roles", "mitigate"):
            options = session.offered(question) if question.kind == "mitigate" else list(question.facts["candidates"])
            lines += view.question_lines(session, question, options, "Comms lead")
    return "\n".join(lines).lower()


def test_nothing_on_screen_names_the_failure_before_it_is_diagnosed(provider):
    session = Session(provider, 3, mode="provider-outage")
    session.until_first_alert()
    seen_symptoms = False
    for step in range(400):
        text = screen(session)
        restored = session.incidents[0].restored is not None
        if not restored:
            assert not any(word in text for word in HIDDEN), text
        seen_symptoms |= "card payments declined" in text
        if session.finished:
            break
        if session.pending(1, "declare") and step > 3:
            session.declare(1, "SEV2")
        for question in list(session.questions):
            if question.kind == "roles":
                session.choose(question, {})
            elif question.kind == "mitigate":
                options = session.offered(question)
                session.choose(question, "investigate" if "investigate" in options else options[0])
        session.through(min(session.next_event(), session.now + 2))
    assert seen_symptoms and session.finished
    text = screen(session)
    assert "provider-outage" in text and "status page shows an incident" in text


def test_symptoms_and_clues_may_not_name_the_failure_mode():
    broken = PROVIDER.replace("card payments declined", "the provider-outage again, card payments declined")
    with pytest.raises(ScenarioError, match="must not name the failure mode"):
        parse_scenario(broken)


# ── Bad answers files ───────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("text", "message"), [
    ("seed 1\n+2m delcare SEV2\n", r"answers.txt:2: unknown decision 'delcare'.*did you mean 'declare'"),
    ("seed 1\n+5m declare SEV2\n+3m update\n", r"answers.txt:3: \+3m is in the past: line 2 was at \+5m"),
    ("seed 1\n+2m declare SEV2\nroles comms=yes\nmitigate drain\n",
     r"answers.txt:4: 'drain' is not offered for INC-0001 \(offered: rollback, failover, debug, investigate\)"),
    ("seed 1\n+2m declare SEV9\n", r"answers.txt:2: declare takes a severity"),
    ("seed 1\nmitigate rollback\n+1m declare SEV2\nseed 2\n", r"answers.txt:4: settings come before"),
    ("seed 1\n+2m declare SEV2\n", r"answers.txt: INC-0001 asks who takes the roles at \+"),
])
def test_bad_answers_get_their_file_and_line_and_exit_status_2(text, message, tmp_path):
    (tmp_path / "p.yaml").write_text(PROVIDER)
    (tmp_path / "answers.txt").write_text(text)
    result = CliRunner().invoke(cli, ["drill", str(tmp_path / "p.yaml"), "--answers", str(tmp_path / "answers.txt"),
                                      "-n", "5", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    import re

    assert re.search(message, result.output), result.output
    assert "Traceback" not in result.output


def test_every_problem_of_an_answers_file_is_listed_at_once():
    with pytest.raises(DrillsimError) as raised:
        parse_answers("seed 1\n+2m delcare SEV2\n+1m update\nroles ic\n+x declare SEV1\n", "a.txt")
    assert [line.split(":")[1] for line in str(raised.value).splitlines()[:-1]] == ["2", "4", "5"]
    assert str(raised.value).endswith("3 problems found.")


def test_without_a_terminal_the_drill_asks_for_an_answers_file(tmp_path):
    result = CliRunner().invoke(cli, ["drill", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--answers FILE" in result.output


# ── The terminal, driven by Textual's pilot ─────────────────────────────────────────────────────────────


def test_a_whole_drill_through_the_keys(provider, tmp_path):
    from simulator.drill.app import DrillApp
    from simulator.drill.outcome import write_drill

    drill = setup(provider, seed=5)

    async def run():
        app = DrillApp(drill, turns=True, turn=2.0, replications=300)
        async with app.run_test(size=(150, 50)) as pilot:
            texts = []

            def shown():
                return "\n".join(str(w.render()) for w in app.query("Static")).lower()

            await pilot.press("n")
            texts.append(shown())
            await pilot.press("d", "2")                    # declare, at SEV2
            for _ in range(30):
                if app.session.blocked:
                    break
                await pilot.press("n")
            texts.append(shown())
            assert "who takes the comms lead role" in texts[-1]
            await pilot.press("1")                         # a Comms lead joins
            texts.append(shown())
            assert "what next?" in texts[-1] and "1  rollback" in texts[-1]
            await pilot.press("1")                         # rollback: it cannot help a provider's outage
            for _ in range(30):
                if app.session.blocked:
                    break
                await pilot.press("n")
            texts.append(shown())
            assert "rollback did not restore service" in texts[-1]
            await pilot.press("1")                         # failover (the first option left)
            await play_out(app, pilot, 40)
            assert all(not any(word in text for word in HIDDEN) for text in texts)
            assert "diagnosed: provider-outage" in shown()
            return await saved_debrief(app, pilot)

    finished = asyncio.run(run())
    actions = [(e.action, (e.detail or {}).get("mitigation")) for e in finished.outcome.log if e.incident == 1]
    assert ("mitigation_failed", "rollback") in actions and ("mitigated", "failover") in actions
    assert actions.index(("declared", None)) < actions.index(("mitigation_started", "rollback"))
    assert actions[-3:][0][0] in ("resolved", "stood_down", "cleaned_up")
    found = {p.metric: p for p in percentiles(finished.outcome.log, finished.outcome.policy,
                                              finished.outcome.simulated)}
    assert f"| {found['MTTD'].share_you:.0f}% |" in finished.markdown
    assert found["TTR"].you == pytest.approx(found["TTR"].policy + (found["MTTA"].you - found["MTTA"].policy))
    written = write_drill(finished.outcome, tmp_path / "drill", finished.markdown)
    assert {p.name for p in written} >= {"summary.json", "events.parquet", "answers.txt", "debrief.md"}
    replay = parse_answers((tmp_path / "drill" / "answers.txt").read_text())
    assert [Event._make(e) for e in play(setup(provider, replay), replay).session.finish()] == finished.outcome.log


def test_the_trainer_survives_any_keys_and_any_size(provider):
    """The command palette at any moment (it once clashed with itself: DuplicateIds on the debrief), keys that
    would move the drill after it ended, Ctrl-C, and resizes down to 40×10: the drill still ends in its
    debrief and q still saves it."""
    from simulator.drill.app import DrillApp

    async def run():
        app = DrillApp(setup(provider, seed=5), turns=True, turn=2.0, replications=50)
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.press("ctrl+p", "n", "ctrl+p", "escape", "d", "2", "ctrl+c", "g", "ctrl+p")
            await pilot.resize_terminal(120, 40)
            await pilot.press("escape", "n", "h")
            await pilot.resize_terminal(40, 10)
            await pilot.press("q", "ctrl+p", "n", "d", "1", "ctrl+c")
            entries = list(app.entries)
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("ctrl+p", "n", "d", "2", "space", "ctrl+c", "tab")
            await pilot.resize_terminal(40, 10)
            await pilot.pause()
            await pilot.resize_terminal(200, 60)
            await pilot.pause()
            assert app.entries == entries  # nothing moved the drill once it had ended
            assert type(app.screen).__name__ == "DebriefScreen"
            assert any("save" in n.message for n in app._notifications)
            await pilot.press("q")
        return app.return_value

    finished = asyncio.run(run())
    assert finished is not None and "# Debrief" in finished.markdown


def test_every_drill_option_and_file_is_used_or_refused(provider, tmp_path):
    """--injects is read and played with --answers too; an injects file holding a decision, a turn that does
    not move the clock, and clock options beside an answers file are refused (exit 2), never left aside."""
    (tmp_path / "p.yaml").write_text(PROVIDER.replace("{SEV2: 20m}", "{SEV1: 15m, SEV2: 20m}"))
    (tmp_path / "answers.txt").write_text("seed 2\n+1m declare SEV1\nroles comms=no\ninvestigate\nmitigate failover\n")
    (tmp_path / "injects.txt").write_text("+3m inject customer\n")
    runner = CliRunner()
    base = ["drill", str(tmp_path / "p.yaml"), "-n", "20", "-q"]
    result = runner.invoke(cli, [*base, "--answers", str(tmp_path / "answers.txt"), "--injects",
                                 str(tmp_path / "injects.txt"), "-o", str(tmp_path / "with")])
    assert result.exit_code == 0, result.output
    assert "customer_escalated" in {e.action for e in read_events(tmp_path / "with")}
    assert "inject customer" in (tmp_path / "with" / "answers.txt").read_text()  # and it plays again so
    (tmp_path / "bad.txt").write_text("+3m inject customer\n+4m declare SEV2\n")
    for extra, message in ((["--answers", str(tmp_path / "answers.txt"), "--injects", str(tmp_path / "bad.txt")],
                            "bad.txt:2: declare is a decision of the trainee, not an inject"),
                           (["--injects", str(tmp_path / "bad.txt")], "bad.txt:2: declare is a decision"),
                           (["--turns", "--turn", "-5m"], "is negative"),
                           (["--turns", "--turn", "0s"], "above 0"),
                           (["--turn", "5m"], "give --turns too"),
                           (["--answers", str(tmp_path / "answers.txt"), "--turns"], "leave out --turns"),
                           (["--answers", str(tmp_path / "answers.txt"), "--speed", "20"], "leave out --speed")):
        result = runner.invoke(cli, [*base, *extra, "-o", str(tmp_path / "refused")])
        assert result.exit_code == 2, (extra, result.output)
        assert message in " ".join(result.output.replace("│", " ").split()), (extra, result.output)
        assert not (tmp_path / "refused").exists()


def test_a_written_update_is_the_trainees_and_plays_again_to_the_same_bytes(provider):
    """The trainee is the Incident Commander: an update they write is theirs (actor "Incident Commander"), with
    its words (impact, what is being done, the next update in minutes) in the event and the answers file."""
    text = ("seed 2\n+1m declare SEV2\nroles comms=no\nmitigate rollback\n"
            "+9m update | card payments fail for every customer | failing over to the backup provider | 15m\n"
            "mitigate failover\n")
    answers = parse_answers(text)
    assert answers.entries[3].args == ("card payments fail for every customer", "failing over to the backup "
                                       "provider", "15m")
    log = play(setup(provider, answers), answers).session.finish()
    sent = [e for e in log if e[4] == "status_update"]
    assert [(e[5], {k: v for k, v in e[6].items() if k != "due"}) for e in sent] == [
        ("Incident Commander", {"on_time": True, "impact": "card payments fail for every customer",
                                "done": "failing over to the backup provider", "next": 15.0})]
    assert [e[3:6] for e in log if e[4] == "role_assigned"] == [("response", "role_assigned", "Ana")]
    again = parse_answers(answers.text())
    assert [e.args for e in again.entries] == [e.args for e in answers.entries] and again.text() == answers.text()
    assert "+9m          update | card payments fail for every customer | failing over" in answers.text()
    for bad, message in (("+9m update | a # b | c | 15m", "three parts"), ("+9m update | a | b", "three parts"),
                         ("+9m update | a | b | soon", "next update 'soon'"), ("+9m update | a | b | 0s", "above 0")):
        with pytest.raises(DrillsimError, match=message):
            parse_answers(f"seed 2\n+1m declare SEV2\n{bad}\n")
