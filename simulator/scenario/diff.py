"""What differs between two scenarios, field by field: the changes a comparison's variant makes to its baseline,
whether they came from a second file, a `variants:` entry or `--set` options."""

from __future__ import annotations

from typing import Any

from simulator.scenario.model import Scenario

IGNORED = ("name", "description", "variants")
"""Fields that name or describe a scenario, or list its variants, and change nothing it plays."""


def changes(baseline: Scenario, other: Scenario) -> list[tuple[str, Any, Any]]:
    """(field path, the baseline's value, the other's value) of every field that differs, in the file's order;
    paths as `--set` takes them (team.responders, failure_modes[0].mitigations.rollback.success). A distribution
    is one value: its change is the whole distribution."""
    before = baseline.model_dump(mode="json", exclude=set(IGNORED))
    after = other.model_dump(mode="json", exclude=set(IGNORED))
    out: list[tuple[str, Any, Any]] = []
    _walk("", before, after, out)
    return out


def _walk(path: str, before: Any, after: Any, out: list) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict) and "kind" not in before and "kind" not in after:
        for key in [*before, *(k for k in after if k not in before)]:
            _walk(f"{path}.{key}" if path else str(key), before.get(key), after.get(key), out)
        return
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (one, two) in enumerate(zip(before, after, strict=True)):
            _walk(f"{path}[{index}]", one, two, out)
        return
    out.append((path, before, after))


def value_text(value: Any) -> str:
    """A value as a scenario file would say it, short: durations in minutes are shown as they are stored."""
    if value is None:
        return "none"
    if isinstance(value, dict) and value.get("kind") == "constant" and "value" in value:
        return value_text(value["value"])
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return str(value)


__all__ = ["changes", "value_text"]
