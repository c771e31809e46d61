"""A progress bar for long runs: replications done, rate and time left, on stderr.

It appears only once a run has taken longer than `delay` seconds (short runs print nothing extra), only
when stderr is a terminal (nothing animated in pipes, files or CI logs), and never when disabled. With
`size` (the bytes a run's results folder is expected to take, estimated before it starts), the line shows it.
Use it as the `progress(done)` callback of `simulate`, inside a `with` block that removes it at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from simulator.units import format_duration


class RunProgress:
    def __init__(self, total: int, *, enabled: bool = True, delay: float = 1.0, console: Console | None = None,
                 clock: Callable[[], float] = time.monotonic, size: float | None = None):
        self.total = total
        self.size = size
        self.console = console or Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal and not self.console.is_dumb_terminal
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> RunProgress:
        self.started = self.clock()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        elapsed = self.clock() - self.started
        if self.bar is None:
            if elapsed < self.delay or done >= self.total:
                return
            self.bar = Progress(
                TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("replications"),
                TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[left]}"), TextColumn(self.size_text()),
                console=self.console, transient=True,
            )
            self.task = self.bar.add_task("run", total=self.total, rate="", left="")
            self._update(done, elapsed)
            self.bar.start()
        else:
            self._update(done, elapsed)

    def size_text(self) -> str:
        """'· up to 1.2 GB on disk' when the run's size was given, else '': the estimate
        (outputs.folders.expected_bytes) is rounded up, as the check for free space needs it."""
        if self.size is None:
            return ""
        from simulator.outputs.folders import size_text

        return f"· up to {size_text(self.size)} on disk"

    def _update(self, done: int, elapsed: float) -> None:
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate / 60 if rate > 0 else float("nan")  # minutes
        assert self.bar is not None and self.task is not None, "the bar is shown before it is updated"
        self.bar.update(self.task, completed=done, rate=f"· {rate:,.0f}/s" if rate >= 10 else f"· {rate:.1f}/s",
                        left=f"· {format_duration(left, precision=2)} left" if done < self.total else "")
