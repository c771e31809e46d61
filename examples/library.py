"""drillsim as a library: the numbers `drillsim run` prints, and a comparison, from Python.

Run from the repository's root: python examples/library.py
"""

from simulator import api, load_scenario, simulate
from simulator.units import format_duration as d

results = simulate(load_scenario("scenarios/default.yaml"), replications=200, seed=7)
mttr = results.summary()["mttr"]  # minutes, like every time in drillsim
print(f"{len(results.incidents)} incidents in 200 simulated quarters")
print(f"MTTR: mean {d(mttr.mean)} (95% CI {d(mttr.ci_low)} to {d(mttr.ci_high)}), median {d(mttr.median)}, "
      f"p95 {d(mttr.p95)}")

comparison = api.compare(sets=["debug-first:policy.mitigation=debug-first"], replications=100, seed=7)
print(comparison.difference("debug-first", "mttr", "median").sentence())
