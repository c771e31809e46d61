"""Field types shared by the scenario models: durations with units, probabilities, rates."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

from simulator.units import format_duration, parse_duration, parse_rate

DURATION_PATTERN = r"^\s*(0|(\d+(\.\d*)?|\.\d+)\s*[a-zA-Z]+(\s*(\d+(\.\d*)?|\.\d+)\s*[a-zA-Z]+)*)\s*$"

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(lambda minutes: format_duration(minutes, precision=5), return_type=str),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": DURATION_PATTERN}, {"const": 0}],
            "description": "A duration with a unit: '45s', '5m', '2h', '3d', '1w', or combined as '1h 30m' "
            "(a bare 0 is also accepted).",
        }
    ),
]
"""Minutes, written in YAML with a unit ("45s", "5m", "2h", "3d", "1w")."""

PositiveDuration = Annotated[Duration, Field(gt=0)]

Probability = Annotated[float, Field(ge=0.0, le=1.0, description="A probability between 0 and 1.")]

Rate = Annotated[
    float,
    BeforeValidator(parse_rate, json_schema_input_type=str),
    Field(
        json_schema_extra={
            "type": "string",
            "pattern": r"^\s*\d+(\.\d*)?\s*/\s*.+$",
            "description": "Occurrences per period, e.g. '2/w' (two a week) or '1/30d'.",
        }
    ),
]
"""Occurrences per minute, written in YAML as "count/period" ("2/w", "1/30d")."""
