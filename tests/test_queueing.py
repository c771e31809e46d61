"""The engine against queueing theory (seeded, compared within a 99% confidence interval).

Every delay but the responder's holding time is set to zero, so an incident pages the pool at its onset and
holds a responder for exactly its debugging time: the on-call pool is then an M/M/c queue, and the wait for
a responder (the `waited` column, from the `page_delivered` event) must have the mean that Erlang C gives.
Replications are the independent units: the interval is that of the ratio estimator Σ values / Σ counts.
A warm-up is cut at the start of each replication (the queue starts empty), and incidents paged close to
the horizon are left out too (their waits are not over yet).
"""

import math

import numpy as np
import pytest

from simulator import parse_scenario, simulate
from simulator.results.metrics import metric_values, t_quantile

LEVEL = 0.99


def queue(responders, arrivals, holding, *, replications, horizon):
    """An M/M/c pool: Poisson onsets (`arrivals`, a rate or an exponential `every`), exponential holding."""
    scenario = parse_scenario(f"""
name: M/M/{responders}
horizon: {horizon}
replications: {replications}
seed: 20260105
team: {{responders: {responders}, secondary: null, acknowledge: 0s, assemble: 0s}}
policy: {{declare_after: 0s, confirm: 0s, cleanup: 0s}}
failure_modes:
  - name: load
    cause: capacity
    {arrivals}
    detection: {{monitoring: {{delay: 0s}}}}
    mitigations: {{debug: {{duration: {{kind: exponential, mean: {holding}}}}}}}
""")
    return simulate(scenario, keep_events=False, workers=1)


def ratio_interval(values, replication, replications, level=LEVEL):
    """(mean, half-width) of Σ values / Σ counts with replications as the independent units."""
    sums = np.bincount(replication, weights=values, minlength=replications)
    counts = np.bincount(replication, minlength=replications).astype(float)
    mean = sums.sum() / counts.sum()
    variance = np.sum((sums - mean * counts) ** 2) / (replications * (replications - 1)) / counts.mean() ** 2
    return mean, t_quantile(0.5 + level / 2, replications - 1) * math.sqrt(variance)


