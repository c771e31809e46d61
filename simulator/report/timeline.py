"""The timeline (Gantt chart) of one replication: a row per incident with its phases on a real time axis,
and a lane per responder showing whom each incident held, so that overlaps and queueing show.

A quarter of simulated time would squeeze hour-long incidents into slivers, so the chart shows a window
(by default the busiest stretch, see tracks.busiest_stretch), with a strip above it placing that window in
the whole horizon.
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.events import Event
from simulator.report.clock import Clock
from simulator.report.style import INK, MUTED, PHASES, SEVERITY_MARKERS, new_figure, styled
from simulator.report.tracks import Track, tracks, window_around

BAND = 0.01
"""The least width of the strip's band marking the stretch drawn below, as a share of the horizon."""

# Each phase of the chart runs from one action to the next.
SEGMENTS = (
    ("detect", "onset", "detected"),
    ("declare", "detected", "declared"),
    ("wait", "declared", "page_delivered"),
    ("acknowledge", "page_delivered", "acknowledged"),
    ("mitigate", "acknowledged", "mitigated"),
    ("confirm", "mitigated", "resolved"),
    ("cleanup", "resolved", "cleaned_up"),
)


def _segments(track: Track, horizon: float):
    for phase, begin, finish in SEGMENTS:
        if begin not in track.at:
            continue
        stop = track.at.get(finish, horizon if track.open_state else None)
        if stop is not None and stop > track.at[begin]:
            yield phase, track.at[begin], stop


def _lanes(shown: list[Track], people: list[str]) -> list[str]:
    """Everyone the shown incidents paged or held, in the order of `people`, then by name."""
    involved = {who for t in shown for who, _ in t.rings} | {who for t in shown for who, *_ in t.held}
    names = [p for p in people if p in involved]
    return names + sorted(involved - set(names))


def _bar(ax, phase, y, left, width, height=0.6):
    style = PHASES[phase]
    ax.barh(y, width, left=left, height=height, color=style.colour, hatch=style.hatch, edgecolor=INK,
            linewidth=0.5)


