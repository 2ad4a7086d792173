"""Fixtures for the book's tests: one clean build per test session, and a local web server.

The book is built from a copy of the tracked files (``git ls-files``) in a temporary folder, so
a stale ``_build/`` or execution cache in the working tree cannot hide a failure. The same
command as ``make book`` is used. Every test that uses the build is in the xdist group "book", so
under ``pytest -n N --dist loadgroup`` they share one worker and therefore one build.
"""
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BUILD_COMMAND = ["build", ".", "--path-output", ".", "-W", "-n", "--keep-going"]


def toc_files(toc_path=REPO / "_toc.yml"):
    """Every page named in ``_toc.yml`` (root first), as paths without suffix, e.g. 'book/intro'."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def chapter_files():
    """The toc's chapter pages (executable MyST notebooks under book/chapters/)."""
    return [f for f in toc_files() if f.startswith("book/chapters/")]


def site_pages():
    """Every HTML page a reader can reach: the toc's pages plus Sphinx's own."""
    return ["index.html", "genindex.html", "search.html"] + [f"{f}.html" for f in toc_files()]


def pytest_generate_tests(metafunc):
    """Parametrize ``chapter`` over the toc's chapters and ``page_path`` over every page."""
    if "chapter" in metafunc.fixturenames:
        metafunc.parametrize("chapter", chapter_files())
    if "page_path" in metafunc.fixturenames:
        metafunc.parametrize("page_path", site_pages())


@pytest.fixture(scope="session")
def toc_pages():
    return toc_files()


@dataclass
class BookBuild:
    """What a clean build and an immediate no-op rebuild produced."""
    root: Path            # the temporary copy the book was built in
    html: Path            # root / "_build" / "html"
    returncode: int
    log: str              # stdout + stderr of the clean build
    seconds: float
    rebuild_returncode: int
    rebuild_log: str
    rebuild_seconds: float


def _copy_tracked_files(dest):
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():                  # tracked but deleted in the working tree: skip
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def _build(root, env):
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "jupyter-book"), *BUILD_COMMAND], cwd=root, env=env,
                          capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - start


@pytest.fixture(scope="session")
def build_book():
    """``build_book(root)`` builds the book in ``root`` with the command ``make book`` runs:
    (returncode, output, seconds)."""
    return lambda root: _build(root, dict(os.environ))


@pytest.fixture(scope="session")
def book_build(tmp_path_factory):
    """Build the book from the tracked files in a fresh folder, then rebuild it once unchanged."""
    if not (BIN / "jupyter-book").exists():
        pytest.fail(f"jupyter-book is not installed next to {sys.executable}: run `make venv`")
    root = tmp_path_factory.mktemp("book")
    _copy_tracked_files(root)
    # The kernels import the copy's rnnlib, not the editable install's working tree.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(root), os.environ.get("PYTHONPATH")) if p)}
    rc, log, seconds = _build(root, env)
    rc2, log2, seconds2 = _build(root, env) if rc == 0 else (None, "", 0.0)
    return BookBuild(root, root / "_build" / "html", rc, log, seconds, rc2, log2, seconds2)


@pytest.fixture(scope="session")
def built_html(book_build):
    """The HTML folder of a successful clean build (fails the test if the build failed)."""
    if book_build.returncode != 0:
        pytest.fail("the book build failed:\n" + book_build.log[-6000:])
    return book_build.html


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(built_html):
    """Serve the built HTML on 127.0.0.1 (a free port) for the session; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()
