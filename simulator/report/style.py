"""The look of every figure: colours that stay apart in grey print (each fill also has its own hatch, each
line its own dash and marker), sizes, and PNG output. Imported only by the figure modules, so matplotlib
loads only when a report is drawn."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from typing import NamedTuple

import matplotlib
from matplotlib.figure import Figure

INK = "#222222"
MUTED = "#666666"
DPI = 150

RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.titlesize": 12,
    "figure.titleweight": "bold",
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "drillsim",
    "text.parse_math": False,  # names from scenarios are text: '$5 loss' is not mathematics to typeset
}


class Fill(NamedTuple):
    label: str
    colour: str
    hatch: str


# The stretches of an incident, in order. Okabe–Ito colours (safe for colour-blind readers) whose grey
# values differ, and a distinct hatch for each, so that a black-and-white print still tells them apart.
PHASES: dict[str, Fill] = {
    "detect": Fill("detect (onset → alert)", "#E69F00", "////"),
    "declare": Fill("declare", "#F0E442", "...."),
    "wait": Fill("wait for a free responder", "#D55E00", "xxxx"),
    "acknowledge": Fill("acknowledge (incl. escalation)", "#CC79A7", "\\\\\\\\"),
    "mitigate": Fill("mitigate (→ service restored)", "#0072B2", ""),
    "confirm": Fill("confirm with metrics and logs", "#56B4E9", "----"),
    "cleanup": Fill("clean up temporary fixes", "#D9D9D9", "++"),
}


class Mark(NamedTuple):
    label: str
    linestyle: str | tuple
    marker: str


# Summary statistics marked on distributions: each with its own line style and marker.
MARKS: dict[str, Mark] = {
    "median": Mark("median", "--", "o"),
    "mean": Mark("mean", "-", "s"),
    "p95": Mark("p95", ":", "^"),
}

SEVERITY_MARKERS = {"SEV1": "X", "SEV2": "D", "SEV3": "o", "SEV4": "s", "SEV5": "^"}


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a figure function under the report's style without touching global settings."""

    @wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(RC):
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    """A figure outside pyplot (no window, no global state, Agg when saved), laid out to fit."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained", facecolor="white")


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG; the same results give the same bytes (no timestamp, no software tag)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(RC):
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white",
                       pil_kwargs={"compress_level": 1})  # flat colours and hatches: as small, much faster
    return buffer.getvalue()
