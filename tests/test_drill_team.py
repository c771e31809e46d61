"""Team drills: seats and their decisions over one drill session (simulator.drill.team), the answers file that
plays a team drill again, and the server's guards (tokens, a seat's permissions, limits, escaping) through
Starlette's TestClient."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from test_drill import PROVIDER

from simulator.drill import server as server_module
from simulator.drill.answers import parse_answers
from simulator.drill.play import play, setup
from simulator.drill.seat_view import decisions
from simulator.drill.server import MAX_MESSAGE, Bucket, DrillServer
from simulator.drill.team import Refused, TeamDrill
from simulator.errors import DrillsimError
from simulator.outputs.names import EVENTS
from simulator.scenario import parse_scenario


@pytest.fixture(scope="module")
def provider():
    return parse_scenario(PROVIDER)


def team_of(scenario, *seats, speed=120):
    team = TeamDrill(setup(scenario, seed=5), speed=speed)
    for seat in seats:
        team.join(seat)
    return team


def run(team, seconds=600):
    """The clock run for `seconds` of real time (in steps of 1 s), the team deciding nothing."""
    team.paused, team.started = False, True
    for _ in range(seconds):
        team.tick(1.0)
        if team.session.blocked or team.session.finished:
            break


# ── Seats over the session ──


def test_each_seat_decides_only_its_roles_decisions(provider):
    team = team_of(provider, "ic", "ops", "comms", "scribe")
    with pytest.raises(Refused, match="the Incident Commander decides that, not the Ops lead"):
        team.act("ops", {"do": "declare", "incident": 1, "severity": "SEV2"})
    with pytest.raises(Refused, match="the Comms lead decides that, not the Incident Commander"):
        team.act("ic", {"do": "update", "incident": 1, "impact": "x"})
    with pytest.raises(Refused, match="the Game Master runs the clock"):
        team.act("ops", {"do": "resume"})
    with pytest.raises(Refused, match="the Game Master decides that"):
        team.act("scribe", {"do": "inject", "what": "customer"})
    with pytest.raises(Refused, match="join the drill first"):
        team.act("gm", {"do": "hint"})
    team.act("ic", {"do": "resume"})  # nobody is the Game Master: the Incident Commander runs the clock
    team.join("gm")
    with pytest.raises(Refused, match="the Game Master runs the clock"):
        team.act("ic", {"do": "pause"})
    with pytest.raises(Refused, match="unknown action 'shell'"):
        team.act("gm", {"do": "shell"})


def test_the_policy_plays_the_empty_seats_and_the_answers_file_marks_whose_decision_each_was(provider):
    team = team_of(provider, "ic")
    run(team, 5)
    team.act("ic", {"do": "declare", "incident": 1, "severity": "SEV2"})
    run(team)
    assert [d["kind"] for d in decisions(team, "ic")] == ["roles"]
    team.act("ic", {"do": "answer", "kind": "roles", "incident": 1, "value": {"Comms lead": ""}})
    run(team, 3000)
    assert team.session.finished
    text = team.answers().text()
    assert "team ic\n" in text
    lines = [re.sub(r"^(\+\S+( \d+s)?)?\s*", "", line) for line in text.splitlines()]
    assert "ic: declare SEV2" in lines and "ic: roles comms=no" in lines
    assert "(ops): mitigate rollback" in lines and "(ops): mitigate failover" in lines
    assert any(line.startswith("(comms): update") for line in lines)  # the policy wrote the Comms lead's update
    again = parse_answers(text)
    played = play(setup(provider, again), again)
    assert played.session.finish() == team.session.finish()


def test_a_seats_decisions_are_checked_and_its_text_kept_as_text(provider):
    team = team_of(provider, "ic", "ops", "comms", "scribe")
    with pytest.raises(Refused, match="declare at a severity"):
        team.act("ic", {"do": "declare", "incident": 1, "severity": "SEV9"})
    with pytest.raises(Refused, match="an incident is a number"):
        team.act("ic", {"do": "declare", "incident": "1; rm", "severity": "SEV2"})
    with pytest.raises(DrillsimError, match="the drill has no incident 7"):
        team.act("ic", {"do": "escalate", "incident": 7})
    with pytest.raises(Refused, match="a note is at most 500 characters"):
        team.act("scribe", {"do": "note", "incident": 1, "text": "x" * 501})
    team.act("scribe", {"do": "note", "incident": 1, "text": "<script>alert(1)</script> # not a comment\n+5m"})
    entry = team.entries[-1]
    assert (entry.verb, entry.seat, entry.args) == ("note", "scribe", ("<script>alert(1)</script>", "＃", "not",
                                                                       "a", "comment", "+5m"))
    assert entry.text().endswith("scribe: note INC-1 <script>alert(1)</script> ＃ not a comment +5m")
    read = parse_answers(f"seed 5\n{entry.text()}\n").entries[0]
    assert (read.args, read.seat, read.incident) == (entry.args, "scribe", 1)
    team.act("ic", {"do": "declare", "incident": 1, "severity": "SEV2"})
    run(team)
    with pytest.raises(Refused, match="INC-0001 asks no such question now"):
        team.act("ops", {"do": "answer", "kind": "mitigate", "incident": 1, "value": "rollback"})
    with pytest.raises(Refused, match="cannot take the Comms lead role"):
        team.act("ic", {"do": "answer", "kind": "roles", "incident": 1, "value": {"Comms lead": "Mallory"}})


def test_the_ops_seat_can_debug_a_reopened_incident_after_trying_everything():
    """learning-loop's bad release of seed 8 (test_drill_practice.EVERY_MITIGATION_TRIED) at a team: after the
    reopening the Ops lead's seat is offered debugging live again, not an empty list, and the drill ends."""
    from simulator import api
    from simulator.scenario.bundled import default_scenario

    scenario = api.load_scenario(default_scenario().with_name("learning-loop.yaml"))
    team = TeamDrill(setup(scenario, seed=8), speed=120)
    team.join("ic")
    team.join("ops")
    team.act("ic", {"do": "declare", "incident": 1, "severity": "SEV2"})
    offers = []
    for seat, kind, value in [("ic", "roles", {}), ("ops", "mitigate", "rollback"), ("ops", "mitigate", "debug"),
                              ("ops", "confirm", "anecdote"), ("ops", "cleanup", "now"), ("ops", "mitigate", "debug"),
                              ("ops", "confirm", "data"), ("ic", "items", 1)]:
        run(team, 3000)
        waiting = decisions(team, seat)
        assert [d["kind"] for d in waiting] == [kind]
        if kind == "mitigate":
            offers.append([option["value"] for option in waiting[0]["options"]])
        team.act(seat, {"do": "answer", "kind": kind, "incident": 1, "value": value})
    assert offers == [["rollback", "debug"], ["debug"], ["debug"]]
    run(team, 3000)
    assert team.session.finished
    assert [e[4] for e in team.session.log].count("reopened") == 1


