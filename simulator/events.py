"""The event log: the Scribe's record of every state change, and the single source of truth for metrics.

An event is an immutable record (time, replication, incident, phase, action, actor, detail). Times are
minutes since the start of the replication. `phase` is one of the four lifecycle phases; `action` is one of
ACTIONS below; `actor` is the person or role who acted (or the system); `detail` holds a few plain values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

PHASES = ("detection", "response", "resolution", "learning")

ACTIONS = {
    # Phase 1: detection & declaration
    "deployed": "a deployment reaches production (incident 0, the pipeline; detail: mode, failed: whether it "
                "starts an incident of that mode)",
    "injected": "a failure is started on purpose, a drill (detail: drill, its name)",
    "onset": "the failure starts (detail: mode, cause, severity)",
    "detected": "the first detection channel fires (detail: channel)",
    "declared": "an incident is declared",
    # Phase 2: response & mitigation
    "paged": "the pager starts paging the first escalation level (detail: level)",
    "page_delivered": "the page reaches a person (actor), who may answer it (detail: level, waited: minutes "
                      "since the page opened, period of their day when the scenario has a clock, resume)",
    "page_missed": "a person notified did not acknowledge before the page moved on (detail: level)",
    "escalated": "the page moves on to the next level (detail: level, to: the people notified, repeat, "
                 "mobilised)",
    "acknowledged": "the first person to acknowledge takes the incident (detail: level, waited)",
    "role_assigned": "a role is taken (detail: role, and combined when one person holds two)",
    "roles_assembled": "the other roles are in place (detail: roles)",
    "investigation_started": "the responders investigate instead of trying a mitigation (in a drill)",
    "clue_found": "investigating turned something up (detail: clue, the scenario's text)",
    "mitigation_started": "a mitigation is tried (detail: mitigation)",
    "mitigation_failed": "it did not restore service (detail: mitigation, reason)",
    "mitigated": "service is restored (detail: mitigation)",
    "status_update": "stakeholders are told how it goes (detail: due, on_time; and for an update a person wrote in a "
                     "drill, impact, done and next: the minutes until the next update it promised)",
    "customer_escalated": "a customer escalates: stakeholders want an update now (a drill's inject)",
    "unavailable": "a person (actor) cannot be reached from now on, on a plane say (a drill's inject)",
    "preempted": "a more severe incident takes the responder (actor; detail: by, the incident that took them)",
    "resumed": "a person takes up the preempted incident where it stopped (detail: waited)",
    "handover": "a shift ends and the incoming person (actor) takes over (detail: from, minutes)",
    "stayed_on": "a shift ends and the responder (actor) stays on the incident",
    "stood_down": "a person stops working on the incident (detail: since, when they started; role)",
    # Phase 3: resolution & restoration
    "resolved": "health confirmed with metrics and logs (detail: by: anecdote when on someone's word instead); "
                "the people working it are free again",
    "reopened": "service was not healthy after all: the incident reopens (detail: after, minutes since resolved)",
    "cleaned_up": "temporary fixes removed (detail: late_by, minutes, when the cleanup was put off)",
    "cleanup_skipped": "the temporary fixes are left in place for good (at the time the cleanup was due)",
    "cleanup_late": "the cleanup is put off: the temporary fixes stay in place until cleaned_up (at the time it "
                    "was due)",
    # Phase 4: learning & improvement
    "postmortem_held": "a blameless postmortem was held (detail: severity, action_items when it wrote some)",
    "postmortem_skipped": "no postmortem for this severity",
    "action_item_done": "a postmortem action item is done (detail: improves: rate, detection or mitigation; "
                        "mode)",
    # Censoring
    "open_at_horizon": "the replication ended with the incident still open (detail: state)",
}

PHASE_OF = {
    "deployed": "detection", "injected": "detection",
    "onset": "detection", "detected": "detection", "declared": "detection",
    "resolved": "resolution", "cleaned_up": "resolution", "cleanup_skipped": "resolution",
    "cleanup_late": "resolution", "reopened": "resolution",
    "postmortem_held": "learning", "postmortem_skipped": "learning", "action_item_done": "learning",
    **dict.fromkeys(("paged", "page_delivered", "page_missed", "escalated", "acknowledged", "role_assigned",
                     "roles_assembled", "investigation_started", "clue_found", "mitigation_started",
                     "mitigation_failed", "mitigated", "status_update", "preempted", "resumed", "handover",
                     "stayed_on"), "response"),
}  # fmt: skip
"""The phase of each action; `stood_down`, `open_at_horizon` and a drill's injects (`customer_escalated`,
`unavailable`) take the phase the incident is in."""


class Event(NamedTuple):
    """One line of the Scribe's log."""

    time: float
    replication: int
    incident: int
    phase: str
    action: str
    actor: str
    detail: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "replication": self.replication,
            "incident": self.incident,
            "phase": self.phase,
            "action": self.action,
            "actor": self.actor,
            "detail": self.detail or {},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            float(data["time"]), int(data["replication"]), int(data["incident"]), data["phase"],
            data["action"], data["actor"], data.get("detail") or None,
        )


