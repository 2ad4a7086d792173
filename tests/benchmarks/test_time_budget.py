"""The time-budget script keeps running (tiny sizes, one repeat) and its parts add up."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "time_budget.py"


def test_time_budget_prints_floor_and_rest_for_each_cell_and_dtype():
    out = subprocess.run([sys.executable, str(SCRIPT), "-T", "3", "-B", "2", "-D", "3", "-H", "4",
                          "--repeats", "1"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = [line.split(" | ") for line in out.stdout.splitlines()
            if line.startswith(("lstm", "gru"))]
    assert sorted((r[0].strip(), r[1].strip()) for r in rows) == [
        ("gru", "float32"), ("gru", "float64"), ("lstm", "float32"), ("lstm", "float64")]
    for r in rows:
        ours, products, exp_tanh, rest = (float(r[k]) for k in (4, 5, 6, 7))
        assert products > 0 and exp_tanh > 0
        assert abs(products + exp_tanh + rest - ours) < 0.02   # rest is what the floor leaves
