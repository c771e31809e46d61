"""What the commands share: the Typer app, options used by several commands, and error handling."""

from __future__ import annotations

import enum
import functools
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from simulator.errors import DrillsimError, ScenarioError
from simulator.limits import MAX_REPLICATIONS, MAX_SEED, MAX_WORKERS


class Commands(TyperGroup):
    """drillsim's commands. A flag takes no value, so its help shows none (Typer's rich help would show a
    `<bool>` type beside every flag, --help included)."""

    order: tuple[str, ...] = ()
    """The order `drillsim --help` lists the commands in (set by simulator.cli); Typer would list a command
    group such as `gameday` after every plain command."""

    def list_commands(self, ctx):
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(self.order)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None:
            _flags_without_type(command, ctx)
        return command

    def format_help(self, ctx, formatter):
        _flags_without_type(self, ctx)
        super().format_help(ctx, formatter)


def _flags_without_type(command, ctx) -> None:
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is not None and getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""


app = typer.Typer(
    name="drillsim",
    cls=Commands,
    help="Rehearse incident response: play failure scenarios through the incident lifecycle and report "
    "MTTD, MTTA, MTTR and MTBF as distributions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"drillsim {version('drillsim')}")
        except PackageNotFoundError:
            typer.echo("drillsim (not installed: no version)")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print drillsim's version and exit.")] = False,
) -> None:
    pass

EXIT_INPUT = 2

# Options shared by several commands are defined once.
ScenarioArg = Annotated[
    Path | None,
    typer.Argument(metavar="SCENARIO", help="Scenario YAML file ('-' or /dev/stdin: read it from standard input). "
                   "Without it, the bundled default scenario.", show_default=False),
]
ReplicationsOpt = Annotated[
    int | None,
    typer.Option("--replications", "-n", min=1, max=MAX_REPLICATIONS,
                 help="Replications to run (default: the scenario's).", show_default=False),
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", "-s", min=0, max=MAX_SEED, help="Random seed (default: the scenario's).",
                             show_default=False)
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Folder for summary.json, incidents.csv and events.parquet.",
                 show_default=False, file_okay=False),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the results, no progress.")]


class Executor(enum.StrEnum):
    local = "local"
    dask = "dask"


class EventLog(enum.StrEnum):
    full = "full"
    incidents = "incidents"
    none = "none"


EventsOpt = Annotated[
    EventLog,
    typer.Option("--events", help="How much of the event log --out keeps in events.parquet: full (every event), "
                 "incidents (without the deployment pipeline's events) or none (incidents.csv and summary.json "
                 "only)."),
]


WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, max=MAX_WORKERS, show_default=False,
                 help="Processes to run replications in (default: this machine's cores; small runs stay in one). "
                 "The results are the same for any number."),
]
ExecutorOpt = Annotated[
    Executor,
    typer.Option("--executor", help="Where replications run: local (processes on this machine) or dask (a Dask "
                 "cluster: the one at --scheduler, or a local one started for the run; needs pip install "
                 "'drillsim\\[dask]')."),
]
def _scheduler(address: str | None) -> str | None:
    if address is None:
        return None
    from simulator.results.executors import check_scheduler

    try:
        return check_scheduler(address)
    except DrillsimError as exc:
        raise typer.BadParameter(str(exc)) from None


SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", metavar="tcp://HOST:PORT", show_default=False, callback=_scheduler,
                 help="Address of a running Dask scheduler to send replications to (implies --executor dask); "
                 "gives up when none answers within 10 seconds."),
]


# ── Shell completion of choices (never file names where a value is a word) ─────────────────────────────────


def complete_metric(incomplete: str) -> list[str]:
    """The metrics `--metric` takes."""
    from simulator.results.metrics import METRICS

    return [key for key in METRICS if key.startswith(incomplete.lower())]


def complete_preset(incomplete: str) -> list[str]:
    """The export presets `--preset` reads."""
    from simulator.history.presets import PRESETS

    return [name for name in PRESETS if name.startswith(incomplete)]


