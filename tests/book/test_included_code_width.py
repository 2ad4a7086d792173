"""The library code the book shows with ``{literalinclude}`` fits the page's code column.

At a 1280x800 laptop screen the chapter pages' code boxes hold 77 characters (14 px DejaVu Sans
Mono in Debian's chromium, see ``test_code_cells_fit_a_laptop_screen``). rnnlib is written to
100 columns, so every object a page includes (``:pyobject:``, or a ``:start-at:``/``:end-at:``
excerpt) is kept to 77: a longer line would make the reader scroll sideways. Fast: no build and
no browser, only the pages' directives and the sources' ``ast``.
"""
import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BOOK = REPO / "book"
CODE_COLUMN = 77        # characters of 14 px monospace in the 684 px code box at 1280 px

DIRECTIVE = re.compile(r"^(`{3,}|~{3,})\{literalinclude\}\s+(\S+)\s*$")
OPTION = re.compile(r"^:([\w-]+):\s*(.*?)\s*$")
# Options that choose which lines are shown; anything else (language, caption...) does not.
UNDERSTOOD = {"pyobject", "start-at", "start-after", "end-at", "end-before", "dedent"}
COSMETIC = {"language", "caption", "name", "class", "emphasize-lines", "linenos",
            "lineno-start", "lineno-match", "force", "encoding", "tab-width"}


@dataclass
class Include:
    """One ``{literalinclude}`` directive: where it is and what it selects."""
    page: Path
    lineno: int                                   # 1-based line of the directive in the page
    source: Path
    options: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.page.relative_to(REPO)}:{self.lineno} ({self.source.relative_to(REPO)})"


def literal_includes(pages):
    """Every ``{literalinclude}`` directive in ``pages`` (MyST markdown), with its options."""
    for page in pages:
        lines = page.read_text(encoding="utf8").splitlines()
        for i, line in enumerate(lines):
            match = DIRECTIVE.match(line)
            if not match:
                continue
            include = Include(page, i + 1, (page.parent / match.group(2)).resolve())
            for option_line in lines[i + 1:]:
                option = OPTION.match(option_line)
                if not option:
                    break
                include.options[option.group(1)] = option.group(2)
            yield include


def object_lines(source_text, dotted_name):
    """(first, last) 1-based lines of ``dotted_name`` ('f', 'Class' or 'Class.method'),
    decorators included, as Sphinx's ``:pyobject:`` selects them."""
    body = ast.parse(source_text).body
    node = None
    for part in dotted_name.split("."):
        node = next((n for n in body if isinstance(
            n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == part), None)
        if node is None:
            raise LookupError(f"no {dotted_name!r}: {part!r} is not defined there")
        body = node.body
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first, node.end_lineno


def selected_lines(include):
    """The (source line number, text) pairs the directive shows, as Sphinx selects them."""
    unknown = set(include.options) - UNDERSTOOD - COSMETIC
    if unknown:
        raise ValueError(f"{include}: options this test does not understand: {sorted(unknown)}")
    text = include.source.read_text(encoding="utf8")
    lines = text.splitlines()
    numbered = list(enumerate(lines, start=1))
    if "pyobject" in include.options:
        first, last = object_lines(text, include.options["pyobject"])
        numbered = numbered[first - 1:last]
    for key, after in (("start-at", False), ("start-after", True)):
        if key in include.options:
            index = next(i for i, (_, line) in enumerate(numbered) if include.options[key] in line)
            numbered = numbered[index + after:]
    for key, inclusive in (("end-at", True), ("end-before", False)):
        if key in include.options:
            index = next(i for i, (_, line) in enumerate(numbered) if include.options[key] in line)
            numbered = numbered[:index + inclusive]
    if "dedent" in include.options:       # Sphinx dedents only when asked (a method keeps
        dedent = int(include.options["dedent"])       # its class's indentation on the page)
        numbered = [(n, line[dedent:] if not line[:dedent].strip() else line)
                    for n, line in numbered]
    return numbered


def book_pages():
    return sorted(BOOK.rglob("*.md"))


INCLUDES = [i for i in literal_includes(book_pages()) if i.source.suffix == ".py"]


def test_the_book_includes_library_code():
    """Guards the parser: if this finds nothing, the width test below checks nothing."""
    assert sum("pyobject" in i.options for i in INCLUDES) >= 15, [str(i) for i in INCLUDES]


@pytest.mark.parametrize("include", INCLUDES, ids=str)
def test_included_code_fits_the_code_column(include):
    shown = selected_lines(include)
    assert shown, f"{include}: the directive selects no lines"
    wide = [f"{include.source.relative_to(REPO)}:{n}: {len(line)} chars: {line.strip()[:50]}"
            for n, line in shown if len(line.rstrip()) > CODE_COLUMN]
    assert not wide, (f"{include} {include.options}: {len(wide)} lines wider than the "
                      f"{CODE_COLUMN}-character code column at 1280 px:\n" + "\n".join(wide))


def test_width_check_catches_a_wide_line(tmp_path):
    """The check can fail: a 78-character line in an included function is reported."""
    source = tmp_path / "mod.py"
    source.write_text("@staticmethod\ndef f():\n    return " + "x" * (CODE_COLUMN - 10) + "\n"
                      "def g():\n    pass\n")
    page = tmp_path / "page.md"
    page.write_text("```{literalinclude} mod.py\n:pyobject: f\n```\n")
    (include,) = literal_includes([page])
    shown = selected_lines(include)
    assert [n for n, _ in shown] == [1, 2, 3]
    assert len(shown[-1][1]) == CODE_COLUMN + 1