def test_the_team_debrief_puts_each_seats_decisions_in_the_trainers_words(provider):
    """The debrief's team table and the team's feed say a decision as the terminal echoes it (view.said), never
    as the answers file's raw line ("declare SEV2", "roles comms=no", "mitigate rollback")."""
    from simulator.drill.seats import team_blocks
    from simulator.report.document import Table

    team = team_of(provider, "ic", "ops", "comms", "scribe")
    run(team, 5)
    team.act("ic", {"do": "declare", "incident": 1, "severity": "SEV2"})
    team.act("scribe", {"do": "note", "incident": 1, "text": "rollback first"})
    run(team)
    team.act("ic", {"do": "answer", "kind": "roles", "incident": 1, "value": {}})
    run(team)
    team.act("ops", {"do": "answer", "kind": "mitigate", "incident": 1, "value": "rollback"})
    team.act("comms", {"do": "update", "incident": 1, "impact": "cards fail", "done": "rolling back", "next": 30})
    run(team)
    team.act("ops", {"do": "answer", "kind": "mitigate", "incident": 1, "value": "failover"})
    run(team, 3000)
    assert team.session.finished
    answers, log = team.answers(), team.session.finish()
    policy = play(setup(provider, answers), answers, automatic=True).session.finish()
    origin = next(e[0] for e in log if e[4] == "detected")
    table = next(b for b in team_blocks(answers, log, policy, origin) if isinstance(b, Table))
    assert table.header[:2] == ("seat", "decided")
    assert [(row[0].text, row[1].text) for row in table.rows] == [
        ("Incident Commander", "+10m declared it at SEV2; nobody else takes a role: the Comms lead's seat writes "
                               "the updates"),
        ("Ops lead", "tries rollback; tries failover"),
        ("Comms lead", "+18m sent a stakeholder update (next in 30m): “cards fail”, “rolling back”"),
        ("Scribe", "+10m a note"),
        ("Game Master (policy)", "nothing")]
    feed = [line.text for line in team.feed]
    assert feed == [
        "Incident Commander: declared it at SEV2 (INC-0001)", "Scribe: note: rollback first (INC-0001)",
        "Incident Commander: nobody else takes a role: the Comms lead's seat writes the updates (INC-0001)",
        "Ops lead: tries rollback (INC-0001)", "Comms lead: sent a stakeholder update (next in 30m) (INC-0001)",
        "Ops lead: tries failover (INC-0001)"]


