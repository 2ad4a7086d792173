"""What the notebooks tell students works where they are: one validate command, the same in the
notebooks, the README and the students' page, and links to the book that open (issue 14)."""
import json
import re
from pathlib import Path

import pytest

from .descriptions import ASSIGNMENTS

REPO = Path(__file__).resolve().parents[2]
BOOK_URL = "http://127.0.0.1:8000/"   # `make serve`'s default address


def _markdown(path):
    nb = json.loads(Path(path).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=str)
def test_notebook_gives_the_validate_command_and_the_button(assignment):
    text = _markdown(assignment.release)
    name = assignment.name
    commands = set(re.findall(r"`(nbgrader validate [^`]*)`", text))
    assert commands == {f"nbgrader validate {name}/{name}.ipynb"}, commands
    assert "**Validate**" in text


def test_readme_and_students_page_give_the_same_command_and_the_button():
    for path in (REPO / "README.md", REPO / "book" / "students.md"):
        text = path.read_text()
        commands = set(re.findall(r"(nbgrader validate \S+)", text))
        assert commands == {"nbgrader validate assignment1/assignment1.ipynb"}, (path, commands)
        assert "**Validate**" in text and "File → New → Terminal" in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=str)
def test_book_links_open_the_served_book(assignment):
    """Links to the book go to `make serve`'s pages (a relative link to book/chapters/*.md is
    outside JupyterLab's folder: a 404), each to a chapter the book has, with `make book` and
    `make serve` named."""
    text = _markdown(assignment.release)
    targets = re.findall(r"\]\(([^)]*)\)", text)
    book = [t for t in targets if "book/" in t or t.endswith((".md", ".html"))]
    assert book and all(t.startswith(BOOK_URL + "book/chapters/") for t in book), book
    for target in book:
        page = target[len(BOOK_URL):].split("#")[0]
        assert (REPO / page).with_suffix(".md").exists(), target
    assert "make book" in text and "make serve" in text
