"""The grading benchmark's plan and report (the grading itself is timed by the script, never here):
1- and 2-worker runs alternate which goes first, and the speed-up is the ratio of the medians,
with every run in the table."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_grading  # noqa: E402


@pytest.mark.parametrize("rounds", [1, 2, 3, 4])
def test_schedule_alternates_which_worker_count_runs_first(rounds):
    order = bench_grading.schedule(rounds)
    assert len(order) == 2 * rounds
    pairs = [order[i:i + 2] for i in range(0, len(order), 2)]
    assert all(sorted(p) == [1, 2] for p in pairs)
    assert [p[0] for p in pairs] == [1, 2] * (rounds // 2) + [1] * (rounds % 2)


def test_summary_is_the_ratio_of_the_medians():
    runs = [(1, 10.0, 0.2, 1.0), (2, 6.0, 0.2, 1.0),      # round 1: 1.67x
            (2, 5.0, 0.2, 1.0), (1, 12.0, 0.2, 1.0),      # round 2: 2.40x
            (1, 11.0, 0.2, 1.0), (2, 7.0, 0.2, 1.0)]      # round 3: 1.57x
    medians, speedup, (low, high) = bench_grading.summary(runs)
    assert medians == {1: 11.0, 2: 6.0}
    assert speedup == pytest.approx(11 / 6)
    assert (low, high) == (pytest.approx(11 / 7), pytest.approx(12 / 5))


def test_report_lists_every_run_and_both_medians(capsys):
    runs = [(1, 10.0, 0.19, 1.5), (2, 6.0, 0.21, 2.5)]
    bench_grading.print_report("assignment1", 20, runs)
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| 1 |")]
    assert rows == ["| 1 | 1 | 10.0 | 0.50 | 0.19 | 2.00 | 1.5 |",
                    "| 1 | 2 | 6.0 | 0.30 | 0.21 | 3.33 | 2.5 |"]
    assert "1 worker 10.0, 2 workers 6.0; speed-up with 2 workers 1.67x" in out
    assert "after a warm-up run" in out
