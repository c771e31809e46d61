"""drillsim's engine against a minimal, hand-written SimPy model of the default scenario, one core each.

The minimal model is what someone would write in an afternoon without drillsim: the default scenario's
numbers typed in, the same distributions, people and decisions, stdlib `random` for the dice, one process per
incident, and per-incident times collected in plain lists. It does the same work as the default scenario asks:

- detection by the first of each failure mode's channels to fire: monitoring, the SLO burn alert, a customer
  report and a public post on social media (with its own chance); the two reports come sooner the more shoppers
  the failure reaches, their delay times ((reference impact × reference shoppers) ÷ (impact × shoppers an hour
  at onset)) ** exponent: 0.5 for a customer report (reference impact the mode's own), 1 for a post (reference
  impact 1), the reference shoppers the average over the quarter;
- shoppers per hour by day and hour in London time (1,500 at night, 18,000 in the evening peak, 12,000 on
  weekend days, 8,000 otherwise);
- a weekly rotation of three people as primary and the next week's primary as secondary, handed over on
  Mondays at 09:00 in London, and the manager as the third level, each person a SimPy PriorityResource (a
  page waits for them by severity, SEV1 first);
- escalation after ten minutes a level, everyone paged so far still able to answer, the first to
  acknowledge taking the incident, the others let go; the whole policy paged once more when nobody answers;
- acknowledgement times by the period of the paged person's day (business hours, out of hours, night) in
  London time, daylight saving included; missed pages;
- a handover to the incoming primary when a responder's week ends mid-incident;
- stakeholder updates every 30 minutes for a SEV1 and every hour for a SEV2, from declaration until service
  is restored (the policy's default cadence; the default team's Comms lead sends them on time).

It keeps no event log and validates nothing. drillsim plays the same scenario through
`simulate(..., workers=1, oncall_load=False)`, in chunks of the size a run of a million incidents has (about
10,000 incidents, as any run in one process has them): it reads every
incident's dice from counter-based streams, logs every event and reduces the log to its incident table, the
same work (the ratio is taken on this). A second
line plays it as `drillsim run` does, the log reduced to each person's on-call load too (pages, hours held,
sleep, pay), which the minimal model does not work out; sweeps and maturity ladders leave it out. Both run in
the same process, alternating, and the best of several rounds is kept; times are the process's CPU time
(time.process_time), not the wall clock, so that a busy machine disturbs the ratio as little as possible.

    python benchmarks/engine_vs_simpy.py [--replications 2000] [--rounds 3]
    python benchmarks/engine_vs_simpy.py --instructions [--replications 300]

Prints incidents per second for both, their ratio, and the mean TTD, TTA and TTR of both as a check that they
do the same work. CPU time still moves by 10 to 30% between runs on a machine others share; `--instructions`
counts instead the machine instructions each side executes per incident, under valgrind's callgrind, which
gives the same count whatever else the machine is doing. Each side runs in a fresh process at a fifth of the
replications and at all of them, and the difference between the two counts is divided by the difference in
incidents, so that start-up (imports, the scenario's validation) drops out. Instructions are not time (a cache
miss costs more than an addition), but a change that removes instructions from the engine's path shows as
such here, however busy the machine. It needs valgrind and takes a few minutes. It counts one more line: the
engine playing into a log that keeps nothing but the number of incidents, which is as fast as drillsim could go
with the engine's steps as they are and recording made free.

A figure, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import machine
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# ── The minimal model: the default scenario, typed in ─────────────────────────────────────────────────────

MINUTE, HOUR, DAY, WEEK = 1.0, 60.0, 1440.0, 10080.0
Z95 = 1.6448536269514722
HORIZON = 90 * DAY
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 1, 5, 9, 0, tzinfo=LONDON)  # a Monday 09:00: the rotations hand over from here
START_UTC = START.astimezone(UTC)
PRIMARY, SECONDARY, MANAGER = ("Ana", "Ben", "Cleo"), ("Ben", "Cleo", "Ana"), "Chen"
MISS, ESCALATE, REPEATS, HANDOVER = 0.05, 10 * MINUTE, 1, 15 * MINUTE
POSTMORTEM_SEVERITIES = ("SEV1", "SEV2")
UPDATES = {"SEV1": 30 * MINUTE, "SEV2": HOUR}


def lognormal(median, p95):
    mu, sigma = math.log(median), math.log(p95 / median) / Z95
    return lambda rnd: rnd.lognormvariate(mu, sigma)


ACKNOWLEDGE = {"business": lognormal(2 * MINUTE, 8 * MINUTE), "evening": lognormal(4 * MINUTE, 15 * MINUTE),
               "night": lognormal(8 * MINUTE, 25 * MINUTE)}
DECLARE = lognormal(5 * MINUTE, 20 * MINUTE)
CLEANUP = lognormal(2 * HOUR, DAY)
CONFIRM = 15 * MINUTE


def assemble(rnd):
    return rnd.triangular(2 * MINUTE, 15 * MINUTE, 5 * MINUTE)


def postmortem(rnd):
    return rnd.uniform(DAY, 5 * DAY)


def exponential(mean):
    return lambda rnd: rnd.expovariate(1 / mean)


def constant(value):
    return lambda rnd: value


def local_time(now):
    """London's wall clock at simulated minute `now` (the clocks change on the way: add in UTC)."""
    return (START_UTC + timedelta(minutes=now)).astimezone(LONDON)


