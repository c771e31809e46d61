"""`drillsim drill`: the trainee's terminal. The simulated clock runs faster than real time (a factor, which
space pauses) or turn by turn (n jumps to the next event); the screen shows what an incident commander sees
(simulator.drill.view); the keys make the decisions, each taken at a whole second after the first alert and
recorded as a line of the drill's answers file, so that the drill plays again to the same bytes.

Keys: d declare (then 1–5 for the severity, each shown with the scenario's definition), a work alone first instead
(a scenario with practices), e escalate the page, m mobilise every level, u write a stakeholder update (impact,
what is being done, the next update's time), 1–9 answer the decision on screen, tab the next incident, h a hint,
g the Game Master's injects, space pause, n next event, + and - the speed, q end the drill and see the debrief.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Markdown, Static

from simulator.drill import view
from simulator.drill.answers import Answers, Entry, roles_entry, update_parts
from simulator.drill.hints import hint
from simulator.drill.outcome import Outcome, debrief_markdown, outcome_of
from simulator.drill.play import Played, Setup, apply, clock_target, run_clock, skip_to, whole_second
from simulator.engine.world import ANECDOTE, CLEANUP, CLEANUPS, CONFIRM, DATA, INSTANT_KINDS, INVESTIGATE, ITEMS, ROLES
from simulator.errors import DrillsimError
from simulator.scenario.model import SEVERITIES

SPEEDS = (1, 2, 5, 10, 20, 30, 60, 120, 300)
"""Simulated seconds per real second the clock may run at."""
TICK = 0.2
"""Seconds of real time between two moves of a running clock."""
PRACTICE_CHOICE = {CONFIRM: "confirm", CLEANUP: "cleanup", ITEMS: "items"}
"""The practices' questions (a scenario with practices asks them), by the answers-file verb that answers them."""
PRACTICE_OPTIONS = {"confirm": (DATA, ANECDOTE), "cleanup": CLEANUPS, "items": tuple(str(n) for n in range(9))}
"""Their numbered options: a postmortem writes 0 to 8 action items at a terminal (an answers file may give more)."""


@dataclass
class Finished:
    """What the app hands back when the trainee leaves the debrief: the drill and its debrief."""

    outcome: Outcome
    markdown: str


