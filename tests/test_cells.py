"""CSV cells a column at a time: the very text csv_cell and CsvWriter write a cell at a time."""

from __future__ import annotations

import csv
import io

import numpy as np

from simulator.outputs import cells
from simulator.outputs.files import CsvWriter, csv_cell
from simulator.outputs.run import _write_incidents_by_row, write_incidents
from simulator.results.metrics import IncidentTable, incident_table


def one_by_one(values: np.ndarray) -> list[str]:
    """What incidents.csv wrote a cell at a time (csv_cell too, but for infinity, which it leaves empty)."""
    found = [repr(round(value, 6)) if value == value else "" for value in values.tolist()]
    assert [cell for cell in found if "inf" not in cell] == \
        [csv_cell(value) for value in values.tolist() if abs(value) != float("inf")]
    return found


def test_float_cells_are_repr_of_the_value_rounded_to_six_decimals():
    edges = [0.0, -0.0, 1e-7, -1e-7, 5e-7, 1.5e-6, 5e-5, 9.99999e-5, 0.0001, 0.00012, 0.0078125, -0.0078125,
             0.5, 2.5, 5.0, 100000.0, 129599.9999995, 9999999.9999995, 1e7, 1.2345678e12, 1e16, 1e22,
             float("inf"), float("-inf")]
    assert cells.float_cells(np.array(edges)).to_pylist() == one_by_one(np.array(edges))
    assert cells.float_cells(np.array([5.0, 0.0078125, 5e-5, -1e-7, 1e16])).to_pylist() == \
        ["5.0", "0.007812", "5e-05", "-0.0", "1e+16"]


def test_float_cells_of_many_magnitudes_and_of_halves():
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.exponential(60, 20_000), rng.uniform(-3, 3, 20_000),
                             10.0 ** rng.uniform(-9, 13, 20_000), np.arange(-4_000, 4_000) / 128,
                             np.round(rng.uniform(0, 1e5, 20_000), 7), rng.uniform(0, 129_600, 20_000)])
    assert cells.float_cells(values).to_pylist() == one_by_one(values)


def test_not_a_number_is_an_empty_cell():
    assert cells.float_cells(np.array([np.nan, 1.25, np.nan])).to_pylist() == ["", "1.25", ""]


def test_whole_numbers_and_flags_as_str_writes_them():
    assert cells.int_cells(np.array([0, -5, 32767], np.int16)).to_pylist() == ["0", "-5", "32767"]
    assert cells.bool_cells(np.array([True, False])).to_pylist() == ["True", "False"]


def test_text_cells_are_quoted_and_never_a_formula():
    found = cells.category_cells(["", "a,b", 'say "hi"', "=1+2", "-2.5", "x\ny", "ünï"])
    assert found == ["", '"a,b"', '"say ""hi"""', "'=1+2", "-2.5", '"x\ny"', "ünï"]
    assert not cells.needs_row_quoting(found) and cells.needs_row_quoting(['"a\rb"'])


def test_lines_join_cells_and_repeat_a_constant():
    out = io.BytesIO()
    cells.write_lines(out, [cells.int_cells(np.array([1, 2])), cells.coded_cells(np.array([1, 0]), ["a", "ü"]),
                            "run"])
    assert out.getvalue() == "1,ü,run\n2,a,run\n".encode()


def table_with_names(names: list[str]) -> IncidentTable:
    base = incident_table([])
    rows = len(names)
    columns = {name: np.zeros(rows, getattr(base, name).dtype) if name not in ("mode", "cause", "severity",
               "channel", "responder", "mitigation") else ["m"] * rows for name in IncidentTable.columns()}
    columns["responder"] = names
    columns["replication"] = np.arange(rows, dtype=np.int32)
    for name in ("onset", "detected", "mitigated"):
        columns[name] = np.linspace(0.0, 1234.5678912, rows)
    columns["mitigated"][::2] = np.nan
    return IncidentTable(**columns)


def test_incidents_csv_by_columns_is_the_csv_of_rows(tmp_path):
    table = table_with_names(["Ana", "Ben, Jr.", '"Q"', "=cmd", "+1", "Zoë"] * 7)
    write_incidents(tmp_path, table, block=5, run="abc123")
    fast = (tmp_path / "incidents.csv").read_bytes()
    _write_incidents_by_row(tmp_path / "rows.csv", table, 5, "abc123")
    assert fast == (tmp_path / "rows.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(fast.decode())))
    assert rows[0][-1] == "run_id" and rows[2][rows[0].index("responder")] == "Ben, Jr."
    assert rows[4][rows[0].index("responder")] == "'=cmd" and rows[2][rows[0].index("mitigated")] == "30.111412"


def test_a_carriage_return_in_a_name_quotes_its_row_as_before(tmp_path):
    table = table_with_names(["Ana", "Ben\rX"])
    write_incidents(tmp_path, table)
    lines = (tmp_path / "incidents.csv").read_bytes().decode().split("\n")
    assert lines[1].startswith("0,") and lines[2].startswith('"1","')
    text = io.StringIO()
    CsvWriter(text).writerow(["1", "Ben\rX"])
    assert text.getvalue() == '"1","Ben\rX"\n'
