"""Assignment 4 (a character-level language model in PyTorch) through nbgrader: the committed
release, full and zero marks, per-task credit, the trained model's threshold and time budget, bugs.

One module fixture copies the course into a temporary folder, generates the release there and
autogrades every submission in a single nbgrader run. Training is the expensive part (the hidden
test of Task 4.4 trains a model, ~10 s; the ungraded cell after it trains the student's own), so:

* the instructor's solution, and one submission per task with only that task unanswered, run the
  notebook as a student would (Task 4.4's hidden test trains in each). The three with Task 4.1,
  4.2 or 4.3 unanswered show that Task 4.4 scores on its own (its tests put reference versions of
  CharLSTM and train_epoch in place of the student's);
* the bugs and correct variants of Tasks 4.1-4.3 are autograded with Task 4.4 left unanswered, so
  that nothing trains: they must lose (or keep) points in their own task and keep every point of
  the other two of 4.1-4.3;
* the bugs of Task 4.4 train (cheap settings: a bug that trains for long is not in the catalogue);
* every submission but the solution skips the ungraded training cell (it is not graded).
"""
import re
import time

import nbformat
import pytest
from nbclient import NotebookClient

from .bugs.assignment4 import BUGS, CORRECT
from .nbgrader_helpers import (BEGIN_SOLUTION, END_SOLUTION, REPO, autograde, cell_by_id, generate,
                               grade_id, make_course, nbgrader, outputs, read, scores, solution_ids,
                               solved, submit, with_cell)
from .nbgrader_helpers import HIDDEN, function_name, points, split_marked_lines, task_tests

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader")]

A = NB = "assignment4"
SOURCE = REPO / "solutions" / A / f"{NB}.ipynb"
RELEASE = REPO / "assignments" / A / f"{NB}.ipynb"
TASKS = solution_ids(read(SOURCE))                      # task4_1_CharLSTM, ..., task4_4_train_model
TRAINED = "task4_4_train_model"
REPORT = "# Train your model with your own"            # the ungraded cell that trains and reports
TOTAL = 14


def report_cell(nb):
    matches = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(REPORT)]
    assert len(matches) == 1
    return matches[0]


def without_report(nb):
    """A copy of nb whose ungraded train-and-report cell does nothing (it is not graded)."""
    nb = nbformat.from_dict(nb)
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    report_cell(nb).source = "# (training skipped in this test submission)"
    return nb


def tasks_checked(bug_cell):
    """The tasks whose scores a bug or variant in bug_cell is checked against (see the docstring)."""
    return TASKS if bug_cell == TRAINED else [t for t in TASKS if t != TRAINED]


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """(course, release folder): a temporary course after a fresh ``generate_assignment``."""
    course = make_course(tmp_path_factory.mktemp("a4"), [A])
    return course, generate(course, A)


@pytest.fixture(scope="module")
def graded(released):
    """(course, release folder) after one ``autograde`` run over every submission."""
    course, release_dir = released
    release_nb, source_nb = read(release_dir / f"{NB}.ipynb"), read(SOURCE)
    answer = solved(release_nb, source_nb)
    quick = without_report(answer)
    untrained = with_cell(quick, TRAINED, cell_by_id(release_nb, TRAINED).source)
    submissions = {"solution": answer, "release": release_nb}
    for task in TASKS:
        submissions[f"unanswered-{task}"] = with_cell(quick, task, cell_by_id(release_nb, task).source)
    for entry, prefix in [(b, "bug-") for b in BUGS] + [(v, "") for v in CORRECT]:
        base = quick if entry.cell == TRAINED else untrained
        submissions[prefix + entry.name.lower()] = with_cell(base, entry.cell, entry.source)
    for student, nb in submissions.items():
        submit(course, A, student, {NB: nb})
    autograde(course, A)
    return course, release_dir


def marks(graded, student):
    return scores(graded[0], A, student, NB)


# (a) The committed release is what nbgrader generates, and gives nothing away.

def test_release_equals_a_fresh_generate_assignment(released):
    fresh_dir = released[1]
    assert sorted(p.name for p in fresh_dir.iterdir()) == sorted(p.name for p in RELEASE.parent.iterdir()), \
        "assignments/assignment4/ holds other files than a fresh release: run `make release`"
    fresh, committed = read(fresh_dir / f"{NB}.ipynb"), read(RELEASE)
    assert committed.metadata == fresh.metadata
    assert len(committed.cells) == len(fresh.cells), "cell count differs: run `make release`"
    for i, (c, f) in enumerate(zip(committed.cells, fresh.cells)):
        where = f"cell {i} ({grade_id(f) or f.cell_type}) differs from a fresh release: run `make release`"
        assert (c.cell_type, c.source, c.metadata) == (f.cell_type, f.source, f.metadata), where
        assert c.get("outputs", []) == [] and c.get("execution_count") is None, where


def test_release_contains_no_solutions_or_hidden_tests():
    source, text = read(SOURCE), RELEASE.read_text()
    release = read(RELEASE)
    for marker in (BEGIN_SOLUTION, END_SOLUTION, *HIDDEN):
        assert marker not in text
    open_lines = {line.strip() for c in release.cells for line in c.source.splitlines()}
    public = {line for c in source.cells for line in split_marked_lines(c.source)[1]}
    secret = 0
    for cell in source.cells:
        for line in split_marked_lines(cell.source)[0]:
            if len(line) > 12 and not line.startswith("#") and line not in public:
                secret += 1
                assert line not in open_lines, f"the release leaks {line!r} from {grade_id(cell)}"
    assert secret > 40           # the check above did look at the solutions and hidden tests
    for task in TASKS:           # every stub is a one-line comment and raise NotImplementedError()
        body = cell_by_id(release, task).source.rstrip().splitlines()
        assert body[-1].strip() == "raise NotImplementedError()" and body[-2].strip().startswith("# ")


