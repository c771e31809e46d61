"""Remake the example exports: 24 made-up incidents written as PagerDuty, Opsgenie and incident.io export them
(examples/README.md lists the files). Every incident is synthetic: drawn from known distributions (simulator/
history/shapes.py), in New York time.

    python examples/make_exports.py
"""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from simulator.history.presets import PRESETS
from simulator.history.shapes import draw, exported

HERE = Path(__file__).resolve().parent
zone = ZoneInfo("America/New_York")
incidents = draw(24, seed=2026, start=datetime(2026, 1, 5, 9, 0, tzinfo=zone), open_last=1)
for name in ("pagerduty", "pagerduty-analytics", "pagerduty-api", "opsgenie", "incident-io", "incident-io-api"):
    _, text = exported(name, incidents, zone)
    path = HERE / PRESETS[name].example
    path.write_text(text, encoding="utf-8", newline="")
    print(f"Wrote {len(incidents)} incidents to {path.name} ({name})")
