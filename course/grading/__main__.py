"""``python -m course.grading ASSIGNMENT SUBMISSIONS [options]``: grade a class (see pipeline).

The arguments are checked before anything heavy (NumPy, nbgrader, SQLAlchemy) is imported, so a
mistake is answered at once. Exit status: 0 every submission graded; 1 some submissions not
graded because the grading machinery failed (listed with the cause; run again once it is fixed),
or grading stopped before any record (the canary failed, no bubblewrap, no gradebook); 2 bad
arguments.
"""
import argparse
import os
import sys
from pathlib import Path

SPECS = Path(__file__).resolve().parent / "specs"


def known_assignments(course_root):
    """Assignments that can be graded: a grading spec and a source notebook in solutions/."""
    specs = {p.stem for p in SPECS.glob("*.py") if not p.stem.startswith("_")}
    solutions = Path(course_root) / "solutions"
    sources = {p.name for p in solutions.iterdir()} if solutions.is_dir() else set()
    return sorted(specs & sources)


def _parser():
    p = argparse.ArgumentParser(prog="python -m course.grading", description=(
        "Grade nbgrader submissions (submitted/<student>/<assignment>/*.ipynb) in sandboxes; "
        "write the gradebook, feedback/<student>/<assignment>/<notebook>.html (for nbgrader "
        "release_feedback), grades.csv and summary.md. Exit status: 0 all graded, 1 some not "
        "graded because the grader failed (see the summary), 2 bad arguments."))
    p.add_argument("assignment", help="assignment name, e.g. assignment1")
    p.add_argument("submissions", help="the submitted/ folder (or the folder that holds it)")
    p.add_argument("--workers", type=int, default=None,
                   help="submissions graded in parallel, at least 1 (default: every core)")
    p.add_argument("--db-url", default=None, help="gradebook URL (default: sqlite:///"
                   "COURSE_ROOT/gradebook.db; e.g. postgresql://user@host/db)")
    p.add_argument("--out", default=None, help="output folder for grades.csv, summary.md and "
                   "the records (default: COURSE_ROOT/grading/ASSIGNMENT)")
    p.add_argument("--feedback", default=None, help="nbgrader's feedback folder, written as "
                   "FEEDBACK/<student>/<assignment>/<notebook>.html "
                   "(default: COURSE_ROOT/feedback)")
    p.add_argument("--autograded", default=None, help="where to write nbgrader-style autograded "
                   "notebooks (default: COURSE_ROOT/autograded)")
    p.add_argument("--course-root", default=".", help="folder with solutions/ and assignments/")
    p.add_argument("--wall", type=float, default=30.0, help="seconds per task (wall clock)")
    p.add_argument("--memory", type=int, default=2048, help="MiB of address space per process")
    p.add_argument("--force", action="store_true", help="grade again students already graded "
                   "(make grade ... GRADE_FLAGS=--force)")
    p.add_argument("--shard", default="0/1", help="K/N: grade only every N-th student from K "
                   "(to split a class over several jobs sharing one PostgreSQL gradebook)")
    return p


def check_args(argv=None):
    """Parse and check the arguments (standard library only); exit 2 with a message on error."""
    p = _parser()
    args = p.parse_args(argv)
    known = known_assignments(args.course_root)
    listed = ", ".join(known) or f"none (no solutions/ in {Path(args.course_root).resolve()})"
    if not args.assignment:
        p.error(f"which assignment? give one of: {listed} "
                "(make grade ASSIGNMENT=assignment1 SUBMISSIONS=submitted)")
    if args.assignment not in known:
        p.error(f"no assignment {args.assignment!r}: the assignments are {listed}")
    if args.workers is not None and args.workers < 1:
        p.error(f"--workers must be at least 1, not {args.workers} (leave it out to use every "
                f"core: {len(os.sched_getaffinity(0))} here)")
    try:
        k, n = (int(x) for x in args.shard.split("/"))
        if not 0 <= k < n:
            raise ValueError
    except ValueError:
        p.error(f"--shard must be K/N with 0 <= K < N, e.g. 0/4, not {args.shard!r}")
    args.shard = (k, n)
    if args.wall <= 0 or args.memory <= 0:
        p.error("--wall and --memory must be positive")
    if not Path(args.submissions).is_dir():
        p.error(f"no submissions folder {args.submissions!r} (expected submitted/<student>/"
                f"{args.assignment}/*.ipynb, as `nbgrader collect` leaves them)")
    return args


def main(argv=None):
    args = check_args(argv)
    from .faults import GraderFault   # the heavy imports start here
    from .pipeline import grade_class
    from .sandbox import Limits
    limits = Limits(wall_s=args.wall, cpu_s=max(1, int(args.wall)),
                    memory_bytes=args.memory << 20)
    try:
        result = grade_class(args.assignment, args.submissions, out=args.out,
                             workers=args.workers, db_url=args.db_url,
                             course_root=args.course_root, limits=limits, force=args.force,
                             shard=args.shard, autograded=args.autograded,
                             feedback=args.feedback)
    except GraderFault as f:
        print(f"grading stopped, nothing recorded: {f.cause}", file=sys.stderr)
        if f.detail:
            print("    " + f.detail.replace("\n", "\n    "), file=sys.stderr)
        return 1
    return 1 if result.not_graded or result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
