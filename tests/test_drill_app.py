"""The trainee's terminal through Textual's pilot: a two-incident drill that switches incidents with Tab, declares
both, writes a stakeholder update and reaches a debrief that tells both; what the screen shows on the way (never
the future, one clock, the trainee as Incident Commander, the severities' definitions, the clock waiting for a
decision); and the screen at 80×24."""

from __future__ import annotations

import asyncio
import re

import pytest
from test_drill import PROVIDER
from typer.testing import CliRunner

from simulator.cli import app as cli
from simulator.drill import view
from simulator.drill.play import setup
from simulator.scenario import parse_scenario

DEFINED = PROVIDER.replace("policy:\n", "policy:\n  severities: {SEV2: {impact: card payments fail, scope: "
                                        "every customer who pays by card}}\n")


@pytest.fixture(scope="module")
def provider():
    return parse_scenario(DEFINED)


def shown(app, name: str) -> str:
    return str(app.query_one(f"#{name}").render())


def everything(app) -> str:
    return "\n".join(str(w.render()) for w in app.query("Static"))


def check_screen(app) -> None:
    """What must hold on every screen of a drill: the log never shows an event past the clock, the Incidents
    panel tells time as the log does, and the header says so while the clock waits for a decision."""
    session = app.session
    log = shown(app, "log")
    clock = view.clock_of(session)
    for event in session.log:
        if event[0] > session.now and event[4] in view.LOGGED:
            line = f"{clock.time(event[0])} INC-{event[2]:04d} {view.LOGGED[event[4]](event)}"
            assert line not in log, (line, session.now)
    incidents = shown(app, "incidents")
    for what, since in re.findall(r"(trying \S+|investigating) \(Ops lead, since (\d\d:\d\d)\)", incidents):
        assert since in log, (what, since, log)
    header = shown(app, "header")
    if session.blocked and not session.finished:
        assert "waiting for you" in header and "running" not in header


def test_a_two_incident_drill_through_the_keys(provider):
    """Inject a second failure, Tab to it (the app's binding wins over Textual's focus Tab), declare both, name
    the Comms lead, write an update, and end in a debrief that tells both incidents."""
    from simulator.drill.app import DrillApp, UpdateScreen

    async def run():
        app = DrillApp(setup(provider, seed=5), turns=True, turn=2.0, replications=30)
        async with app.run_test(size=(120, 40)) as pilot:

            async def press(*keys):
                await pilot.press(*keys)
                check_screen(app)

            async def turns_until(done, most=80):
                for _ in range(most):
                    if done():
                        return
                    await press("n")
                raise AssertionError(everything(app))

            await press("n", "d")
            prompt = shown(app, "prompt")
            assert "2  SEV2  card payments fail (every customer who pays by card)" in prompt
            assert "1  SEV1  the service is down, or data is at risk (most customers)" in prompt
            await press("2")
            assert "INC-0001: you declared it at SEV2" in shown(app, "prompt")
            await press("g", "2")                      # the Game Master: a second failure starts
            assert len(app.session.incidents) == 2
            await turns_until(lambda: app.session.blocked)
            prompt = shown(app, "prompt")
            assert "Who takes the Comms lead role?" in prompt and "1  Ben" in prompt
            assert "2  nobody: you send the updates yourself" in prompt
            await press("1")
            assert "INC-0001: Ben takes the Comms lead role" in shown(app, "prompt")
            assert "roles comms=" not in shown(app, "prompt")
            await turns_until(lambda: app.session.blocked)
            await press("1")                           # INC-0001: rollback
            assert "INC-0001: the Ops lead tries rollback" in shown(app, "prompt")
            await turns_until(lambda: any(e[4] == "detected" and e[2] == 2 for e in app.session.log
                                          if e[0] <= app.session.now) or app.session.blocked)
            while not any(e[4] == "detected" and e[2] == 2 for e in view.seen(app.session)):
                if app.session.blocked:
                    await press("2" if "failover" in shown(app, "prompt").split("2  ")[-1] else "1")
                else:
                    await press("n")
            assert "(Tab: INC-0002)" in shown(app, "prompt")
            await press("tab")
            assert app.focus_number == 2 and "Focus: INC-0002" in shown(app, "prompt")
            await press("d", "2")
            assert app.session.incident(2).declared < float("inf")
            assert "INC-0002: you declared it at SEV2" in shown(app, "prompt")
            log = shown(app, "log")
            assert "you declared the incident" in log and "Incident Commander role" not in log
            await turns_until(lambda: app.session.blocked)
            while app.session.blocked:                 # whatever waits: the first option each time
                await press("1")
            await press("tab", "tab")                  # round to INC-0002 again
            assert app.focus_number == 2
            await press("u")
            assert isinstance(app.screen, UpdateScreen), everything(app)
            await pilot.press(*[c if c != " " else "space" for c in "checkout down for card payers"], "tab")
            await pilot.press(*[c if c != " " else "space" for c in "failing over"], "tab", "1", "5", "m", "enter")
            await pilot.pause()
            assert not isinstance(app.screen, UpdateScreen)
            assert "INC-0002: you sent a stakeholder update (next in 15m)" in shown(app, "prompt")
            assert "(it promised the next by" in shown(app, "stakeholders")
            assert ("stakeholder update sent by you: impact: checkout down for card payers; doing: failing over; "
                    "next update in 15m") in shown(app, "log")
            for _ in range(200):
                if app.session.finished:
                    break
                await press("1" if app.session.blocked else "n")
            assert app.session.finished
            await pilot.press("q")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("ctrl+p")                # no palette to clash with itself on the debrief
            finished = app.finished_drill
            await pilot.press("q")
        return finished

    finished = asyncio.run(run())
    markdown = finished.markdown
    assert "# Debrief: INC-0001, provider-outage" in markdown and "\n# Debrief: INC-0002, " in markdown
    second = markdown.split("# Debrief: INC-0002")[1]
    assert "| sent | due | impact | what is being done | next update | judged |" in second
    assert "| checkout down for card payers | failing over | in 15m |" in second
    assert "says the impact" in second
    text = finished.outcome.answers.text()
    assert "update INC-2 | checkout down for card payers | failing over | 15m" in text
    assert "roles comms=Ben" in text and "declare SEV2 INC-2" in text
    sent = [e for e in finished.outcome.log if e.action == "status_update" and e.incident == 2]
    assert [(e.actor, e.detail["impact"], e.detail["next"]) for e in sent if "impact" in e.detail] == [
        ("Incident Commander", "checkout down for card payers", 15.0)]
    assert sent[0].detail["impact"] == "checkout down for card payers"  # the first of INC-0002's, the trainee's


