"""The attacks of issue 18: one student must never cost another points, stall the class, or see
the reference. Each test below is one attack with its exact expected outcome (the builders are
in ``attacks.py``)."""
import io
import json
import re
import tracemalloc

import pytest

from course.grading import grader, pipeline
from course.grading.notebook import SubmissionError, student_code
from course.grading.sandbox import Limits

from . import attacks
from .submissions import ASSIGNMENT, RELEASE, SOURCE, solved, write

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
# whose cell errors are not [cell number, message] pairs, or whose case records have fields of
# the wrong type, is "malformed", never an internal grading error. (The cells' report comes
# before the plan is sent, see 6: a top-level cell can forge it, and every task is malformed; a
# function can forge only the case records, and its own task is malformed.)
@pytest.mark.parametrize("cells", [[["x", "forged"]], [[True, "forged"]], [[10 ** 9, "x"]],
                                   [[1, "x"]] * 10 ** 4, {"1": "x"}])
def test_forged_cell_errors_are_malformed(cells):
    with pytest.raises(ValueError):
        grader._valid_cells(cells, n_cells=40)


@pytest.mark.parametrize("case", [{"n_out": "1"}, {"n_out": 10 ** 9}, {"error": ["x"]},
                                  {"calls": -1}, {"is_value_error": "yes"}, "case"])
def test_forged_case_records_are_malformed(case):
    with pytest.raises(ValueError):
        grader._valid_meta({"cases": [case]}, n_cases=1)


def test_forged_cells_report_graded_as_malformed(tmp_path):
    write(tmp_path / "submitted", "forger", attacks.forged_cells_report())
    records, log = _grade(tmp_path / "submitted", tmp_path / "out", LIMITS)
    forger = records["forger"]
    assert forger["status"] == "graded" and forger["score"] == 0, \
        json.dumps(forger, indent=1) + log
    reasons = {t["reason"].split(":")[1] for t in forger["tests"].values()}
    assert reasons == {" the results that came back were malformed"}, reasons
    assert forger["cell_errors"] == [] and "internal" not in log, log


def test_forged_case_record_graded_as_malformed(tmp_path):
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


# 6. What the grader puts in a sandbox (the plan, stand-in source, hidden inputs) never reaches
# the feedback: the job folder holds only the student's code and the harness, the cells report
# their errors before the plan is sent, and a function's error message that quotes the
# stand-ins' code or the hidden inputs is withheld.
def test_sandbox_contents_never_reach_the_feedback(tmp_path):
    from course.grading.specs.assignment1 import DOUBLING_STEP, REFERENCE_STEP
    write(tmp_path / "submitted", "snoop", attacks.snoop())
    records, log = _grade(tmp_path / "submitted", tmp_path / "out", LIMITS)
    snoop = records["snoop"]
    assert snoop["score"] == FULL - 6, json.dumps(snoop, indent=1)
    assert snoop["cell_errors"] == [
        [2, "RuntimeError: SNOOP ./cells.json ./harness.py stdin: nothing"]], snoop["cell_errors"]
    quoted = "(error message not shown, because it quotes code the grader ran beside yours)"
    inputs = "(error message not shown, because it holds the inputs of hidden tests)"
    reasons = {g: t["reason"] for g, t in snoop["tests"].items() if t["reason"]}
    assert sorted(reasons) == ["test_task1_1_rnn_step_forward_hidden",
                               "test_task1_1_rnn_step_forward_public",
                               "test_task1_2_rnn_forward_hidden",
                               "test_task1_2_rnn_forward_public"], reasons
    assert reasons["test_task1_1_rnn_step_forward_hidden"] == f"rnn_step_forward raised {inputs}"
    assert reasons["test_task1_1_rnn_step_forward_public"].startswith(
        "rnn_step_forward raised inputs [")   # the public test's own inputs: the student's to see
    assert reasons["test_task1_2_rnn_forward_hidden"] == (
        f"rnn_forward raised {quoted}; it called rnn_step_forward 0 times for 5 time steps: call "
        "it once per time step")
    assert reasons["test_task1_2_rnn_forward_public"].startswith(f"rnn_forward raised {quoted}")
    page = (tmp_path / "out" / "feedback" / "snoop" / ASSIGNMENT / "assignment1.html").read_text()
    submitted = json.dumps(attacks.snoop())   # the release's public tests show a stand-in
    code = [line.strip() for line in (DOUBLING_STEP + REFERENCE_STEP).splitlines()
            if len(line.strip()) > 12 and json.dumps(line.strip())[1:-1] not in submitted]
    assert "return np.tanh(x @ W.T + h_prev @ U.T + b_h)" in code
    for text in (page, json.dumps(snoop)):
        assert not [line for line in code if line in text]


# 3. Student text is processed on the trusted side only within bounds: a notebook's code is at
# most MAX_CODE_BYTES in MAX_CODE_CELLS cells (beyond, it is refused at once), and IPython's input
# transformation, whose time grows with a cell's size times its magics, runs in the sandbox,
# within the cell's time limit.
def test_notebook_of_shell_lines_beyond_the_limit_is_refused_at_once(tmp_path):
    nb = attacks.shell_lines_only(10 << 20)
    with pytest.raises(SubmissionError, match="more than the 1 MiB a notebook may have"):
        student_code(nb, json.loads(RELEASE.read_text()))
    write(tmp_path / "submitted", "shell", nb)
    records, log = _grade(tmp_path / "submitted", tmp_path / "out", LIMITS)
    shell = records["shell"]
    assert shell["status"] == "ungradable" and shell["score"] == 0, json.dumps(shell, indent=1)
    assert len(shell["notes"]) == 1 and re.fullmatch(
        r"the notebook's code cells hold 9\.\d MiB of code, more than the 1 MiB a notebook may "
        r"have", shell["notes"][0]), shell["notes"]


def test_too_many_code_cells_are_refused():
    nb = solved(after=["pass"] * 1000)
    with pytest.raises(SubmissionError, match=r"code cells, more than the 1000 a notebook"):
        student_code(nb, json.loads(RELEASE.read_text()))


def test_cell_of_shell_lines_is_transformed_in_the_sandbox_within_its_limit(tmp_path):
    nb = attacks.shell_lines_notebook()
    cells = student_code(nb, json.loads(RELEASE.read_text()))
    assert cells[-1] == attacks.shell_lines_cell()   # as written: not transformed here
    write(tmp_path / "submitted", "shell", nb)
    records, log = _grade(tmp_path / "submitted", tmp_path / "out", LIMITS)
    shell = records["shell"]
    assert shell["score"] == FULL, json.dumps(shell, indent=1)
    assert shell["cell_errors"] == [
        [len(cells), "CellTimeout: the cell ran too long and was interrupted"]], shell