def test_every_task_has_a_heading_a_public_and_a_hidden_test():
    source = read(SOURCE)
    for task in TASKS:
        number = re.match(r"task(\d+)_(\d+)_", task).group(1, 2)
        assert any(c.cell_type == "markdown" and f"## Task {'.'.join(number)}:" in c.source
                   for c in source.cells), f"no heading 'Task {'.'.join(number)}'"
        public, hidden = (cell_by_id(source, gid) for gid in task_tests(task))
        assert HIDDEN[0] not in public.source and HIDDEN[0] in hidden.source
        assert public.metadata.nbgrader["points"] > 0 and hidden.metadata.nbgrader["points"] > 0


def test_instructions_state_the_budget_the_threshold_and_the_book_section():
    text = "\n".join(c.source for c in read(RELEASE).cells if c.cell_type == "markdown")
    assert "07_applications.md" in text and "90 seconds" in text and "below 9.0" in text
    hidden = cell_by_id(read(SOURCE), f"test_{TRAINED}_hidden").source
    assert "seconds < 90" in hidden and "ppl < 9.0" in hidden


def test_graded_code_cannot_reach_rnnlib_models():
    """The setup cell imports only rnnlib.data; the hidden tests reject any other use of rnnlib."""
    setup = cell_by_id(read(SOURCE), "setup").source
    imports = [line for line in setup.splitlines() if "rnnlib" in line]
    assert imports == ["from rnnlib.data import bptt_batches, stdlib_corpus"]


# (b), (c), (d): scores.

def test_instructor_solution_scores_full_marks(graded):
    m = marks(graded, "solution")
    assert set(m) == {gid for task in TASKS for gid in task_tests(task)}
    assert all(score == max_score for score, max_score in m.values()), m
    assert sum(s for s, _ in m.values()) == TOTAL
    text = outputs(graded[0], A, "solution", NB)[f"test_{TRAINED}_hidden"]
    seconds, ppl = map(float, re.search(r"took ([\d.]+) s; validation perplexity ([\d.]+)", text).groups())
    assert seconds < 90 and ppl < 9.0


def test_untouched_release_scores_zero(graded):
    m = marks(graded, "release")
    assert sum(s for s, _ in m.values()) == 0, m
    texts = outputs(graded[0], A, "release", NB)
    for task in TASKS:
        assert f"{function_name(task)} is not implemented yet" in texts[task_tests(task)[0]]


@pytest.mark.parametrize("task", TASKS)
def test_one_unanswered_task_loses_exactly_its_points(graded, task):
    m = marks(graded, f"unanswered-{task}")
    for other in TASKS:
        score, max_score = points(m, other)
        assert score == (0 if other == task else max_score), (other, m)


def test_the_completed_notebook_runs_top_to_bottom_within_its_budget(graded):
    nb = solved(read(RELEASE), read(SOURCE))
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert time.perf_counter() - start < 120
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    printed = "".join(o.get("text", "") for o in report_cell(nb).outputs)
    assert float(re.search(r"perplexity ([\d.]+)", printed).group(1)) < 9.0, printed


def test_nbgrader_validate_passes_the_completed_notebook_and_flags_each_public_test_of_the_release(
        graded, tmp_path):
    """What students run before submitting (the hidden-test cells are empty in their copy)."""
    nbformat.write(without_report(solved(read(RELEASE), read(SOURCE))), str(tmp_path / "done.ipynb"))
    assert "Success! Your notebook passes all the tests." in nbgrader(graded[0], "validate",
                                                                      str(tmp_path / "done.ipynb"))
    assert "VALIDATION FAILED ON 4 CELL(S)!" in nbgrader(graded[0], "validate", str(RELEASE))


# The bug catalogue.

@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_catalogued_bug_loses_its_tasks_points_only(graded, bug):
    student = f"bug-{bug.name.lower()}"
    m = marks(graded, student)
    for task in tasks_checked(bug.cell):
        score, max_score = points(m, task)
        if task == bug.cell:
            assert score < max_score, f"{bug.name} was not caught: {m}"
        else:
            assert score == max_score, f"{bug.name} cost points in {task}: {m}"
    texts = outputs(graded[0], A, student, NB)
    failed = [gid for gid in task_tests(bug.cell) if m[gid][0] < m[gid][1]]
    assert all(function_name(bug.cell) in texts[gid] for gid in failed), \
        {gid: texts[gid][-800:] for gid in failed}


@pytest.mark.parametrize("variant", CORRECT, ids=[v.name for v in CORRECT])
def test_correct_answer_in_another_style_scores_full_marks(graded, variant):
    m = marks(graded, variant.name)
    for task in tasks_checked(variant.cell):
        score, max_score = points(m, task)
        assert score == max_score, (task, m)


def test_catalogue_has_at_least_five_bugs_per_task():
    for task in TASKS:
        assert sum(b.cell == task for b in BUGS) >= 5, task


def test_bugs_are_valid_python_and_differ_from_the_solution():
    source = read(SOURCE)
    for bug in BUGS + CORRECT:     # a bug that does not even compile would be "caught" for the wrong reason
        compile(bug.source, bug.name, "exec")
        assert bug.source.strip() != cell_by_id(source, bug.cell).source.strip()
