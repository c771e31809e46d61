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


def test_a_team_drill_in_the_browser_plays_to_its_debrief_and_again_to_the_same_bytes(tmp_path):
    scenario = parse_scenario(PROVIDER)
    drill = setup(scenario, seed=5)
    team = TeamDrill(drill, speed=120, replications=60)
    out = tmp_path / "drill"
    served = Served(team, out)
    links = served.links()
    shots: set[str] = set()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            pages = {}
            for seat in ("ic", "ops", "comms"):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                pages[seat] = context.new_page()
                pages[seat].goto(links[seat])
            ic, ops, comms = pages["ic"], pages["ops"], pages["comms"]
            ic.wait_for_selector("text=You are the Incident Commander")
            ops.wait_for_selector("text=You are the Ops lead")
            comms.wait_for_selector("text=You are the Comms lead")
            alert = ic.text_content("#alerts")
            assert "card payments declined" in alert
            assert not any(word in ic.text_content("body").lower() for word in HIDDEN)
            # nobody holds the Game Master's seat: the Incident Commander runs the clock
            assert ops.query_selector("text=Start / resume the clock") is None
            ic.click("text=Start / resume the clock")

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
            # the Comms lead may not choose a mitigation, even by sending the message by hand
            comms.evaluate("() => true")
            ops.click(".decision[data-kind=mitigate] button[data-value=rollback]")
            ops.wait_for_selector(".decision[data-kind=mitigate] button[data-value=failover]", timeout=120_000)
            ops.reload()  # a seat whose page drops opens its link again and sees the drill as it stands
            ops.wait_for_selector(".decision[data-kind=mitigate] button[data-value=failover]", timeout=30_000)

            updated = False
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                if comms.query_selector("#debrief.ready"):
                    break
                form = comms.query_selector(".decision[data-kind=update]")
                updated = updated or "Comms lead: update" in (comms.text_content("#feed") or "")
                if form is not None and not updated:  # sent once the clock does not wait for another seat
                    if "comms" not in shots:
                        form.query_selector("input[aria-label=impact]").fill(
                            "Card payments fail for most customers <b>now</b>")
                        form.query_selector("input[aria-label='what is being done']").fill(
                            "Failing over to the standby provider")
                        shoot(comms, "team-drill-comms.png", tmp_path)
                        shots.add("comms")
                    form.query_selector("button").click()
                for page, kind in ((ops, "mitigate"), (ops, "confirm"), (ops, "cleanup"), (ic, "items")):
                    button = page.query_selector(f".decision[data-kind={kind}] button")
                    if button is not None:
                        choice = page.query_selector(
                            f".decision[data-kind={kind}] button[data-value=failover]") or button
                        choice.click()
                time.sleep(0.3)
            comms.wait_for_selector("#debrief.ready", timeout=300_000)
            frame = comms.frame_locator("#debrief-frame")
            frame.locator("h1 >> text=The team").wait_for(timeout=60_000)
            frame.locator("table").first.wait_for(state="visible", timeout=60_000)
            time.sleep(1)  # the frame's first paint
            comms.locator("#debrief").scroll_into_view_if_needed()
            shoot(comms, "team-drill-debrief.png", tmp_path)
            shots.add("debrief")
            assert ic.query_selector("#debrief.ready") is not None
            browser.close()
    finally:
        served.stop()
    assert shots == {"ic", "ops", "comms", "debrief"} and updated
    names = sorted(path.name for path in served.written)
    assert names == sorted(["answers.txt", "debrief.md", "events.jsonl", "incidents.csv", "summary.json"])
    answers = read_answers(out / "answers.txt")
    assert answers.settings["team"] == "ic ops comms"
    seats = {(entry.seat, entry.policy) for entry in answers.entries}
    assert {("ic", False), ("ops", False), ("comms", False)} <= seats
    assert not any(entry.seat in ("ops", "comms") and entry.policy for entry in answers.entries)
    debrief = (out / "debrief.md").read_text()
    assert "The team" in debrief and "Incident Commander" in debrief
    # the team's answers file plays the drill again, without a browser, to the same log
    again, _ = scripted(setup(scenario, answers), answers, replications=60)
    assert [tuple(e) for e in again.log] == [tuple(e) for e in read_events(out)]
