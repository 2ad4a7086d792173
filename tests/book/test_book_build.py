"""The book builds strictly (-W -n) from a clean copy, executes every chapter, and its pages are
free of errors, warnings and stderr, with figures computed at build time."""
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from jupyter_cache import get_cache

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]


def _soup(path):
    return BeautifulSoup(path.read_text(encoding="utf8"), "html.parser")


def test_clean_build_passes_with_warnings_as_errors(book_build):
    assert book_build.returncode == 0, book_build.log[-6000:]
    problems = [line for line in book_build.log.splitlines()
                if re.search(r"\b(WARNING|ERROR|CRITICAL)\b:", line)]
    assert not problems, "\n".join(problems)


def test_every_toc_page_is_built(built_html, toc_pages):
    missing = [f for f in toc_pages if not (built_html / f"{f}.html").is_file()]
    assert not missing
    assert (built_html / "index.html").is_file()


def test_toc_lists_chapters(toc_pages):
    chapters = [f for f in toc_pages if f.startswith("book/chapters/")]
    assert len(chapters) == 7, toc_pages  # the seven chapters mirroring the lectures


def test_chapter_was_executed_and_cached(book_build, built_html, chapter):
    """A successful execution is cached; a failed one is not (and raise_on_error stops the build)."""
    cache = get_cache(book_build.root / "_build" / ".jupyter_cache")
    uri = str(book_build.root / f"{chapter}.md")
    records = {r.uri: r for r in cache.list_project_records()}
    assert uri in records, f"{chapter} was never executed; executed: {sorted(records)}"
    assert cache.get_cached_project_nb(uri) is not None, f"{chapter}: no successful execution"
    assert f"{chapter}.md: Executed notebook" in book_build.log


def test_chapter_outputs_have_no_errors_warnings_or_stderr(built_html, chapter):
    soup = _soup(built_html / f"{chapter}.html")
    outputs = soup.select("div.cell_output")
    assert outputs, f"{chapter}: no cell outputs at all"
    bad_classes = soup.select("div.cell_output .stderr, div.cell_output .traceback, "
                              "div.cell_output .error, div.output.stderr, div.output.traceback")
    assert not bad_classes, [str(el)[:300] for el in bad_classes]
    pattern = re.compile(r"Traceback|Error\b|Warning\b|warnings\.warn|RuntimeWarning")
    for out in outputs:
        text = out.get_text(" ")
        assert not pattern.search(text), f"{chapter}: suspicious output:\n{text[:500]}"


def test_chapter_has_two_figures_computed_at_build_time(built_html, chapter):
    page = built_html / f"{chapter}.html"
    images = _soup(page).select("div.cell_output img")
    files = [(page.parent / img["src"]).resolve() for img in images]
    computed = [f for f in files if f.is_file() and f.stat().st_size > 1000]
    assert len(computed) >= 2, f"{chapter}: {len(computed)} computed figures: {files}"


def test_pages_load_nothing_from_other_hosts(built_html):
    """Static check (the browser test checks the requests): no script/link/img from http(s)."""
    for page in built_html.rglob("*.html"):
        soup = _soup(page)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
            for el in soup.find_all(tag):
                url = el.get(attr) or ""
                is_resource = tag != "link" or "stylesheet" in el.get("rel", []) \
                    or "icon" in el.get("rel", []) or "preload" in el.get("rel", [])
                assert not (is_resource and re.match(r"(https?:)?//", url)), f"{page}: {el}"


def test_mathjax_is_served_from_the_site(built_html):
    soup = _soup(built_html / "book" / "notation.html")
    srcs = [s.get("src", "").split("?")[0] for s in soup.find_all("script")]
    assert any(s.endswith("_static/mathjax/tex-mml-chtml.js") for s in srcs), srcs
    assert (built_html / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    assert (built_html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()


def test_site_root_has_a_favicon(built_html):
    """Browsers ask for /favicon.ico on their own (e.g. on the index.html redirect): no 404."""
    icon = built_html / "favicon.ico"
    assert icon.is_file() and icon.read_bytes()[:4] == b"\x00\x00\x01\x00"   # ICO header


def test_noop_rebuild_executes_nothing(book_build):
    assert book_build.rebuild_returncode == 0, book_build.rebuild_log[-6000:]
    assert "Executing notebook" not in book_build.rebuild_log


def test_every_chapter_file_is_in_the_table_of_contents():
    """only_build_toc_files silently skips pages missing from _toc.yml: a chapter must be listed."""
    import yaml
    root = Path(__file__).resolve().parents[2]
    toc = (root / "_toc.yml").read_text()
    listed = set(re.findall(r"file:\s*(\S+)", toc))
    chapters = {f"book/chapters/{p.stem}" for p in (root / "book" / "chapters").glob("*.md")}
    assert yaml.safe_load(toc)["root"] == "book/intro"
    assert chapters, "no chapter files found"
    assert chapters <= listed, f"chapters missing from _toc.yml: {sorted(chapters - listed)}"
