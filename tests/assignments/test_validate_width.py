"""``nbgrader validate`` shows each test message whole: nbgrader cuts every printed line at
``Validator.width`` columns (indented by 4, with "..." at the cut), so the course sets a width
that fits the longest message any test cell or test helper of a release can raise."""
import ast
import json
from pathlib import Path

import pytest

from .descriptions import ASSIGNMENTS

REPO = Path(__file__).resolve().parents[2]
# What nbgrader puts before a message: its indent, "AssertionError: ", and the helpers' own
# prefix, e.g. "softmax_cross_entropy: wrong values. "
PREFIX = 4 + len("AssertionError: ") + 60


def _messages(cell_source):
    """Every line of every string the cell could raise (docstrings left out)."""
    tree = ast.parse(cell_source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.body
                  and isinstance(node.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from node.value.split("\n")
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{value}"
                           for v in node.values)
            yield from text.split("\n")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=str)
def test_validator_width_fits_every_test_message(assignment):
    width = json.loads((REPO / "course" / "lab_config" / "nbgrader_config.json").read_text())
    width = width["Validator"]["width"]
    nb = json.loads(Path(assignment.release).read_text())
    longest = max((line for cell in nb["cells"] if cell["cell_type"] == "code"
                   and (cell["metadata"].get("nbgrader", {}).get("grade")
                        or cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_helpers")
                   for line in _messages("".join(cell["source"]))), key=len)
    assert PREFIX + len(longest) <= width - 3, (len(longest), longest)