def period(now):
    """The period of the day in London at simulated minute `now`."""
    local = local_time(now)
    if local.hour >= 23 or local.hour < 7:
        return "night"
    return "business" if local.weekday() < 5 and 9 <= local.hour < 17 else "evening"


def _minutes(local):
    return (local.astimezone(UTC) - START.astimezone(UTC)).total_seconds() / 60


# Monday 09:00 in London each week, in simulated minutes (the clocks change in between).
HANDOFFS = [_minutes(datetime(2026, 1, 5, 9, 0, tzinfo=LONDON) + timedelta(weeks=w)) for w in range(15)]


def shoppers(local):
    """Shoppers per hour at London time `local`: the first rule that matches counts."""
    if local.hour < 7:
        return 1500
    if 19 <= local.hour < 22:
        return 18000
    if local.weekday() >= 5 and 9 <= local.hour < 19:
        return 12000
    return 8000


# Shoppers per hour in each hour of the quarter (the rules change on the hour, and so do London's clocks), and
# their average over the quarter: the reference at which the reports' delays hold as written.
SHOPPERS = [shoppers(local_time(hour * HOUR + 30 * MINUTE)) for hour in range(int(HORIZON / HOUR))]
REFERENCE_SHOPPERS = sum(SHOPPERS) / len(SHOPPERS)


