"""What the tests share: a guard against hangs that counts no seconds of work.

No test asserts on how long something took: on a loaded machine a quick command can take many times its
usual time. A hang (a loop that never ends, a read that blocks) is caught instead by the `no_hang` fixture, whose limit
is far beyond any input's honest time even on a busy two-core machine.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator

import pytest

HANG_SECONDS = 300
"""Wall-clock seconds after which an input is taken to hang (honest ones take well under a tenth of it)."""


class Hang(BaseException):
    """Raised in the test when a call ran past its limit: a BaseException, so that no `except Exception`
    (CliRunner's, say) swallows it."""


@contextlib.contextmanager
def within(what: str, seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Fail with Hang when the block runs for `seconds` of wall-clock time (SIGALRM; the main thread only)."""

    def hung(signum, frame):
        raise Hang(f"{what} ran for {seconds:.0f} s: it hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def no_hang() -> Callable[..., contextlib.AbstractContextManager[None]]:
    """`with no_hang("report of a damaged folder"): ...` fails the test if the block hangs (see `within`)."""
    return within