def erlang_c(c, a):
    """The probability that an incident waits for one of c responders at offered load a (facts.md)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def steady_waits(results, warm_up):
    table = results.incidents
    keep = (table.onset >= warm_up) & (table.onset < results.scenario.horizon - warm_up)
    waited = table.waited[keep]
    assert not np.isnan(waited).any()  # every kept incident has reached a responder
    return waited, table.replication[keep]


def test_erlang_c_formula_reduces_to_known_cases():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 1.5) == pytest.approx(0.2368421, rel=1e-6)


@pytest.fixture(scope="module")
def mm1():
    """λ = 1 per 2h, 1/μ = 1h: ρ = 0.5. 60 replications of 40 days, about 29,000 incidents."""
    return queue(1, "rate: 12/d", "60m", replications=60, horizon="40d")


def test_single_responder_reproduces_the_mm1_mean_wait(mm1):
    lam, mu = 1 / 120, 1 / 60
    expected = (lam / mu) / (mu - lam)  # Wq = ρ / (μ − λ) = 60 minutes
    waited, replication = steady_waits(mm1, warm_up=40 * 60)
    mean, half = ratio_interval(waited, replication, mm1.replications)
    assert expected == pytest.approx(60.0)
    assert abs(mean - expected) < half, (mean, half)
    assert half < 0.12 * expected  # the interval is tight enough to mean something


def test_single_responder_is_busy_a_share_rho_of_the_time(mm1):
    """PASTA: an incident finds the responder busy with probability ρ = 0.5."""
    waited, replication = steady_waits(mm1, warm_up=40 * 60)
    share, half = ratio_interval((waited > 0).astype(float), replication, mm1.replications)
    assert abs(share - 0.5) < half, (share, half)


def test_poisson_onsets_give_the_configured_mtbf(mm1):
    """`rate: 12/d` is an exponential time between failures of mean 2h.

    MTBF's mean is the simulated time over the number of failures, which is unbiased for it: each
    replication's last gap, cut by the horizon, counts as watched time. Its interval is the ratio estimator's
    over replications, each of which watched the whole horizon."""
    stats = mm1.summary()["mtbf"]
    table, horizon, replications = mm1.incidents, mm1.scenario.horizon, mm1.replications
    assert stats.mean == pytest.approx(replications * horizon / len(table))
    assert (stats.count, stats.censored) == (len(table), replications)
    half = (stats.ci_high - stats.ci_low) / 2
    assert abs(stats.mean - 120.0) < half * 2.576 / 1.96, (stats.mean, half)  # inside the 99% interval
    # Exponential, not merely the right mean: a share e⁻¹ of the gaps is longer than the mean.
    gaps = metric_values(table, "mtbf")[0]
    longer = float(np.mean(gaps > 120.0))
    assert abs(longer - math.exp(-1)) < 4 * math.sqrt(math.exp(-1) * (1 - math.exp(-1)) / len(gaps))


@pytest.mark.parametrize(
    ("responders", "every", "holding", "replications", "horizon"),
    [
        (2, "60m", "60m", 40, "30d"),  # a = 1, ρ = 0.5: C = 1/3, Wq = 20 minutes
        (3, "40m", "60m", 30, "25d"),  # a = 1.5, ρ = 0.5: Wq ≈ 9.47 minutes
    ],
)
def test_a_pool_reproduces_the_erlang_c_mean_wait(responders, every, holding, replications, horizon):
    results = queue(responders, f"every: {{kind: exponential, mean: {every}}}", holding,
                    replications=replications, horizon=horizon)
    lam, mu = 1 / float(every[:-1]), 1 / float(holding[:-1])
    a = lam / mu
    expected = erlang_c(responders, a) / (responders * mu - lam)
    waited, replication = steady_waits(results, warm_up=40 * 60)
    mean, half = ratio_interval(waited, replication, replications)
    assert abs(mean - expected) < half, (mean, expected, half)
    assert half < 0.3 * expected
    share, half = ratio_interval((waited > 0).astype(float), replication, replications)
    assert abs(share - erlang_c(responders, a)) < half, (share, half)


# ── Policies compared with common random numbers ───────────────────────────────────────────────────────────

DEPLOYS = """
name: deployments
horizon: 60d
replications: 40
seed: 424242
team:
  responders: 30
  secondary: null
  acknowledge: {kind: lognormal, median: 3m, p95: 12m}
  assemble: {kind: triangular, low: 2m, mode: 5m, high: 15m}
policy:
  declare_after: {kind: lognormal, median: 5m, p95: 20m}
  mitigation: MITIGATION
failure_modes:
  - name: bad-deploy
    cause: deployment
    every: {kind: exponential, mean: 8h}
    detection:
      monitoring: {probability: 0.85, delay: {kind: lognormal, median: 4m, p95: 15m}}
      customer_report: {delay: {kind: lognormal, median: 25m, p95: 2h}}
    mitigations:
      rollback: {duration: {kind: lognormal, median: 8m, p95: 25m}, success: 0.9}
      debug: {duration: {kind: lognormal, median: 90m, p95: 8h}}