def incident_label(incident: int) -> str:
    return f"INC-{incident:04d}"


# ── One line of events.jsonl ────────────────────────────────────────────────────────────────────────────────


def event_lines(events: Iterable[tuple]) -> str:
    """Events (or plain tuples in Event's field order) as lines of events.jsonl: exactly what json.dumps of
    `Event.to_json()` with compact separators gives, a few times faster."""
    lines: list[str] = []
    append = lines.append
    for time, replication, incident, phase, action, actor, detail in events:
        append(f'{{"time":{_number(time)},"replication":{replication},"incident":{incident},'
               f'"phase":{_text(phase)},"action":{_text(action)},"actor":{_text(actor)},'
               f'"detail":{_detail(detail) if detail else "{}"}}}\n')
    return "".join(lines)


_text = json.encoder.encode_basestring_ascii


def _number(value) -> str:
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value)


def _detail(detail: dict) -> str:
    parts = []
    for key, value in detail.items():
        kind = type(value)
        if type(key) is not str or kind not in (str, int, float):
            return json.dumps(detail, separators=(",", ":"))
        parts.append(f"{_text(key)}:{_text(value) if kind is str else _number(value)}")
    return "{" + ",".join(parts) + "}"


# ── The event log as columns (events.parquet) ─────────────────────────────────────────────────────────────

COLUMNS = ("time", "replication", "incident", "phase", "action", "actor", "detail")
"""The columns of the event log, as in each line of events.jsonl; `detail` holds the JSON text of the detail
object exactly as a line of events.jsonl writes it ('{}' when there is none)."""

PIPELINE = 0
"""The incident number of events that belong to no incident: the deployment pipeline's (`deployed`)."""


def event_columns(events: Iterable[tuple], incidents_only: bool = False) -> dict[str, list]:
    """Events (or plain tuples in Event's field order) as the columns of the event log: lists named by
    COLUMNS, the detail as its JSON text. With `incidents_only`, the events of no incident (the deployment
    pipeline's) are left out."""
    table = event_table(events, incidents_only)
    return {name: table[name].to_pylist() for name in COLUMNS}


def event_schema() -> Any:
    """The Arrow schema of the event log's columns (pyarrow.Schema)."""
    import pyarrow as pa

    return pa.schema([("time", pa.float64()), ("replication", pa.int64()), ("incident", pa.int64()),
                      ("phase", pa.string()), ("action", pa.string()), ("actor", pa.string()),
                      ("detail", pa.string())])


