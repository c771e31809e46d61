"""A team drill in a real browser: headless Chromium (the system's, driven by Playwright) joins a served drill
as Incident Commander, Ops lead and Comms lead, each in its own browser context, and plays it to its debrief;
the policy plays the Scribe and the Game Master. Screenshots of each seat mid-drill and of the debrief are
written to the test's folder, and to DRILLSIM_SCREENSHOTS when set (the documentation's figures)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from test_drill import HIDDEN, PROVIDER

from simulator.drill.answers import read_answers
from simulator.drill.outcome import scripted
from simulator.drill.play import setup
from simulator.drill.server import DrillServer, finisher
from simulator.drill.team import TeamDrill
from simulator.outputs.names import EVENTS
from simulator.outputs.read import read_events
from simulator.scenario import parse_scenario

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or sync_playwright is None,
    reason="a team drill is tried in a real browser only where Chromium and Playwright are installed: "
    "apt-get install chromium (`make test` does so where it can) and pip install -e '.[dev]'")


class Served:
    """A drill served by uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, team: TeamDrill, out: Path):
        import uvicorn

        self.written: list[Path] = []
        self.drill = DrillServer(team, finisher(out, self.written))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.drill.app, log_level="warning", lifespan="on",
                                                    timeout_graceful_shutdown=3))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        end = time.monotonic() + 30
        while not self.server.started and time.monotonic() < end:
            time.sleep(0.05)

    def links(self) -> dict[str, str]:
        return self.drill.links(self.base)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(60)


