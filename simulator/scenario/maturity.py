"""The maturity ladder: the incident lifecycle guide's checklist, Baseline to Expert, as presets of practices.

`maturity: intermediate` in a scenario fills in the preset's fields wherever the file does not give them (the
file's own fields win). `drillsim maturity` plays a scenario at every level instead: there each level's preset
replaces the file's own values of the same fields, so that the four levels differ in their practices alone.

Every number below is an assumption unless its `source` names one; the documentation's maturity levels page
(generated from them) lists them for a reader to challenge, and `drillsim maturity --explain` prints them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

LEVELS = ("baseline", "intermediate", "advanced", "expert")
GUIDE = "the maturity checklist of the incident lifecycle guide"
CHECKLIST = {
    "baseline": ("alerts by email or chat", "you know who to call", "basic code fixes to restore service"),
    "intermediate": ("a centralised dashboard of metrics and logs", "on-call rotations",
                     "postmortems for major outages"),
    "advanced": ("alerts trigger the declaration automatically", "dedicated roles (IC, Comms, Ops)",
                 "MTTR and MTBF tracked in real time"),
    "expert": ("automated rollback when SLOs are breached", "chaos engineering under load",
               "incident data in reliability OKRs"),
}
"""The guide's checklist, in its words (shortened)."""


@dataclass(frozen=True)
class Setting:
    """One field of the presets: its value at each level, the checklist item it stands for, and where the
    numbers come from."""

    path: str
    values: tuple[Any, Any, Any, Any]  # baseline, intermediate, advanced, expert
    stands_for: str
    source: str

    def at(self, level: str) -> Any:
        return self.values[LEVELS.index(level)]


ASSUMPTION = "assumption"

SETTINGS: tuple[Setting, ...] = (
    Setting("practices.alerts", ("email", "pager", "pager", "pager"),
            "Baseline receives alerts by email or chat; rotations page from Intermediate on", GUIDE),
    Setting("practices.on_call", ("who-to-call", "rotation", "rotation", "rotation"),
            "Baseline knows who to call; Intermediate has on-call rotations", GUIDE),
    Setting("policy.mitigation", ("debug-first", "rollback-first", "rollback-first", "rollback-first"),
            "Baseline restores service with code fixes; rollback first from Intermediate on",
            "the guide's 'rollback first, debug later'"),
    Setting("practices.confirmation.anecdote", (0.7, 0.2, 0.05, 0.0),
            "the share of incidents called resolved on anecdote: a dashboard makes data confirmation possible "
            "(Intermediate), live metrics make it routine (Advanced)", ASSUMPTION),
    Setting("policy.postmortem.severities", ([], ["SEV1", "SEV2"], ["SEV1", "SEV2"], ["SEV1", "SEV2", "SEV3"]),
            "postmortems for major outages from Intermediate on; Expert reviews SEV3s too, feeding its OKRs",
            f"{GUIDE} (Expert's SEV3 reviews: assumption)"),
    Setting("practices.learning.action_items", (0, 2, 3, 3),
            "action items per postmortem", ASSUMPTION),
    Setting("practices.learning.done", (0.5, 0.4, 0.6, 0.8),
            "the chance an action item gets done: tracked live (Advanced), tied to OKRs (Expert)", ASSUMPTION),
    Setting("practices.learning.lag",
            ({"kind": "uniform", "low": "2w", "high": "8w"}, {"kind": "uniform", "low": "2w", "high": "8w"},
             {"kind": "uniform", "low": "1w", "high": "6w"}, {"kind": "uniform", "low": "1w", "high": "4w"}),
            "time until an action item is done: 'prioritised in subsequent sprints' (two-week sprints)",
            f"{GUIDE}; the lags: assumption"),
    Setting("practices.declaration.alone_first", (0.8, 0.4, 0.1, 0.0),
            "the share of incidents the alerted engineer first tries to fix alone: the guide asks to declare "
            "early", ASSUMPTION),
    Setting("practices.declaration.automated", (None, None, {"duration": "1m", "success": 0.95},
                                                {"duration": "1m", "success": 0.95}),
            "Advanced: alerts trigger the declaration workflow", f"{GUIDE}; duration and success: assumption"),
    Setting("practices.dedicated_roles", (False, False, True, True),
            "Advanced has dedicated incident roles; below it the responder holds every role", GUIDE),
    Setting("practices.cleanup.skip", (0.3, 0.1, 0.05, 0.0),
            "the chance temporary fixes are never cleaned up", ASSUMPTION),
    Setting("practices.cleanup.late", (0.4, 0.3, 0.2, 0.1),
            "the chance the cleanup is put off", ASSUMPTION),
    Setting("practices.rollback_on_slo_burn", (None, None, None, {"duration": "5m", "success": 0.9}),
            "Expert rolls back automatically when an SLO burn alert fires on a deployment's failure",
            f"{GUIDE}; duration and success: assumption"),
    Setting("chaos.game_days", (None, None, None, {"every": "4w", "at": "Tue 14:00"}),
            "Expert practises chaos engineering: a game day every four weeks, in business hours",
            f"{GUIDE}; the cadence: assumption"),
)
"""Every field a level sets, in the order `--explain` prints them."""


def preset(level: str) -> dict[str, Any]:
    """The fields the level sets, by dotted path."""
    if level not in LEVELS:
        raise ValueError(f"unknown maturity level {level!r}; levels: {', '.join(LEVELS)}")
    return {setting.path: copy.deepcopy(setting.at(level)) for setting in SETTINGS}


def fill_in(data: dict[str, Any], level: str) -> dict[str, Any]:
    """A copy of scenario `data` with the level's preset under it: a field the data gives (down to the keys of
    a mapping) stays as given. Anything that is not a mapping where the preset expects one is left for
    validation to report."""
    out = copy.deepcopy(data)
    for path, value in preset(level).items():
        node = out
        keys = path.split(".")
        for key in keys[:-1]:
            if key not in node:
                node[key] = {}
            node = node[key]
            if not isinstance(node, dict):
                break
        else:
            last = keys[-1]
            if last not in node:
                node[last] = value
            elif isinstance(node[last], dict) and isinstance(value, dict):
                node[last] = {**value, **node[last]}
    return out


__all__ = ["CHECKLIST", "LEVELS", "SETTINGS", "Setting", "fill_in", "preset"]
