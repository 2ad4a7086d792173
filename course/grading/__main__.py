"""``python -m course.grading ASSIGNMENT SUBMISSIONS [options]``: grade a class (see pipeline)."""
import argparse
import sys

from .pipeline import grade_class
from .sandbox import Limits


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m course.grading", description=(
        "Grade nbgrader submissions (submitted/<student>/<assignment>/*.ipynb) in sandboxes, "
        "write the gradebook, per-student feedback HTML, grades.csv and summary.md."))
    p.add_argument("assignment", help="assignment name, e.g. assignment1")
    p.add_argument("submissions", help="the submitted/ folder (or the folder that holds it)")
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: cores)")
    p.add_argument("--db-url", default=None, help="gradebook URL (default: sqlite:///"
                   "COURSE_ROOT/gradebook.db; e.g. postgresql://user@host/db)")
    p.add_argument("--out", default=None, help="output folder (default: COURSE_ROOT/grading/"
                   "ASSIGNMENT)")
    p.add_argument("--autograded", default=None, help="where to write nbgrader-style autograded "
                   "notebooks for `nbgrader generate_feedback` (default: COURSE_ROOT/autograded)")
    p.add_argument("--course-root", default=".", help="folder with solutions/ and assignments/")
    p.add_argument("--wall", type=float, default=30.0, help="seconds per task (wall clock)")
    p.add_argument("--memory", type=int, default=2048, help="MiB of address space per process")
    p.add_argument("--force", action="store_true", help="re-grade students already graded")
    p.add_argument("--shard", default="0/1", help="K/N: grade only every N-th student from K "
                   "(to split a class over several jobs sharing one PostgreSQL gradebook)")
    args = p.parse_args(argv)
    k, n = (int(x) for x in args.shard.split("/"))
    limits = Limits(wall_s=args.wall, cpu_s=max(1, int(args.wall)),
                    memory_bytes=args.memory << 20)
    records = grade_class(args.assignment, args.submissions, out=args.out, workers=args.workers,
                          db_url=args.db_url, course_root=args.course_root, limits=limits,
                          force=args.force, shard=(k, n), autograded=args.autograded)
    return 1 if any(r["status"] == "error" for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