class UpdateScreen(ModalScreen):
    """The stakeholder update the trainee writes: the impact on customers, what is being done, and when the next
    update comes. Enter sends it (the drill's clock keeps running while it is written); Escape sends nothing."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    UpdateScreen { align: center middle; }
    #form { width: 90%; max-width: 100; height: auto; border: heavy $accent; padding: 0 1; background: $panel; }
    #form Input { margin: 0; }
    #form-error { color: $error; }
    """

    def __init__(self, number: int, prompt: str):
        super().__init__()
        self.number, self.prompt = number, prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(self.prompt, id="form-title")
            yield Input(placeholder="impact: what customers see, e.g. card payments fail for most customers",
                        id="impact")
            yield Input(placeholder="what is being done, e.g. failing over to the backup provider", id="done")
            yield Input(placeholder="next update in, e.g. 30m", id="next")
            yield Static("", id="form-error")
            yield Static("Tab or Enter: next field · Enter in the last: send · Escape: cancel")

    def on_mount(self) -> None:
        self.query_one("#impact", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "next":  # Enter in a field but the last: on to the next field
            self.focus_next()
            return
        parts = [self.query_one(f"#{name}", Input).value.strip() for name in ("impact", "done", "next")]
        try:
            update_parts(parts)
        except ValueError as exc:
            self.query_one("#form-error", Static).update(Text(str(exc)))
            return
        self.dismiss((parts[0], parts[1], parts[2]))

    def action_cancel(self) -> None:
        self.dismiss(None)


class DebriefScreen(Screen):
    BINDINGS: ClassVar = [Binding("q", "app.leave", "save and quit")]

    def __init__(self, markdown: str):
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(self.markdown, id="debrief")
        yield Footer()


DRILL_ACTIONS = frozenset({"pause", "next", "declare", "alone", "escalate", "mobilise", "update",
                           "focus_next_incident", "hint", "game_master", "faster", "slower", "end"})
"""The keys' actions that move or change the drill: none of them once it has ended (its debrief is being
prepared from the session in a worker thread, or shown)."""


class DrillApp(App):
    """The trainee's screen over a drill session. Every key is the drill's own: there is no command palette
    (opened twice, from the drill and from its debrief, Textual's palette would clash with itself), and
    Ctrl-C says how to end the drill and save it instead of quitting."""

    TITLE = "drillsim drill"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    Screen { layout: vertical; }
    #header { height: 1; background: $primary; color: $text; padding: 0 1; }
    #top { height: 2fr; }
    .panel { border: round $secondary; padding: 0 1; height: 1fr; }
    #left { width: 3fr; }
    #right { width: 2fr; }
    #alerts { height: auto; min-height: 4; max-height: 50%; }
    #incidents { min-height: 4; }
    #stakeholders { height: auto; max-height: 40%; }
    #people { height: auto; max-height: 30%; }
    #pages { min-height: 3; }
    #log-panel { height: 1fr; min-height: 4; }
    #prompt { height: auto; min-height: 3; max-height: 11; border: heavy $accent; padding: 0 1; }
    """
    BINDINGS: ClassVar = [
        Binding("space", "pause", "pause"), Binding("n", "next", "next event"),
        Binding("d", "declare", "declare"), Binding("a", "alone", "work alone first", show=False),
        Binding("e", "escalate", "escalate"),
        Binding("m", "mobilise", "mobilise"), Binding("u", "update", "update"),
        Binding("tab", "focus_next_incident", "next incident", priority=True),  # over Textual's focus Tab
        Binding("h", "hint", "hint"),
        Binding("g", "game_master", "game master"), Binding("plus,equals_sign", "faster", "faster", show=False),
        Binding("minus", "slower", "slower", show=False), Binding("q", "end", "end drill"),
    ]

    def __init__(self, drill: Setup, *, speed: int = 10, turns: bool = False, turn: float = 10.0,
                 injects: Sequence[Entry] = (), replications: int | None = None):
        super().__init__()
        self.setup_, self.turns, self.turn, self.replications = drill, turns, turn, replications
        self.speed = speed
        self.paused = False
        self.session = drill.session()
        self.session.until_first_alert()
        self.entries: list[Entry] = []
        self.hints: list[Entry] = []
        self.scripted = sorted(injects, key=lambda e: e.due)
        self.focus_number = 1
        self.choice: tuple | None = None
        self.message = "The first alert has fired. You are the Incident Commander."
        self.ending = False

    # ── Layout ──

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with Horizontal(id="top"):
            with Vertical(id="left"):
                yield Static(id="alerts", classes="panel")
                yield Static(id="incidents", classes="panel")
            with Vertical(id="right"):
                yield Static(id="stakeholders", classes="panel")
                yield Static(id="people", classes="panel")
                yield Static(id="pages", classes="panel")
        with VerticalScroll(id="log-panel", classes="panel"):
            yield Static(id="log")
        yield Static(id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        for name, title in (("alerts", "Alerts"), ("incidents", "Incidents"), ("stakeholders", "Stakeholders"),
                            ("people", "On call"), ("pages", "Pages"), ("log-panel", "Log")):
            self.query_one(f"#{name}").border_title = title
        self.set_interval(TICK, self.tick)
        self.refresh_screen()

    # ── The clock ──

    @property
    def status(self) -> str:
        if self.session.blocked and not self.session.finished:
            return "waiting for you (clock stopped)"
        if self.turns:
            return "turn by turn (n: next event)"
        return "PAUSED (space to resume)" if self.paused else f"running ×{self.speed} (space: pause)"

    def tick(self) -> None:
        if self.ending or self.turns or self.paused or self.session.blocked or self.session.finished:
            return
        until, through = clock_target(self.session, self.speed, TICK)
        self.run_until(until, through)

    def run_until(self, until: float, through: bool = False) -> None:
        """Move the clock, taking the Game Master's scripted injects on their second."""
        run_clock(self.session, until, self.take_scripted, through=through, planned=self.next_scripted)
        self.after_move()

    def next_scripted(self) -> tuple[int, Entry] | None:
        return (self.scripted[0].due, self.scripted[0]) if self.scripted else None

    def take_scripted(self, _seconds: int, entry: Entry) -> None:
        self.scripted.pop(0)  # `entry`: taken, or left out when it cannot apply now (the reason shown)
        self.take(entry)

    def after_move(self) -> None:
        if self.session.finished and not self.ending:
            self.message = "Every incident is resolved. Press q for the debrief."
        self.refresh_screen()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self.refresh_screen()

    def action_next(self) -> None:
        session = self.session
        if session.blocked or session.finished:
            return
        dues = [q.facts["due"] for q in session.pending(kind="update") if q.facts["due"] > session.now]
        skipped = skip_to(session)
        target = skipped if skipped is not None else min([session.next_event(), session.now + self.turn, *dues])
        self.run_until(target, through=True)

    def action_faster(self) -> None:
        self.speed = next((s for s in SPEEDS if s > self.speed), self.speed)
        self.refresh_screen()

    def action_slower(self) -> None:
        self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), self.speed)
        self.refresh_screen()

    # ── Decisions ──

    def now_seconds(self) -> int | None:
        """Move the clock to the next whole second after the first alert, where decisions are taken; None when
        a decision to be made at once came up first."""
        seconds = whole_second(self.session)
        if seconds is None:
            self.message = "Something came up first: see below."
            self.refresh_screen()
        return seconds

    def take(self, entry: Entry) -> bool:
        """Take a timed decision now and record it; False (and the reason on screen) when it cannot be taken."""
        if entry.seconds is None:
            seconds = self.now_seconds()
            if seconds is None:
                return False
            entry = Entry(entry.verb, entry.args, seconds, entry.incident)
        try:
            said = apply(self.session, entry)
        except DrillsimError as exc:
            self.message = str(exc)
            self.refresh_screen()
            return False
        self.entries.append(entry)
        self.message = said or f"INC-{entry.incident:04d}: {view.took(entry.verb, entry.args)} at " \
                               f"{view.since(self.session, self.session.now)}"
        self.after_move()
        return True

    def action_declare(self) -> None:
        if not self.session.pending(self.focus_number, "declare"):
            self.message = f"INC-{self.focus_number:04d} has nothing to declare."
            self.refresh_screen()
            return
        self.choice = ("severity",)
        self.refresh_screen()

    def action_alone(self) -> None:
        """The alerted engineer tries to fix it alone first instead of declaring (offered where the scenario
        plays practices: it is one of them)."""
        if not self.session.pending(self.focus_number, "declare"):
            self.message = f"INC-{self.focus_number:04d} has nothing to declare."
            self.refresh_screen()
            return
        self.take(Entry("alone", (), None, self.focus_number))

    def action_escalate(self) -> None:
        self.take(Entry("escalate", (), None, self.focus_number))

    def action_mobilise(self) -> None:
        self.take(Entry("mobilise", (), None, self.focus_number))

    def action_update(self) -> None:
        number = self.focus_number
        if not self.session.pending(number, "update"):
            self.message = f"INC-{number:04d} has nothing to send an update about: it is not declared, or service " \
                           "is back."
            self.refresh_screen()
            return

        def sent(parts: tuple[str, str, str] | None) -> None:
            if parts is not None:
                self.take(Entry("update", parts, None, number))

        self.push_screen(UpdateScreen(number, view.update_prompt(self.session, number)), sent)

    def action_focus_next_incident(self) -> None:
        self.focus_number = self.focus_number % len(self.session.incidents) + 1
        self.refresh_screen()

    def action_hint(self) -> None:
        seconds = self.session.seconds(self.session.now)
        self.hints.append(Entry("hint", (), seconds, self.focus_number))
        self.entries.append(self.hints[-1])
        self.message = "Hint: " + hint(self.session, self.focus_number)
        self.refresh_screen()

    def action_game_master(self) -> None:
        self.choice = ("gm",)
        self.refresh_screen()

    def options(self) -> tuple[str, list[str]]:
        """The title and options of what the number keys answer now."""
        session = self.session
        if self.choice is None:
            question = next((q for q in session.questions if q.kind in INSTANT_KINDS), None)
            if question is None:
                return "", []
            self.choice = ("roles", question, 0, {}) if question.kind == ROLES else \
                (PRACTICE_CHOICE.get(question.kind, "mitigate"), question)
        kind = self.choice[0]
        if kind == "severity":
            return f"Declare INC-{self.focus_number:04d} at which severity?", list(SEVERITIES)
        if kind == "gm":
            secondary = session.secondary() or "somebody"
            return "Game Master: inject what?", [f"the secondary ({secondary}) is on a plane",
                                                 "a second failure starts", f"a customer escalates about "
                                                 f"INC-{self.focus_number:04d}", "nothing (back)"]
        if kind == "roles":
            _, question, index, _ = self.choice
            role = list(question.facts["candidates"])[index]
            names = list(question.facts["candidates"][role])
            keep = "nobody: the responder keeps it" if role != "Comms lead" else "nobody: you send the updates " \
                "yourself"
            title = "\n".join(view.question_lines(session, question, [], role))
            return title, [*names, keep]
        question = self.choice[1]
        title = "\n".join(view.question_lines(session, question, []))
        if kind in PRACTICE_OPTIONS:
            return title, list(PRACTICE_OPTIONS[kind])
        return title, session.offered(question)

    def on_key(self, event) -> None:
        if not event.character or not event.character.isdigit() or self.ending or \
                isinstance(self.screen, UpdateScreen):
            return
        _title, options = self.options()
        index = int(event.character) - 1
        if not 0 <= index < len(options):
            return
        choice = self.choice
        if choice is None:  # options() chose what the keys answer, if anything
            return
        event.stop()
        kind = choice[0]
        if kind == "severity":
            self.choice = None
            self.take(Entry("declare", (options[index],), None, self.focus_number))
        elif kind == "gm":
            self.choice = None
            verb = ("away", "failure", "customer", None)[index]
            if verb is not None:
                args = ("inject", verb) if verb != "away" else ("inject", "away", self.session.secondary() or "")
                self.take(Entry("inject", args[1:], None, self.focus_number if verb == "customer" else 1))
        elif kind == "roles":
            _, question, role_index, chosen = choice
            candidates = question.facts["candidates"]
            role = list(candidates)[role_index]
            if index < len(candidates[role]):
                chosen[role] = options[index]
            if role_index + 1 < len(candidates):
                self.choice = ("roles", question, role_index + 1, chosen)
                self.refresh_screen()
                return
            self.choice = None
            self.answer(question, chosen, roles_entry(chosen, candidates))
        elif kind in PRACTICE_OPTIONS:
            question = choice[1]
            self.choice = None
            value = options[index]
            self.answer(question, int(value) if kind == "items" else value, Entry(kind, (value,)))
        elif kind == "mitigate":
            question = choice[1]
            self.choice = None
            name = options[index]
            entry = Entry("investigate") if name == INVESTIGATE else Entry("mitigate", (name,))
            self.answer(question, name, entry)

    def answer(self, question, value, entry: Entry) -> None:
        entry = Entry(entry.verb, entry.args, None, question.incident.number)
        self.session.choose(question, value)
        self.session.through(self.session.now)  # what follows at once (the next question); play.play does so too
        self.entries.append(entry)
        self.message = f"INC-{question.incident.number:04d}: {view.decided(question.kind, value)}"
        self.after_move()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Once the drill has ended, the keys that would move or change it do nothing; while an update is being
        written, Tab moves between its fields."""
        if action == "focus_next_incident" and isinstance(self.screen, UpdateScreen):
            return False
        return not (self.ending and action in DRILL_ACTIONS)

    def action_help_quit(self) -> None:
        """Ctrl-C: not a way out that loses the drill, but a word on how to end and save it."""
        if getattr(self, "finished_drill", None) is not None:
            text = "Press q to save the drill and quit, or ctrl+q to quit without saving."
        elif self.ending:
            text = "The debrief is being prepared; then q saves the drill and quits (ctrl+q: quit without saving)."
        else:
            text = ("Press q to end the drill and see its debrief, then q again to save it (ctrl+q: quit without "
                    "saving).")
        self.notify(text, title="Save the drill?")

    # ── The end ──

    def action_end(self) -> None:
        if self.ending:
            return
        self.ending = True
        session = self.session
        if not session.finished:  # ended early: the drill stops at this second (or at the decision waiting)
            seconds = session.seconds(session.now)
            session.advance(session.moment(seconds))
            self.entries.append(Entry("stop", (), seconds))
        self.message = "Preparing the debrief: playing the same failure under the scenario's policy, and " \
                       "simulating the scenario…"
        self.refresh_screen()
        self.debrief()

    @work(thread=True, exclusive=True)
    def debrief(self) -> None:
        answers = Answers(self.setup_.settings(), list(self.entries))
        played = Played(self.session, hints=list(self.hints))
        outcome = outcome_of(self.setup_, answers, played, replications=self.replications)
        markdown = debrief_markdown(outcome)
        self.call_from_thread(self.show_debrief, Finished(outcome, markdown))

    def show_debrief(self, finished: Finished) -> None:
        self.finished_drill = finished
        self.push_screen(DebriefScreen(finished.markdown))

    def action_leave(self) -> None:
        self.exit(getattr(self, "finished_drill", None))

    # ── Drawing ──

    def refresh_screen(self) -> None:
        session = self.session
        self.query_one("#header", Static).update(Text(view.header(session, self.status)))
        panels = {"alerts": view.alerts(session), "incidents": view.incidents(session),
                  "stakeholders": view.stakeholders(session), "people": view.people(session),
                  "pages": view.pages(session)}
        panels["alerts"] = panels["alerts"][::-1]  # the newest first: what a small screen cuts is the oldest
        for name, lines in panels.items():
            self.query_one(f"#{name}", Static).update(Text("\n".join(lines[-12:])))
        self.query_one("#log", Static).update(Text("\n".join(view.log_lines(session))))
        log = self.query_one("#log-panel", VerticalScroll)
        self.call_after_refresh(log.scroll_end, animate=False)  # once the new lines are laid out
        title, options = self.options() if not self.ending else ("", [])
        lines = [self.message]
        if title:
            lines.append(title)
            severity = self.choice is not None and self.choice[0] == "severity"
            lines += [f"  {i}  {view.severity_line(session, option) if severity else view.describe(option)}"
                      for i, option in enumerate(options, 1)]
        elif not self.ending:
            alone = " · a work alone first" if session.world.practices_asked and \
                session.pending(self.focus_number, "declare") else ""
            lines.append(f"Focus: INC-{self.focus_number:04d}{view.others(session, self.focus_number)}.  d declare"
                         f"{alone} · e escalate · m mobilise · u update · h hint · g Game Master · q end")
        self.query_one("#prompt", Static).update(Text("\n".join(lines)))