"""


def test_rollback_first_beats_debug_first_by_what_the_durations_imply():
    """Debug-first takes a debugging time D; rollback-first takes a rollback time R and, when the rollback
    fails (probability 1 − p), D as well. So MTTR(debug-first) − MTTR(rollback-first) = p·E[D] − E[R]."""
    runs = {}
    for policy in ("rollback-first", "debug-first"):
        scenario = parse_scenario(DEPLOYS.replace("MITIGATION", policy))
        runs[policy] = simulate(scenario, keep_events=False, workers=1)
    first, second = runs["rollback-first"].incidents, runs["debug-first"].incidents
    # The same failures met the same dice: only the mitigation differs.
    assert len(first) > 5000
    np.testing.assert_array_equal(first.onset, second.onset)
    np.testing.assert_array_equal(first.detected, second.detected)
    assert not (first.waited > 0).any() and not (second.waited > 0).any()  # enough responders: no queue
    np.testing.assert_array_equal(first.acknowledged, second.acknowledged)

    mitigations = runs["rollback-first"].scenario.failure_modes[0].mitigations
    p, rollback = mitigations["rollback"].success, mitigations["rollback"].duration
    debug = mitigations["debug"].duration
    expected = p * debug.mean - rollback.mean  # about 126 minutes
    assert expected == pytest.approx(0.9 * 90 * math.exp(debug.log_sigma**2 / 2)
                                     - 8 * math.exp(rollback.log_sigma**2 / 2))

    restored = ~np.isnan(first.mitigated) & ~np.isnan(second.mitigated)
    difference = (second.mitigated - second.onset) - (first.mitigated - first.onset)
    mean, half = ratio_interval(difference[restored], first.replication[restored], 40)
    assert abs(mean - expected) < half, (mean, expected, half)
    assert half < 0.1 * expected

    # Paired, the delays both policies share (detection, declaration, acknowledgement) cancel out: the
    # differences vary less than the difference of two independent runs would.
    unpaired = math.sqrt(np.var(first.mitigated - first.onset, where=restored)
                         + np.var(second.mitigated - second.onset, where=restored))
    assert np.std(difference[restored]) < unpaired


# ── Priorities: SEV1 before SEV3 ───────────────────────────────────────────────────────────────────────────


def two_classes(responders, rate, holding, *, preemption="", replications, horizon, keep_events=False):
    """An M/M/c pool fed by two Poisson classes of the same `rate`, SEV1 (high) and SEV3 (low), with the same
    exponential holding time; every other delay zero, and a resumption after a preemption costs nothing."""
    modes = "".join(f"""
  - name: {name}
    cause: capacity
    severity: {severity}
    rate: {rate}
    detection: {{monitoring: {{delay: 0s}}}}
    mitigations: {{debug: {{duration: {{kind: exponential, mean: {holding}}}}}}}
""" for name, severity in (("high", "SEV1"), ("low", "SEV3")))
    scenario = parse_scenario(f"""
name: two classes
horizon: {horizon}
replications: {replications}
seed: 20260105
team: {{responders: {responders}, secondary: null, acknowledge: 0s, assemble: 0s, handover: 0s{preemption}}}
policy: {{declare_after: 0s, confirm: 0s, cleanup: 0s}}
failure_modes: {modes}
""")
    return simulate(scenario, keep_events=keep_events, workers=1)


def class_waits(results, severity, warm_up):
    """The first waits for a responder of one class's incidents, past the warm-up, and their replications."""
    waited, replication = steady_waits(results, warm_up)
    table = results.incidents
    keep = (table.onset >= warm_up) & (table.onset < results.scenario.horizon - warm_up)
    ours = table.severity[keep] == severity
    return waited[ours], replication[ours]


def cobham(c, rates, mu):
    """Mean waits of non-preemptive priority classes (rates highest class first) in an M/M/c queue whose
    classes share one exponential service rate μ (Cobham 1954):
    W_k = C(c, a) / (cμ (1 − σ_{k−1})(1 − σ_k)), σ_k = Σ_{i ≤ k} λ_i / (cμ), a = Σ λ_i / μ."""
    waits, sigma = [], 0.0
    load = erlang_c(c, sum(rates) / mu)
    for lam in rates:
        before, sigma = sigma, sigma + lam / (c * mu)
        waits.append(load / (c * mu * (1 - before) * (1 - sigma)))
    return waits


def test_cobhams_formula_reduces_to_known_cases():
    mu = 1 / 60
    # One class: Erlang C.
    assert cobham(2, [1 / 60], mu)[0] == pytest.approx(erlang_c(2, 1.0) / (2 * mu - 1 / 60))
    # Work is conserved: the classes' waits average, weighted by their rates, to the first-come wait.
    high, low = cobham(3, [0.5 / 60, 1.2 / 60], mu)
    fcfs = erlang_c(3, 1.7) / (3 * mu - 1.7 / 60)
    assert (0.5 * high + 1.2 * low) / 1.7 == pytest.approx(fcfs)
    assert high < fcfs < low


MU = 1 / 60  # per minute: an hour's holding
PER_CLASS = 0.6 / 60  # per minute, each class: ρ = 0.6 over two responders
PRIORITY = {"responders": 2, "rate": "14.4/d", "holding": "60m", "replications": 40, "horizon": "30d"}
STRICT = 0.999
"""The priority tests' intervals: six checks that must hold for whatever dice the engine deals."""


@pytest.fixture(scope="module")
def without_preemption():
    return two_classes(**PRIORITY)


@pytest.fixture(scope="module")
def with_preemption():
    return two_classes(**PRIORITY, preemption=", preemption: {by: [SEV1], of: [SEV3]}")