def reach(reference_impact, impact, exponent):
    """A report's delay factor by the onset's minute: ((reference impact × reference shoppers) ÷ (impact ×
    shoppers an hour then)) ** exponent."""
    factors = [(reference_impact * REFERENCE_SHOPPERS / (impact * users)) ** exponent for users in SHOPPERS]
    return lambda now: factors[int(now // HOUR)]


def on_call(level, now):
    """Who is paged at `level` (0, 1, 2) at minute `now`, and when their turn there ends."""
    if level == 2:
        return MANAGER, math.inf
    week = bisect_right(HANDOFFS, now) - 1
    return (PRIMARY, SECONDARY)[level][week % 3], HANDOFFS[week + 1]


# Each mode: name, cause, time between onsets, severities and weights, channels (name, probability, delay, reach
# factor by the onset's minute or None), mitigations (name, duration, success). A customer report's delay holds at
# the mode's own impact (exponent 0.5); a post's at a full outage (exponent 1: a 5% failure is posted 20× later).
POST = lognormal(10 * MINUTE, 45 * MINUTE)
MODES = (
    ("bad-deploy", "deployment", exponential(2 * WEEK), (("SEV2", "SEV3"), (0.3, 0.7)),
     (("monitoring", 0.85, lognormal(4 * MINUTE, 15 * MINUTE), None),
      ("slo_burn", 1.0, constant((1 - 0.999) / 0.05 * HOUR * 14.4), None),
      ("customer_report", 1.0, lognormal(25 * MINUTE, 2 * HOUR), reach(0.05, 0.05, 0.5)),
      ("social_media", 0.3, POST, reach(1.0, 0.05, 1.0))),
     (("rollback", lognormal(8 * MINUTE, 25 * MINUTE), 0.9), ("debug", lognormal(90 * MINUTE, 8 * HOUR), 1.0))),
    ("config-push", "config", exponential(3 * WEEK), (("SEV2", "SEV3"), (0.2, 0.8)),
     (("monitoring", 0.6, lognormal(6 * MINUTE, 30 * MINUTE), None),
      ("customer_report", 1.0, lognormal(40 * MINUTE, 3 * HOUR), reach(0.1, 0.1, 0.5)),
      ("social_media", 0.3, POST, reach(1.0, 0.1, 1.0))),
     (("rollback", lognormal(10 * MINUTE, 30 * MINUTE), 0.9), ("debug", lognormal(45 * MINUTE, 4 * HOUR), 1.0))),
    ("traffic-peak", "capacity", exponential(6 * WEEK), (("SEV1", "SEV2", "SEV3"), (0.2, 0.5, 0.3)),
     (("monitoring", 0.95, lognormal(3 * MINUTE, 10 * MINUTE), None),
      ("customer_report", 1.0, lognormal(15 * MINUTE, HOUR), reach(0.3, 0.3, 0.5)),
      ("social_media", 0.5, POST, reach(1.0, 0.3, 1.0))),
     (("drain", lognormal(15 * MINUTE, 45 * MINUTE), 0.7), ("debug", lognormal(2 * HOUR, 10 * HOUR), 1.0))),
    ("payment-provider-outage", "dependency", exponential(8 * WEEK), (("SEV1", "SEV2"), (0.5, 0.5)),
     (("monitoring", 0.9, lognormal(5 * MINUTE, 20 * MINUTE), None),
      ("customer_report", 1.0, lognormal(20 * MINUTE, 90 * MINUTE), reach(0.6, 0.6, 0.5)),
      ("social_media", 0.7, POST, reach(1.0, 0.6, 1.0))),
     (("failover", lognormal(20 * MINUTE, HOUR), 0.8), ("debug", lognormal(2 * HOUR, 12 * HOUR), 1.0))),
)
# Columns of a row: replication, incident, mode, severity, channel, responder, mitigation, escalated,
# onset, detected, declared, acknowledged, mitigated, resolved, cleaned_up, updates sent.
NAN = math.nan


def answer(env, rnd, person, rank, level, answered):
    """A page reaching one person: they take it when free (most severe first), then acknowledge, or miss it."""
    request = person.request(priority=rank)
    try:
        yield request
        if rnd.random() < MISS:
            person.release(request)
            return
        yield env.timeout(ACKNOWLEDGE[period(env.now)](rnd))
        if not answered.triggered:
            answered.succeed((person, request, level))
            return
        person.release(request)
    except simpy.Interrupt:
        if request.triggered:
            person.release(request)
        else:
            request.cancel()


def page(env, rnd, people, rank, row):
    """Notify level after level; the first to acknowledge wins and the others are let go."""
    answered = env.event()
    calls = []
    for repeat in range(REPEATS + 1):
        for level in range(3):
            name, _ = on_call(level, env.now)
            if level or repeat:
                row[7] = True
            calls.append(env.process(answer(env, rnd, people[name], rank, level, answered)))
            yield answered | env.timeout(ESCALATE)
            if answered.triggered:
                break
        if answered.triggered:
            break
    if not answered.triggered:
        yield answered
    for call in calls:
        if call.is_alive:
            call.interrupt()
    return answered.value


def updates(env, cadence, restored, row):
    """Tell stakeholders how it goes, every `cadence`, until service is restored."""
    while True:
        yield env.timeout(cadence)
        if restored.triggered:
            return
        row[15] += 1


def incident(env, rnd, people, mode, row):
    _, cause, _, (levels, weights), channels, mitigations = mode
    severity = rnd.choices(levels, weights)[0]
    rank = int(severity[3])
    row[3] = severity
    # Detection: the earliest channel that fires, a report's delay times its reach factor at onset.
    delay, channel = math.inf, ""
    for label, probability, draw, factor in channels:
        if rnd.random() < probability:
            d = draw(rnd) if factor is None else draw(rnd) * factor(env.now)
            if d < delay:
                delay, channel = d, label
    yield env.timeout(delay)
    row[4], row[9] = channel, env.now
    yield env.timeout(DECLARE(rnd))
    row[10] = env.now
    restored_event = env.event()
    if severity in UPDATES:
        env.process(updates(env, UPDATES[severity], restored_event, row))
    person, request, level = yield from page(env, rnd, people, rank, row)
    row[5], row[11] = person, env.now
    work = [assemble(rnd)]
    for label, duration, success in mitigations:
        work.append(duration(rnd))
        works = rnd.random() < success and (label != "rollback" or cause == "deployment")
        if label == "debug" or works:
            break
    row[6] = label
    work.append(CONFIRM)
    _, turn_end = on_call(level, env.now)
    restored = env.now + sum(work[:-1])
    end = restored + CONFIRM
    # The responder's week may end mid-incident: the incoming person takes over if free, the work pausing
    # for the handover.
    if turn_end < end:
        if restored <= turn_end:
            yield env.timeout(restored - env.now)
            row[12] = env.now
            restored_event.succeed()
        yield env.timeout(turn_end - env.now)
        incoming = people[on_call(level, env.now)[0]]
        if incoming is not person and incoming.count == 0 and not incoming.queue:
            handover = incoming.request(priority=rank)
            yield handover
            yield env.timeout(HANDOVER)
            person.release(request)
            person, request = incoming, handover
            restored, end = restored + HANDOVER, end + HANDOVER
    if math.isnan(row[12]):
        yield env.timeout(restored - env.now)
        row[12] = env.now
        restored_event.succeed()
    yield env.timeout(end - env.now)
    row[13] = env.now
    person.release(request)
    yield env.timeout(CLEANUP(rnd))
    row[14] = env.now
    if severity in POSTMORTEM_SEVERITIES:
        yield env.timeout(postmortem(rnd))


def arrivals(env, people, rnd, mode, rows, replication):
    gap = mode[2]
    while True:
        yield env.timeout(gap(rnd))
        row = [replication, len(rows) + 1, mode[0], "", "", "", "", False, env.now, NAN, NAN, NAN, NAN, NAN, NAN, 0]
        rows.append(row)
        env.process(incident(env, rnd, people, mode, row))


def minimal_replication(seed, replication, rows):
    rnd = random.Random(seed * 1_000_003 + replication)
    env = simpy.Environment()
    people = {name: simpy.PriorityResource(env, capacity=1) for name in (*PRIMARY, MANAGER)}
    for name, resource in people.items():
        resource.name = name
    for mode in MODES:
        env.process(arrivals(env, people, rnd, mode, rows, replication))
    env.run(until=HORIZON)


def minimal(replications, seed):
    rows = []
    for replication in range(replications):
        minimal_replication(seed, replication, rows)
    return rows


# ── The benchmark ─────────────────────────────────────────────────────────────────────────────────────────


def mean_of(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values)


SIDES = {"minimal": "minimal SimPy model", "drillsim": "drillsim engine", "load": "  with on-call load",
         "bare": "  logging nothing"}


class Onsets:
    """A log that keeps nothing but a count of incidents: the engine's own steps, without the work of recording
    what happened (the incident table, the on-call load), which no run can do without."""

    def __init__(self):
        self.count = 0

    def sinks(self) -> dict:
        def onset(*_event):
            self.count += 1

        return {"onset": onset}


def play_side(side: str, replications: int) -> int:
    """Runs in a child process under callgrind: one side's replications; returns their incidents."""
    from simulator import load_scenario, simulate
    from simulator.scenario.bundled import default_scenario

    scenario = load_scenario(default_scenario())
    if side == "minimal":
        return len(minimal(replications, scenario.seed))
    if side == "bare":
        from simulator.engine.run import Engine

        engine, log = Engine(scenario), Onsets()
        for replication in range(replications):
            engine.play(scenario.seed, replication, log)
        return log.count
    results = simulate(scenario, replications=replications, keep_events=False, workers=1,
                       oncall_load=side == "load")
    return len(results.incidents)


def counted(side: str, replications: int) -> tuple[int, int]:
    """(instructions, incidents) of a fresh process that plays `replications` of `side`, under callgrind."""
    with tempfile.TemporaryDirectory(prefix="drillsim-callgrind-") as folder:
        out = Path(folder) / "callgrind.out"
        # the same hash seed and one BLAS thread in every run: set iteration and thread start-up stay alike
        environment = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
        done = subprocess.run(["valgrind", "--tool=callgrind", "-q", f"--callgrind-out-file={out}", sys.executable,
                               __file__, "--side", side, "--replications", str(replications)],
                              capture_output=True, text=True, env=environment)
        if done.returncode != 0:
            raise SystemExit(f"{side} under callgrind failed (exit status {done.returncode}):\n{done.stderr}")
        for line in out.read_text().splitlines():
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1]), int(done.stdout.split()[-1])
    raise SystemExit(f"callgrind wrote no instruction count for {side}")


