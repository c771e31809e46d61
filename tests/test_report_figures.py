"""Every figure function runs on a small real result and draws a non-empty image with its title, axis labels
(with units) and legend; figures are deterministic and stay legible in grey print."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from simulator import load_scenario, simulate, write_results
from simulator.report.clock import Clock
from simulator.report.figures import (
    cumulative_counts,
    distribution_figure,
    incidents_over_time_figure,
    phase_share_figure,
    phase_shares,
    rate_text,
    share_text,
)
from simulator.report.results import read_results
from simulator.report.style import MARKS, PHASES, duration_ticks, heavy_tailed, png_bytes
from simulator.report.timeline import timeline_figure
from simulator.report.tracks import busiest_stretch, window_around
from simulator.results.metrics import metric_values
from simulator.scenario.bundled import default_scenario
from simulator.units import format_duration


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    write_results(simulate(load_scenario(default_scenario()), replications=4), folder)
    return read_results(folder)


def labels(figure) -> tuple[str, list[str], list[str]]:
    """(title, every axis label, every legend text) of a figure."""
    texts = []
    for ax in figure.axes:
        legend = ax.get_legend()
        if legend:
            texts += [t.get_text() for t in legend.get_texts()]
    texts += [t.get_text() for legend in figure.legends for t in legend.get_texts()]
    axis = [ax.get_xlabel() for ax in figure.axes] + [ax.get_ylabel() for ax in figure.axes]
    return figure.get_suptitle(), [a for a in axis if a], texts


def assert_image(figure) -> np.ndarray:
    data = png_bytes(figure)
    image = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    assert image.shape[0] > 300 and image.shape[1] > 1000
    assert (image < 128).mean() > 0.01  # something dark was drawn, not a blank page
    return image


@pytest.mark.parametrize(("metric", "title", "unit"), [
    ("mttd", "MTTD: time to detect", "time to detect"),
    ("mtta", "MTTA: time to acknowledge", "time to acknowledge"),
    ("mttr", "MTTR: time to restore", "time to restore"),
    ("mtbf", "MTBF: time between failures", "time between failures"),
])  # fmt: skip
def test_distribution_figures(results, metric, title, unit):
    values, _, censored = metric_values(results.incidents, metric)
    figure = distribution_figure(values, metric, replications=results.replications, censored=censored)
    suptitle, _, legend = labels(figure)
    assert suptitle.startswith(title)
    assert len(figure.axes) == 2
    hist, ecdf = figure.axes
    assert hist.get_xlabel().startswith(unit) and ecdf.get_xlabel() == hist.get_xlabel()
    footnote = figure._supxlabel.get_text() if figure._supxlabel else ""
    assert any(word in hist.get_xlabel() + footnote for word in ("minutes", "hours", "days"))
    assert hist.get_ylabel().startswith("number of") and "(%)" in ecdf.get_ylabel()
    assert hist.get_title(loc="left").startswith("Histogram") and ecdf.get_title(loc="left").startswith("Cumulative")
    # median, mean and p95 are marked and labelled with their values
    for mark in ("median", "mean", "p95"):
        assert any(text.startswith(f"{mark} ") for text in legend)
    if heavy_tailed(values):
        assert hist.get_xscale() == "log"
    # the legends sit under the axes, covering neither the bars nor the curve
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in (hist, ecdf):
        assert ax.get_legend().get_window_extent(renderer).y1 < ax.get_window_extent(renderer).y0
    assert_image(figure)


def test_phase_share_figure(results):
    figure = phase_share_figure(results.incidents)
    title, axes, legend = labels(figure)
    assert title.startswith("Where the time goes")
    assert "share of the total time to restore (onset → service restored, %)" in axes
    assert "mean time after restoration (hours)" in axes
    assert [text.split(":")[0].split(" ")[0] for text in legend] == [
        "detect", "declare", "wait", "acknowledge", "mitigate", "confirm", "clean"]
    # a phase too thin to see in the bars (no page waited, say) still says how much it is
    _, _, _, overall, _ = phase_shares(results.incidents)[0]
    assert legend[2] == f"{PHASES['wait'].label}: {share_text(overall['wait'])}"
    assert share_text(0.0) == "none" and share_text(0.004) == "0.4%" and share_text(0.25) == "25%"
    for name, count, mean, shares, _ in phase_shares(results.incidents):
        assert sum(shares.values()) == pytest.approx(1.0), name
        assert count > 0 and mean > 0
    assert_image(figure)


def test_incidents_over_time_figure(results):
    figure = incidents_over_time_figure(results.incidents, results.horizon, results.replications,
                                        Clock(results.start))
    title, axes, legend = labels(figure)
    rate = rate_text(len(results.incidents) / results.replications / results.horizon)
    assert title == f"Incidents so far, across {results.replications} replications: {rate} on average"
    assert axes == ["date", "incidents started so far"]
    assert legend == ["the middle 80% of replications (10th–90th percentile)", "mean of replications",
                      f"a steady {rate}"]
    assert_image(figure)


def test_the_cumulative_count_ends_at_each_replications_incidents(results):
    times, counts = cumulative_counts(results.incidents, results.horizon, results.replications, points=50)
    assert times[0] == 0 and times[-1] == results.horizon and counts.shape == (results.replications, 51)
    assert np.all(np.diff(counts, axis=1) >= 0)
    np.testing.assert_array_equal(counts[:, -1], np.bincount(results.incidents.replication,
                                                             minlength=results.replications))
    assert rate_text(2 / 1440) == "2.0 per day" and rate_text(1 / 10080) == "1.0 per week"
    assert rate_text(0.5 / 10080) == "2.1 per month" and rate_text(3 / 60) == "3.0 per hour"


def test_timeline_figure(results):
    replication, low, high = busiest_stretch(results.incidents, results.horizon)
    events = results.events_of([replication])[replication]
    figure = timeline_figure(events, replication=replication, horizon=results.horizon, clock=Clock(results.start),
                             window=window_around(low, high, results.horizon), people=["Ana", "Ben"])
    title, axes, legend = labels(figure)
    assert title.startswith(f"Timeline of replication {replication}: ")
    assert axes == ["time (wall-clock time; the simulated period starts Mon 5 Jan 2026 09:00)"]
    assert "mitigate (→ service restored)" in legend and "working the incident" in legend
    gantt = figure.axes[1]
    rows = [t.get_text() for t in gantt.get_yticklabels()]
    assert any(row.startswith("INC-") for row in rows)
    assert set(rows) & {"Ana", "Ben"}  # a lane per responder who worked in the window
    strip = figure.axes[0]
    (band,) = strip.patches
    assert band.get_width() >= 0.01 * results.horizon - 1e-9  # a few hours of a quarter is still seen
    arrow = strip.texts[0]
    assert arrow.get_text() == "shown below" and arrow.xy[1] > 0.3  # it points above the markers, not at them
    filled = [line for line in strip.get_lines() if line.get_markerfacecolor() != "white"]
    assert len(filled) == sum(1 for row in rows if row.startswith("INC-"))
    assert_image(figure)


def test_figures_are_deterministic(results):
    values, _, _ = metric_values(results.incidents, "mttr")
    first = png_bytes(distribution_figure(values, "mttr", replications=4))
    assert first == png_bytes(distribution_figure(values, "mttr", replications=4))


def test_grey_print_needs_no_colour():
    assert len({style.hatch for style in PHASES.values()}) == len(PHASES)
    assert len({mark.linestyle for mark in MARKS.values()}) == len({mark.marker for mark in MARKS.values()}) == 3


def test_heavy_tails_and_round_ticks():
    rng = np.random.default_rng(1)
    assert heavy_tailed(rng.lognormal(3, 1.2, 500))
    assert not heavy_tailed(rng.uniform(10, 20, 500))
    # exponential gaps would look skewed to the left on a log axis: they are drawn on a linear one
    assert not heavy_tailed(rng.exponential(5000, 2000))
    assert duration_ticks(3, 400) == [5, 10, 30, 60, 120, 240]  # 15m would crowd 10m: ticks 1.9× apart at least


def test_an_empty_metric_still_draws():
    figure = distribution_figure(np.array([]), "mttr", replications=1)
    assert figure.get_suptitle().startswith("MTTR")


def test_the_cli_does_not_import_matplotlib():
    code = "import sys, simulator.cli; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_mtbf_figure_marks_the_mean_that_summary_json_gives(results):
    from simulator.report.figures import metric_figures

    figure = metric_figures(results.incidents, results.replications, results.horizon)["mtbf"]
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    expected = results.summary["metrics"]["mtbf"]["mean"]
    assert f"mean {format_duration(expected)}" in legend
    assert figure.axes[0].get_xscale() == "linear"  # gaps between failures are near exponential
