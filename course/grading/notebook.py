"""Reading notebooks for grading: the instructor's source (trusted) and submissions (not).

From the source we take everything that decides a grade: the test cells (grade ids, points, in
source order) and the solution code for the reference. From a submission we take only code, as
text: nbgrader metadata in a submission (points, ids, checksums, ``locked``) is never read for
scoring. A submitted cell is dropped when it is a test cell of the release (same text) or claims
to be one; every other code cell is student code and runs, in order, inside the sandbox.
"""
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

# What a submission may hold (documented in book/instructors.md). Everything of a submission that
# the trusted side reads is checked against these first, and takes time in proportion to its
# size: IPython's input transformation (magics, ``!`` commands) runs inside the sandbox.
MAX_NOTEBOOK_BYTES = 20 << 20   # the file, outputs included
MAX_CODE_BYTES = 1 << 20        # the text of all code cells together
MAX_CODE_CELLS = 1000


class SubmissionError(Exception):
    """A submission that cannot be graded at all (scored 0, with this message as the reason)."""


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    index: int          # position among the source notebook's cells
    hidden: bool        # holds hidden tests


def cell_source(cell):
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _nbgrader(cell):
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def read_json_notebook(path):
    """Parse ``path`` as a notebook; raise SubmissionError with a reason a student understands."""
    path = Path(path)
    if not _regular(path):
        raise SubmissionError(f"{path.name} is not a regular file")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{path.name} is {size / 2**20:.0f} MiB, more than the "
                              f"{MAX_NOTEBOOK_BYTES >> 20} MiB a notebook may have")
    raw = path.read_bytes()
    try:
        nb = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not a notebook: it is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise SubmissionError(f"{path.name} is not a valid notebook: broken JSON at line "
                              f"{e.lineno}, column {e.colno} ({e.msg}); open it in Jupyter, "
                              "save, resubmit") from None
    except (ValueError, RecursionError) as e:
        raise SubmissionError(f"{path.name} is not a valid notebook ({type(e).__name__})") from None
    if (not isinstance(nb, dict) or not isinstance(nb.get("cells"), list)
            or not all(isinstance(c, dict) for c in nb["cells"])):
        raise SubmissionError(f"{path.name} is JSON but not a Jupyter notebook (no list of cells)")
    return nb


def source_test_cells(source_nb):
    """The graded test cells of the instructor's source, in order."""
    cells = []
    for i, cell in enumerate(source_nb["cells"]):
        meta = _nbgrader(cell)
        if meta.get("grade") and not meta.get("solution"):
            cells.append(TestCell(meta["grade_id"], float(meta.get("points", 0)), i,
                                  "BEGIN HIDDEN TESTS" in cell_source(cell)))
    return cells


def reference_code(source_nb):
    """The instructor's code that defines the graded functions: every code cell nbgrader manages
    (given cells and solutions) but the tests. A free cell is a demonstration (assignment 4's
    trains a model) that defines nothing the tests use."""
    return [cell_source(c) for c in source_nb["cells"]
            if c.get("cell_type") == "code" and _nbgrader(c)
            and not (_nbgrader(c).get("grade") and not _nbgrader(c).get("solution"))]


def _normal(text):
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def given_cells(release_nb):
    """The release's read-only code cells that are neither tests nor solutions (imports, helpers,
    provided functions), as ``{grade_id: text}`` in notebook order."""
    return {_nbgrader(c)["grade_id"]: cell_source(c) for c in release_nb["cells"]
            if c.get("cell_type") == "code" and _nbgrader(c).get("locked")
            and _nbgrader(c).get("grade_id") and not _nbgrader(c).get("grade")
            and not _nbgrader(c).get("solution")}


