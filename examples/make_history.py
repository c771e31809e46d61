"""Remake examples/history.csv: one simulated quarter of examples/history-source.yaml, written as an incident
tool would export it (times to the second, in Europe/Paris, with their offsets). The history is synthetic.

    python examples/make_history.py
"""

from pathlib import Path
from zoneinfo import ZoneInfo

from simulator import load_scenario, simulate
from simulator.history.export import table_history
from simulator.history.format import write_history

HERE = Path(__file__).resolve().parent

scenario = load_scenario(HERE / "history-source.yaml")
results = simulate(scenario, replications=1, keep_events=False)
start = scenario.start.replace(tzinfo=ZoneInfo("Europe/Paris"))
path = write_history(HERE / "history.csv", table_history(results.incidents, 0, start))
print(f"Wrote {len(results.incidents)} incidents to {path.name}")
