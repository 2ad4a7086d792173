"""Every assignment through nbgrader: the committed release, full and zero marks, per-task credit, bugs.

The same checks for each assignment in descriptions.ASSIGNMENTS (test ids name it: ``[assignment2]``,
``[assignment2-<bug>]``). Each assignment is autograded in a single nbgrader run (conftest.py): the
instructor's solution, the untouched release, one submission per task with only that task
unanswered, one per catalogued bug and one per correct answer written in another style (both in
tests/assignments/bugs/assignmentN.py). The tests then read the gradebook and the autograded
notebooks. What only one assignment has (book sections, messages that name a mistake, a trained
model's perplexity) is tested in that assignment's own module, test_assignmentN.py.
"""
import re

import nbformat
import pytest

from .descriptions import ASSIGNMENTS
from .graded_courses import nbgrader_group, student
from .nbgrader_helpers import (BEGIN_SOLUTION, END_SOLUTION, HIDDEN, cell_by_id, function_name,
                               grade_id, nbgrader, outputs, points, read, scores, solved,
                               split_marked_lines, strip_markers, task_tests)

pytestmark = pytest.mark.slow

# Each parameter carries its assignment's xdist group (graded_courses.nbgrader_group).
every = pytest.mark.parametrize("assignment", [
    pytest.param(a, id=str(a), marks=nbgrader_group(a)) for a in ASSIGNMENTS])


def each(argname, items_of):
    """Parametrize (assignment, argname) over every assignment's items_of(assignment).

    Ids: assignment1-task1_2_rnn_forward, assignment1-step-W-not-transposed (a catalogue entry's name).
    """
    return pytest.mark.parametrize(f"assignment, {argname}", [
        pytest.param(a, item, id=f"{a}-{getattr(item, 'name', item)}", marks=nbgrader_group(a))
        for a in ASSIGNMENTS for item in items_of(a)])


def marks(graded, assignment, student_id):
    return scores(graded[0], assignment.name, student_id, assignment.name)


def feedback(graded, assignment, student_id):
    return outputs(graded[0], assignment.name, student_id, assignment.name)


# The committed release is what nbgrader generates, and gives nothing away.

@every
def test_release_equals_a_fresh_generate_assignment(assignment, released):
    fresh_dir, committed_dir = released[1], assignment.release.parent
    assert sorted(p.name for p in fresh_dir.iterdir()) == sorted(p.name for p in committed_dir.iterdir()), \
        f"assignments/{assignment}/ holds other files than a fresh release: run `make release`"
    fresh, committed = read(fresh_dir / assignment.release.name), read(assignment.release)
    assert committed.metadata == fresh.metadata
    assert len(committed.cells) == len(fresh.cells), "cell count differs: run `make release`"
    for i, (c, f) in enumerate(zip(committed.cells, fresh.cells)):
        where = f"cell {i} ({grade_id(f) or f.cell_type}) differs from a fresh release: run `make release`"
        assert (c.cell_type, c.source, c.metadata) == (f.cell_type, f.source, f.metadata), where
        assert c.get("outputs", []) == [] and c.get("execution_count") is None, where


@every
def test_release_contains_no_solutions_or_hidden_tests(assignment):
    source, text = read(assignment.source), assignment.release.read_text()
    release = read(assignment.release)
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
    # the check above did look at the solutions and hidden tests
    assert secret > assignment.leak_checked_lines, (secret, assignment.leak_checked_lines)
    for task in assignment.tasks:   # every stub is a one-line comment and raise NotImplementedError()
        body = cell_by_id(release, task).source.rstrip().splitlines()
        assert body[-1].strip() == "raise NotImplementedError()" and body[-2].strip().startswith("# "), \
            f"{task}'s stub is not a one-line comment and raise NotImplementedError(): {body}"


@every
def test_tasks_ask_for_the_described_functions(assignment):
    assert tuple(function_name(t) for t in assignment.tasks) == assignment.functions


@every
def test_every_task_has_a_heading_a_public_and_a_hidden_test(assignment):
    source = read(assignment.source)
    for task in assignment.tasks:
        number = ".".join(re.match(r"task(\d+)_(\d+)_", task).group(1, 2))
        assert any(c.cell_type == "markdown" and f"## Task {number}:" in c.source
                   for c in source.cells), f"no heading 'Task {number}'"
        public, hidden = (cell_by_id(source, gid) for gid in task_tests(task))
        assert HIDDEN[0] not in public.source and HIDDEN[0] in hidden.source
        assert public.metadata.nbgrader["points"] > 0 and hidden.metadata.nbgrader["points"] > 0


