"""Run nbgrader on a throwaway copy of the course, for the assignment tests and the grading tests.

A typical test::

    course = make_course(tmp_path)                      # config + solutions/ copied, nothing else
    release = generate(course, "assignment1")           # nbgrader generate_assignment
    submit(course, "assignment1", "alice", {"assignment1": solved(release_nb, source_nb)})
    autograde(course, "assignment1")                    # every submitted student, one nbgrader run
    scores(course, "assignment1", "alice", "assignment1")   # {grade_id: (score, max_score)}

Nothing here writes into the repository: every nbgrader call gets ``--CourseDirectory.root`` of the
temporary course. Notebooks are ``nbformat`` v4 nodes; cells are found by their nbgrader grade_id.
"""
import copy
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from course.release import nbgrader_env

REPO = Path(__file__).resolve().parents[2]
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def make_course(tmp_path, assignments=None):
    """Copy ``nbgrader_config.py`` and ``solutions/`` (or only the named assignments) into tmp_path/course."""
    course = Path(tmp_path) / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    names = assignments or [p.name for p in (REPO / "solutions").iterdir() if p.is_dir()]
    for name in names:
        shutil.copytree(REPO / "solutions" / name, course / "solutions" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return course


def nbgrader(course, *args):
    """Run ``nbgrader ARGS`` in the course; return its combined output, raise with it on failure."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, env=nbgrader_env(), capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        # nbgrader logs the real cause (a traceback) long before its closing summary: show both.
        first = output.find("Traceback")
        cause = output[first:first + 4000] + "\n[...]\n" if first >= 0 else ""
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n"
                           f"{cause}{output[-4000:]}")
    return output


def generate(course, assignment):
    """``nbgrader generate_assignment --force``; return the release folder."""
    nbgrader(course, "generate_assignment", assignment, "--force")
    return Path(course) / "assignments" / assignment


def read(path):
    return nbformat.read(str(path), as_version=4)


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def cell_by_id(nb, gid):
    """The cell whose nbgrader grade_id is gid."""
    matches = [c for c in nb.cells if grade_id(c) == gid]
    assert len(matches) == 1, f"expected one cell with grade_id {gid!r}, found {len(matches)}"
    return matches[0]


def solution_ids(nb):
    """grade_ids of the solution cells (what students write), in notebook order."""
    return [grade_id(c) for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


def strip_markers(source):
    """A solution cell's source without nbgrader's solution markers: the instructor's answer."""
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))


def solved(release_nb, source_nb):
    """The release notebook with every solution cell answered as in the instructor source."""
    nb = copy.deepcopy(release_nb)
    for gid in solution_ids(nb):
        cell_by_id(nb, gid).source = strip_markers(cell_by_id(source_nb, gid).source)
    return nb


def with_cell(nb, gid, source):
    """A copy of nb whose cell gid holds source (a student's answer, a planted bug)."""
    nb = copy.deepcopy(nb)
    cell_by_id(nb, gid).source = source
    return nb


def submit(course, assignment, student, notebooks):
    """Place a submission: notebooks maps notebook name (no .ipynb) to an nbformat notebook."""
    folder = Path(course) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, str(folder / f"{name}.ipynb"))
    (folder / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC\n")
    return folder


def autograde(course, assignment, student=None):
    """``nbgrader autograde --force`` for one student, or for every submitted student in one run."""
    args = ["autograde", assignment, "--force"]
    if student is not None:
        args.append(f"--student={student}")
    return nbgrader(course, *args)


def scores(course, assignment, student, notebook):
    """{grade_id: (score, max_score)} of every graded cell of one autograded notebook, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(notebook, assignment, student)
        return {g.name: (float(g.score), float(g.max_score)) for g in sub.grades}


def outputs(course, assignment, student, notebook):
    """{grade_id: text of the cell's outputs (tracebacks included)} of one autograded notebook."""
    nb = read(Path(course) / "autograded" / student / assignment / f"{notebook}.ipynb")
    texts = {}
    for cell in nb.cells:
        if grade_id(cell) and cell.cell_type == "code":
            parts = []
            for out in cell.get("outputs", []):
                parts += [out.get("text", ""), out.get("ename", ""), out.get("evalue", ""),
                          *out.get("traceback", [])]
            texts[grade_id(cell)] = "\n".join(parts)
    return texts


# ----- the conventions every assignment follows (solutions/README.md) -------------------------------
def function_name(task):
    """task1_1_rnn_step_forward -> rnn_step_forward"""
    return task.split("_", 2)[2]


def task_tests(task):
    """The grade_ids of a task's test cells: its public and its hidden test."""
    return [f"test_{task}_public", f"test_{task}_hidden"]


def points(marks, task):
    """(score, max score) of one task, from ``scores(...)``'s ``{grade_id: (score, max)}``."""
    return (sum(marks[gid][0] for gid in task_tests(task)),
            sum(marks[gid][1] for gid in task_tests(task)))


def split_marked_lines(source):
    """(lines inside solution or hidden-test markers, lines outside them), stripped."""
    inside, outside, guarded = [], [], False
    for line in source.splitlines():
        if line.strip() in (BEGIN_SOLUTION, HIDDEN[0]):
            guarded = True
        elif line.strip() in (END_SOLUTION, HIDDEN[1]):
            guarded = False
        else:
            (inside if guarded else outside).append(line.strip())
    return inside, outside