def instructions(replications: int) -> None:
    """Instructions per incident of each side, start-up taken out by playing a fifth of the replications too."""
    if shutil.which("valgrind") is None:
        print("--instructions needs valgrind (Debian: apt-get install valgrind)", file=sys.stderr)
        raise SystemExit(2)
    few = max(1, replications // 5)
    print(f"machine: {machine.describe()}")
    print(f"work: the default scenario, {few} and {replications} replications in fresh processes under "
          f"callgrind (drillsim's in chunks as large as a large run's), one core each; instructions per incident "
          f"from the difference")
    runs = [(side, n) for side in SIDES for n in (few, replications)]
    with ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:
        counts = dict(zip(runs, pool.map(lambda run: counted(*run), runs), strict=True))
    per_incident = {}
    print()
    print(f"{'':22}{'incidents':>10}{'instructions':>16}{'per incident':>14}")
    for side, label in SIDES.items():
        (low, low_incidents), (high, high_incidents) = counts[side, few], counts[side, replications]
        per_incident[side] = (high - low) / (high_incidents - low_incidents)
        print(f"{label:22}{high_incidents - low_incidents:>10,}{high - low:>16,}{per_incident[side]:>14,.0f}")
    print()
    print(f"drillsim / minimal throughput, by instructions: {per_incident['minimal'] / per_incident['drillsim']:.3f} "
          f"({per_incident['minimal'] / per_incident['load']:.3f} with the on-call load; "
          f"{per_incident['minimal'] / per_incident['bare']:.3f} for the engine's steps alone, logging nothing)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", "-n", type=int, default=None,
                        help="replications a side (default: 2000 timed, 300 counted)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each is kept")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead of timing (steady on a busy machine)")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)  # a child process of --instructions
    args = parser.parse_args(argv)
    if args.side:
        print(play_side(args.side, args.replications))
        return
    if args.instructions:
        instructions(args.replications or 300)
        return
    args.replications = args.replications or 2000

    from simulator import load_scenario, simulate
    from simulator.results.runner import chunk_size
    from simulator.scenario.bundled import default_scenario

    scenario = load_scenario(default_scenario())
    chunk = chunk_size(scenario, args.replications, 1, False)  # what simulate cuts a run in one process into
    print(f"machine: {machine.describe()}")
    print(f"work: the default scenario ({scenario.name}, 90 days, a weekly rotation and three escalation "
          f"levels), {args.replications} replications (drillsim's in chunks of {chunk}), one core each, best of "
          f"{args.rounds} rounds")

    best_minimal = best_drillsim = best_with_load = math.inf
    for _ in range(args.rounds):
        start = time.process_time()
        rows = minimal(args.replications, scenario.seed)
        best_minimal = min(best_minimal, time.process_time() - start)
        start = time.process_time()
        results = simulate(scenario, replications=args.replications, keep_events=False, workers=1,
                           oncall_load=False)
        best_drillsim = min(best_drillsim, time.process_time() - start)
        start = time.process_time()
        simulate(scenario, replications=args.replications, keep_events=False, workers=1)
        best_with_load = min(best_with_load, time.process_time() - start)

    table = results.incidents
    minimal_rate, drillsim_rate = len(rows) / best_minimal, len(table) / best_drillsim
    print()
    print(f"{'':22}{'incidents':>10}{'seconds':>9}{'incidents/s':>13}{'mean TTD':>10}{'mean TTA':>10}"
          f"{'mean TTR':>10}{'updates':>9}")
    print(f"{'minimal SimPy model':22}{len(rows):>10}{best_minimal:>9.2f}{minimal_rate:>13,.0f}"
          f"{mean_of([r[9] - r[8] for r in rows]):>9.1f}m{mean_of([r[11] - r[9] for r in rows]):>9.1f}m"
          f"{mean_of([r[12] - r[8] for r in rows]):>9.1f}m{mean_of([r[15] for r in rows]):>9.2f}")
    print(f"{'drillsim engine':22}{len(table):>10}{best_drillsim:>9.2f}{drillsim_rate:>13,.0f}"
          f"{mean_of((table.detected - table.onset).tolist()):>9.1f}m"
          f"{mean_of((table.acknowledged - table.detected).tolist()):>9.1f}m"
          f"{mean_of((table.mitigated - table.onset).tolist()):>9.1f}m{mean_of(table.updates.tolist()):>9.2f}")
    print(f"{'  with on-call load':22}{len(table):>10}{best_with_load:>9.2f}{len(table) / best_with_load:>13,.0f}")
    print()
    print(f"drillsim / minimal throughput: {drillsim_rate / minimal_rate:.2f} "
          f"({len(table) / best_with_load / minimal_rate:.2f} with the on-call load)")


if __name__ == "__main__":
    main()
