"""Columns of a table as CSV text, a whole column at a time: the very cells csv_cell and CsvWriter write, row by
row, for the same values, made by Arrow's compute kernels instead of a Python call per cell.

    float   repr(round(v, 6)), empty for NaN
    int     str(v)
    bool    'True' / 'False'
    text    a few distinct strings (a Coded column): each category written once by the csv module (csv_text,
            quoted where it must be), then taken by code

A float cell is worked out from n, the value × 10⁶ rounded to a whole number: round(v, 6) is the double
nearest to n ÷ 10⁶, and for 10⁻⁴ ≤ |n ÷ 10⁶| < 10⁷ (at most 13 significant digits, so that double's shortest
repr is that decimal, written without an exponent) repr and Arrow's cast to text both give that decimal's
digits (Arrow without the '.0' of a whole number, put back). Values outside that range, and those so near a
half that the product v × 10⁶ might round the other way than v itself, take repr(round(v, 6)) one by one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import IO, Any

import numpy as np

from simulator.outputs.files import CsvWriter, csv_text

FAST_BELOW = 1e7
"""Values below this (in magnitude) are written by the kernels; above, by repr one by one."""
_SCALE = 1_000_000
_ULP = 2.0**-52
"""Twice the largest relative error of the product v × 10⁶ (one rounding)."""


def float_cells(values: np.ndarray) -> Any:
    """repr(round(v, 6)) for each value, '' where it is NaN (pyarrow.StringArray)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(values, dtype=np.float64)
    magnitude = np.abs(values)
    with np.errstate(invalid="ignore"):
        product = magnitude * _SCALE
        whole = np.floor(product)
        above = product - whole  # exact: both in the same binade or whole is smaller
        fast = (magnitude < FAST_BELOW) & (np.abs(above - 0.5) > product * _ULP)
    scaled = np.where(fast, whole + (above > 0.5), 0)
    fast &= (scaled == 0) | (scaled >= 100)  # below 10⁻⁴ repr writes an exponent
    # scaled ÷ 10⁶ is round(v, 6) (one correctly rounded division of exact numbers); Arrow writes its shortest
    # digits as repr does, but a whole number without '.0'
    number = pc.cast(pa.array(np.copysign(scaled / _SCALE, values)), pa.string())
    whole_number = pa.array(np.fmod(scaled, _SCALE) == 0)
    number = pc.if_else(whole_number, pc.binary_join_element_wise(number, "0", "."), number)
    missing = np.isnan(values)
    slow = ~fast & ~missing
    if missing.any():
        number = pc.if_else(pa.array(missing), "", number)
    if slow.any():
        text = [repr(round(value, 6)) for value in values[slow].tolist()]
        number = pc.replace_with_mask(number, pa.array(slow), pa.array(text, pa.string()))
    return number


def int_cells(values: np.ndarray) -> Any:
    """str(v) for each integer (pyarrow.StringArray)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.cast(pa.array(np.asarray(values)), pa.string())


def bool_cells(values: np.ndarray) -> Any:
    """'True' or 'False' for each value, as str(bool) writes them (pyarrow.StringArray)."""
    import pyarrow as pa

    return pa.array(["False", "True"]).take(pa.array(np.asarray(values, dtype=bool).astype(np.int8)))


def category_cells(categories: Sequence[str]) -> list[str]:
    """Each category as the csv module writes it in a row of CsvWriter (through csv_text: never a formula)."""
    cells = []
    for category in categories:
        text = io.StringIO()
        CsvWriter(text).plain.writerow(["", csv_text(category)])  # a lone empty cell would be quoted: not ours
        cells.append(text.getvalue()[1:-1])
    return cells


def coded_cells(codes: np.ndarray, cells: Sequence[str]) -> Any:
    """The cells of a coded text column: cells[code] for each code (pyarrow.StringArray)."""
    import pyarrow as pa

    return pa.array(list(cells), pa.string()).take(pa.array(np.asarray(codes)))


def needs_row_quoting(cells: Sequence[str]) -> bool:
    """Whether a cell holds a carriage return: CsvWriter then quotes its whole row, which the columns here do not
    (the caller writes such a table row by row)."""
    return any("\r" in cell for cell in cells)


def write_lines(handle: IO[bytes], columns: Sequence[Any]) -> None:
    """Rows of cells (equal-length pyarrow.StringArrays, or scalars repeated down the rows), joined by commas,
    each line ending in '\\n', written to `handle` as UTF-8."""
    import pyarrow.compute as pc

    lines = pc.binary_join_element_wise(*columns, ",")
    lines = pc.binary_join_element_wise(lines, "", "\n")
    if not len(lines):
        return
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset:lines.offset + len(lines) + 1]
    start, stop = int(offsets[0]), int(offsets[-1])
    handle.write(memoryview(lines.buffers()[2])[start:stop])


def release_memory() -> None:
    """Give the memory Arrow's allocator keeps for reuse back to the system: what a large table's text took is
    then free for what comes next (numpy's arrays do not come from Arrow's pool)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


__all__ = ["bool_cells", "category_cells", "coded_cells", "float_cells", "int_cells", "needs_row_quoting",
           "release_memory", "write_lines"]
