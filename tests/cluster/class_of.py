"""A class of assignment 1 submissions with known scores, and a course folder to grade them in.

Students differ by one line (so each submission has its own hash and its own hidden-test inputs)
and by which mistakes they made, with the score each mistake costs under the course's grader:
a task whose public test fails loses its 3 points (public 1, hidden 2).
"""
import json
import shutil
from pathlib import Path

from course.grading.notebook import with_solutions

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "assignment1"
NOTEBOOK = "assignment1.ipynb"

BUGS = {   # task -> code that fails its public and hidden tests
    "1.3": "def output_forward(h, V, b_y):\n    return h @ V.T\n",
    "1.4": "def softmax_cross_entropy(z, y):\n    return 0.0\n",
}
TASK_IDS = {"1.1": "task1_1_rnn_step_forward", "1.2": "task1_2_rnn_forward",
            "1.3": "task1_3_output_forward", "1.4": "task1_4_softmax_cross_entropy"}


def course_folder(folder):
    """A course folder as an instructor's clone holds it: the configuration, the sources and
    the releases of assignment 1 (readable by everyone: sandboxes and jobs never need more)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", folder)
    for sub in ("solutions", "assignments"):
        shutil.copytree(REPO / sub / ASSIGNMENT, folder / sub / ASSIGNMENT)
    return folder


def write_class(submitted, n):
    """``n`` submissions in ``submitted/<student>/assignment1/``; returns {student: score}."""
    release = json.loads((REPO / "assignments" / ASSIGNMENT / NOTEBOOK).read_text())
    source = json.loads((REPO / "solutions" / ASSIGNMENT / NOTEBOOK).read_text())
    expected = {}
    for i in range(n):
        bugs = [task for j, task in enumerate(sorted(BUGS)) if (i >> j) & 1 and i % 3 == 0]
        nb = with_solutions(release, source, {TASK_IDS[t]: BUGS[t] for t in bugs})
        nb["cells"][0]["source"] = f"# student {i:03d}\n"
        student = f"student{i:03d}"
        path = Path(submitted) / student / ASSIGNMENT / NOTEBOOK
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb, indent=1))
        expected[student] = 12.0 - 3.0 * len(bugs)
    return expected
