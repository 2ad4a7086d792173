"""Issue 18's numbers: a CPU hog beside an honest student, and the overlapping-zip result.

    .venv/bin/python benchmarks/bench_isolation.py [--runs 20] [--hog-seconds 6]

1. Grades, ``--runs`` times, two submissions of assignment 1 together with two workers: an honest
   one with a 0.75 s top-level cell (``tests/grading/attacks.busy_top_level``) and one whose
   last cell forks 60 busy processes and waits for them (``attacks.hog``). Prints the victim's
   score in every run and how many runs gave it full marks (the issue asks 20 of 20).
2. Checks the 60 MB result whose 400 zip members overlap (``attacks.overlapping_npz``) as the
   grader does, and prints how long the refusal took and the most memory it allocated
   (tracemalloc; the issue asks under 1 s, bounded memory).
"""
import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def hog_runs(runs, hog_seconds):
    from course.grading import pipeline
    from course.grading.sandbox import Limits
    from tests.grading import attacks
    from tests.grading.submissions import ASSIGNMENT, write
    limits = Limits(wall_s=20, cpu_s=20, memory_bytes=1 << 30, nproc=80, log_max=1 << 20)
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        submitted = Path(tmp) / "submitted"
        write(submitted, "victim", attacks.busy_top_level())
        write(submitted, "hog", attacks.hog(seconds=hog_seconds))
        for run in range(runs):
            out = Path(tmp) / f"out{run}"
            records = pipeline.grade_class(ASSIGNMENT, submitted, out=out, workers=2,
                                           db_url=f"sqlite:///{out / 'gradebook.db'}",
                                           course_root=REPO, limits=limits, log=io.StringIO(),
                                           autograded=out / "autograded",
                                           feedback=out / "feedback")
            by = {r["student"]: r for r in records}
            scores.append((by["victim"]["score"], by["hog"]["score"]))
            print(f"run {run + 1:2d}: victim {scores[-1][0]:g}/12, hog {scores[-1][1]:g}/12 "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    full = sum(v == 12 for v, _ in scores)
    print(f"victim full marks in {full} of {runs} concurrent runs")


def overlapping_zip():
    from course.grading import grader
    from course.grading.sandbox import Limits
    from tests.grading import attacks
    data = attacks.overlapping_npz()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        grader._check_npz(data, Limits().result_bytes)
        verdict = "ACCEPTED"
    except ValueError as e:
        verdict = f"refused ({e})"
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"overlapping-zip result ({len(data) / 1e6:.0f} MB, 400 members): {verdict} in "
          f"{seconds * 1000:.2f} ms, at most {peak / 1024:.1f} KiB allocated")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--hog-seconds", type=float, default=6)
    args = p.parse_args()
    overlapping_zip()
    hog_runs(args.runs, args.hog_seconds)


if __name__ == "__main__":
    main()
