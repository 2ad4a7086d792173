"""The command line, ``python -m course.grading``: arguments are checked before anything heavy
(NumPy, nbgrader, SQLAlchemy, torch) is imported, and every mistake says what would be right."""
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("grading-main")

REPO = Path(__file__).resolve().parents[2]
HEAVY = ["numpy", "nbgrader", "sqlalchemy", "torch", "nbformat"]
CHECK = ("import sys\nfrom course.grading.__main__ import main\n"
         "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    code = e.code\n"
         f"print('EXIT', code, [m for m in {HEAVY!r} if m in sys.modules])\n")


def _run(*args):
    proc = subprocess.run([sys.executable, "-c", CHECK, *args], capture_output=True, text=True,
                          cwd=REPO)
    last = proc.stdout.strip().splitlines()[-1]
    return last, proc.stderr


@pytest.mark.parametrize("args, message", [
    (["", "submitted"], "which assignment? give one of: assignment1, assignment2, assignment3, "
                        "assignment4"),
    (["asignment1", "submitted"], "no assignment 'asignment1': the assignments are assignment1, "
                                  "assignment2, assignment3, assignment4"),
    (["assignment1", "tests", "--workers", "0"], "--workers must be at least 1, not 0 (leave it "
                                                 "out to use every core"),
    (["assignment1", "tests", "--workers", "-3"], "--workers must be at least 1, not -3"),
    (["assignment1", "tests", "--shard", "2/2"], "--shard must be K/N with 0 <= K < N"),
    (["assignment1", "no-such-folder"], "no submissions folder 'no-such-folder'"),
])
def test_bad_arguments_exit_2_with_the_fix_before_any_heavy_import(args, message):
    last, stderr = _run(*args)
    assert last == "EXIT 2 []", (last, stderr)
    assert message in stderr, stderr


def test_make_grade_without_an_assignment_lists_them():
    proc = subprocess.run(["make", "-s", "grade", "ASSIGNMENT=", "SUBMISSIONS=tests"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert "which assignment? give one of: assignment1, assignment2" in proc.stderr, proc.stderr
