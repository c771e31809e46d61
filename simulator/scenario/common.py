"""What every part of the scenario models shares: the frozen base model and the small field types."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from simulator.distributions import Constant

Cause = Literal["deployment", "config", "capacity", "dependency", "infrastructure", "unknown"]
CAUSES: tuple[str, ...] = ("deployment", "config", "capacity", "dependency", "infrastructure", "unknown")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
SeverityLevel = Annotated[str, Field(pattern=r"^SEV[1-5]$", description="SEV1 (worst) to SEV5.")]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def constant(text: str) -> Constant:
    return Constant(value=text)


def severity_rank(level: str) -> int:
    """SEV1 → 1 (worst first when sorted)."""
    return int(level[3:])
