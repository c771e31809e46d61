"""`drillsim drill --serve`: a team drill in the browser. A small ASGI app (Starlette, served by uvicorn) over one
TeamDrill (simulator.drill.team): each seat has a link whose token lets its holder act as that seat and nothing
else; a seat's page is plain HTML and JavaScript from the package (simulator/drill/web), talking over one
WebSocket that carries the seat's actions in and the drill's state out.

Safe by default: it binds to 127.0.0.1 unless told otherwise; tokens are `secrets.token_urlsafe`; the pages set
a Content-Security-Policy that lets them reach nothing but this server, and draw every text as text (never as
HTML); the debrief's HTML is the report's renderer, which escapes; messages are size- and rate-limited; a seat
whose browser drops opens its link again and sees the drill as it stands. The clock runs in the server, so a
drill goes on while a page reloads. When the drill ends (every incident through its lifecycle, or the Game
Master ends it) and when the server is stopped (Ctrl-C), the drill's folder is written whole, as `drillsim
drill` writes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import traceback
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.drill.answers import SEATS
from simulator.drill.seat_view import state as seat_state
from simulator.drill.team import TeamDrill
from simulator.errors import DrillsimError

TICK = 0.2
"""Seconds of real time between two moves of the clock (and two pushes of the state)."""
MAX_MESSAGE = 4096
"""The largest message a page may send, in bytes."""
RATE, BURST = 5.0, 20
"""Messages a seat may send per second, sustained, and at once."""
PAGES = 8
"""The most pages one seat may have open at once (a laptop, a projector, a phone...)."""
LOCAL = ("127.0.0.1", "localhost", "::1")
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-src 'self'; "
               "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
DEBRIEF_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
FILES = {"seat.js": "text/javascript; charset=utf-8", "seat.css": "text/css; charset=utf-8"}


def _web(name: str) -> str:
    return resources.files("simulator.drill").joinpath("web", name).read_text(encoding="utf-8")


def _headers(policy: str) -> dict[str, str]:
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store", "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Resource-Policy": "same-origin"}


@dataclass
class Bucket:
    """A seat's allowance of messages: BURST at once, refilled at RATE per second."""

    tokens: float = BURST
    at: float = field(default_factory=time.monotonic)

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(BURST, self.tokens + (now - self.at) * RATE)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class DrillServer:
    """One team drill served to its seats. `finish` (given the drill, when it has ended) writes its folder and
    returns the debrief as HTML; it runs in a worker thread."""

    def __init__(self, team: TeamDrill, finish: Callable[[TeamDrill], str], *, host: str = "127.0.0.1",
                 clock: bool = True):
        self.team, self.finish_drill, self.clock = team, finish, clock
        self.tokens = {secrets.token_urlsafe(24): seat for seat in SEATS}
        self.buckets = {seat: Bucket() for seat in SEATS}
        self.sockets: dict[WebSocket, str] = {}
        self.debrief: str | None = None
        self.problem: str | None = None
        self.finishing: asyncio.Task | None = None
        self.sent = -1
        hosts = ["*"] if host not in LOCAL else ["127.0.0.1", "localhost", "[::1]", "::1"]
        self.app = Starlette(
            routes=[Route("/seat/{token}", self.page), Route("/debrief/{token}", self.debrief_page),
                    *(Route(f"/static/{name}", self.static) for name in FILES),
                    Route("/favicon.ico", lambda request: Response(status_code=204)),
                    WebSocketRoute("/ws/{token}", self.socket)],
            middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
            lifespan=self.lifespan)

    def links(self, base: str) -> dict[str, str]:
        """Each seat's join link, by seat."""
        return {seat: f"{base}/seat/{token}" for token, seat in self.tokens.items()}

    # ── Pages ──

    async def page(self, request: Request) -> Response:
        if request.path_params["token"] not in self.tokens:
            return PlainTextResponse("Not a seat of this drill.", 404, headers=_headers(PAGE_POLICY))
        return HTMLResponse(_web("seat.html"), headers=_headers(PAGE_POLICY))

    async def static(self, request: Request) -> Response:
        name = request.url.path.rsplit("/", 1)[1]
        return Response(_web(name), media_type=FILES[name], headers=_headers(PAGE_POLICY))

    async def debrief_page(self, request: Request) -> Response:
        if request.path_params["token"] not in self.tokens or self.debrief is None:
            return PlainTextResponse("No debrief here (yet).", 404, headers=_headers(PAGE_POLICY))
        return HTMLResponse(self.debrief, headers=_headers(DEBRIEF_POLICY))

    # ── The seats' connections ──

    async def socket(self, ws: WebSocket) -> None:
        seat = self.tokens.get(ws.path_params["token"])
        origin, host = ws.headers.get("origin"), ws.headers.get("host")
        if seat is None or (origin is not None and origin.split("://", 1)[-1] != host):
            await ws.close(code=4403)  # not a seat's link, or a page of another site
            return
        if sum(s == seat for s in self.sockets.values()) >= PAGES:
            await ws.close(code=4429)  # too many pages open for one seat
            return
        await ws.accept()
        self.sockets[ws] = seat
        self.team.join(seat)
        try:
            await ws.send_json(self.state(seat))
            while True:
                text = await ws.receive_text()
                reply = self.receive(seat, text)
                if reply is not None:
                    await ws.send_json(reply)
                await self.broadcast()
        except WebSocketDisconnect:
            pass
        finally:
            self.sockets.pop(ws, None)

    def receive(self, seat: str, text: str) -> dict[str, Any] | None:
        """A seat's message, handled: the reply for that seat (an error, or what was said to it), if any."""
        if len(text.encode("utf-8", "replace")) > MAX_MESSAGE:
            return {"type": "error", "text": f"message too long (at most {MAX_MESSAGE} bytes)"}
        if not self.buckets[seat].take():
            return {"type": "error", "text": "too many messages: slow down"}
        try:
            message = json.loads(text)
        except ValueError:
            return {"type": "error", "text": "not a message of this drill"}
        if not isinstance(message, dict):
            return {"type": "error", "text": "not a message of this drill"}
        try:
            said = self.team.act(seat, message)
        except DrillsimError as exc:
            return {"type": "error", "text": str(exc)}
        if self.team.ending:
            self.end()
        return {"type": "said", "text": said} if said else None

    def state(self, seat: str) -> dict[str, Any]:
        state = seat_state(self.team, seat)
        state["type"] = "state"
        token = next(t for t, s in self.tokens.items() if s == seat)
        state["debrief"] = f"/debrief/{token}" if self.debrief is not None else None
        state["problem"] = self.problem
        return state

    async def broadcast(self, force: bool = False) -> None:
        if not force and self.sent == self.team.version:
            return
        self.sent = self.team.version
        for ws, seat in list(self.sockets.items()):
            try:
                await ws.send_json(self.state(seat))
            except Exception:  # a page that has gone: it rejoins with its link
                self.sockets.pop(ws, None)

    # ── The clock and the end ──

    async def run_clock(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            if self.team.ending:
                continue
            try:
                self.team.tick(TICK)
            except Exception as exc:  # the drill cannot go on: every seat is told, and the drill ends as it stands
                if not isinstance(exc, DrillsimError):
                    traceback.print_exc()
                self.problem = f"the drill stopped: {exc}"
                self.team.stop()
            if self.team.over:
                self.team.stop()
            if self.team.ending:
                self.end()
            await self.broadcast()

    def end(self) -> None:
        if self.finishing is None:
            self.finishing = asyncio.get_running_loop().create_task(self._finish())

    async def _finish(self) -> None:
        self.debrief = await asyncio.to_thread(self.finish_drill, self.team)
        self.team.changed()
        await self.broadcast(force=True)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(self.run_clock()) if self.clock else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
            if self.finishing is None:  # stopped before the drill ended: it ends here, and its folder is written
                self.team.stop()
                self.end()
            assert self.finishing is not None
            with contextlib.suppress(asyncio.CancelledError):
                await self.finishing


def finisher(out: Path, written: list[Path] | None = None, events: str = "full") -> Callable[[TeamDrill], str]:
    """What ends a served drill: its outcome beside the policy's, its folder written whole in `out` (as `drillsim
    drill --out`, keeping `events` of the log), the paths appended to `written`; the debrief as HTML."""

    def finish(team: TeamDrill) -> str:
        from simulator.drill.outcome import debrief, outcome_of, write_drill
        from simulator.report.html import render_html
        from simulator.report.markdown import render_markdown

        outcome = outcome_of(team.setup, team.answers(), team.played(), replications=team.replications)
        blocks = debrief(outcome)
        paths = write_drill(outcome, out, render_markdown(blocks), events)
        if written is not None:
            written.extend(paths)
        return render_html(blocks, f"drillsim drill: {team.setup.scenario.name}, debrief")

    return finish


def lan_address() -> str:
    """This machine's address on its network, for links other machines open (no packet is sent: a UDP socket
    only picks the interface it would route through); 127.0.0.1 when it has none."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def serve(team: TeamDrill, out: Path, *, host: str = "127.0.0.1", port: int = 8000,
          announce: Callable[[dict[str, str]], None] = print, events: str = "full") -> list[Path]:
    """Serve `team` until it has ended and the server is stopped (Ctrl-C), then return the files written to
    `out` (keeping `events` of the event log). `announce` is given each seat's link once the server listens."""
    import socket

    import uvicorn

    written: list[Path] = []
    server = DrillServer(team, finisher(out, written, events), host=host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise DrillsimError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port") from None
    sock.listen(64)
    shown = lan_address() if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    announce(server.links(f"http://{shown}:{sock.getsockname()[1]}"))
    config = uvicorn.Config(server.app, log_level="warning", ws_max_size=4 * MAX_MESSAGE, lifespan="on",
                            timeout_graceful_shutdown=3)
    # uvicorn raises the Ctrl-C it caught again once it has shut down: by then the drill has ended and its folder
    # is written (DrillServer.lifespan). Ctrl-C is the way to stop a served drill, not an interruption.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
    return written
