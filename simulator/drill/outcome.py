"""A drill once played: the trainee's log, the policy's log on the same dice, the simulated incidents of the
same failure mode; the debrief of it, and the drill saved as a results folder (`drillsim report` renders it,
`drillsim drill --answers FOLDER/answers.txt` plays it again)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from simulator.drill.answers import Answers, Entry
from simulator.drill.debrief import debrief_blocks
from simulator.drill.play import Played, Setup, play
from simulator.events import Event
from simulator.outputs.names import ANSWERS
from simulator.outputs.run import summary_document
from simulator.report.document import Block
from simulator.results.incident_rows import incident_table
from simulator.results.incidents import IncidentTable

DEBRIEF = "debrief.md"


@dataclass
class Outcome:
    """A drill played to its end (or stopped): `log` the trainee's events, `policy` the automatic policy's on
    the same dice and injects, `simulated` the simulated incidents of the drill's failure mode."""

    setup: Setup
    answers: Answers
    log: list[Event]
    policy: list[Event]
    simulated: IncidentTable
    replications: int
    stopped_at: float | None = None
    hints: list[Entry] = field(default_factory=list)
    everything: IncidentTable | None = None
    """Every simulated incident, of every failure mode (for the incidents the Game Master injected)."""

    def simulated_of(self, mode: str) -> IncidentTable:
        """The simulated incidents of failure mode `mode`."""
        if mode == self.mode or self.everything is None:
            return self.simulated
        return of_mode(self.everything, mode)

    @property
    def mode(self) -> str:
        onset = next(e for e in self.log if e.action == "onset")
        return (onset.detail or {})["mode"]


def simulated_mode(drill: Setup, mode: str, replications: int | None = None) -> tuple[IncidentTable, int]:
    """The incidents of failure mode `mode` in a simulation of the drill's scenario (its replications, or
    `replications`), with the drill's seed; and the number of replications."""
    table, count = simulated_all(drill, replications)
    return of_mode(table, mode), count


def simulated_all(drill: Setup, replications: int | None = None) -> tuple[IncidentTable, int]:
    """Every incident of a simulation of the drill's scenario, and the number of replications."""
    from simulator.results.runner import simulate

    results = simulate(drill.scenario, replications=replications, seed=drill.seed, keep_events=False,
                       oncall_load=False)
    return results.incidents, results.replications


def of_mode(table: IncidentTable, mode: str) -> IncidentTable:
    return table.where(table.mode == mode)


def policy_log(drill: Setup, answers: Answers) -> list[Event]:
    """The scenario's automatic policy playing the drill: same failure, same dice, same injects."""
    played = play(drill, answers, automatic=True)
    return [Event._make(e) for e in played.session.finish()]


def outcome_of(drill: Setup, answers: Answers, played: Played, *, replications: int | None = None,
               stopped: bool = False) -> Outcome:
    """Put a played drill beside the policy's and the simulation."""
    session = played.session
    stopped_at = None if session.finished else session.now
    unused = {id(entry) for entry in played.unused}
    answers = Answers(answers.settings, [e for e in answers.entries if id(e) not in unused], answers.source)
    log = [Event._make(e) for e in session.finish()]
    policy = policy_log(drill, answers)
    mode = (next(e for e in log if e.action == "onset").detail or {})["mode"]
    everything, reps = simulated_all(drill, replications)
    return Outcome(drill, answers, log, policy, of_mode(everything, mode), reps, stopped_at, played.hints, everything)


def debrief(outcome: Outcome) -> list[Block]:
    from simulator.report.clock import Clock
    from simulator.report.narrative import Context
    from simulator.report.postmortem import postmortem
    from simulator.results.metrics import summarize

    scenario = outcome.setup.scenario
    start = scenario.start.replace(tzinfo=None) if scenario.start is not None else None
    draft: list[Block] = []
    for number, mode in sorted({(e.incident, (e.detail or {})["mode"]) for e in outcome.log if e.action == "onset"}):
        table = outcome.simulated_of(mode)
        stats = summarize(table, outcome.replications, scenario.horizon)
        summary = summary_document(scenario, outcome.setup.seed, outcome.replications, table, stats)
        draft += postmortem(outcome.log, number, Context(Clock(start), summary, table), drill=True,
                            why="your drill, compared with the simulated incidents of the same failure mode")
    blocks = debrief_blocks(outcome.log, outcome.policy, outcome.simulated_of, mode=outcome.mode, start=start,
                            hints=len(outcome.hints), postmortem=draft)
    if any(entry.seat is not None for entry in outcome.answers.entries):  # a team drill: the team, seat by seat
        from simulator.drill.seats import team_blocks

        origin = next(e.time for e in outcome.log if e.action == "detected")
        blocks = team_blocks(outcome.answers, outcome.log, outcome.policy, origin) + blocks
    return blocks


def debrief_markdown(outcome: Outcome) -> str:
    from simulator.report.markdown import render_markdown

    return render_markdown(debrief(outcome))


def write_drill(outcome: Outcome, folder: str | Path, markdown: str | None = None, events: str = "full") -> list[Path]:
    """The drill as a results folder: summary.json, incidents.csv and events.parquet as `drillsim run --out`
    writes them (one replication; as much of the event log as `events` keeps, as `drillsim run --events`), and
    beside them answers.txt (the drill's settings and decisions, to play it again) and debrief.md."""
    from simulator.outputs.eventlog import check_level
    from simulator.outputs.files import write_text
    from simulator.outputs.folders import results_folder
    from simulator.outputs.run import write_run
    from simulator.results.runner import Results

    folder = Path(folder)
    scenario = outcome.setup.scenario
    if outcome.stopped_at is not None:  # stopped before its end: the incidents still open are censored there
        scenario = scenario.model_copy(update={"horizon": outcome.stopped_at})
    log = tuple(outcome.log)
    results = Results(scenario, outcome.setup.seed, 1, incident_table(log), log, events_level=check_level(events))
    heading = (f"drillsim drill: {scenario.name}, seed {outcome.setup.seed}\n"
               "Play it again: drillsim drill SCENARIO --answers answers.txt")
    with results_folder(folder) as staging:  # one folder, whole (outputs.results_folder)
        written = write_run(results, staging)
        for name, text in ((ANSWERS, outcome.answers.text(heading)),
                           (DEBRIEF, markdown if markdown is not None else debrief_markdown(outcome))):
            written.append(write_text(staging / name, text))
    return [folder / path.name for path in written]


def scripted(drill: Setup, answers: Answers, *, replications: int | None = None) -> tuple[Outcome, list[str]]:
    """`drillsim drill --answers`: play the answers to the drill's end; the outcome, and notes on answers that
    were never asked for."""
    played = play(drill, answers)
    notes = [f"{answers.where(entry)}: never asked for: {entry.verb} {' '.join(entry.args)}".rstrip()
             for entry in played.unused]
    return outcome_of(drill, answers, played, replications=replications), notes
