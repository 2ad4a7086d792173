"""Assignment 2 through nbgrader: the committed release, full and zero marks, per-function credit, bugs.

As for assignment 1 (whose small helpers this module reuses): one module fixture copies the course
into a temporary folder, generates the release there and autogrades every submission in a single
nbgrader run: the instructor's solution, the untouched release, one submission per task with only
that task unanswered, one per catalogued bug and one per correct answer written in another style
(both in tests/assignments/bugs/assignment2.py).
"""
import re
import time

import nbformat
import pytest
from nbclient import NotebookClient

from .bugs.assignment2 import BUGS, CORRECT
from .nbgrader_helpers import (BEGIN_SOLUTION, END_SOLUTION, REPO, autograde, cell_by_id, generate,
                               grade_id, make_course, nbgrader, outputs, read, scores, solution_ids,
                               solved, submit, with_cell)
from .nbgrader_helpers import HIDDEN, function_name, points, split_marked_lines, task_tests

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader")]

A = NB = "assignment2"
SOURCE = REPO / "solutions" / A / f"{NB}.ipynb"
RELEASE = REPO / "assignments" / A / f"{NB}.ipynb"
TASKS = solution_ids(read(SOURCE))                      # task2_1_rnn_step_backward, ...
TOTAL = 15


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """(course, release folder): a temporary course after a fresh ``generate_assignment``."""
    course = make_course(tmp_path_factory.mktemp("a2"), [A])
    return course, generate(course, A)


@pytest.fixture(scope="module")
def graded(released):
    """(course, release folder) after one ``autograde`` run over every submission."""
    course, release_dir = released
    release_nb, source_nb = read(release_dir / f"{NB}.ipynb"), read(SOURCE)
    answer = solved(release_nb, source_nb)
    submissions = {"solution": answer, "release": release_nb}
    for task in TASKS:
        submissions[f"unanswered-{task}"] = with_cell(answer, task, cell_by_id(release_nb, task).source)
    for bug in BUGS:
        submissions[f"bug-{bug.name.lower()}"] = with_cell(answer, bug.cell, bug.source)
    for variant in CORRECT:
        submissions[variant.name] = with_cell(answer, variant.cell, variant.source)
    for student, nb in submissions.items():
        submit(course, A, student, {NB: nb})
    autograde(course, A)
    return course, release_dir


def marks(graded, student):
    return scores(graded[0], A, student, NB)


# The committed release is what nbgrader generates, and gives nothing away.

def test_release_equals_a_fresh_generate_assignment(released):
    fresh_dir = released[1]
    assert sorted(p.name for p in fresh_dir.iterdir()) == sorted(p.name for p in RELEASE.parent.iterdir()), \
        "assignments/assignment2/ holds other files than a fresh release: run `make release`"
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
    assert secret > 40          # the check above did look at the solutions and hidden tests
    for task in TASKS:           # every stub is a one-line comment and raise NotImplementedError()
        body = cell_by_id(release, task).source.rstrip().splitlines()
        assert body[-1].strip() == "raise NotImplementedError()" and body[-2].strip().startswith("# ")


def test_every_task_has_a_heading_a_public_and_a_hidden_test():
    source = read(SOURCE)
    assert len(TASKS) == 5
    for task in TASKS:
        number = re.match(r"task(\d+)_(\d+)_", task).group(1, 2)
        assert any(c.cell_type == "markdown" and f"## Task {'.'.join(number)}:" in c.source
                   for c in source.cells), f"no heading 'Task {'.'.join(number)}'"
        public, hidden = (cell_by_id(source, gid) for gid in task_tests(task))
        assert HIDDEN[0] not in public.source and HIDDEN[0] in hidden.source
        assert public.metadata.nbgrader["points"] > 0 and hidden.metadata.nbgrader["points"] > 0


def test_instructions_point_to_the_book_sections_that_exist():
    text = "\n".join(c.source for c in read(SOURCE).cells if c.cell_type == "markdown")
    chapters = {"03_bptt.md": ["The implementation", "The general formula",
                               "Checking the formula on the page", "The bug that two steps reveal",
                               "Truncated BPTT"],
                "04_activations.md": ["Gradient clipping",
                                      "Vanishing and exploding gradients, measured"]}
    for chapter, sections in chapters.items():
        book = (REPO / "book" / "chapters" / chapter).read_text()
        assert chapter in text
        for section in sections:
            assert f"*{section}" in text, section
            assert re.search(rf"^#+ {re.escape(section)}", book, re.M), (chapter, section)


