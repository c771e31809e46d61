"""The look of every figure: colours that stay apart in grey print (each fill also has its own hatch, each
line its own dash and marker), sizes, axes on round durations, and PNG output. Imported only by the figure
modules, so matplotlib loads only when a figure is drawn."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, Locator, MultipleLocator, NullFormatter, PercentFormatter
from scipy.stats import skew

from simulator.analysis.compare import signed_duration
from simulator.outputs.files import atomic_open
from simulator.units import format_duration

if TYPE_CHECKING:
    from matplotlib.typing import LineStyleType

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
    linestyle: LineStyleType
    marker: str


# Summary statistics marked on distributions: each with its own line style and marker.
MARKS: dict[str, Mark] = {
    "median": Mark("median", "--", "o"),
    "mean": Mark("mean", "-", "s"),
    "p95": Mark("p95", ":", "^"),
}

SEVERITY_MARKERS = {"SEV1": "X", "SEV2": "D", "SEV3": "o", "SEV4": "s", "SEV5": "^"}


class Line(NamedTuple):
    colour: str
    dash: str | tuple
    marker: str


# Variants, sweep points and statistics drawn side by side: Okabe–Ito colours, each with its own dash and
# marker, so that grey print still tells the lines apart.
LINES = (
    Line("#000000", "-", "o"),
    Line("#0072B2", "--", "s"),
    Line("#D55E00", ":", "^"),
    Line("#009E73", "-.", "D"),
    Line("#CC79A7", (0, (6, 2, 1, 2, 1, 2)), "v"),
    Line("#E69F00", (0, (1, 1)), "P"),
)
GRID: dict[str, Any] = {"color": "#DDDDDD", "linewidth": 0.6}


def line(number: int) -> Line:
    """The style of the number-th line of a figure (repeating after six)."""
    return LINES[number % len(LINES)]


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a figure function under the report's style without touching global settings."""

    @wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(RC):  # type: ignore[arg-type]  # matplotlib types rc keys as Literals
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    """A figure outside pyplot (no window, no global state, Agg when saved), laid out to fit."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained", facecolor="white")


def save_png(figure: Figure, path: str | Path) -> Path:
    """Write a figure as PNG, atomically, with the bytes of png_bytes."""
    path = Path(path)
    with atomic_open(path, "wb") as handle:
        handle.write(png_bytes(figure))
    return path


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG; the same results give the same bytes (no timestamp, no software tag)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]  # matplotlib types rc keys as Literals
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white",
                       pil_kwargs={"compress_level": 1})  # flat colours and hatches: as small, much faster
    return buffer.getvalue()


# ── Axes in durations ──────────────────────────────────────────────────────────────────────────────────────

_TICKS = (1 / 6, 1 / 2, 1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080, 20160, 43200,
          86400, 129600, 259200, 525600)  # 10s … 1 year, in minutes
_STEPS = (1 / 60, 5 / 60, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 43200)
UNIT_WORDS = {"s": "s = seconds", "m": "m = minutes", "h": "h = hours", "d": "d = days"}


def duration_ticks(low: float, high: float, most: int = 9) -> list[float]:
    """Round durations (minutes) between low and high, spaced evenly enough on a log axis, and never closer
    than a factor of 1.9 (so that 10m and 15m side by side never read as one label)."""
    inside = [t for t in _TICKS if low <= t <= high]
    ratio = max((high / max(low, 1e-9)) ** (1 / most) if len(inside) > most else 1.0, 1.9)
    kept = inside[:1]
    for t in inside[1:]:
        if t >= kept[-1] * ratio:
            kept.append(t)
    return kept


def log_duration_axis(ax: Axes, low: float, high: float, which: str = "x") -> str:
    """A log axis with ticks on round durations labelled '30m', '2h', '3d'; returns the units shown, in
    words ('m = minutes, h = hours'), for the axis label."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    ticks = duration_ticks(low, high)
    labels = [format_duration(t, precision=1) for t in ticks]
    if ticks:
        axis.set_ticks(ticks, labels)
    axis.set_minor_formatter(NullFormatter())
    return ", ".join(UNIT_WORDS[u] for u in "smhd" if u in {label[-1] for label in labels})


class DurationLocator(Locator):
    """Ticks on round durations (1m, 5m, 15m, 30m, 1h, 2h, 6h, 1d …) on a linear axis."""

    def __init__(self, most: int = 7):
        self.most = most

    def __call__(self):
        low, high = sorted(self.axis.get_view_interval())
        return self.tick_values(low, high)

    def tick_values(self, vmin, vmax):
        span = max(vmax - vmin, 1e-9)
        step = next((s for s in _STEPS if span / s <= self.most), _STEPS[-1])
        return MultipleLocator(step).tick_values(vmin, vmax)


def duration_axis(axis, most: int = 7, signed: bool = False) -> None:
    """A linear axis (ax.xaxis or ax.yaxis) of minutes, ticked on round durations, labelled '30m', '+1h'."""
    axis.set_major_locator(DurationLocator(most))
    axis.set_major_formatter(duration_formatter(signed))


def duration_formatter(signed: bool = False) -> FuncFormatter:
    if signed:
        return FuncFormatter(lambda value, _: signed_duration(value))
    return FuncFormatter(lambda value, _: format_duration(value, precision=2))


def percent_axis(axis, decimals: int | None = None) -> None:
    """An axis of shares (0–1) labelled as percentages (with as many decimals as the axis' range needs)."""
    axis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))


def display_unit(values: np.ndarray) -> tuple[str, float]:
    """The unit that keeps a metric's typical values readable: (name, minutes per unit)."""
    median = float(np.median(values)) if len(values) else 0.0
    if median < 120:
        return "minutes", 1.0
    if median < 2 * 1440:
        return "hours", 60.0
    return "days", 1440.0


def heavy_tailed(values: np.ndarray) -> bool:
    """Draw on a log scale? Yes when all values are positive, they span well over a decade, the tail is long
    (the mean well above the median, or the p99 far beyond it), and the logarithms are not strongly skewed to
    the left. Exponential gaps between failures have a long tail too, but on a log axis they pile up on the
    right and trail off to the left (their logarithms' skewness is −1.14), which misleads: a linear axis
    shows them as they are."""
    if len(values) < 5 or np.min(values) <= 0:
        return False
    median = float(np.median(values))
    spread = float(np.max(values) / np.min(values))
    tail = float(np.mean(values)) / median > 1.2 or float(np.percentile(values, 99)) / median > 5
    return spread > 30 and tail and float(skew(np.log(values))) > -0.5
