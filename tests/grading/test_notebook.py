"""course.grading.notebook: which code of a submission runs, and what comes from the release."""
import json

from course.grading.notebook import given_cells, student_code

from .submissions import RELEASE, solved


def _release():
    return json.loads(RELEASE.read_text())


def test_given_cells_are_the_read_only_non_test_cells_of_the_release():
    given = given_cells(_release())
    assert list(given) == ["setup", "test_helpers"]
    assert "import numpy as np" in given["setup"]


def test_deleted_given_cells_run_first_with_the_release_text():
    nb = solved(after=["print('mine')"])
    nb["cells"] = [c for c in nb["cells"]
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "setup"]
    code = student_code(nb, _release())
    assert code[0].strip() == given_cells(_release())["setup"].strip()
    assert code[-1].strip() == "print('mine')"
    assert sum("import numpy as np" in c for c in code) >= 1


def test_edited_given_cell_runs_as_released_and_test_cells_never_run():
    release = _release()
    nb = solved()
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_helpers":
            cell["source"] = "def check_values(*a, **k):\n    pass\n"
    code = student_code(nb, release)
    assert given_cells(release)["test_helpers"].strip() in [c.strip() for c in code]
    assert not any(c.startswith("def check_values(*a, **k):\n    pass") for c in code)
    assert not any("BEGIN HIDDEN TESTS" in c for c in code)


def test_a_copy_of_a_given_cell_without_metadata_is_recognised_by_its_text():
    release = _release()
    nb = solved()
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "setup":
            cell["metadata"] = {}          # metadata stripped, text kept
    code = student_code(nb, release)
    assert sum(c.strip() == given_cells(release)["setup"].strip() for c in code) == 1