# Scores.

def test_instructor_solution_scores_full_marks(graded):
    m = marks(graded, "solution")
    assert set(m) == {gid for task in TASKS for gid in task_tests(task)}
    assert all(score == max_score for score, max_score in m.values()), m
    assert sum(s for s, _ in m.values()) == TOTAL


def test_untouched_release_scores_zero(graded):
    m = marks(graded, "release")
    assert sum(s for s, _ in m.values()) == 0, m
    texts = outputs(graded[0], A, "release", NB)
    for task in TASKS:
        assert f"{function_name(task)} is not implemented yet" in texts[task_tests(task)[0]]


@pytest.mark.parametrize("task", TASKS)
def test_one_unanswered_function_loses_exactly_its_points(graded, task):
    m = marks(graded, f"unanswered-{task}")
    for other in TASKS:
        score, max_score = points(m, other)
        assert score == (0 if other == task else max_score), (other, m)


def test_the_completed_notebook_runs_top_to_bottom_in_under_a_minute(graded):
    nb = solved(read(RELEASE), read(SOURCE))
    start = time.perf_counter()
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    assert time.perf_counter() - start < 60
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_nbgrader_validate_passes_the_completed_notebook_and_flags_each_public_test_of_the_release(
        graded, tmp_path):
    nbformat.write(solved(read(RELEASE), read(SOURCE)), str(tmp_path / "done.ipynb"))
    assert "Success! Your notebook passes all the tests." in nbgrader(graded[0], "validate",
                                                                      str(tmp_path / "done.ipynb"))
    assert "VALIDATION FAILED ON 5 CELL(S)!" in nbgrader(graded[0], "validate", str(RELEASE))


# The bug catalogue.

@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_catalogued_bug_loses_its_functions_points_only(graded, bug):
    student = f"bug-{bug.name.lower()}"
    m = marks(graded, student)
    for task in TASKS:
        score, max_score = points(m, task)
        if task == bug.cell:
            assert score < max_score, f"{bug.name} was not caught: {m}"
        else:
            assert score == max_score, f"{bug.name} cost points in {task}: {m}"
    texts = outputs(graded[0], A, student, NB)
    failed = [gid for gid in task_tests(bug.cell) if m[gid][0] < m[gid][1]]
    assert all(function_name(bug.cell) in texts[gid] for gid in failed), \
        {gid: texts[gid][-800:] for gid in failed}


# Public-test messages that pin the mistake down (LEARNERS.md items 4 and 7).
PINNED = {
    "step-dW-transposed": "looks transposed",
    "step-sigmoid-derivative": "sigmoid's derivative",
    "step-db-not-summed": "db_h still has the batch axis",
    "seq-dh-next-forgotten": "is the gradient from step t+1 (dh_next) added to dh[t]?",
    "seq-not-accumulated": "add up",
    "num-forward-difference": "one-sided difference",
    "num-x-not-restored": "put back the saved value",
    "clip-each-element": "Each entry looks clipped",
    "clip-always": "clip only when norm > max_norm",
    "tbptt-no-detach-full-bptt": "the gradient is cut between chunks",
    "tbptt-state-reset": "carry the last state",
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_public_test_names_the_mistake(graded, name):
    bug = next(b for b in BUGS if b.name == name)
    text = outputs(graded[0], A, f"bug-{name.lower()}", NB)[task_tests(bug.cell)[0]]
    assert PINNED[name] in text, text[-800:]


@pytest.mark.parametrize("variant", CORRECT, ids=[v.name for v in CORRECT])
def test_correct_answer_in_another_style_scores_full_marks(graded, variant):
    m = marks(graded, variant.name)
    assert all(score == max_score for score, max_score in m.values()), m


def test_catalogue_has_at_least_five_bugs_per_graded_function():
    for task in TASKS:
        assert sum(b.cell == task for b in BUGS) >= 5, task


def test_bugs_are_valid_python_and_differ_from_the_solution():
    source = read(SOURCE)
    for bug in BUGS + CORRECT:
        compile(bug.source, bug.name, "exec")
        assert bug.source.strip() != cell_by_id(source, bug.cell).source.strip()