def test_priority_without_preemption_matches_cobhams_formula(without_preemption):
    """Two responders, SEV1 and SEV3 arriving at 0.6 an hour each, an hour's exponential holding: the SEV1s
    wait C(2, 1.2)/(2μ · 0.7) ≈ 19m and the SEV3s C(2, 1.2)/(2μ · 0.7 · 0.4) ≈ 48m, against 34m for both were
    they served first come, first served. Each class's mean wait lies within its 99.9% interval (the ratio
    estimator's over replications, the independent units: one replication's waits share a queue), and that
    interval leaves out the first-come, first-served wait."""
    expected = dict(zip(("SEV1", "SEV3"), cobham(2, [PER_CLASS, PER_CLASS], MU), strict=True))
    fcfs = erlang_c(2, 1.2) / (2 * MU - 2 * PER_CLASS)
    assert expected["SEV1"] == pytest.approx(19.2857, rel=1e-4) and fcfs == pytest.approx(33.75)
    for severity, wait in expected.items():
        waited, replication = class_waits(without_preemption, severity, warm_up=40 * 60)
        mean, half = ratio_interval(waited, replication, PRIORITY["replications"], STRICT)
        assert abs(mean - wait) < half, (severity, mean, wait, half)
        assert half < 0.25 * wait and abs(mean - fcfs) > half, (severity, mean, half)  # priority, not FIFO
    assert not without_preemption.incidents.preempted.any()


def test_with_preemptive_resume_the_sev1s_see_a_queue_of_their_own(with_preemption):
    """A SEV1 that finds both responders busy takes one from a SEV3: the SEV3s are invisible to it, and its
    wait is that of an M/M/2 queue at its own load a = 0.6, C(2, 0.6)/(2μ − λ₁) ≈ 5.9m, with a share
    C(2, 0.6) ≈ 14% waiting at all (99.9% ratio intervals over replications)."""
    lam, c = PER_CLASS, 2
    expected = erlang_c(c, lam / MU) / (c * MU - lam)
    waited, replication = class_waits(with_preemption, "SEV1", warm_up=40 * 60)
    mean, half = ratio_interval(waited, replication, PRIORITY["replications"], STRICT)
    assert abs(mean - expected) < half, (mean, expected, half)
    assert half < 0.35 * expected
    assert mean + half < cobham(c, [lam, lam], MU)[0] / 2  # far below the wait without preemption
    share, half = ratio_interval((waited > 0).astype(float), replication, PRIORITY["replications"], STRICT)
    assert abs(share - erlang_c(c, lam / MU)) < half, (share, half)
    table = with_preemption.incidents
    assert table.preempted[table.severity == "SEV3"].sum() > 1000
    assert not table.preempted[table.severity == "SEV1"].any()


def test_a_preempted_incident_is_worked_for_exactly_its_holding_time_in_all():
    """With preemptive resume and a free resumption, a SEV3 is held for its drawn debugging time in total,
    however often it is taken away: the sum of its stretches with a responder (from its stood_down events)
    equals its single stretch in the paired run without preemption (the same dice)."""
    settings = {**PRIORITY, "replications": 4}
    paired = two_classes(**settings, keep_events=True)
    preempting = two_classes(**settings, preemption=", preemption: {by: [SEV1], of: [SEV3]}", keep_events=True)

    def held(results):
        onset, severity, spans = {}, {}, {}
        for e in results.events:
            key = (e.replication, e.incident)
            if e.action == "onset":
                onset[key], severity[key] = e.time, e.detail["severity"]
            elif e.action == "stood_down":
                spans.setdefault(key, []).append(e.time - e.detail["since"])
        resolved = {(e.replication, e.incident) for e in results.events if e.action == "resolved"}
        return {(key[0], onset[key]): spans[key] for key in resolved if severity[key] == "SEV3"}

    alone, taken = held(paired), held(preempting)
    both = alone.keys() & taken.keys()
    assert len(both) > 0.9 * len(alone) > 500
    assert all(len(alone[key]) == 1 for key in both)  # without preemption: one stretch each
    interrupted = [key for key in both if len(taken[key]) > 1]
    assert len(interrupted) > 100 and any(len(taken[key]) > 2 for key in interrupted)
    for key in both:
        assert sum(taken[key]) == pytest.approx(alone[key][0], rel=1e-9, abs=1e-9), key
