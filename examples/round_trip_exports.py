"""The presets' round trip, printed: incidents drawn from known distributions, exported in each platform's shape,
read back (the preset found from the header), calibrated and played; the history's MTTA and MTTR medians and
p90s against the calibrated scenario's runs, with the history's 99.9% distribution-free intervals.

    python examples/round_trip_exports.py [COUNT] [SEED]      # default: 160 incidents, seed 19
"""

import sys
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

import numpy as np

from simulator import simulate
from simulator.history.calibrate import calibrate
from simulator.history.calibrated_scenario import scenario_yaml
from simulator.history.fit import quantile_interval
from simulator.history.format import read_history
from simulator.history.shapes import RESTORED_AT, Truth, draw, exported
from simulator.scenario import parse_scenario
from simulator.units import format_duration

count = int(sys.argv[1]) if len(sys.argv) > 1 else 160
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 19
zone = ZoneInfo("America/New_York")
incidents = draw(count, seed, datetime(2026, 1, 5, 9, 0, tzinfo=zone), open_last=2)
truth = Truth()
print(f"{count} incidents (seed {seed}); truth: acknowledge lognormal median {format_duration(truth.acknowledge[0])}, "
      f"mitigate {format_duration(truth.mitigate[0])}, confirm {format_duration(truth.confirm[0])}\n")
inside = total = 0
with TemporaryDirectory() as folder:
    for preset in ("pagerduty", "pagerduty-analytics", "pagerduty-api", "opsgenie", "incident-io",
                   "incident-io-api", "generic"):
        suffix, text = exported(preset, incidents, zone)
        path = Path(folder) / f"export{suffix}"
        path.write_text(text, encoding="utf-8")
        history = read_history(path)
        calibration = calibrate(history, bootstrap=20, seed=1)
        runs = simulate(parse_scenario(scenario_yaml(calibration)), replications=12, seed=3,
                        keep_events=False).incidents
        restored = RESTORED_AT[preset]
        cells = []
        for metric, end, played in (("MTTA", "acknowledged", runs.acknowledged - runs.detected),
                                    ("MTTR", restored, runs.mitigated - runs.detected)):
            observed = np.array([(getattr(i, end) - i.detected).total_seconds() / 60 for i in incidents
                                 if getattr(i, end) is not None])
            played = played[~np.isnan(played)]
            for q, name in ((0.5, "median"), (0.9, "p90")):
                low, high = quantile_interval(observed, q, level=0.999)
                mine = float(np.quantile(played, q))
                ok = low <= mine <= high
                inside += ok
                total += 1
                cells.append(f"{metric} {name} {format_duration(float(np.quantile(observed, q)))} vs "
                             f"{format_duration(mine)} ({format_duration(low)}–{format_duration(high)})"
                             + ("" if ok else " *"))
        print(f"{preset:<20} (read as {history.preset}, {len(history.incidents)} incidents)")
        for cell in cells:
            print(f"    {cell}")
print(f"\n{inside} of {total} simulated quantiles inside the history's intervals.")