def student_code(submitted_nb, release_nb):
    """The student's code cells as cell text (IPython syntax: the harness turns magics and ``!``
    commands into calls, inside the sandbox), in order, without the release's test cells.

    Read-only given cells are the release's, as nbgrader restores them: a submitted copy (found
    by grade id or by its text) runs with the release's text, and one the student deleted runs
    first, before all student code, so a missing import or helper costs no points. Raises
    SubmissionError when the code is beyond MAX_CODE_CELLS or MAX_CODE_BYTES.
    """
    texts = [cell_source(c) for c in submitted_nb["cells"] if c.get("cell_type") == "code"]
    if len(texts) > MAX_CODE_CELLS:
        raise SubmissionError(f"the notebook has {len(texts)} code cells, more than the "
                              f"{MAX_CODE_CELLS} a notebook may have")
    size = sum(len(t.encode("utf-8", "replace")) for t in texts)
    if size > MAX_CODE_BYTES:
        raise SubmissionError(f"the notebook's code cells hold {size / 2**20:.1f} MiB of code, "
                              f"more than the {MAX_CODE_BYTES >> 20} MiB a notebook may have")
    tests = {_normal(cell_source(c)) for c in release_nb["cells"]
             if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")}
    given = given_cells(release_nb)
    given_by_text = {_normal(text): gid for gid, text in given.items()}
    code, seen = [], set()
    for cell in submitted_nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        meta, text = _nbgrader(cell), cell_source(cell)
        if _normal(text) in tests or (meta.get("grade") is True and meta.get("solution") is False):
            continue
        gid = meta.get("grade_id") if meta.get("grade_id") in given else None
        gid = gid or given_by_text.get(_normal(text))
        if gid is not None and gid not in seen:
            seen.add(gid)
            text = given[gid]
        code.append(text)
    missing = [text for gid, text in given.items() if gid not in seen]
    return missing + code


def unanswered(submitted_nb, release_nb):
    """Grade ids of the release's solution cells that the submission left as released (or
    deleted): nbgrader's autograder comments "No response." on them. For display only."""
    answers = {}
    for cell in (submitted_nb or {}).get("cells", []):
        gid = _nbgrader(cell).get("grade_id")
        if isinstance(gid, str):
            answers.setdefault(gid, cell_source(cell))
    return [_nbgrader(c)["grade_id"] for c in release_nb["cells"]
            if _nbgrader(c).get("solution") and isinstance(_nbgrader(c).get("grade_id"), str)
            and _normal(answers.get(_nbgrader(c)["grade_id"], cell_source(c)))
            == _normal(cell_source(c))]


def _regular(path):
    """A plain file, not a symbolic link (a link could point at the solutions)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def find_notebook(folder, expected_name):
    """The submitted notebook: ``expected_name``, or the only notebook there if it was renamed.

    Returns (path, note); raises SubmissionError when there is none to grade.
    """
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        raise SubmissionError(f"no submission folder for this assignment ({folder.name})")
    expected = folder / expected_name
    if _regular(expected):
        return expected, ""
    if expected.exists() or expected.is_symlink():
        raise SubmissionError(f"{expected_name} is not a regular file (a link or a folder)")
    others = sorted(p for p in folder.glob("*.ipynb") if _regular(p))
    if len(others) == 1:
        return others[0], (f"the notebook was renamed to {others[0].name}; graded it as "
                           f"{expected_name}")
    if not others:
        raise SubmissionError(f"no notebook: {expected_name} is missing from the submission")
    raise SubmissionError(f"{expected_name} is missing and {len(others)} other notebooks were "
                          f"submitted ({', '.join(p.name for p in others)}): cannot tell which "
                          "to grade")


def file_hash(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def folder_hash(folder):
    """Hash of every notebook's name and bytes in a submission folder (what decides re-grading)."""
    h = hashlib.sha256()
    folder = Path(folder)
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if p.suffix == ".ipynb" and _regular(p):
                h.update(p.name.encode() + b"\0" + file_hash(p).encode() + b"\0")
    return h.hexdigest()


def with_solutions(release_nb, source_nb, replace=None):
    """A copy of the release whose solution cells hold the source's solution code (markers
    dropped) or ``replace[grade_id]``: what a correct student submits. For checks and tests."""
    import copy
    solutions = {_nbgrader(c).get("grade_id"): cell_source(c) for c in source_nb["cells"]
                 if _nbgrader(c).get("solution")}
    nb = copy.deepcopy(release_nb)
    for cell in nb["cells"]:
        grade_id = _nbgrader(cell).get("grade_id")
        if _nbgrader(cell).get("solution") and grade_id in solutions:
            code = (replace or {}).get(grade_id, solutions[grade_id])
            cell["source"] = "\n".join(line for line in code.splitlines()
                                       if "### BEGIN SOLUTION" not in line
                                       and "### END SOLUTION" not in line)
    return nb