def complete_mode(ctx: typer.Context, incomplete: str) -> list[str]:
    """The failure modes of the scenario already on the command line (the bundled default without one)."""
    given = ctx.params.get("scenario") or ctx.params.get("scenarios")
    if isinstance(given, list | tuple):
        given = given[0] if given else None
    if given is None:  # the shell's words: the option being completed leaves the line unparsed
        import os
        import shlex

        try:
            words = shlex.split(os.environ.get("_TYPER_COMPLETE_ARGS") or os.environ.get("COMP_WORDS") or "")
        except ValueError:
            words = []
        for i, word in enumerate(words):
            if word in ("--scenario", "-S") and i + 1 < len(words):
                given = Path(words[i + 1])
                break
            if word.endswith((".yaml", ".yml")) and not word.startswith("-") and given is None:
                given = Path(word)
    try:
        from simulator.scenario.validate import load_scenario

        modes = [mode.name for mode in load_scenario(scenario_path(given)).failure_modes]
    except Exception:  # an unreadable scenario completes nothing: a shell must never see a traceback
        return []
    return [name for name in modes if name.startswith(incomplete)]


def run_options(workers: int | None, executor: Executor, scheduler: str | None) -> dict:
    """The keyword arguments of `simulate` that say where replications run."""
    return {"workers": workers, "executor": "dask" if scheduler else executor.value, "scheduler": scheduler}