# Scores.

@every
def test_instructor_solution_scores_full_marks(assignment, graded):
    m = marks(graded, assignment, "solution")
    assert set(m) == {gid for task in assignment.tasks for gid in task_tests(task)}
    assert all(score == max_score for score, max_score in m.values()), m
    assert sum(s for s, _ in m.values()) == assignment.total_points


@every
def test_untouched_release_scores_zero(assignment, graded):
    m = marks(graded, assignment, "release")
    assert sum(s for s, _ in m.values()) == 0, m
    texts = feedback(graded, assignment, "release")
    for task in assignment.tasks:
        assert f"{function_name(task)} is not implemented yet" in texts[task_tests(task)[0]]


@each("task", lambda a: a.tasks)
def test_one_unanswered_task_loses_exactly_its_points(assignment, task, graded):
    m = marks(graded, assignment, f"unanswered-{task}")
    for other in assignment.tasks:
        score, max_score = points(m, other)
        assert score == (0 if other == task else max_score), (other, m)


@every
def test_the_completed_notebook_runs_top_to_bottom_without_an_error(assignment, completed_run):
    """Each cell ran within the assignment's run budget (the client's per-cell timeout raises
    otherwise). The total time is not asserted: no test asserts on a measured time (a loaded
    machine would fail it); benchmarks/bench_grading.py measures the seconds per submission."""
    _, nb = completed_run
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@every
def test_nbgrader_validate_passes_the_completed_notebook_and_flags_each_public_test_of_the_release(
        assignment, released, tmp_path):
    """What students run before submitting (the hidden-test cells are empty in their copy)."""
    done = tmp_path / "done.ipynb"
    nbformat.write(assignment.quiet(solved(read(assignment.release), read(assignment.source))), str(done))
    assert "Success! Your notebook passes all the tests." in nbgrader(released[0], "validate", str(done))
    assert f"VALIDATION FAILED ON {len(assignment.tasks)} CELL(S)!" in nbgrader(
        released[0], "validate", str(assignment.release))


# The bug catalogue.

@each("bug", lambda a: a.bugs)
def test_catalogued_bug_loses_its_tasks_points_only(assignment, bug, graded):
    name = student(bug, assignment.bugs)
    m = marks(graded, assignment, name)
    for task in assignment.tasks_checked(bug.cell):
        score, max_score = points(m, task)
        if task == bug.cell:
            assert score < max_score, f"{bug.name} was not caught: {m}"
        else:
            assert score == max_score, f"{bug.name} cost points in {task}: {m}"
    texts = feedback(graded, assignment, name)
    failed = [gid for gid in task_tests(bug.cell) if m[gid][0] < m[gid][1]]
    assert all(function_name(bug.cell) in texts[gid] for gid in failed), \
        {gid: texts[gid][-800:] for gid in failed}


@each("variant", lambda a: a.correct)
def test_correct_answer_in_another_style_scores_full_marks(assignment, variant, graded):
    m = marks(graded, assignment, student(variant, assignment.bugs))
    for task in assignment.tasks_checked(variant.cell):
        score, max_score = points(m, task)
        assert score == max_score, (task, m)


@every
def test_catalogue_has_at_least_five_bugs_per_task(assignment):
    counts = {task: sum(b.cell == task for b in assignment.bugs) for task in assignment.tasks}
    assert min(counts.values()) >= 5, counts


@every
def test_catalogue_has_a_correct_answer_in_another_style_for_every_task(assignment):
    assert {v.cell for v in assignment.correct} == set(assignment.tasks)


@every
def test_bugs_are_valid_python_and_differ_from_the_solution(assignment):
    source = read(assignment.source)
    for bug in assignment.bugs + assignment.correct:   # a bug that does not compile is "caught" wrongly
        compile(bug.source, bug.name, "exec")
        solution = strip_markers(cell_by_id(source, bug.cell).source)   # as a student would write it
        assert bug.source.strip() != solution.strip(), f"{bug.name} is the solution of {bug.cell}"
