"""Calibration's round trip, printed: simulate a history from examples/history-source.yaml, calibrate a scenario
from it, and compare (1) each generating distribution with the fit (parameters, median and p90, with their 95%
bootstrap intervals) and (2) the history's medians and p90s with those of the calibrated scenario's runs.

    python examples/round_trip.py [HORIZON] [SEED]      # default: 730d (two years), seed 2026
"""

import sys
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

import numpy as np

from simulator import simulate
from simulator.history.calibrate import calibrate
from simulator.history.calibrated_scenario import fitted_fields, parameters_of, scenario_yaml
from simulator.history.export import table_history
from simulator.history.fit import quantile_interval
from simulator.history.format import read_history, write_history
from simulator.history.phases import ACKNOWLEDGEMENT, DETECTION, MITIGATION, RESTORATION, sample
from simulator.scenario import parse_scenario
from simulator.scenario.variants import load_source
from simulator.units import format_duration

HERE = Path(__file__).resolve().parent
horizon = sys.argv[1] if len(sys.argv) > 1 else "730d"
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026


def show(key: str, value: float) -> str:
    return f"{value:.3g}" if key in ("shape", "sigma") else format_duration(value)


scenario = load_source(HERE / "history-source.yaml").variants(sets=[f"horizon={horizon}"], set_name="long")["long"]
results = simulate(scenario, replications=1, seed=seed, keep_events=False)
with TemporaryDirectory() as folder:
    path = write_history(Path(folder) / "history.csv",
                         table_history(results.incidents, 0, scenario.start.replace(tzinfo=ZoneInfo("Europe/Paris"))))
    history = read_history(path)
calibration = calibrate(history, seed=1)
print(f"History: {len(history.incidents)} incidents simulated over {horizon} (seed {seed}).\n")

generating = fitted_fields(scenario)

print("1. Generating distributions against the fits (95% parametric-bootstrap intervals; * = truth outside)")
inside = total = 0
for scope, key, found in calibration.fits():
    dist = generating[(scope, key)]
    print(f"\n{scope}, {key} (n = {found.sample.count}): true {generating[(scope, key)].kind}, "
          f"fitted {found.family} ({found.reason})")
    rows = [(name, true) for name, true in parameters_of(dist).items() if found.family == dist.kind]
    rows += [(name, dist.quantile(q)) for name, q in (("median", 0.5), ("p90", 0.9)) if name not in dict(rows)]
    for name, true in rows:
        low, high = found.intervals[name]
        estimate = found.params[name] if name in found.params else found.quantile(0.5 if name == "median" else 0.9)
        ok = low <= true <= high
        inside += ok
        total += 1
        print(f"  {name:<7} true {show(name, true):>9}   fitted {show(name, estimate):>9}   "
              f"95% {show(name, low)}–{show(name, high)}{'' if ok else '  *'}")
for mode in calibration.modes:
    true = next(m for m in scenario.failure_modes if m.name == mode.name).rate
    low, high = mode.rate.interval
    ok = low <= true <= high
    inside += ok
    total += 1
    print(f"\n{mode.name}, rate: true one every {format_duration(1 / true)}, fitted one every "
          f"{format_duration(1 / mode.rate.rate)} (95% {format_duration(1 / high)}–{format_duration(1 / low)})"
          f"{'' if ok else '  *'}")
print(f"\n{inside} of {total} true values inside their 95% intervals.\n")

calibrated = parse_scenario(scenario_yaml(calibration))
runs = simulate(calibrated, replications=100, seed=5, keep_events=False).incidents
print("2. The history's medians and p90s against the calibrated scenario's runs (100 replications; history's "
      "99.9% distribution-free interval)")
columns = {DETECTION: ("onset", "detected"), ACKNOWLEDGEMENT: ("detected", "acknowledged"),
           MITIGATION: ("acknowledged", "mitigated"), RESTORATION: ("onset", "mitigated")}
inside = total = 0
for mode in calibration.modes:
    chosen = runs.mode == mode.name
    for phase, (start, end) in columns.items():
        observed = sample(history, phase, mode.incidents).observed
        simulated = (getattr(runs, end) - getattr(runs, start))[chosen]
        simulated = simulated[~np.isnan(simulated)]
        cells = []
        for q, name in ((0.5, "median"), (0.9, "p90")):
            low, high = quantile_interval(observed, q, level=0.999)
            mine = float(np.quantile(simulated, q))
            ok = low <= mine <= high
            inside += ok
            total += 1
            cells.append(f"{name} {format_duration(float(np.quantile(observed, q))):>8} vs "
                         f"{format_duration(mine):>8} ({format_duration(low)}–{format_duration(high)})"
                         f"{'' if ok else ' *'}")
        print(f"  {mode.name:<17} {phase.label:<20} " + "   ".join(cells))
print(f"\n{inside} of {total} simulated quantiles inside the history's intervals.")
