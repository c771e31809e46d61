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
