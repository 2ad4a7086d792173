"""Every page of the built book in a real browser (Debian's chromium driven by Playwright).

Asserted per page: MathJax typeset every formula (no errors, no raw TeX left); every image
loaded; no console errors, page errors, failed requests or HTTP errors; no request to any host but
127.0.0.1; every local link points to a file that exists. Never run `playwright install`: the
browser is the system's /usr/bin/chromium (`make test` installs it).
"""
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

# Runs in the page after MathJax is done: what is left untypeset, and where.
MATH_REPORT = """() => {
  const math = Array.from(document.querySelectorAll('.math'));
  const untypeset = math.filter(el => !el.querySelector('mjx-container')).map(el => el.outerHTML);
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, .highlight, mjx-container').forEach(e => e.remove());
  const text = body.textContent;
  return {
    math: math.length,
    containers: document.querySelectorAll('mjx-container').length,
    merrors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent),
    untypeset: untypeset.slice(0, 5),
    raw: ['\\\\(', '\\\\[', '$$'].filter(s => text.includes(s)),
  };
}"""

BROKEN_IMAGES = """() => Array.from(document.images)
  .filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)"""


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-packages` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _local_link_targets(page, page_path):
    """(href, path on disk) for every link that stays on the site."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:   # external, mailto:, or '#anchor'
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page_path),
                                                   unquote(parts.path)))
        yield href, target


def test_page_in_browser(browser, site_url, built_html, page_path):
    context = browser.new_context()
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))

    def check_host(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.hostname != "127.0.0.1":
            problems.append(f"request to another host: {request.url}")
    page.on("request", check_host)

    try:
        page.goto(f"{site_url}/{page_path}", wait_until="load")
        refresh = re.search(r'http-equiv="refresh" content="\d+; url=([^"]+)"',
                            (built_html / page_path).read_text(encoding="utf8"), re.IGNORECASE)
        if refresh:                                    # index.html redirects to the first page
            page.wait_for_url(re.compile(re.escape(refresh.group(1)) + "$"))
            page.wait_for_load_state("load")
        if page.evaluate("() => Boolean(window.MathJax && window.MathJax.startup)"):
            page.evaluate("() => MathJax.startup.promise")          # resolves when typeset
        report = page.evaluate(MATH_REPORT)
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        broken = page.evaluate(BROKEN_IMAGES)
        links = list(_local_link_targets(page, urlsplit(page.url).path.lstrip("/")))
    finally:
        context.close()

    assert not problems, "\n".join(problems)
    if report["math"]:
        assert report["containers"] > 0, "math on the page but MathJax typeset nothing"
    assert not report["merrors"], report["merrors"]
    assert not report["untypeset"], report["untypeset"]
    assert not report["raw"], f"raw TeX delimiters left in the text: {report['raw']}"
    assert not broken, f"images that did not load: {broken}"
    missing = []
    for href, target in links:
        path = built_html / target
        if not (path.is_file() or (path / "index.html").is_file()):
            missing.append(href)
    assert not missing, f"links to files that do not exist: {missing}"


def test_math_pages_are_typeset(browser, site_url):
    """The notation page is mostly math: it must come out typeset, not as TeX."""
    page = browser.new_page()
    try:
        page.goto(f"{site_url}/book/notation.html", wait_until="load")
        page.evaluate("() => MathJax.startup.promise")
        report = page.evaluate(MATH_REPORT)
    finally:
        page.close()
    assert report["math"] > 20 and report["containers"] >= report["math"], report


# A laptop screen: at 1280 px the content column holds about 77 characters of a code cell
# (75 inside a hide-input cell's box), measured in Debian's chromium with the theme's 14 px
# monospace font.
LAPTOP_VIEWPORT = {"width": 1280, "height": 800}

# Runs in the page with {name: CSS selector}: opens every collapsed box (hide-input cells,
# dropdowns) so hidden code is laid out too, then, per selector, counts the blocks it finds and
# lists each one that is wider than its box.
WIDE_CODE = """(selectors) => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const measure = (selector) => {
    const blocks = Array.from(document.querySelectorAll(selector));
    const wide = blocks
      .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
      .map(pre => {
        const lines = pre.textContent.split('\\n');
        const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
        return `${pre.scrollWidth}px > ${pre.clientWidth}px, longest line ` +
               `(${longest.length} chars): ${longest.trim().slice(0, 60)}`;
      });
    return {count: blocks.length, wide: wide};
  };
  return Object.fromEntries(Object.entries(selectors).map(([k, sel]) => [k, measure(sel)]));
}"""

CODE_BLOCKS = {
    "code cell inputs": "div.cell_input pre",
    # What a code cell prints (text outputs; figures are images and are not checked).
    "printed outputs": "div.cell_output pre",
    # Code shown from files ({literalinclude}) and fenced code blocks: not inside a code cell.
    "included code": "div.highlight pre:not(div.cell_input pre):not(div.cell_output pre)",
}


@pytest.fixture(scope="module")
def laptop_widths(browser, site_url):
    """chapter -> {kind: {count, wide}} for CODE_BLOCKS, each chapter loaded once at 1280x800."""
    measured = {}

    def measure(chapter):
        if chapter not in measured:
            context = browser.new_context(viewport=LAPTOP_VIEWPORT)
            try:
                page = context.new_page()
                page.goto(f"{site_url}/{chapter}.html", wait_until="load")
                measured[chapter] = page.evaluate(WIDE_CODE, CODE_BLOCKS)
            finally:
                context.close()
        return measured[chapter]
    return measure


@pytest.mark.parametrize("kind", sorted(CODE_BLOCKS))
def test_nothing_scrolls_sideways_on_a_laptop_screen(laptop_widths, chapter, kind):
    """No code cell's input, no text a code cell prints, and no library code a page shows with
    ``{literalinclude}`` scrolls sideways at 1280x800: a reader sees each whole line. (Printed
    tables and samples are laid out or wrapped with ``textwrap`` to 75 columns; rnnlib is kept to
    77 columns where the book includes it, which ``test_included_code_width.py`` checks in the
    sources.)"""
    found = laptop_widths(chapter)[kind]
    if kind == "included code":
        includes = (REPO / f"{chapter}.md").read_text(encoding="utf8").count("{literalinclude}")
        assert found["count"] >= includes, (
            f"{chapter}: {includes} literalinclude directives but {found['count']} code blocks "
            "outside code cells (did the theme's markup change?)")
    else:
        assert found["count"] > 0, f"{chapter}: no {kind} found (did the theme's markup change?)"
    assert not found["wide"], \
        f"{chapter}: {len(found['wide'])} {kind} scroll sideways at 1280 px:\n" + \
        "\n".join(found["wide"])