def test_a_written_update_goes_into_the_log_with_its_words(provider):
    team = team_of(provider, "ic", "ops", "comms")
    team.act("ic", {"do": "declare", "incident": 1, "severity": "SEV2"})
    run(team)
    team.act("ic", {"do": "answer", "kind": "roles", "incident": 1, "value": {}})
    run(team)
    assert [d["kind"] for d in decisions(team, "comms")] == ["update"]
    with pytest.raises(Refused, match=r"cannot hold '\|', '#'"):
        team.act("comms", {"do": "update", "incident": 1, "impact": "a | b", "done": "x", "next": 30})
    with pytest.raises(Refused, match="the next update comes in 1 to 1440 minutes"):
        team.act("comms", {"do": "update", "incident": 1, "impact": "a", "done": "x", "next": 0})
    with pytest.raises(Refused, match="something came up first"):  # the clock waits for the Ops lead
        team.act("comms", {"do": "update", "incident": 1, "impact": "cards fail", "done": "failing over", "next": 30})
    team.act("ops", {"do": "answer", "kind": "mitigate", "incident": 1, "value": "failover"})
    team.act("comms", {"do": "update", "incident": 1, "impact": "cards fail", "done": "failing over", "next": 90})
    assert team.entries[-1].text().endswith("comms: update | cards fail | failing over | 1h 30m")
    team.session.through(team.session.now)  # the update is logged as its process resumes
    sent = [e for e in team.session.log if e[4] == "status_update"]
    assert sent[-1][5] == "Comms lead" and sent[-1][6]["impact"] == "cards fail" and sent[-1][6]["next"] == 90


def test_answers_files_read_seats_and_refuse_what_is_not_one():
    answers = parse_answers("seed 5\nteam comms ic\n+1m ic: declare SEV2\n(ops): mitigate rollback\n"
                            "+2m scribe: note INC-2 the rollback #2 is discussed\n")
    assert answers.settings["team"] == "ic comms"
    assert [(e.seat, e.policy, e.verb, e.incident) for e in answers.entries] == [
        ("ic", False, "declare", 1), ("ops", True, "mitigate", 1), ("scribe", False, "note", 2)]
    with pytest.raises(DrillsimError) as found:
        parse_answers("team ic cook\n+1m ic:\n+2m (ops: declare SEV2\n+3m ic: seed 4\n+4m scribe: note hello\n")
    message = str(found.value)
    assert "answers:1: team lists the seats people took" in message
    assert "answers:2: ic: what did the seat decide?" in message
    assert "answers:3:" in message
    assert "answers:4: seed is a setting of the drill, not a seat's decision" in message
    assert "answers:5: note takes its incident then its text" in message


# ── The server ──


@pytest.fixture
def served(provider):
    team = team_of(provider)
    drill = DrillServer(team, lambda t: "<p>debrief</p>", clock=False)
    with TestClient(drill.app, base_url="http://127.0.0.1") as client:
        yield drill, client


def reply(ws) -> dict:
    """The next message that is not the drill's state (which the server pushes whenever the drill changes)."""
    while (message := ws.receive_json())["type"] == "state":
        pass
    return message