@styled
def timeline_figure(events: list[Event], *, replication: int, horizon: float, clock: Clock,
                    window: tuple[float, float] | None = None, people: list[str] | tuple[str, ...] = (),
                    rename: Callable[[str], str] = str, note: str = "") -> Figure:
    """Gantt chart of one replication's incidents within `window` (minutes; default: all its incidents),
    with a lane per responder (in the order of `people`, each lane named by `rename`), and a strip showing
    where the window lies in the horizon."""
    every = tracks(events)
    if window is None:
        starts = [t.at["onset"] for t in every if "onset" in t.at]
        ends = [t.at.get("resolved", horizon) for t in every]
        window = window_around(min(starts), max(ends), horizon) if starts else (0.0, horizon)
    low, high = window
    shown = [t for t in every if t.at.get("onset", horizon) < high
             and max((s[2] for s in _segments(t, horizon)), default=low) > low]
    lanes = _lanes(shown, list(people))
    rows = len(shown) + len(lanes)
    figure = new_figure(10, 2.6 + 0.34 * max(rows, 3))
    strip, gantt = figure.subplots(2, 1, height_ratios=(0.9, max(rows, 3) * 0.34 + 0.4))
    figure.suptitle(f"Timeline of replication {replication}: {clock.stamp(low)} – {clock.stamp(high)}")

    # Where the window lies in the whole horizon.
    drawn = {t.incident for t in shown}
    for t in every:
        if "onset" in t.at:
            strip.plot(t.at["onset"], 0, marker=SEVERITY_MARKERS.get(t.severity, "o"), color=INK,
                       markerfacecolor=INK if t.incident in drawn else "white", markersize=6, linestyle="none",
                       zorder=3)
    # A few hours of a quarter would be a hairline: the band is at least 1% of the strip wide, centred on the
    # stretch, and the arrow stops above the markers.
    middle = (low + high) / 2
    half = max(high - low, horizon * BAND) / 2
    strip.axvspan(middle - half, middle + half, facecolor="#D0D0D0", edgecolor=INK, hatch="////", linewidth=0.8,
                  zorder=0)
    side = "left" if middle < horizon * 0.5 else "right"
    strip.annotate("shown below", (middle, 0.45), xytext=(28 if side == "left" else -28, 14),
                   textcoords="offset points", ha=side, va="center", fontsize=7, color=INK,
                   arrowprops={"arrowstyle": "-|>", "color": INK, "linewidth": 0.8, "shrinkA": 1, "shrinkB": 0})
    strip.set_xlim(0, horizon)
    strip.set_ylim(-1, 1.25)
    strip.set_yticks([])
    strip.spines["left"].set_visible(False)
    positions, labels = clock.ticks(0, horizon, most=10)
    strip.set_xticks(positions, labels, fontsize=7)
    strip.set_title(f"All {len(every)} incidents of the replication by onset (marker: severity; filled: drawn "
                    "below)", loc="left",
                    fontsize=9, fontweight="normal")
    severities = sorted({t.severity for t in every if t.severity})
    strip.legend(handles=[Line2D([], [], marker=SEVERITY_MARKERS.get(s, "o"), color=INK, markerfacecolor="white",
                                 linestyle="none", label=s) for s in severities],
                 loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)

    # One row per incident, then one lane per responder.
    y_of = {t.incident: rows - 1 - i for i, t in enumerate(shown)}
    for t in shown:
        y = y_of[t.incident]
        for phase, begin, stop in _segments(t, horizon):
            _bar(gantt, phase, y, begin, stop - begin)
        for begin, stop, name, worked in t.attempts:
            if not worked:
                gantt.plot([stop, stop], [y - 0.3, y + 0.3], color="white", linewidth=2.2)
                gantt.plot(stop, y, marker="x", color="white", markersize=7, markeredgewidth=3.2)
                gantt.plot(stop, y, marker="x", color=INK, markersize=6, markeredgewidth=1.4)
            if min(stop, high) - max(begin, low) > (high - low) * 0.07:  # enough of it inside the window
                gantt.text((max(begin, low) + min(stop, high)) / 2, y, f"{name}{'' if worked else ' failed'}",
                           ha="center", va="center", fontsize=7, color=INK,
                           bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none"})
    for k, person in enumerate(lanes):
        y = len(lanes) - 1 - k
        for t in shown:
            answered = t.at.get("acknowledged", horizon)
            for who, paged in t.rings:
                if who == person and answered > paged:
                    _ringing(gantt, y, paged, answered)
            for who, since, until in t.held:
                if who == person:
                    _working(gantt, y, since, horizon if until is None else until, t.label, low, high)
    gantt.axhline(len(lanes) - 0.5, color=MUTED, linewidth=0.8, linestyle="--")
    names = [f"{t.label} {t.severity} {t.mode}".strip() for t in shown]
    gantt.set_yticks([y_of[t.incident] for t in shown] + list(range(len(lanes)))[::-1],
                     names + [rename(person) for person in lanes])
    gantt.set_ylim(-0.7, rows - 0.3)
    gantt.set_xlim(low, high)
    positions, labels = clock.ticks(low, high)
    gantt.set_xticks(positions, labels)
    gantt.set_xlabel(f"time ({clock.describe()})")
    gantt.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    gantt.set_axisbelow(True)
    title = "Rows: incidents by phase · lanes: who was paged and who worked which incident"
    gantt.set_title(title + (f"; {note}" if note else ""), loc="left", fontsize=9, fontweight="normal")
    handles: list[Artist] = [Patch(facecolor=s.colour, hatch=s.hatch, edgecolor=INK, linewidth=0.5, label=s.label)
               for s in PHASES.values()]
    handles += [Patch(facecolor=PAGED, hatch="....", edgecolor=INK, linewidth=0.5, label="paged, not yet answered"),
                Patch(facecolor=WORKING, edgecolor=INK, linewidth=0.5, label="working the incident"),
                Line2D([], [], marker="x", color=INK, linestyle="none", label="mitigation failed")]
    figure.legend(handles=handles, loc="outside lower center", ncols=5, fontsize=7)
    return figure


PAGED, WORKING = "#FFFFFF", "#8C8C8C"  # lanes: white (dotted) while a page rings, mid grey while working


def _ringing(ax, y, paged, answered):
    """A page reaching a person, until someone (they or another) answered it."""
    ax.barh(y, answered - paged, left=paged, height=0.6, color=PAGED, edgecolor=INK, linewidth=0.5, hatch="....")


def _working(ax, y, since, until, label, low, high):
    """A person working an incident, from taking it up until standing down."""
    ax.barh(y, until - since, left=since, height=0.6, color=WORKING, edgecolor=INK, linewidth=0.5)
    left, right = max(since, low), min(until, high)
    if right - left > (high - low) * 0.06:
        ax.text((left + right) / 2, y, label, ha="center", va="center", fontsize=7, fontweight="bold", color=INK,
                bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none"})