def test_at_80_by_24_the_alert_stays_on_screen(provider):
    """The smallest usual terminal: the Alerts panel keeps its lines (the symptom is what the trainee acts on),
    and the declare menu, all five severities with their meaning, is not cut."""
    from simulator.drill.app import DrillApp

    async def run():
        app = DrillApp(setup(provider, seed=5), turns=True, turn=2.0, replications=30)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("n", "d")
            await pilot.pause()
            alerts = app.query_one("#alerts")
            assert alerts.region.height >= 4 and "card payments declined" in " ".join(shown(app, "alerts").split())
            prompt = app.query_one("#prompt")
            assert prompt.region.bottom <= 23 and "5  SEV5" in shown(app, "prompt")
            assert prompt.region.height >= shown(app, "prompt").count("\n") + 3
            assert app.query_one("#incidents").region.height >= 3
            await pilot.press("2")
            for _ in range(5):
                await pilot.press("n")
            assert "card payments declined" in " ".join(shown(app, "alerts").split())
            assert "INC-0001  SEV2 declared" in shown(app, "incidents")

    asyncio.run(run())


def test_a_misspelt_mode_gets_a_did_you_mean(tmp_path):
    (tmp_path / "p.yaml").write_text(PROVIDER)
    (tmp_path / "a.txt").write_text("seed 5\n+1m declare SEV2\n")
    result = CliRunner().invoke(cli, ["drill", str(tmp_path / "p.yaml"), "--mode", "provider-outgae", "--answers",
                                      str(tmp_path / "a.txt"), "-n", "5", "-q", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "did you mean 'provider-outage'?" in " ".join(result.output.replace("│", " ").split())


def test_a_severity_table_is_checked_with_its_line_and_field():
    from simulator.errors import ScenarioError

    bad = PROVIDER.replace("policy:\n", "policy:\n  severities: {SEV6: {impact: x, scope: y}, SEV2: {impact: "
                                        "card payments fail}}\n")
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(bad)
    message = str(raised.value)
    assert ":14:" in message and "policy.severities.SEV6: a severity is SEV1 (worst) to SEV5" in message
    assert "policy.severities.SEV2.scope: required field is missing" in message
    scenario = parse_scenario(DEFINED)
    assert scenario.policy.severity("SEV2").impact == "card payments fail"
    assert scenario.policy.severity("SEV4").impact == "a minor inconvenience"  # the default for levels not named
