"""Running a piece of code with one BLAS thread and with two, for tests that a figure's last bits do not depend
on how many cores the machine has."""

from __future__ import annotations

import os
import subprocess
import sys


def outputs_by_blas_threads(code: str) -> set[str]:
    """What `code` prints, run in a fresh interpreter with one BLAS thread and with two: one output when the
    figures it prints do not depend on the threads."""
    return {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}).stdout
            for threads in ("1", "2")}
