"""The time-budget script keeps running (tiny sizes, one repeat) and prints a well-formed table.

Timings are never asserted on: at these sizes a part can round to 0.00 ms, and "rest" (what the
floor leaves of rnnlib's time) can be negative on a busy machine. Only the table's shape is checked.
"""
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "time_budget.py"
NUMBER = r"-?\d+\.\d\d"
COLUMNS = [r"(lstm|gru)", r"float(32|64)", NUMBER, NUMBER + r" \(\d\.\dx\)", NUMBER, NUMBER, NUMBER,
           NUMBER, r"-?\d+%"]


def test_time_budget_prints_one_well_formed_row_per_cell_and_dtype():
    out = subprocess.run([sys.executable, str(SCRIPT), "-T", "3", "-B", "2", "-D", "3", "-H", "4",
                          "--repeats", "1"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("cell"))
    assert [c.strip() for c in header.split(" | ")] == [
        "cell", "dtype", "torch ms", "target ms", "rnnlib ms", "products ms", "exp/tanh ms",
        "rest ms", "floor / target"]
    rows = [[c.strip() for c in line.split(" | ")] for line in lines
            if line.startswith(("lstm", "gru"))]
    assert sorted((r[0], r[1]) for r in rows) == [
        ("gru", "float32"), ("gru", "float64"), ("lstm", "float32"), ("lstm", "float64")]
    for row in rows:
        assert len(row) == len(COLUMNS), row
        for cell, pattern in zip(row, COLUMNS):
            assert re.fullmatch(pattern, cell), (cell, pattern, row)
