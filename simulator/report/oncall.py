"""The on-call load figure: what the pager cost each person, and when in the week pages come.

Drawn from the `on_call_load` section of summary.json (simulator.results.oncall_load), so that a report needs
nothing else."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from simulator.calendar import DAY_NAMES
from simulator.report.style import INK, MUTED, new_figure, styled

PAGE_KINDS = (  # (label, colour, hatch): business hours, the evening and weekend, the night
    ("in business hours", "#56B4E9", ""),
    ("out of hours", "#E69F00", "////"),
    ("at night", "#0072B2", "xxxx"),
)


def _mean(figures: dict, name: str) -> float:
    return float(figures[name]["mean"])


@styled
def load_figure(load: dict, period: str) -> Figure:
    """Left: pages per person and `period` (mean per replication), split by the time of day they came in their
    own time zone. Middle: hours spent working incidents, and the longest stretch without a break. Below:
    pages by hour of the week, when the scenario has a clock."""
    people = [p for p, f in load["people"].items() if _mean(f, "pages") > 0 or _mean(f, "hours_held") > 0]
    week = load.get("pages_by_hour_of_week")
    rows = max(len(people), 1)
    height = 1.6 + 0.32 * rows + (2.3 if week else 0)
    figure = new_figure(10, height)
    if week:
        top, bottom = figure.subfigures(2, 1, height_ratios=(1.2 + 0.32 * rows, 2.3))  # type: ignore[misc]  # two: an array
    else:
        top, bottom = figure, None
    pages, hours = top.subplots(1, 2, sharey=True)
    y = np.arange(len(people))[::-1]
    left = np.zeros(len(people))
    figures = [load["people"][p] for p in people]
    night = np.array([_mean(f, "night_pages") for f in figures])
    out = np.array([_mean(f, "out_of_hours_pages") for f in figures]) - night
    business = np.array([_mean(f, "pages") for f in figures]) - out - night
    for values, (label, colour, hatch) in zip((business, out, night), PAGE_KINDS, strict=True):
        pages.barh(y, values, left=left, color=colour, hatch=hatch, edgecolor=INK, linewidth=0.5, label=label)
        left += values
    for yy, total in zip(y, left, strict=True):
        pages.text(total, yy, f" {total:.1f}", va="center", fontsize=8, color=INK)
    pages.set_yticks(y, people)
    pages.set_xlabel(f"pages per {period} (mean per replication)")
    pages.set_title("Pages, by the time of day they came", loc="left")
    pages.legend(loc="lower right", fontsize=7)
    pages.set_xlim(0, max(left.max(initial=0) * 1.25, 1))

    held = np.array([_mean(f, "hours_held") for f in figures])
    stretch = np.array([_mean(f, "longest_stretch_hours") for f in figures])
    hours.barh(y + 0.18, held, height=0.34, color="#8C8C8C", edgecolor=INK, linewidth=0.5,
               label="hours working incidents")
    hours.barh(y - 0.18, stretch, height=0.34, color="white", hatch="....", edgecolor=INK, linewidth=0.5,
               label="longest stretch without a break")
    for yy, h, s in zip(y, held, stretch, strict=True):
        hours.text(h, yy + 0.18, f" {h:.1f}h", va="center", fontsize=7, color=INK)
        hours.text(s, yy - 0.18, f" {s:.1f}h", va="center", fontsize=7, color=INK)
    hours.set_xlabel(f"hours per {period} (mean per replication)")
    hours.set_title("Time held by incidents", loc="left")
    hours.legend(loc="lower right", fontsize=7)
    hours.set_xlim(0, max(held.max(initial=0) * 1.3, 1))

    if week:
        ax = bottom.subplots()
        grid = np.asarray(week["mean"], dtype=float).reshape(7, 24)
        image = ax.imshow(grid, aspect="auto", cmap="Greys", interpolation="nearest", vmin=0)
        ax.set_yticks(range(7), DAY_NAMES)
        ax.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)])
        ax.set_xlabel(f"hour of the day ({week['timezone']})")
        ax.set_title("Pages by hour of the week (mean per replication): darker is more", loc="left")
        colorbar = bottom.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
        colorbar.set_label("pages", color=MUTED)
        ax.spines[["left", "bottom"]].set_visible(False)
    figure.suptitle("On-call load per person")
    return figure

