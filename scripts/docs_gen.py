"""The documentation's generated references, made from the code so that they cannot go stale:

- docs/reference/scenario.md from the pydantic scenario models (simulator/scenario/): every field's type, default,
  unit, meaning (its `Field(description=...)`) and the source or assumption behind its default
  (`json_schema_extra={"source": ...}`);
- docs/reference/commands.md from the Typer app (simulator/cli/): every command's usage, help and options;
- docs/reference/events.md from simulator/events.py: every action of the event log, and an incident's states;
- docs/reference/maturity.md from simulator/scenario/maturity.py: what each maturity level sets, and why.

`make docs` (through the MkDocs hook scripts/mkdocs_hooks.py) writes both before every build; they are not
committed. `python scripts/docs_gen.py` writes them by hand.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel, TypeAdapter

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"
GENERATED = ("scenario.md", "commands.md", "events.md", "maturity.md")


# ── The scenario models ────────────────────────────────────────────────────────────────────────────────────


def _aliases() -> list[tuple[Any, str, str]]:
    """Named field types: (the type, how the reference names it, its unit)."""
    from simulator import fields
    from simulator.distributions import DistributionField
    from simulator.scenario import common, team, traffic

    return [
        (fields.PositiveDuration, "duration", "duration (`45s`, `5m`, `2h`, `3d`, `1w`)"),
        (fields.Duration, "duration", "duration (`45s`, `5m`, `2h`, `3d`, `1w`)"),
        (fields.Probability, "probability", "share, 0 to 1"),
        (fields.Rate, "rate", "count per period (`2/w`, `1/30d`)"),
        (team.TimedDistribution, "[distribution](#distributions), or one per period of the day", "duration"),
        (DistributionField, "[distribution](#distributions)", "duration"),
        (common.Days, "days", "`Mon-Fri`, `Sat, Sun`, `weekdays`"),
        (common.HoursOfDay, "hours of the day", "`09:00-17:00` (local time)"),
        (common.Handoff, "weekday and time", "`Mon 09:00`, or `09:00` daily"),
        (common.TimeZone, "time zone", "IANA name (`Europe/London`)"),
        (common.Moment, "date-time", "`2026-02-01T09:00` (scenario's time zone)"),
        (common.SeverityLevel, "severity", "`SEV1` … `SEV5`"),
        (common.Name, "name", ""),
        (team.People, "list of people (a name, or {name, timezone})", ""),
        (traffic.Level, "load level", "× the normal load"),
    ]


def _hints(model: type[BaseModel]) -> dict[str, Any]:
    return typing.get_type_hints(model, include_extras=True)


def _models_in(tp: Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for arg in get_args(tp) for m in _models_in(arg)]


def _is_distribution(model: type) -> bool:
    return model.__module__ == "simulator.distributions"


def _bounds(metadata) -> str:
    marks = []
    for item in metadata:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(item, attr, None)
            if value is not None and isinstance(item, annotated_types.BaseMetadata | object) and not callable(value):
                marks.append(f"{sign} {value:g}" if isinstance(value, int | float) else f"{sign} {value}")
    return f" ({', '.join(dict.fromkeys(marks))})" if marks else ""


def type_text(tp: Any, aliases: list[tuple[Any, str, str]]) -> str:
    """How the reference names a field's type, linking models to their sections."""
    for alias, text, _ in aliases:
        if tp == alias:
            return text
    origin = get_origin(tp)
    if origin is Annotated:
        inner, *metadata = get_args(tp)
        return type_text(inner, aliases) + _bounds(metadata)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        text = " or ".join(type_text(a, aliases) for a in args)
        return text + (" or null" if len(args) < len(get_args(tp)) else "")
    if origin is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(tp))
    if origin is tuple:
        args = get_args(tp)
        return f"list of {type_text(args[0], aliases)}" if args else "list"
    if origin is dict:
        key, value = get_args(tp)
        return f"mapping: {type_text(key, aliases)} → {type_text(value, aliases)}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    names = {int: "integer", float: "number", str: "text", bool: "true or false", dt.datetime: "date-time",
             Any: "any value"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def unit_text(tp: Any, aliases: list[tuple[Any, str, str]]) -> str:
    for alias, _, unit in aliases:
        if tp == alias:
            return unit
    for arg in get_args(tp):
        if arg is type(None):
            continue
        found = unit_text(arg, aliases)
        if found:
            return found
    return ""