def token_of(drill: DrillServer, seat: str) -> str:
    return next(token for token, s in drill.tokens.items() if s == seat)


def test_a_link_lets_its_holder_act_only_as_its_seat(served):
    drill, client = served
    assert len(set(drill.tokens)) == 5 and all(len(token) >= 32 for token in drill.tokens)
    assert client.get(f"/seat/{token_of(drill, 'ops')}").status_code == 200
    assert client.get("/seat/guess").status_code == 404
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("ws://127.0.0.1/ws/guess") as ws:
        ws.receive_json()
    assert closed.value.code == 4403
    with client.websocket_connect(f"ws://127.0.0.1/ws/{token_of(drill, 'ops')}") as ws:
        state = ws.receive_json()
        assert state["seat"] == "ops" and "behind" not in state  # only the Game Master sees the failure mode
        assert not any("provider-outage" in line for lines in state["panels"].values() for line in lines)
        ws.send_text(json.dumps({"do": "declare", "incident": 1, "severity": "SEV2"}))
        assert reply(ws) == {"type": "error", "text": "the Incident Commander decides that, not the Ops lead"}
    with client.websocket_connect(f"ws://127.0.0.1/ws/{token_of(drill, 'gm')}") as ws:
        assert "provider-outage" in ws.receive_json()["behind"]["modes"][0]


def test_a_seat_that_drops_rejoins_and_sees_the_drill_as_it_stands(served):
    drill, client = served
    ic = token_of(drill, "ic")
    with client.websocket_connect(f"ws://127.0.0.1/ws/{ic}") as ws:
        ws.receive_json()
        ws.send_text(json.dumps({"do": "declare", "incident": 1, "severity": "SEV2"}))
        assert any("Incident Commander: declared it at SEV2" in line for line in ws.receive_json()["feed"])
    with client.websocket_connect(f"ws://127.0.0.1/ws/{ic}") as ws:
        state = ws.receive_json()
        assert any("Incident Commander: declared it at SEV2" in line for line in state["feed"])
        assert state["decisions"] == [] and state["seat"] == "ic"  # declared: nothing waits for the IC
    assert drill.team.joined == {"ic"}


def test_messages_are_size_and_rate_limited_and_must_be_the_drills(served):
    drill, client = served
    with client.websocket_connect(f"ws://127.0.0.1/ws/{token_of(drill, 'scribe')}") as ws:
        ws.receive_json()
        ws.send_text("x" * (MAX_MESSAGE + 1))
        assert reply(ws)["text"] == f"message too long (at most {MAX_MESSAGE} bytes)"
        for bad in ("not json", "[1, 2]", "{}"):
            ws.send_text(bad)
            assert reply(ws)["type"] == "error"
    bucket = Bucket(at=0.0)
    assert sum(bucket.take(0.0) for _ in range(100)) == server_module.BURST
    assert bucket.take(1.0 / server_module.RATE) and not bucket.take(1.0 / server_module.RATE)


def test_pages_reach_nothing_but_the_drill_and_draw_text_as_text(served):
    drill, client = served
    page = client.get(f"/seat/{token_of(drill, 'ic')}")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "script-src 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script src=\"/static/seat.js\"" in page.text and "onclick" not in page.text
    script = client.get("/static/seat.js").text
    assert "innerHTML" not in script and "textContent" in script
    for path in ("/static/../server.py", "/static/seat.html", "/", "/debrief/guess", "/ws"):
        assert client.get(path).status_code == 404
    assert client.get(f"/seat/{token_of(drill, 'ic')}", headers={"host": "evil.example"}).status_code == 400
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(
            f"ws://127.0.0.1/ws/{token_of(drill, 'ic')}", headers={"origin": "http://evil.example"}) as ws:
        ws.receive_json()  # a page of another site may not open a seat's socket
    assert closed.value.code == 4403 and drill.team.joined == set()


