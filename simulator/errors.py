"""The one root exception of drillsim, and the scenario error that carries every problem found."""

from __future__ import annotations

from dataclasses import dataclass


class DrillsimError(Exception):
    """Root of every error drillsim raises on purpose; the CLI catches it once and exits with status 2."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario: where it is (file, line, column, field path) and what is wrong."""

    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class ScenarioError(DrillsimError):
    """A scenario could not be loaded; `problems` lists everything wrong with it, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.column or 0, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))