def _plain(value: Any) -> Any:
    """A JSON-ready default made short: a constant distribution as its duration."""
    if isinstance(value, dict):
        if value.get("kind") == "constant" and set(value) == {"kind", "value"}:
            return value["value"]
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def default_text(model: type[BaseModel], name: str, hint: Any) -> str:
    info = model.model_fields[name]
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "none"
    if isinstance(value, BaseModel) and not _is_distribution(type(value)):
        return f"its fields' defaults ([{type(value).__name__}](#{type(value).__name__.lower()}))"
    try:
        shown = _plain(TypeAdapter(hint).dump_python(value, mode="json", by_alias=True))
    except Exception:  # a default no adapter can show is shown as Python writes it
        shown = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    if shown in ((), [], {}, ""):
        return "none"
    text = yaml.safe_dump(shown, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    text = text.removesuffix("\n...").strip()
    return f"`{text}`"


def source_text(model: type[BaseModel], name: str, default: str) -> str:
    extra = model.model_fields[name].json_schema_extra
    if isinstance(extra, dict) and extra.get("source"):
        return str(extra["source"])
    if default in ("required", "none", "`false`") or default.startswith("its fields"):
        return "—"
    return "assumption"


def model_sections() -> list[tuple[type[BaseModel], list[str]]]:
    """Every model reachable from Scenario, in the order a reader meets them, with the paths that use it."""
    from simulator.scenario.model import Scenario

    order: list[type[BaseModel]] = []
    paths: dict[type[BaseModel], list[str]] = {}
    queue: list[tuple[type[BaseModel], str]] = [(Scenario, "")]
    while queue:
        model, path = queue.pop(0)
        paths.setdefault(model, [])
        if path:
            paths[model].append(path)
        if model in order:
            continue
        order.append(model)
        for name, hint in _hints(model).items():
            if name not in model.model_fields:
                continue
            for sub in _models_in(hint):
                if not _is_distribution(sub):
                    suffix = "[]" if get_origin(_strip(hint)) is tuple else (
                        ".*" if get_origin(_strip(hint)) is dict else "")
                    queue.append((sub, f"{path}.{name}{suffix}" if path else f"{name}{suffix}"))
    return [(model, paths[model]) for model in order]


def _strip(hint: Any) -> Any:
    """The hint without Annotated and without None."""
    while get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    if get_origin(hint) in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return _strip(args[0])
    return hint


def undescribed_fields() -> list[str]:
    """Scenario fields without a description (tests/test_docs.py fails on any)."""
    return [f"{model.__name__}.{name}" for model, _ in model_sections() for name, info in model.model_fields.items()
            if not (info.description or "").strip()]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _doc(obj: Any) -> str:
    text = (obj.__doc__ or "").strip()
    return "\n".join(line.strip() for line in text.splitlines() if not re.match(r"^\s*[│├└]", line))


def distribution_rows() -> list[str]:
    from simulator import distributions

    aliases = _aliases()
    rows = []
    for cls in (distributions.Constant, distributions.Exponential, distributions.Lognormal, distributions.Gamma,
                distributions.Weibull, distributions.Uniform, distributions.Triangular, distributions.Empirical):
        kind = get_args(_hints(cls)["kind"])[0]
        params = [f"`{info.alias or name}` ({type_text(_hints(cls)[name], aliases)})"
                  for name, info in cls.model_fields.items() if name != "kind"]
        rows.append(f"| `{kind}` | {', '.join(params)} | {_cell(_doc(cls).split(chr(10) + chr(10))[0])} |")
    return rows


OTHER_ASSUMPTIONS = (
    ("sustainable incidents per 12-hour shift (on-call load)", "2", "the SRE book, \"Being On-Call\""),
    ("a quarter, for incidents per quarter", "90 days", "assumption (the bundled scenarios' quarter)"),
    ("DORA change failure rate bands (elite, high, medium)", "at most 5%, 10%, 15%",
     "DORA's 2023 cluster values, read as upper bounds (an assumption: DORA publishes each cluster's typical "
     "value, not thresholds)"),
    ("DORA failed deployment recovery time bands", "under 1 hour, 1 day, 1 week", "DORA"),
    ("taking up a preempted or reopened incident", "the first free person of the first level, never missed",
     "assumption: the team knows the incident and is waiting for a free hand"),
    ("the shorthand's secondary", "never misses a page", "assumption"),
    ("a page counts as having waited", "when it waited longer than a second", "assumption"),
)
"""Figures that are not scenario fields, with the source behind each."""


def other_assumptions() -> list[str]:
    return [
        "## Other defaults and assumptions", "",
        "Figures that are not scenario fields, with the source behind each (the calibration's own assumptions are "
        "in the [game-day guide](../guides/game-days.md#what-calibration-assumes), and what each maturity level "
        "sets is in [maturity levels](maturity.md)).", "",
        "| what | value | source |", "|---|---|---|",
        *(f"| {what} | {value} | {source} |" for what, value, source in OTHER_ASSUMPTIONS), "",
    ]


def scenario_reference() -> str:
    from simulator.scenario.model import Scenario

    aliases = _aliases()
    out = [
        "# Scenario reference",
        "",
        "<!-- Generated by scripts/docs_gen.py from the models in simulator/scenario/: edit the models' "
        "descriptions, not this file. -->",
        "",
        "Every field of a scenario file, generated from the models that read it (`simulator/scenario/`), so that "
        "adding a field documents it. Each table gives the field's type, its default, its unit, what it means, "
        "and the source behind the default: a published figure where there is one, otherwise an **assumption** "
        "to replace with your team's own numbers. Durations are written with a unit (`45s`, `5m`, `1h 30m`) and "
        "are minutes inside drillsim. [The scenario format](scenario-format.md) walks through a whole file.",
        "",
        "Sections: " + ", ".join(f"[{m.__name__}](#{m.__name__.lower()})" for m, _ in model_sections()) + ", "
        "[distributions](#distributions), [other defaults and assumptions](#other-defaults-and-assumptions).",
        "",
    ]
    for model, paths in model_sections():
        out += [f"## {model.__name__}", ""]
        if model is Scenario:
            out += ["The top level of a scenario file.", ""]
        else:
            out += [f"Where: {', '.join(f'`{p}`' for p in paths)}.", ""]
        doc = _doc(model)
        if doc:
            out += [" ".join(doc.split("\n\n")[0].split()), ""]
        out += ["| field | type | default | unit | what it means | source of the default |",
                "|---|---|---|---|---|---|"]
        hints = _hints(model)
        for name, info in model.model_fields.items():
            hint = hints[name]
            default = default_text(model, name, hint)
            out.append(f"| `{info.alias or name}` | {_cell(type_text(hint, aliases))} | {_cell(default)} | "
                       f"{_cell(unit_text(hint, aliases))} | {_cell(info.description or '')} | "
                       f"{_cell(source_text(model, name, default))} |")
        out.append("")
    out += ["## Distributions", "",
            "Wherever a duration is random, give a distribution: a plain duration is a constant, otherwise a "
            "mapping with a `kind`. `exponential`, `lognormal`, `gamma` and `weibull` also take `shift` (default "
            "0s): a fixed lag added to every draw, the other parameters describing the random part after it "
            "(`{kind: exponential, mean: 5m, shift: 3m}` has a mean of 8m).", "",
            "| kind | parameters | notes |", "|---|---|---|", *distribution_rows(), "", *other_assumptions()]
    return "\n".join(out)


# ── The command line ───────────────────────────────────────────────────────────────────────────────────────


def _markup(text: str) -> str:
    """Rich markup and Typer's escapes as Markdown."""
    text = re.sub(r"\[bold\](.*?)\[/bold\]", r"`\1`", text or "")
    return text.replace("\\[", "[")


def _param_rows(command, ctx) -> list[str]:
    """One row per option or argument, as `--help` writes it (names, value, help, range and default)."""
    rows = []
    for param in command.params:
        record = None if getattr(param, "hidden", False) else param.get_help_record(ctx)
        if record is None:
            continue
        names, text = record
        if getattr(param, "multiple", False) and "repeatable" not in text.lower():
            text += " (repeatable)"
        rows.append(f"| `{names}` | {_cell(_markup(text))} |")
    return rows


def commands_reference() -> str:
    import typer

    from simulator import cli

    root = typer.main.get_command(cli.app)
    out = [
        "# Command reference",
        "",
        "<!-- Generated by scripts/docs_gen.py from the Typer app in simulator/cli/: edit the commands' help, "
        "not this file. -->",
        "",
        "Every command and option of `drillsim`, generated from the command line itself (the same text as "
        "`drillsim COMMAND --help`). Exit status: 0 on success; 1 when a gate fails (`compare --fail-if-worse`, "
        "`score --fail-above`); 2 for bad input, with a message naming the file, line and field, never a "
        "traceback.",
        "",
        "`drillsim --install-completion` installs tab completion for your shell (bash, zsh, fish or PowerShell): "
        "it completes commands and options, and the choices of `--metric`, `--by`, `--preset`, `--mode` and "
        "`--inject` (the failure modes of the scenario on the command line).",
        "",
    ]
    top = root.context_class(root, info_name="drillsim")

    def visit(command, ctx, path):
        if hasattr(command, "list_commands"):  # a group (Typer's own, which need not be click's class)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                visit(sub, type(ctx)(sub, info_name=name, parent=ctx), [*path, name])
            return
        title = " ".join(path)
        usage = " ".join(command.collect_usage_pieces(ctx))
        out.extend([f"## drillsim {title}", "", "```text", f"drillsim {title} {usage}".rstrip(), "```", ""])
        out.extend([_markup(command.help or "").strip(), ""])
        out.extend(["| option | what it does |", "|---|---|", *_param_rows(command, ctx), ""])

    visit(root, top, [])
    return "\n".join(out)


# ── The event log ──────────────────────────────────────────────────────────────────────────────────────────


def events_reference() -> str:
    import importlib

    from simulator import events

    phase_of = getattr(events, "PHASE_OF", {})
    out = [
        "# Event log reference",
        "",
        "<!-- Generated by scripts/docs_gen.py from simulator/events.py: edit the actions' descriptions there, "
        "not this file. -->",
        "",
        "The event log (`events.parquet` in a results folder) is the single source of truth: every state change of "
        "every incident is one event, with `time` (minutes since the start of the replication), `replication`, "
        "`incident`, `phase`, `action`, `actor` (a person, a role, a detection channel, the pager or the system) "
        "and `detail`. Metrics, on-call load, reports, debriefs and scores read the log and nothing else. Within "
        "one replication the log is in time order, and an instant's events are listed by incident.",
        "",
        "| action | phase | what happened |",
        "|---|---|---|",
    ]
    for action, text in events.ACTIONS.items():
        out.append(f"| `{action}` | {phase_of.get(action, '')} | {_cell(text)} |")
    try:  # the incident's states, where the engine writes them down
        doc = importlib.import_module("simulator.engine.incident").__doc__ or ""
    except ImportError:
        doc = ""
    if "──" in doc:
        out += ["", "## An incident's states", "", "As the engine's `simulator/engine/incident.py` states them:", "",
                "```text", doc.strip(), "```"]
    return "\n".join(out) + "\n"


# ── The maturity ladder's presets ──────────────────────────────────────────────────────────────────────────


def maturity_reference() -> str:
    from simulator.report.maturity_table import preset_rows
    from simulator.scenario.maturity import CHECKLIST

    header, rows = preset_rows()
    out = [
        "# Maturity levels",
        "",
        "<!-- Generated by scripts/docs_gen.py from simulator/scenario/maturity.py: edit the presets there, not "
        "this file. -->",
        "",
        "What each level of the incident lifecycle guide's maturity checklist sets, and the source behind each "
        "value: every number is an assumption unless its source names one. `drillsim maturity --explain` prints "
        "the same table. `maturity: LEVEL` in a scenario fills in these fields wherever the file does not give "
        "them; `drillsim maturity` plays the scenario at every level, each level's values replacing the file's. "
        "[Practices and the maturity ladder](../concepts/practices.md#the-maturity-ladder) explains what each "
        "field does.",
        "",
        "| level | the guide's checklist |",
        "|---|---|",
        *(f"| {level.capitalize()} | {'; '.join(items)} |" for level, items in CHECKLIST.items()),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for field, *rest in rows:
        out.append(f"| `{field}` | " + " | ".join(_cell(cell) for cell in rest) + " |")
    return "\n".join(out) + "\n"


def write(folder: Path = REFERENCE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("scenario.md", scenario_reference()), ("commands.md", commands_reference()),
                       ("events.md", events_reference()), ("maturity.md", maturity_reference())):
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(f"Wrote {path.relative_to(ROOT)}", file=sys.stderr)
