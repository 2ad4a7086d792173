"""The cell benchmark keeps running (tiny sizes, one repeat) and prints a well-formed table whose
columns it names; its numbers come from the script, and no timing is asserted on (at these sizes
and on a busy machine any order of the times can come out).

The test keeps the environment's OpenBLAS pins (the script unsets them by default, to let
OpenBLAS pick its kernels for the CPU; tests and CI run with the machine's settings)."""
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_cells.py"
sys.path.insert(0, str(SCRIPT.parent))
from bench_cells import COLUMNS  # noqa: E402

MS = r"\d+\.\d\d"
RATIO = r"\d+\.\d\dx"
GFLOPS = r"\d+\.\d \(\d+%\)"
TARGET = r"(met|MISSED) \((<=|>=) \d\.\dx\)"
PATTERNS = [r"(rnn|lstm|gru)", r"float(32|64)", MS, MS, MS, RATIO, RATIO, GFLOPS, GFLOPS,
            r"[\d,]+", TARGET, TARGET, MS + r" \(" + RATIO + r"\)"]


def test_benchmark_script_runs_and_prints_its_table():
    out = subprocess.run([sys.executable, str(SCRIPT), "-T", "3", "-B", "2", "-D", "3", "-H", "4",
                          "--repeats", "1", "--peak-sizes", "64,128", "--openblas-env", "keep"],
                         capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "CPU: " in out.stdout and "tanh | exp" in out.stdout   # what the ratios depend on
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("cell "))
    assert [c.strip() for c in header.split(" | ")] == list(COLUMNS)
    rows = [[c.strip() for c in line.split(" | ")] for line in lines
            if line.startswith(("rnn ", "lstm ", "gru "))]
    assert sorted((r[0], r[1]) for r in rows) == sorted(
        (cell, dtype) for cell in ("rnn", "lstm", "gru") for dtype in ("float32", "float64"))
    for row in rows:
        assert len(row) == len(PATTERNS), row
        for value, pattern in zip(row, PATTERNS):
            if row[0] == "rnn" and pattern == TARGET:   # the targets are for LSTM and GRU
                assert value == "", row
            else:
                assert re.fullmatch(pattern, value), (value, pattern, row)
    legend = {line.split("  ")[0] for line in lines[lines.index(header):]}
    assert set(COLUMNS) <= legend                                  # every column is explained
