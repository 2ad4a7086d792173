"""The cell benchmark keeps running (tiny sizes, one repeat); its numbers come from the script.

The test keeps the environment's OpenBLAS pins (the script unsets them by default, to let
OpenBLAS pick its kernels for the CPU; tests and CI run with the machine's settings)."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_cells.py"


def test_benchmark_script_runs_and_prints_its_table():
    out = subprocess.run([sys.executable, str(SCRIPT), "-T", "3", "-B", "2", "-D", "3", "-H", "4",
                          "--repeats", "1", "--openblas-env", "keep"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    for cell in ("rnn", "lstm", "gru"):
        assert cell in out.stdout
    assert "GFLOP/s" in out.stdout
    assert "CPU: " in out.stdout and "tanh | exp" in out.stdout   # what the ratios depend on