def quiet_closed_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush does not fail on the closed pipe again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (a test's captured output): nothing to protect
        pass


UNBOUNDED = 100_000
"""The width of output that goes to a pipe or a file when COLUMNS does not say one: every table at its natural
width and every sentence on one line, so that nothing is wrapped or cut (tables never stretch to fill it)."""


def output_width(stderr: bool = False) -> int | None:
    """The width of a command's output: on a terminal, None (rich's own: COLUMNS when set, else the
    terminal's); elsewhere (a pipe, a file), COLUMNS when set, else UNBOUNDED. Rich itself would fall back to 80
    columns, or to the size of whatever terminal stdin or stderr is, and cut tables to it."""
    import os

    stream = sys.stderr if stderr else sys.stdout
    try:
        if stream.isatty():
            return None
    except ValueError:  # a closed stream: nothing will be printed
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else UNBOUNDED


def console(stderr: bool = False, **options):
    """A rich Console for a command's output (stdout, or stderr), as wide as output_width says, whose closed pipe
    (`| head`) ends the command quietly with status 0 (errors_exit), where rich's own would exit 1. Written to a
    pipe or a file, its lines end without the spaces rich pads a table's title with (_Trimmed)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            quiet_closed_stdout()
            raise BrokenPipeError

    stream = sys.stderr if stderr else sys.stdout
    width = output_width(stderr)
    if width is not None and "file" not in options:  # not a terminal: nothing but text goes out
        options["file"] = _Trimmed(stream)
    return _Console(stderr=stderr, width=width, **options)


_LINE_END_PADDING = re.compile(r" +(?=\n)")


class _Trimmed:
    """A text stream whose lines lose their trailing spaces on the way to `stream` (rich pads a table's title
    out to the table's width, which a file or the next command in a pipe only has to carry)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(_LINE_END_PADDING.sub("", text))

    def __getattr__(self, name: str):  # flush, isatty, encoding, fileno…: the stream's own
        return getattr(self.stream, name)


EXIT_INTERRUPTED = 130
"""Ctrl-C, as shells report a command a SIGINT ended."""

_UNSEEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """Text as the terminal may receive it: control characters (an escape that sets the title or clears the
    screen, a bell, a bidirectional override) written as escapes ('\\x1b'), never sent as they are."""
    return _UNSEEN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def interrupted() -> typer.Exit:
    """Ctrl-C: say what was kept, and exit 130."""
    from simulator.outputs.files import interrupt_note

    typer.echo(shown(f"interrupted: {interrupt_note()}"), err=True)
    return typer.Exit(EXIT_INTERRUPTED)


def errors_exit(command):
    """Turn drillsim's own errors into a clear message on stderr and exit status 2, never a traceback; and
    Ctrl-C into a word on what was kept and exit status 130. A reader that closed the pipe early (`| head`)
    ends the printing quietly, with status 0: whatever the command writes to files is written before it
    prints."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            found = command(*args, **kwargs)
            sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
            return found
        except BrokenPipeError:
            quiet_closed_stdout()
            raise typer.Exit(0) from None
        except ScenarioError as exc:
            for problem in exc.problems:
                typer.echo(shown(str(problem)), err=True)
            count = len(exc.problems)
            typer.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
            raise typer.Exit(EXIT_INPUT) from None
        except DrillsimError as exc:
            typer.echo(shown(f"error: {exc}"), err=True)
            raise typer.Exit(EXIT_INPUT) from None
        except KeyboardInterrupt:
            raise interrupted() from None

    return wrapper


def scenario_path(path: Path | None) -> Path:
    from simulator.scenario.bundled import default_scenario

    return path if path is not None else default_scenario()


# The scenario variants and metric of compare, sweep and detectability.
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="PATH=VALUE",
                 help="Change a field for one more variant, e.g. policy.mitigation=debug-first or "
                      "'team.names=[Ana, Ben, Cleo]' (repeat to change several fields of that variant).",
                 show_default=False),
]
MinEffectOpt = Annotated[
    str, typer.Option("--min-effect", metavar="SHARE|DURATION",
                      help="The smallest difference that matters: a share of the baseline's value (5%) or a "
                           "duration (5m); 0 for any. Verdicts: meaningfully better or worse (the interval excludes "
                           "zero and the difference is at least this), no difference that matters (the interval "
                           "lies within ±this), or unclear; the gate fails on meaningfully worse only. Money, users, "
                           "counts and shares (cost tables, maturity steps) take the share: 5% when this is a "
                           "duration.")
]
MetricOpt = Annotated[
    str, typer.Option("--metric", "-m", help="mttd, mtta, mttr, mtbf or time_to_resolve.",
                      autocompletion=complete_metric)
]

# Options of every command that reads an incident history.
def _preset_names() -> str:
    """Every preset of simulator.history.presets, with what it reads: 'generic (the history format), …'."""
    from simulator.history.presets import PRESETS

    return ", ".join(f"{name} ({preset.brief})" if preset.brief else name for name, preset in PRESETS.items())


PresetOpt = Annotated[
    str | None,
    typer.Option("--preset", metavar="NAME", show_default=False, autocompletion=complete_preset,
                 help=f"Read a known export: {_preset_names()}. Default: the one the file's header identifies."),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", metavar="COLUMN=FIELD", show_default=False,
                 help="Read a column as a field of the history format, or as a column the preset reads "
                 "(repeatable), e.g. --map opened=detected_at or --map created_on=created_at; COLUMN= ignores a "
                 "column."),
]
SeverityOpt = Annotated[
    list[str] | None,
    typer.Option("--severity", metavar="VALUE=SEVn", show_default=False,
                 help="Read a severity or priority value as a level (repeatable), e.g. --severity Critical=SEV1. "
                 "SEV0–5, P1–5, 1–5, critical/major/minor and high/low are understood without it."),
]
TimezoneOpt = Annotated[
    str | None,
    typer.Option("--timezone", metavar="ZONE", show_default=False,
                 help="Time zone of times written without an offset, e.g. Europe/Paris (otherwise they are refused)."),
]
SkipBadOpt = Annotated[
    bool, typer.Option("--skip-bad", help="Leave out bad rows (and say how many) instead of stopping at them.")
]

# Which simulated incidents a game-day plan or a score compares with.
UnderLoadOpt = Annotated[
    bool,
    typer.Option("--under-load", help="Compare with simulated incidents that began while another was open (the "
                 "team already busy), instead of those that met a quiet day."),
]
