"""Staged files of two grading processes writing the same file (the shards of one class both end
by writing ``grades.csv`` and ``summary.md``): neither takes away the other's staged file, and a
file staged by a process that was killed is cleaned up by the next one."""
import subprocess
import sys
from pathlib import Path

from course.grading import save

REPO = Path(__file__).resolve().parents[2]

# a second grading process: stages its grade table, says so, waits, then moves it into place
OTHER_SHARD = """
import os, sys
from course.grading import save
tmp, path = save.stage(sys.argv[1], "student,score\\nstudent001,12\\n")
print("staged", flush=True)
sys.stdin.readline()
os.replace(tmp, path)
print("replaced", flush=True)
"""


def test_a_shard_finishing_beside_another_keeps_the_others_staged_table(tmp_path):
    table = tmp_path / "grades.csv"
    other = subprocess.Popen([sys.executable, "-c", OTHER_SHARD, str(table)], cwd=REPO,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline() == "staged\n", other.stderr.read()
        save.write_text(table, "student,score\nstudent000,9\n")   # this shard ends meanwhile
        out, err = other.communicate("go\n", timeout=60)
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
    assert other.returncode == 0 and out == "replaced\n", \
        f"the other shard could not move its table into place:\n{err}"
    assert table.read_text() == "student,score\nstudent001,12\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_file_staged_by_a_killed_run_is_removed_by_the_next(tmp_path):
    table = tmp_path / "grades.csv"
    killed = subprocess.run([sys.executable, "-c", "import os, sys\n"
                             "from course.grading import save\n"
                             "save.stage(sys.argv[1], 'half')\nos._exit(0)\n", str(table)],
                            cwd=REPO, capture_output=True, text=True)
    assert killed.returncode == 0, killed.stderr
    assert len(list(tmp_path.glob(".grades.csv.*.tmp"))) == 1
    save.write_text(table, "student,score\n")
    assert table.read_text() == "student,score\n"
    assert not list(tmp_path.glob(".*.tmp"))
