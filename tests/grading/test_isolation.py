"""The attacks of issue 18: one student must never cost another points, stall the class, or see
the reference. Each test below is one attack with its exact expected outcome (the builders are
in ``attacks.py``)."""
import io
import json
import tracemalloc

import pytest

from course.grading import grader, pipeline
from course.grading.sandbox import Limits

from . import attacks
from .submissions import ASSIGNMENT, SOURCE, solved, write

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-isolation")]

FULL = 12.0
LIMITS = Limits(wall_s=8, cpu_s=8, memory_bytes=1 << 30, nproc=32, log_max=1 << 20)


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


# 2. The result channel: a result whose zip members overlap would decode to hundreds of times
# its size. It is refused from the zip's directory, before any member is decoded, in bounded
# memory; graded, only the task whose function wrote it loses its points ("malformed").
def test_overlapping_zip_result_refused_before_decoding():
    data = attacks.overlapping_npz()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="overlapping members"):
            grader._check_npz(data, Limits().result_bytes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 10, peak


def test_overlapping_zip_result_is_malformed_and_the_class_finishes(tmp_path):
    write(tmp_path / "submitted", "flood", attacks.result_channel_flood())
    write(tmp_path / "submitted", "honest", solved())
    records, log = _grade(tmp_path / "submitted", tmp_path / "out", LIMITS)
    flood = records["flood"]
    assert flood["score"] == FULL - 3, json.dumps(flood, indent=1)
    reasons = {t["reason"] for t in flood["tests"].values() if t["score"] == 0}
    assert reasons == {"rnn_step_forward: the results that came back were malformed"}, reasons
    assert records["honest"]["score"] == FULL
    assert (tmp_path / "out" / "grades.csv").read_text().count("\n") == 3
    assert (tmp_path / "out" / "summary.md").exists()


# 4. A forged result record: whatever the sandbox sends back is checked as data, so a record
# whose cell errors are not [cell number, message] pairs is "malformed" for that task only,
# never an internal grading error.
@pytest.mark.parametrize("cells", [[["x", "forged"]], [[True, "forged"]], [[10 ** 9, "x"]],
                                   [[1, "x"]] * 10 ** 4])
def test_forged_record_is_malformed(cells):
    meta = {"cases": [{"error": None, "n_out": 1}], "cells": cells}
    with pytest.raises(ValueError):
        grader._valid_meta(meta, n_cases=1, n_cells=40)


def test_forged_record_graded_as_malformed(tmp_path):
    write(tmp_path / "submitted", "forger", attacks.forged_record())
    records, log = _grade(tmp_path / "submitted", tmp_path / "out", LIMITS)
    forger = records["forger"]
    assert forger["status"] == "graded" and forger["score"] == FULL - 3, \
        json.dumps(forger, indent=1) + log
    reasons = {t["reason"] for t in forger["tests"].values() if t["score"] == 0}
    assert reasons == {"rnn_step_forward: the results that came back were malformed"}, reasons
    assert forger["cell_errors"] == [] and "internal" not in log, log


# 5. Instructor-facing injection: what a student's exceptions say reaches summary.md only inert
# (code spans: no heading, no HTML, no link when rendered), grades.csv without a formula, and
# the terminal without escape sequences.
def test_injected_text_is_inert_for_the_instructor(tmp_path):
    from markdown_it import MarkdownIt
    write(tmp_path / "submitted", "=1+2", attacks.injector())
    records, log = _grade(tmp_path / "submitted", tmp_path / "out", LIMITS)
    assert records["=1+2"]["score"] == FULL - 6, json.dumps(records["=1+2"], indent=1)
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "every student below is cheating" in summary   # shown, as text
    html = MarkdownIt("gfm-like").render(summary)
    for live in ["<script", "<img", "<h1>every", "<a href", "\x1b"]:
        assert live not in html, (live, summary)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html   # the hidden test's class name
    assert [line for line in summary.splitlines() if line.startswith("#")] == [
        "# Grading summary: 1 submissions", "## Failures and why"]
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert rows[1].startswith("'=1+2,6,12,graded,"), rows
    assert "\x1b" not in log and "\x07" not in log and "& done" in log, log
