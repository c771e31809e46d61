"""drillsim: a chaos-driven incident response drill simulator.

    from simulator import load_scenario, simulate
    results = simulate(load_scenario("scenarios/default.yaml"), replications=500)
    results.summary()["mttr"].median

The names below are imported on first use, so that `import simulator.cli` (and `drillsim --help`) does not
pay for numpy, SimPy and pydantic before a command needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Results", "load_scenario", "parse_scenario", "simulate", "summarize", "write_results"]

if TYPE_CHECKING:
    from simulator.api import Results, load_scenario, parse_scenario, simulate, summarize, write_results


def __getattr__(name: str):
    if name in __all__:
        from simulator import api

        return getattr(api, name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
