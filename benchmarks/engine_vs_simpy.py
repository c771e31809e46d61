"""drillsim's engine against a minimal, hand-written SimPy model of the default scenario, one core each.

The minimal model is what someone would write in an afternoon without drillsim: the default scenario's
numbers typed in, the same distributions, responders and decisions, stdlib `random` for the dice, one
process per incident, and per-incident times collected in plain lists. It keeps no event log and validates
nothing. drillsim plays the same scenario through `simulate(..., workers=1)`: it deals every incident's
dice from per-purpose streams, logs every event and reduces the log to its incident table. Both run in
the same process, alternating, and the best of several rounds is kept, so that a noisy machine disturbs
the ratio as little as possible.

    python benchmarks/engine_vs_simpy.py [--replications 2000] [--rounds 3]

Prints incidents per second for both, their ratio, and the mean TTD and TTR of both as a check that they
do the same work. A figure, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import machine
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# ── The minimal model: the default scenario, typed in ─────────────────────────────────────────────────────

MINUTE, HOUR, DAY, WEEK = 1.0, 60.0, 1440.0, 10080.0
Z95 = 1.6448536269514722
HORIZON = 90 * DAY
RESPONDERS = ("Ana", "Ben")
SECONDARY = "Chen (engineering manager)"
MISS, ESCALATE = 0.05, 15 * MINUTE
POSTMORTEM_SEVERITIES = ("SEV1", "SEV2")


def lognormal(median, p95):
    mu, sigma = math.log(median), math.log(p95 / median) / Z95
    return lambda rnd: rnd.lognormvariate(mu, sigma)


ACKNOWLEDGE = lognormal(3 * MINUTE, 12 * MINUTE)
SECONDARY_ACKNOWLEDGE = lognormal(5 * MINUTE, 20 * MINUTE)
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


# Each mode: name, cause, time between onsets, severities and weights, channels (name, probability, delay),
# mitigations (name, duration, success).
MODES = (
    ("bad-deploy", "deployment", exponential(2 * WEEK), (("SEV2", "SEV3"), (0.3, 0.7)),
     (("monitoring", 0.85, lognormal(4 * MINUTE, 15 * MINUTE)),
      ("slo_burn", 1.0, constant((1 - 0.999) / 0.05 * HOUR * 14.4)),
      ("customer_report", 1.0, lognormal(25 * MINUTE, 2 * HOUR))),
     (("rollback", lognormal(8 * MINUTE, 25 * MINUTE), 0.9), ("debug", lognormal(90 * MINUTE, 8 * HOUR), 1.0))),
    ("config-push", "config", exponential(3 * WEEK), (("SEV2", "SEV3"), (0.2, 0.8)),
     (("monitoring", 0.6, lognormal(6 * MINUTE, 30 * MINUTE)),
      ("customer_report", 1.0, lognormal(40 * MINUTE, 3 * HOUR))),
     (("rollback", lognormal(10 * MINUTE, 30 * MINUTE), 0.9), ("debug", lognormal(45 * MINUTE, 4 * HOUR), 1.0))),
    ("traffic-peak", "capacity", exponential(6 * WEEK), (("SEV1", "SEV2", "SEV3"), (0.2, 0.5, 0.3)),
     (("monitoring", 0.95, lognormal(3 * MINUTE, 10 * MINUTE)),
      ("customer_report", 1.0, lognormal(15 * MINUTE, HOUR))),
     (("drain", lognormal(15 * MINUTE, 45 * MINUTE), 0.7), ("debug", lognormal(2 * HOUR, 10 * HOUR), 1.0))),
    ("payment-provider-outage", "dependency", exponential(8 * WEEK), (("SEV1", "SEV2"), (0.5, 0.5)),
     (("monitoring", 0.9, lognormal(5 * MINUTE, 20 * MINUTE)),
      ("customer_report", 1.0, lognormal(20 * MINUTE, 90 * MINUTE))),
     (("failover", lognormal(20 * MINUTE, HOUR), 0.8), ("debug", lognormal(2 * HOUR, 12 * HOUR), 1.0))),
)
# Columns of a row: replication, incident, mode, severity, channel, responder, mitigation, escalated,
# onset, detected, declared, acknowledged, mitigated, resolved, cleaned_up.
NAN = math.nan


def incident(env, pool, rnd, mode, row):
    _, cause, _, (levels, weights), channels, mitigations = mode
    severity = rnd.choices(levels, weights)[0]
    row[3] = severity
    # Detection: the earliest channel that fires.
    delay, channel = math.inf, ""
    for label, probability, draw in channels:
        if rnd.random() < probability:
            d = draw(rnd)
            if d < delay:
                delay, channel = d, label
    yield env.timeout(delay)
    row[4], row[9] = channel, env.now
    yield env.timeout(DECLARE(rnd))
    row[10] = env.now
    held = yield pool.get()
    ack = ACKNOWLEDGE(rnd)
    if rnd.random() < MISS or ack > ESCALATE:
        yield env.timeout(ESCALATE)
        row[7] = True
        yield env.timeout(SECONDARY_ACKNOWLEDGE(rnd))
        responder = SECONDARY
    else:
        yield env.timeout(ack)
        responder = RESPONDERS[held]
    row[5], row[11] = responder, env.now
    yield env.timeout(assemble(rnd))
    for label, duration, success in mitigations:
        yield env.timeout(duration(rnd))
        works = rnd.random() < success and (label != "rollback" or cause == "deployment")
        if label == "debug" or works:
            break
    row[6], row[12] = label, env.now
    yield env.timeout(CONFIRM)
    row[13] = env.now
    pool.put(held)
    yield env.timeout(CLEANUP(rnd))
    row[14] = env.now
    if severity in POSTMORTEM_SEVERITIES:
        yield env.timeout(postmortem(rnd))


def arrivals(env, pool, rnd, mode, rows, replication):
    gap = mode[2]
    while True:
        yield env.timeout(gap(rnd))
        row = [replication, len(rows) + 1, mode[0], "", "", "", "", False, env.now, NAN, NAN, NAN, NAN, NAN, NAN]
        rows.append(row)
        env.process(incident(env, pool, rnd, mode, row))


def minimal_replication(seed, replication, rows):
    rnd = random.Random(seed * 1_000_003 + replication)
    env = simpy.Environment()
    pool = simpy.Store(env, capacity=len(RESPONDERS))
    pool.items.extend(range(len(RESPONDERS)))
    for mode in MODES:
        env.process(arrivals(env, pool, rnd, mode, rows, replication))
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", "-n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each is kept")
    args = parser.parse_args(argv)

    from simulator import load_scenario, simulate
    from simulator.scenario.bundled import default_scenario

    scenario = load_scenario(default_scenario())
    print(f"machine: {machine.describe()}")
    print(f"work: the default scenario ({scenario.name}, 90 days, 2 responders), "
          f"{args.replications} replications, one core each, best of {args.rounds} rounds")

    best_minimal = best_drillsim = math.inf
    for _ in range(args.rounds):
        start = time.perf_counter()
        rows = minimal(args.replications, scenario.seed)
        best_minimal = min(best_minimal, time.perf_counter() - start)
        start = time.perf_counter()
        results = simulate(scenario, replications=args.replications, keep_events=False, workers=1)
        best_drillsim = min(best_drillsim, time.perf_counter() - start)

    table = results.incidents
    minimal_rate, drillsim_rate = len(rows) / best_minimal, len(table) / best_drillsim
    print()
    print(f"{'':22}{'incidents':>10}{'seconds':>9}{'incidents/s':>13}{'mean TTD':>10}{'mean TTR':>10}")
    print(f"{'minimal SimPy model':22}{len(rows):>10}{best_minimal:>9.2f}{minimal_rate:>13,.0f}"
          f"{mean_of([r[9] - r[8] for r in rows]):>9.1f}m{mean_of([r[12] - r[8] for r in rows]):>9.1f}m")
    print(f"{'drillsim engine':22}{len(table):>10}{best_drillsim:>9.2f}{drillsim_rate:>13,.0f}"
          f"{mean_of((table.detected - table.onset).tolist()):>9.1f}m"
          f"{mean_of((table.mitigated - table.onset).tolist()):>9.1f}m")
    print()
    print(f"drillsim / minimal throughput: {drillsim_rate / minimal_rate:.2f}")


if __name__ == "__main__":
    main()
