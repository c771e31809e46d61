"""drillsim: a chaos-driven incident response drill simulator.

    from simulator import load_scenario, simulate
    results = simulate(load_scenario("scenarios/default.yaml"), replications=500)
    results.summary()["mttr"].median
"""

from simulator.api import Results, load_scenario, parse_scenario, simulate, summarize, write_results

__all__ = ["Results", "load_scenario", "parse_scenario", "simulate", "summarize", "write_results"]
