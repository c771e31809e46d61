"""What the benchmarks ran on, printed with their figures."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> str:
    import numpy
    import simpy

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cpu_model()}, {cores} cores; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SimPy {simpy.__version__}, numpy {numpy.__version__}")


def load() -> str:
    """The load average over 1, 5 and 15 minutes: how busy the machine was while a figure was taken."""
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def cpu_seconds(who: int) -> float:
    """User and system CPU seconds of this process (resource.RUSAGE_SELF) or of its ended children
    (resource.RUSAGE_CHILDREN)."""
    import resource

    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def peak_mb(who: int) -> float:
    """Peak resident set in MB of this process or of its largest ended child (Linux reports ru_maxrss in KB)."""
    import resource

    return resource.getrusage(who).ru_maxrss / 1024


def default_scenario_for(incidents: int):
    """The bundled default scenario and the replications that give about `incidents` incidents of it."""
    from simulator.results.runner import expected_incidents
    from simulator.scenario import load_scenario
    from simulator.scenario.bundled import default_scenario

    scenario = load_scenario(default_scenario())
    return scenario, max(1, round(incidents / expected_incidents(scenario)))


def in_fresh_process(script: str, *args: object) -> dict:
    """Run `python SCRIPT --one ARGS…` in a fresh process (so that its peak memory and CPU time are its own) and
    read the JSON object its last line prints."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, script, "--one", *map(str, args)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
