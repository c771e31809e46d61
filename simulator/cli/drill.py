"""`drillsim drill`: walk a trainee through a failure at a terminal, or play an answers file without one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import (
    EventLog,
    EventsOpt,
    QuietOpt,
    ReplicationsOpt,
    ScenarioArg,
    SeedOpt,
    app,
    complete_mode,
    errors_exit,
)
from simulator.errors import DrillsimError


@app.command()
@errors_exit
def drill(
    scenario: ScenarioArg = None,
    seed: SeedOpt = None,
    mode: Annotated[str | None, typer.Option(
        "--mode", "-m", metavar="MODE", show_default=False, autocompletion=complete_mode,
        help="The failure mode to play (default: the first failure of the seed's simulation, any mode).")] = None,
    at: Annotated[str | None, typer.Option(
        "--at", metavar="[DAY] HH:MM", show_default=False,
        help="When the failure starts, e.g. 'Tue 03:00' (default: where the simulation put it).")] = None,
    answers: Annotated[Path | None, typer.Option(
        "--answers", "-a", metavar="FILE", show_default=False, dir_okay=False,
        help="Play these decisions without a terminal (an answers file; a drill's answers.txt plays it again).")
    ] = None,
    injects: Annotated[Path | None, typer.Option(
        "--injects", metavar="FILE", show_default=False, dir_okay=False,
        help="The Game Master's script: inject lines of an answers file, taken at their times.")] = None,
    speed: Annotated[int | None, typer.Option(
        "--speed", min=1, max=300, show_default=False,
        help="Simulated seconds per real second while the clock runs (default 10).")] = None,
    turns: Annotated[bool, typer.Option(
        "--turns", help="Turn by turn: the clock moves only when you press n, to the next event.")] = False,
    turn: Annotated[str | None, typer.Option(
        "--turn", metavar="DURATION", show_default=False,
        help="Turn by turn (with --turns), the longest jump of one turn (default 10m).")] = None,
    serve: Annotated[bool, typer.Option(
        "--serve", help="A team drill in the browser: serve the drill and print a join link for each seat (Incident "
        "Commander, Ops lead, Comms lead, Scribe, Game Master); the policy plays the seats nobody takes.")] = False,
    host: Annotated[str, typer.Option(
        "--host", metavar="ADDRESS",
        help="With --serve, the address to listen on: 0.0.0.0 lets players join from other machines.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(
        "--port", min=0, max=65535, help="With --serve, the port to listen on (0: any free port).")] = 8000,
    replications: ReplicationsOpt = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", file_okay=False,
        help="Folder for the drill's results (as `drillsim run --out`), answers.txt and debrief.md.")] = Path(
        "drill"),
    events: EventsOpt = EventLog.full,
    quiet: QuietOpt = False,
) -> None:
    """Walk a new incident commander through a failure, then debrief against the simulation.

    The trainee meets one failure of the scenario with the dice the simulation gave it, decides as an incident
    commander (declare, escalate, roles, mitigations, stakeholder updates; with a scenario that plays practices,
    also work alone first, confirm with data or on anecdote, when to clean up, and the action items), and is
    debriefed beside the scenario's policy on the same dice and against the simulated distribution of that
    failure mode.

    Example: [bold]drillsim drill scenarios/default.yaml --mode bad-deploy --at "Tue 03:00" --seed 7[/bold]
    """
    from simulator import api
    from simulator.drill.answers import read_answers, read_injects, with_injects
    from simulator.drill.play import setup
    from simulator.units import parse_duration

    # Every option is used or refused: none is read and then left aside.
    if not serve and (host != "127.0.0.1" or port != 8000):
        raise typer.BadParameter("--host and --port say where a team drill is served: give --serve too",
                                 param_hint="--host" if host != "127.0.0.1" else "--port")
    if serve and (answers is not None or turns or turn is not None):
        raise typer.BadParameter("a served drill runs its own clock from the Game Master's seat; leave out "
                                 + ", ".join(name for name, given in (("--answers", answers is not None),
                                                                      ("--turns", turns), ("--turn", turn is not None))
                                             if given), param_hint="--serve")
    if answers is not None:
        clock = [name for name, given in (("--speed", speed is not None), ("--turns", turns),
                                          ("--turn", turn is not None)) if given]
        if clock:
            raise typer.BadParameter(f"an answers file plays without a clock; leave out {', '.join(clock)}",
                                     param_hint="--answers")
    elif turn is not None and not turns:
        raise typer.BadParameter("--turn sets the jump of one turn: give --turns too", param_hint="--turn")
    elif speed is not None and turns:
        raise typer.BadParameter("turn by turn the clock moves only on n: --speed applies without --turns",
                                 param_hint="--speed")
    minutes = 10.0
    if turn is not None:
        try:
            minutes = parse_duration(turn)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--turn") from None
        if not minutes > 0:
            raise typer.BadParameter(f"a turn moves the clock forward: give a duration above 0 (got {turn!r})",
                                     param_hint="--turn")
    gm = read_injects(injects) if injects is not None else None  # read and checked, with or without a terminal
    loaded = api.scenario_of(scenario)
    script = read_answers(answers) if answers is not None else None
    if script is not None and gm is not None:
        script = with_injects(script, gm)  # the Game Master's injects played among the decisions
    drill_setup = setup(loaded, script, seed=seed, mode=mode, at=at)
    if script is not None:
        from simulator.drill.outcome import debrief_markdown, scripted, write_drill

        outcome, notes = scripted(drill_setup, script, replications=replications)
        for note in notes:
            typer.echo(f"note: {note}", err=True)
        markdown = debrief_markdown(outcome)
        written = write_drill(outcome, out, markdown, events.value)
        if not quiet:
            typer.echo(markdown)
            typer.echo(f"Wrote {', '.join(path.name for path in written)} to {out}/")
        return
    if serve:
        from simulator.drill.server import serve as serve_drill
        from simulator.drill.team import TeamDrill

        team = TeamDrill(drill_setup, speed=10 if speed is None else speed,
                         injects=gm.entries if gm is not None else [], replications=replications)

        def announce(links: dict[str, str]) -> None:
            from simulator.drill.seats import SEAT_NAMES

            typer.echo(f"Team drill: {loaded.name}, seed {drill_setup.seed}. Give each player their seat's link "
                       "(a link lets its holder act as that seat only):")
            for seat, link in links.items():
                typer.echo(f"  {SEAT_NAMES[seat] + ':':20} {link}")
            typer.echo("Seats nobody opens are played by the scenario's policy. The clock starts when the Game "
                       "Master (or, without one, the Incident Commander) starts it. Ctrl-C stops the server and "
                       f"writes the drill to {out}/.")

        written = serve_drill(team, out, host=host, port=port, announce=announce, events=events.value)
        if written and not quiet:
            typer.echo(f"Wrote {', '.join(path.name for path in written)} to {out}/")
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise DrillsimError("drillsim drill needs a terminal; play an answers file without one: --answers FILE")
    from simulator.drill.app import DrillApp
    from simulator.drill.outcome import write_drill

    finished = DrillApp(drill_setup, speed=10 if speed is None else speed, turns=turns, turn=minutes,
                        injects=gm.entries if gm is not None else [],
                        replications=replications).run()
    if finished is None:
        typer.echo("The drill was left before its debrief: nothing written.", err=True)
        return
    written = write_drill(finished.outcome, out, finished.markdown, events.value)
    if not quiet:
        typer.echo(f"Wrote {', '.join(path.name for path in written)} to {out}/")