def event_table(events: Iterable[tuple], incidents_only: bool = False) -> Any:
    """Events (records or plain tuples) as an Arrow table (pyarrow.Table) of the event log's columns; with
    `incidents_only`, without the events of no incident (the deployment pipeline's)."""
    import pyarrow as pa

    if incidents_only:
        events = [event for event in events if event[2] != PIPELINE]
    rows = events if isinstance(events, list) else list(events)
    schema = event_schema()
    if not rows:
        return schema.empty_table()
    time, replication, incident, phase, action, actor, detail = zip(*rows, strict=True)
    actions = pa.array(action, pa.string())
    return pa.table([pa.array(time, pa.float64()), pa.array(replication, pa.int64()),
                     pa.array(incident, pa.int64()), pa.array(phase, pa.string()), actions,
                     pa.array(actor, pa.string()), detail_texts(detail, actions)], schema=schema)


def detail_texts(details: Sequence[dict | None], actions: Any) -> Any:
    """The JSON text of each detail exactly as `_detail` writes it ('{}' for none), as a pyarrow.StringArray,
    worked out a column at a time: the details of one action (`actions`, a pyarrow array) mostly have the same
    keys, so each key's values are encoded together by Arrow's kernels and joined with the keys' text."""
    import numpy as np
    import pyarrow as pa

    codes = actions.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    groups = [itemgetter(*rows)(details) if len(rows) > 1 else (details[rows[0]],)
              for rows in np.split(order, np.flatnonzero(np.diff(codes[order])) + 1) if len(rows)]
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return grouped_detail_texts(groups).take(pa.array(back))


def grouped_detail_texts(groups: Sequence[Sequence[dict | None]]) -> Any:
    """The texts of details grouped by action (a non-empty sequence of them per action), one group after the
    other (pyarrow.StringArray)."""
    import pyarrow as pa

    return pa.concat_arrays([_group_texts(found) for found in groups])


def _group_texts(found: Sequence[dict | None]) -> Any:
    """The texts of some details (pyarrow.StringArray): by key when they all have the same keys."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not any(found):
        return pa.array(["{}"] * len(found), pa.string())
    shared = _shared_texts(found)
    if shared is not None:
        return shared
    kinds = {tuple(detail) if detail else () for detail in found}
    if len(kinds) == 1:
        return _one_shape_texts(found, kinds.pop())
    if len(kinds) * SHARED > len(found):  # many shapes, few details each: one by one
        return _one_by_one(found)
    shapes: dict[tuple, list[int]] = {}
    for number, detail in enumerate(found):
        shapes.setdefault(tuple(detail) if detail else (), []).append(number)
    # a few shapes (a key some details have and others not): each shape's texts together, then put back in order
    rows = [number for numbers in shapes.values() for number in numbers]
    texts = pa.concat_arrays([_one_shape_texts(itemgetter(*numbers)(found) if len(numbers) > 1
                                               else (found[numbers[0]],), shape)
                              for shape, numbers in shapes.items()])
    return texts.take(pc.sort_indices(pa.array(rows, pa.int64())))  # rows is a permutation: this is its inverse


def _one_shape_texts(found: Sequence[dict | None], keys: tuple) -> Any:
    """The texts of details that all have `keys` (none: all empty), in that order (pyarrow.StringArray)."""
    import pyarrow as pa

    if not keys:
        return pa.array(["{}"] * len(found), pa.string())
    texts = _shape_texts(found, keys)  # type: ignore[arg-type]
    return texts if texts is not None else _one_by_one(found)


def _one_by_one(found: Sequence[dict | None]) -> Any:
    import pyarrow as pa

    return pa.array([_detail(detail) if detail else "{}" for detail in found], pa.string())


SHARED = 8
"""Details are written once per object (`_shared_texts`) when each object comes at least this many times on
average."""


def _shared_texts(found: Sequence[dict | None]) -> Any:
    """The texts of some details when they are a few objects logged many times (the engine logs one constant
    detail, such as the level of a first page, with every event of an action), each object's text written once;
    None when they are not."""
    import pyarrow as pa

    ids = list(map(id, found))  # all alive in `found`: one id per object
    distinct = dict(zip(ids, found, strict=True))
    if len(distinct) * SHARED > len(ids):
        return None
    texts = pa.array([_detail(detail) if detail else "{}" for detail in distinct.values()], pa.string())
    index = {key: number for number, key in enumerate(distinct)}
    return texts.take(pa.array(list(map(index.__getitem__, ids)), pa.int64()))


def _shape_texts(found: Sequence[dict], keys: tuple) -> Any:
    """The texts of details that all have `keys`, in that order (pyarrow.StringArray); None when a key is not
    text, or a key's values are not all of one kind that `_detail` writes as itself (text, whole numbers,
    floats, booleans: what json.dumps writes for them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not all(type(key) is str for key in keys):
        return None
    pieces: list[Any] = []
    for position, key in enumerate(keys):
        values = list(map(itemgetter(key), found))
        kinds = set(map(type, values))
        try:
            if kinds == {str}:
                encoded = pa.array(values, pa.string()).dictionary_encode()
                texts = pa.array(list(map(_text, encoded.dictionary.to_pylist())), pa.string())
                column = texts.take(encoded.indices)
            elif kinds == {int}:
                column = pc.cast(pa.array(values, pa.int64()), pa.string())
            elif kinds == {float}:
                column = _float_texts(values)
            elif kinds == {bool}:
                column = pc.if_else(pa.array(values, pa.bool_()), "true", "false")
            elif kinds == {list}:
                column = _list_texts(values)
            else:
                return None
        except (pa.ArrowException, OverflowError, UnicodeError, TypeError):  # beyond Arrow's types: one by one
            return None
        pieces += [("{" if position == 0 else ",") + _text(key) + ":", column]
    return pc.binary_join_element_wise(*pieces, "}", "")


