"""Build submitted notebooks for the grading tests: the release filled in, then altered.

``solved()`` is the release notebook of assignment 1 with the instructor's solution code pasted
into the solution cells (what an honest, correct student submits). The adversarial variants
replace a solution cell's code or add cells of their own.
"""
import copy
import json
from pathlib import Path

from course.grading.notebook import with_solutions

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "assignment1"
NOTEBOOK = "assignment1.ipynb"
SOURCE = REPO / "solutions" / ASSIGNMENT / NOTEBOOK
RELEASE = REPO / "assignments" / ASSIGNMENT / NOTEBOOK
# Bits of assignment 1's hidden tests: no feedback may show any of them.
HIDDEN_BITS = ["default_rng(11)", "reference_nll", "BEGIN HIDDEN", "reference_step",
               "(5, 3, 2, 4)", "500.0"]
TASK_IDS = {"1.1": "task1_1_rnn_step_forward", "1.2": "task1_2_rnn_forward",
            "1.3": "task1_3_output_forward", "1.4": "task1_4_softmax_cross_entropy"}


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def code_cell(text, nbgrader=None):
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": text}
    if nbgrader:
        cell["metadata"]["nbgrader"] = nbgrader
    return cell


def solved(replace=None, before=(), after=()):
    """The release with the reference solutions; ``replace`` maps "1.2" -> code for that cell.

    ``before`` cells go right after the setup cell (so the solution cells run after them);
    ``after`` cells go at the end.
    """
    replace = {TASK_IDS[k]: v for k, v in (replace or {}).items()}
    nb = with_solutions(json.loads(RELEASE.read_text()), json.loads(SOURCE.read_text()), replace)
    setup = next(i for i, c in enumerate(nb["cells"]) if _gid(c) == "setup")
    nb["cells"][setup + 1:setup + 1] = [code_cell(t) if isinstance(t, str) else t for t in before]
    nb["cells"] += [code_cell(t) if isinstance(t, str) else t for t in after]
    return nb


def write(submitted, student, nb=None, name=NOTEBOOK, raw=None):
    """Write a submission ``submitted/<student>/assignment1/<name>`` (a notebook or raw bytes)."""
    folder = Path(submitted) / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if raw is not None:
        path.write_bytes(raw)
    elif nb is not None:
        path.write_text(json.dumps(nb, indent=1))
    return folder


def relabelled():
    """Test cells gutted and relabelled, solution cells claiming points, checksums forged."""
    nb = solved(replace={"1.3": "def output_forward(h, V, b_y):\n    return h @ V.T\n"})
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        if meta.get("grade") and not meta.get("solution"):   # a test cell
            cell["source"] = "pass  # tests? what tests"
            meta.update(points=0, grade_id=meta["grade_id"] + "_x", checksum="0" * 32)
        elif meta.get("solution"):
            meta.update(grade=True, points=100, checksum="forged", locked=True)
    nb["cells"] = [c for c in nb["cells"]
                   if not _gid(c) or "hidden" not in _gid(c)]     # delete some test cells
    nb["cells"].append(code_cell("assert True", {"grade": True, "solution": False, "points": 50,
                                                  "grade_id": "bonus", "locked": True,
                                                  "schema_version": 3}))
    return copy.deepcopy(nb)