def shoot(page, name: str, folder: Path) -> None:
    page.screenshot(path=str(folder / name), full_page=False)
    extra = os.environ.get("DRILLSIM_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(extra) / name), full_page=False)


def act_where_asked(ops, ic) -> None:
    """The Ops lead's and the Incident Commander's decisions, as they come: the failover when offered."""
    for page, kind in ((ops, "mitigate"), (ops, "confirm"), (ops, "cleanup"), (ic, "items"), (ic, "roles")):
        button = page.query_selector(f".decision[data-kind={kind}] button")
        if button is not None:
            (page.query_selector(f".decision[data-kind={kind}] button[data-value=failover]") or button).click()


def test_a_team_drill_in_the_browser_plays_to_its_debrief_and_again_to_the_same_bytes(tmp_path):
    """Four people: the Incident Commander, the Ops lead, the Comms lead and the Scribe; the policy is the Game
    Master (no injects), so the Incident Commander runs the clock."""
    scenario = parse_scenario(PROVIDER)
    team = TeamDrill(setup(scenario, seed=5), speed=120, replications=60)
    out = tmp_path / "drill"
    served = Served(team, out)
    links = served.links()
    shots: set[str] = set()
    updated = noted = False
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            pages = {}
            for seat in ("ic", "ops", "comms", "scribe"):
                context = browser.new_context(viewport={"width": 1200, "height": 860})
                pages[seat] = context.new_page()
                pages[seat].goto(links[seat])
            ic, ops, comms, scribe = pages["ic"], pages["ops"], pages["comms"], pages["scribe"]
            ic.wait_for_selector("text=You are the Incident Commander")
            ops.wait_for_selector("text=You are the Ops lead")
            comms.wait_for_selector("text=You are the Comms lead")
            scribe.wait_for_selector("text=You are the Scribe")
            assert "card payments declined" in ic.text_content("#alerts")
            assert not any(word in ic.text_content("body").lower() for word in HIDDEN)
            # nobody holds the Game Master's seat: the Incident Commander runs the clock
            assert ops.query_selector("text=Start / resume the clock") is None
            ic.click("button:has-text('Start / resume the clock')")

            ic.wait_for_selector(".decision[data-kind=declare]")
            shoot(ic, "team-drill-ic.png", tmp_path)
            shots.add("ic")
            ic.click(".decision[data-kind=declare] button[data-value=SEV2]")
            ic.wait_for_selector(".decision[data-kind=roles]", timeout=120_000)
            ic.click(".decision[data-kind=roles] >> text=Hand out the roles")

            # the Ops lead's first mitigation: the rollback, which cannot help; then the failover
            ops.wait_for_selector(".decision[data-kind=mitigate] button[data-value=rollback]", timeout=120_000)
            shoot(ops, "team-drill-ops.png", tmp_path)
            shots.add("ops")
            ops.click(".decision[data-kind=mitigate] button[data-value=rollback]")
            ops.wait_for_selector(".decision[data-kind=mitigate] button[data-value=failover]", timeout=120_000)
            ops.reload()  # a seat whose page drops opens its link again and sees the drill as it stands
            ops.wait_for_selector(".decision[data-kind=mitigate] button[data-value=failover]", timeout=30_000)

            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not comms.query_selector("#debrief.ready"):
                if not noted:  # text is drawn as text: markup in a note stays words on every seat's screen
                    scribe.fill("textarea[aria-label=note]",
                                'Rollback first: <img src=x onerror="window.pwned=1"> it did not help')
                    shoot(scribe, "team-drill-scribe.png", tmp_path)
                    shots.add("scribe")
                    scribe.click("button:has-text('Add the note')")
                    scribe.wait_for_selector("#feed >> text=Scribe: note:", timeout=30_000)
                    noted = True
                form = comms.query_selector(".decision[data-kind=update]")
                updated = updated or "Comms lead: sent a stakeholder update" in (comms.text_content("#feed") or "")
                if form is not None and not updated:  # sent once the clock does not wait for another seat
                    if "comms" not in shots:
                        form.query_selector("input[aria-label=impact]").fill(
                            "Card payments fail for most customers <b>now</b>")
                        form.query_selector("input[aria-label='what is being done']").fill(
                            "Failing over to the standby provider")
                        shoot(comms, "team-drill-comms.png", tmp_path)
                        shots.add("comms")
                    form.query_selector("button").click()
                act_where_asked(ops, ic)
                time.sleep(0.3)
            assert '<img src=x onerror="window.pwned=1">' in ic.text_content("#feed")
            assert ic.evaluate("() => window.pwned === undefined")
            comms.wait_for_selector("#debrief.ready", timeout=300_000)
            frame = comms.frame_locator("#debrief-frame")
            frame.locator("h1 >> text=The team").wait_for(timeout=60_000)
            frame.locator("table").first.wait_for(state="visible", timeout=60_000)
            comms.locator("#debrief").scroll_into_view_if_needed()
            time.sleep(1)  # the frame's first paint
            shoot(comms, "team-drill-debrief.png", tmp_path)
            shots.add("debrief")
            assert ic.query_selector("#debrief.ready") is not None
            browser.close()
    finally:
        served.stop()
    assert shots == {"ic", "ops", "comms", "scribe", "debrief"} and updated
    names = sorted(path.name for path in served.written)
    assert names == sorted(["answers.txt", "debrief.md", EVENTS, "incidents.csv", "summary.json"])
    answers = read_answers(out / "answers.txt")
    assert answers.settings["team"] == "ic ops comms scribe"
    made = {(entry.seat, entry.verb) for entry in answers.entries if not entry.policy}
    assert {("ic", "declare"), ("ic", "roles"), ("ops", "mitigate"), ("comms", "update"), ("scribe", "note")} <= made
    assert not any(entry.seat in ("ops", "comms") and entry.policy for entry in answers.entries)
    debrief = (out / "debrief.md").read_text()
    assert "# The team" in debrief and "The Scribe's notes" in debrief and "Failing over to the standby" in debrief
    team = debrief.split("# Debrief")[0]  # each seat's decisions in words, as the terminal says them
    assert "| Ops lead | tries rollback; tries failover |" in team and "declared it at SEV2" in team
    assert "mitigate rollback" not in team and "roles comms=" not in team
    sent = [e for e in read_events(out) if e.action == "status_update"]
    assert sent[0].actor == "Comms lead" and sent[0].detail["done"] == "Failing over to the standby provider"
    # the team's answers file plays the drill again, without a browser, to the same log
    again, _ = scripted(setup(scenario, answers), answers, replications=60)
    assert [tuple(e) for e in again.log] == [tuple(e) for e in read_events(out)]


def test_the_game_master_injects_reveals_a_hint_and_ends_the_drill_early(tmp_path):
    """The Game Master's console runs the clock, injects a second failure and a customer's escalation, reveals
    a hint; ending the drill early writes its folder whole, the open incidents censored where it stopped."""
    scenario = parse_scenario(PROVIDER)
    team = TeamDrill(setup(scenario, seed=5), speed=60, replications=30)
    out = tmp_path / "drill"
    served = Served(team, out)
    links = served.links()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            gm = browser.new_context(viewport={"width": 1200, "height": 860}).new_page()
            ic = browser.new_context(viewport={"width": 1200, "height": 860}).new_page()
            gm.goto(links["gm"])
            ic.goto(links["ic"])
            gm.wait_for_selector("text=You are the Game Master")
            ic.wait_for_selector(".decision[data-kind=declare]")
            assert ic.query_selector("text=Start / resume the clock") is None  # the Game Master runs it
            assert "provider-outage" in gm.text_content("#behind")  # the Game Master alone knows the failure
            assert "provider-outage" not in ic.text_content("body")
            gm.click("button:has-text('Start / resume the clock')")
            ic.click(".decision[data-kind=declare] button[data-value=SEV2]")
            gm.wait_for_selector("text=Ana acknowledged", timeout=120_000)
            gm.click("button:has-text('A customer escalates')")
            gm.click("button:has-text('A second failure starts')")
            gm.wait_for_selector("#feed >> text=a second failure has started", timeout=30_000)
            gm.click("button:has-text('Reveal a hint')")
            ic.wait_for_selector("#feed >> text=Hint from the Game Master", timeout=30_000)
            gm.click("button:has-text('Pause')")
            gm.wait_for_selector("button:has-text('Start / resume the clock')")
            shoot(gm, "team-drill-gm.png", tmp_path)
            gm.click("button:has-text('End the drill and debrief')")
            gm.wait_for_selector("#debrief.ready", timeout=300_000)
            browser.close()
    finally:
        served.stop()
    answers = read_answers(out / "answers.txt")
    assert answers.settings["team"] == "ic gm"
    made = [(e.seat, e.verb, e.args) for e in answers.entries if e.seat == "gm"]
    assert made[:3] == [("gm", "inject", ("customer",)), ("gm", "inject", ("failure",)), ("gm", "hint", ())]
    assert made[-1][1] == "stop"
    assert (out / EVENTS).exists() and (out / "debrief.md").exists()