def test_the_game_master_ends_the_drill_and_every_seat_gets_the_debrief(served):
    drill, client = served
    with client.websocket_connect(f"ws://127.0.0.1/ws/{token_of(drill, 'gm')}") as gm:
        gm.receive_json()
        gm.send_text(json.dumps({"do": "end"}))
        state = gm.receive_json()
        while state.get("debrief") is None:
            state = gm.receive_json()
    assert state["ending"] and state["debrief"] == f"/debrief/{token_of(drill, 'gm')}"
    page = client.get(state["debrief"])
    assert page.text == "<p>debrief</p>" and "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert [(e.verb, e.seat) for e in drill.team.entries] == [("stop", "gm")]


# ── The command ──


def test_serve_options_are_used_or_refused(tmp_path):
    from typer.testing import CliRunner

    from simulator.cli import app as cli

    (tmp_path / "p.yaml").write_text(PROVIDER)
    runner = CliRunner()
    for args, said in ((["--host", "0.0.0.0"], "give --serve too"), (["--port", "9000"], "give --serve too"),
                       (["--serve", "--turns"], "leave out --turns"),
                       (["--serve", "--answers", str(tmp_path / "a.txt")], "leave out --answers")):
        result = runner.invoke(cli, ["drill", str(tmp_path / "p.yaml"), *args])
        assert result.exit_code == 2 and said in result.output, (args, result.output)


def test_ctrl_c_stops_the_server_and_writes_the_drill_whole(tmp_path):
    """The command in a process of its own: it prints the five links, serves the first seat's page, and on
    SIGINT (Ctrl-C) ends the drill where it stands and writes its folder whole."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    (tmp_path / "p.yaml").write_text(PROVIDER)
    out = tmp_path / "drill"
    command = [sys.executable, "-m", "simulator", "drill", "p.yaml", "--seed", "5", "--serve", "--port", "0",
               "-n", "20", "--out", str(out)]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(6)]
        links = [line.split()[-1] for line in lines[1:6]]
        assert [line.split(":")[0].strip() for line in lines[1:6]] == ["Incident Commander", "Ops lead",
                                                                      "Comms lead", "Scribe", "Game Master"]
        assert all(link.startswith("http://127.0.0.1:") for link in links)
        for _ in range(100):  # the server listens once the links are printed; give uvicorn its first moment
            try:
                with urllib.request.urlopen(links[0]) as page:
                    assert b"/static/seat.js" in page.read()
                break
            except OSError:
                time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert written == ["answers.txt", "debrief.md", EVENTS, "incidents.csv", "summary.json"]
    answers = parse_answers((out / "answers.txt").read_text())
    assert [(e.verb, e.seat, e.policy) for e in answers.entries] == [("stop", "gm", True)]
    assert f"to {out}/" in stdout.splitlines()[-1] and "Wrote " in stdout.splitlines()[-1]


def test_whatever_a_page_sends_is_done_or_refused_never_a_crash(provider):
    """Messages of any shape, from any seat, in any order: each is done, or refused with a DrillsimError (said to
    the seat); the drill goes on and its answers file still plays it again to the same log."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    values = st.recursive(st.none() | st.booleans() | st.integers(-3, 3000) | st.sampled_from(
        ["SEV2", "rollback", "failover", "investigate", "data", "now", "away", "failure", "customer", "Ben",
         "Comms lead", "x" * 600, "<b>|#</b>", ""]), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["Comms lead", "Incident Commander", "x"]), inner, max_size=2), max_leaves=4)
    message = st.fixed_dictionaries({"do": st.sampled_from(
        ["declare", "alone", "escalate", "mobilise", "answer", "update", "note", "inject", "hint", "pause", "resume",
         "speed", "nothing"])}, optional={key: values for key in ("incident", "severity", "kind", "value", "text",
                                                                  "impact", "done", "next", "what", "who", "mode")})

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(["ic", "ops", "comms", "scribe", "gm"]), message), max_size=25))
    def plays(steps):
        team = team_of(provider, "ic", "ops", "comms", "scribe", "gm")
        team.paused, team.started = False, True
        for seat, sent in steps:
            with contextlib.suppress(DrillsimError):
                team.act(seat, sent)
            team.tick(2.0)
        team.stop()
        again = parse_answers(team.answers().text())
        assert play(setup(provider, again), again).session.finish() == team.session.finish()

    plays()
