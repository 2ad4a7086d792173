"""Benchmark the grading pipeline: seconds per submission and throughput, 1 and 2 workers.

    .venv/bin/python benchmarks/bench_grading.py [--n 50] [--assignment assignment1]

Writes ``--n`` correct submissions of the assignment (each with its own comment, so each has its
own hash and its own hidden-test inputs) into a temporary folder, grades them from scratch with
1 and with 2 workers (fresh gradebook and output each time), and prints a table. Issue 6 asks for
at most 3 s per submission and at least 1.7x throughput with 2 workers on a 2-core machine.
"""
import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from course.grading import pipeline  # noqa: E402
from course.grading.grader import load_assignment  # noqa: E402
from course.grading.notebook import with_solutions  # noqa: E402


def make_submissions(folder, assignment, n):
    notebook = load_assignment(REPO, assignment).notebook
    source = json.loads((REPO / "solutions" / assignment / notebook).read_text())
    release = json.loads((REPO / "assignments" / assignment / notebook).read_text())
    nb = with_solutions(release, source)
    for i in range(n):
        nb["cells"][0]["source"] = f"# student {i:03d}\n"
        path = Path(folder) / f"student{i:03d}" / assignment / notebook
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb))


def run(assignment, submitted, workers, tmp):
    out = Path(tmp) / f"out{workers}"
    db_url = f"sqlite:///{Path(tmp) / f'gradebook{workers}.db'}"
    load = os.getloadavg()[0]
    start = time.perf_counter()
    records = pipeline.grade_class(assignment, submitted, out=out, workers=workers,
                                   db_url=db_url, course_root=REPO, log=io.StringIO(),
                                   autograded=Path(tmp) / f"autograded{workers}",
                                   feedback=Path(tmp) / f"feedback{workers}")
    seconds = time.perf_counter() - start
    assert all(r["score"] == r["max_score"] for r in records), "a correct submission lost points"
    task_seconds = sum(r["seconds"] for r in records) / len(records)
    return seconds, task_seconds, max(load, os.getloadavg()[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--assignment", default="assignment1")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        submitted = Path(tmp) / "submitted"
        make_submissions(submitted, args.assignment, args.n)
        rows = [(w, *run(args.assignment, submitted, w, tmp)) for w in (1, 2)]
    base = rows[0][1]
    print(f"{args.assignment}, {args.n} submissions, {os.cpu_count()} cores "
          f"(wall clock of the whole command, gradebook writes included)\n")
    print("| workers | wall s | s per submission (wall / n) | grading s per submission "
          "(in a worker) | submissions/s | speed-up | load average |")
    print("|---|---|---|---|---|---|---|")
    for workers, seconds, per, load in rows:
        print(f"| {workers} | {seconds:.1f} | {seconds / args.n:.2f} | {per:.2f} | "
              f"{args.n / seconds:.2f} | {base / seconds:.2f}x | {load:.1f} |")
    print("\nOn a shared machine the speed-up is bounded by the cores other jobs leave free "
          "(the load average, the highest seen at the start or end of each run, tells).")


if __name__ == "__main__":
    main()
