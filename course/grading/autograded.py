"""nbgrader-style autograded notebooks, so that ``nbgrader generate_feedback`` keeps working.

Built from the *release* notebook (trusted, no hidden tests) with the student's answers pasted
into the answer cells (matched by grade id, then by cell id: this is for display only, it decides
nothing) and each test cell's output replaced by the grader's verdict. Hidden-test markers and
anything between them are stripped again in case a release still held some.
"""
import copy
import re

from .notebook import _nbgrader, cell_source

_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?(### END HIDDEN TESTS|\Z)", re.S)


def _strip_hidden(text):
    return _HIDDEN.sub("", text)


def autograded_notebook(release_nb, submitted_nb, record):
    nb = copy.deepcopy(release_nb)
    by_grade_id, by_cell_id = {}, {}
    for cell in (submitted_nb or {}).get("cells", []):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            grade_id = _nbgrader(cell).get("grade_id")
            if isinstance(grade_id, str):
                by_grade_id.setdefault(grade_id, cell_source(cell))
            if isinstance(cell.get("id"), str):
                by_cell_id.setdefault(cell["id"], cell_source(cell))
    for cell in nb["cells"]:
        meta = _nbgrader(cell)
        cell["source"] = _strip_hidden(cell_source(cell))
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"], cell["execution_count"] = [], None
        if meta.get("solution"):
            answer = by_grade_id.get(meta.get("grade_id"), by_cell_id.get(cell.get("id")))
            if answer is not None:
                cell["source"] = answer
        elif meta.get("grade") and meta.get("grade_id") in record["tests"]:
            test = record["tests"][meta["grade_id"]]
            text = ("Passed.\n" if not test["reason"] else
                    f"Failed ({test['score']:g} of {test['points']:g} points): {test['reason']}\n")
            cell["outputs"] = [{"output_type": "stream",
                                "name": "stdout" if not test["reason"] else "stderr",
                                "text": text}]
    return nb
