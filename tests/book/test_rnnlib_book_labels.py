"""Every book label that rnnlib's docstrings point to exists in the book.

rnnlib's docstrings end with "See also: the book's chapter ``bptt``" (or ``section``, or several
labels joined by "and"), and a few say "(see ``notation``)". Each such name is a MyST target
``(name)=`` that must be defined on some page under ``book/``; otherwise a reader who follows the
docstring finds nothing. Fast: no build, only the docstrings' ``ast`` and the pages' text.
"""
import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RNNLIB = REPO / "rnnlib"
BOOK = REPO / "book"

LABEL = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")          # how the book's targets are spelled
TARGET = re.compile(r"^\(([A-Za-z0-9_-]+)\)=\s*$", re.M)   # a MyST target line: (name)=
SEE_ALSO = re.compile(r"See also:(.*?)(?:\n\s*\n|\Z)", re.S)
# "the book's chapter(s)/section(s) [on ... (]``a`` [and|, ``b``]..."
BOOK_REF = re.compile(r"the book's\s+(?:chapters?|sections?)\s+(?:on [^(`]*\(\s*)?"
                      r"((?:``[^`]+``(?:\s*,\s*|\s+and\s+)?)+)")
SEE = re.compile(r"\(see ``([^`]+)``\)")


def docstrings(path):
    """(name, docstring) of the module and of every class and function in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                yield getattr(node, "name", path.stem), doc


def referenced_labels(package):
    """{label: [where it is referenced, ...]} for every book label in the package's docstrings.

    Raises ValueError for a "See also" that names the book but no label could be read from,
    so a reworded docstring cannot silently drop out of the check.
    """
    found = {}
    for path in sorted(package.rglob("*.py")):
        for name, doc in docstrings(path):
            where = f"{path.relative_to(package.parent)}:{name}"
            names = [n for n in SEE.findall(doc) if LABEL.fullmatch(n)]
            for see_also in SEE_ALSO.findall(doc):
                if "the book" not in see_also:
                    continue
                refs = BOOK_REF.findall(" ".join(see_also.split()))
                labels = [n for ref in refs for n in re.findall(r"``([^`]+)``", ref)
                          if LABEL.fullmatch(n)]
                if not labels:
                    raise ValueError(f"{where}: no book label in 'See also:{see_also}'")
                names += labels
            for label in names:
                found.setdefault(label, []).append(where)
    return found


def book_targets(book):
    """Every ``(name)=`` target defined on a page under ``book``."""
    return {m for page in book.rglob("*.md") for m in TARGET.findall(page.read_text("utf8"))}


REFERENCED = referenced_labels(RNNLIB)


def test_the_docstrings_point_to_the_book():
    assert len(REFERENCED) >= 5, REFERENCED
    assert "bptt" in REFERENCED and "notation" in REFERENCED, sorted(REFERENCED)


@pytest.mark.parametrize("label", sorted(REFERENCED))
def test_label_exists_in_the_book(label):
    assert label in book_targets(BOOK), (
        f"rnnlib points to the book's label {label!r} ({', '.join(REFERENCED[label])}), "
        f"but no page under book/ defines the target ({label})=")


def test_the_check_catches_a_missing_label(tmp_path):
    package, book = tmp_path / "pkg", tmp_path / "book"
    package.mkdir()
    book.mkdir()
    (package / "mod.py").write_text(
        '"""A module.\n\nSee also: the book\'s chapters ``here`` and\n``gone`` and '
        '``torch.nn.RNN``.\n"""\n\n\ndef f():\n    """Run it (see ``notation``)."""\n',
        encoding="utf8")
    (book / "page.md").write_text("(here)=\n# Here\n\n(notation)=\n# N\n", encoding="utf8")
    labels = referenced_labels(package)
    assert sorted(labels) == ["gone", "here", "notation"]
    assert set(labels) - book_targets(book) == {"gone"}


def test_a_see_also_without_a_readable_label_is_an_error(tmp_path):
    (tmp_path / "mod.py").write_text('"""See also: the book\'s chapter on gradients."""\n',
                                     encoding="utf8")
    with pytest.raises(ValueError, match="no book label"):
        referenced_labels(tmp_path)
