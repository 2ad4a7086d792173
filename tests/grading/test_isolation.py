"""The attacks of issue 18: one student must never cost another points, stall the class, or see
the reference. Each test below is one attack with its exact expected outcome (the builders are
in ``attacks.py``)."""
import io
import json

import pytest

from course.grading import pipeline
from course.grading.sandbox import Limits

from . import attacks
from .submissions import ASSIGNMENT, SOURCE, write

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-isolation")]

FULL = 12.0


def _grade(submitted, out, limits, force=False):
    log = io.StringIO()
    records = pipeline.grade_class(ASSIGNMENT, submitted, out=out, workers=2,
                                   db_url=f"sqlite:///{out / 'gradebook.db'}",
                                   course_root=SOURCE.parents[2], limits=limits, log=log,
                                   autograded=out / "autograded", feedback=out / "feedback",
                                   force=force)
    return {r["student"]: r for r in records}, log.getvalue()


# 1. A neighbour's CPU hog: graded beside 60 busy processes, an honest student with a 0.75 s
# top-level cell still gets full marks (each sandbox has its own CPU share, and the top-level
# budget is CPU time). Repeated: one lucky run proves nothing (benchmarks/bench_isolation.py
# runs it 20 times).
HOG_LIMITS = Limits(wall_s=20, cpu_s=20, memory_bytes=1 << 30, nproc=80, log_max=1 << 20)


def test_cpu_hog_costs_its_neighbour_nothing(tmp_path):
    write(tmp_path / "submitted", "victim", attacks.busy_top_level())
    write(tmp_path / "submitted", "hog", attacks.hog(seconds=6))
    for run in range(2):
        records, log = _grade(tmp_path / "submitted", tmp_path / f"out{run}", HOG_LIMITS)
        victim = records["victim"]
        assert victim["score"] == FULL, (run, json.dumps(victim, indent=1), log)
        assert victim["cell_errors"] == [], victim["cell_errors"]