def _list_texts(values: list[list]) -> Any:
    """json.dumps of each list of text (compact, as _detail writes it in a detail), each distinct list written
    once: such lists (the people an escalation notifies) are few. TypeError for a list of anything else."""
    import pyarrow as pa

    index: dict[tuple, int] = {}
    codes = [index.setdefault(tuple(value), len(index)) for value in values]
    if not all(type(item) is str for value in index for item in value):
        raise TypeError("not a list of text")  # 1 and True, say, are one key: the details one by one
    texts = pa.array([json.dumps(list(value), separators=(",", ":")) for value in index], pa.string())
    return texts.take(pa.array(codes, pa.int64()))


FLOAT_TEXT_RANGE = (1e-4, 1e9)
"""Where Arrow's shortest text of a float is Python's repr (but for the '.0' of a whole number): repr writes an
exponent below 10⁻⁴, and Arrow does from 10¹⁰ on for long fractions."""


def _float_texts(values: list[float]) -> Any:
    """float.__repr__ of each value (_number's text: NaN and Infinity as json.dumps writes them)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(values, pa.float64())
    numbers = array.to_numpy(zero_copy_only=False)
    magnitude = np.abs(numbers)
    low, high = FLOAT_TEXT_RANGE
    fast = ((magnitude >= low) & (magnitude < high)) | (numbers == 0)
    texts = pc.cast(array, pa.string())
    whole = fast & (np.floor(numbers) == numbers)
    if whole.any():
        texts = pc.if_else(pa.array(whole), pc.binary_join_element_wise(texts, "0", "."), texts)
    if not fast.all():
        slow = ~fast
        texts = pc.replace_with_mask(texts, pa.array(slow), pa.array(list(map(_number, numbers[slow].tolist())),
                                                                      pa.string()))
    return texts


def column_lines(columns: dict[str, Any]) -> str:
    """The columns of the event log (lists, as event_columns gives them) as lines of events.jsonl: the very
    lines event_lines writes for the same events."""
    lines: list[str] = []
    append = lines.append
    for time, replication, incident, phase, action, actor, detail in zip(*(columns[n] for n in COLUMNS),
                                                                         strict=True):
        append(f'{{"time":{_number(time)},"replication":{replication},"incident":{incident},'
               f'"phase":{_text(phase)},"action":{_text(action)},"actor":{_text(actor)},"detail":{detail}}}\n')
    return "".join(lines)
