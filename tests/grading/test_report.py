"""Feedback the nbgrader way: the grader's page reaches the student through nbgrader's exchange.

A course folder and a local exchange in a temporary folder; the instructor releases assignment 1
(``nbgrader release_assignment``), a student fetches it, answers it (one task wrong) and submits
it (``fetch_assignment``, ``submit``), the instructor collects it (``collect``), grades it with
the course's grader (its defaults: the course's ``gradebook.db`` and ``feedback/``) and returns
the feedback (``release_feedback``); the student fetches it (``fetch_feedback``). The page the
student gets is the grader's, names the wrong task, never shows a hidden test, and its formulas
render offline in a real browser (Debian's chromium driven by Playwright, every request outside
the page refused).
"""
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from course.release import nbgrader_env

from .submissions import ASSIGNMENT, HIDDEN_BITS, NOTEBOOK, SOURCE, solved

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-feedback")]

REPO = SOURCE.parents[2]
COURSE_ID = "rnn"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WRONG_LOSS = {"1.4": "def softmax_cross_entropy(z, y):\n    return 0.0\n"}


def _nbgrader(cwd, *args, exchange, cache=None):
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--course={COURSE_ID}",
           f"--Exchange.root={exchange}"]
    if cache:
        cmd.append(f"--Exchange.cache={cache}")
    proc = subprocess.run(cmd, cwd=cwd, env=nbgrader_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"nbgrader {args}: {proc.stdout}{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feedback")
    course, exchange, home = tmp / "course", tmp / "exchange", tmp / "alice"
    cache = home / ".cache"
    for d in (exchange, home):
        d.mkdir()
    exchange.chmod(0o777)
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    for folder in ("solutions", "assignments"):
        shutil.copytree(REPO / folder / ASSIGNMENT, course / folder / ASSIGNMENT)
    shutil.copy(REPO / ".gitignore", course)   # the course folder as a clone of the repository
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(course)]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "course"]):
        subprocess.run(git + args, check=True, capture_output=True)

    _nbgrader(course, "release_assignment", ASSIGNMENT, exchange=exchange)
    _nbgrader(home, "fetch_assignment", ASSIGNMENT, exchange=exchange, cache=cache)
    (home / ASSIGNMENT / NOTEBOOK).write_text(json.dumps(solved(replace=WRONG_LOSS), indent=1))
    _nbgrader(home, "submit", ASSIGNMENT, "--CourseDirectory.student_id=alice",
              exchange=exchange, cache=cache)
    _nbgrader(course, "collect", ASSIGNMENT, exchange=exchange)

    grade = subprocess.run([sys.executable, "-m", "course.grading", ASSIGNMENT, "submitted",
                            "--workers", "1", "--wall", "20"], cwd=course, capture_output=True,
                           text=True)
    assert grade.returncode == 0, grade.stderr
    _nbgrader(course, "release_feedback", ASSIGNMENT, exchange=exchange)
    _nbgrader(home, "fetch_feedback", ASSIGNMENT, "--CourseDirectory.student_id=alice",
              exchange=exchange, cache=cache)
    fetched = sorted((home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
    _nbgrader(course, "export", exchange=exchange)   # grades.csv in the course folder
    untracked = subprocess.run(git + ["status", "--porcelain", "--untracked-files=all"],
                               check=True, capture_output=True, text=True).stdout
    return {"course": course, "fetched": fetched, "untracked": untracked,
            "written": course / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html"}


def test_release_and_fetch_feedback_deliver_the_graders_page(round_trip):
    assert len(round_trip["fetched"]) == 1, round_trip["fetched"]
    page = round_trip["fetched"][0].read_text()
    assert page == round_trip["written"].read_text()
    assert "Score: 9 / 12" in page
    assert "softmax_cross_entropy: wrong values" in page
    assert not any(bit in page for bit in HIDDEN_BITS)


def test_feedback_math_renders_offline(round_trip):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-packages` (apt-get install chromium)")
    # Playwright's sync API refuses a thread with an asyncio loop, which a test run earlier in
    # this process (nbclient, tornado) may have left: the browser gets a thread of its own.
    done = {}
    thread = threading.Thread(target=lambda: done.update(_render(round_trip["fetched"][0])))
    thread.start()
    thread.join()
    assert "found" in done, done
    found, outside, errors = done["found"], done["outside"], done["errors"]
    assert not outside and not errors, (outside, errors)
    assert found["containers"] > 20 and found["merrors"] == 0 and found["raw"] == [], found


def _render(path):
    from playwright.sync_api import sync_playwright
    outside, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            def route(r):
                if r.request.url.startswith("file://"):
                    return r.continue_()
                outside.append(r.request.url)
                return r.abort()
            page.route("**/*", route)
            page.goto(path.as_uri())
            page.wait_for_function("() => window.MathJax && MathJax.startup && "
                                   "MathJax.startup.promise", timeout=60000)
            page.evaluate("() => MathJax.startup.promise")
            found = page.evaluate("""() => {
              const body = document.body.cloneNode(true);
              body.querySelectorAll('pre, code, script, mjx-container').forEach(e => e.remove());
              return {containers: document.querySelectorAll('mjx-container').length,
                      merrors: document.querySelectorAll('mjx-merror').length,
                      raw: ['$$', '\\\\frac', '\\\\tanh'].filter(
                        s => body.textContent.includes(s))};
            }""")
        finally:
            browser.close()
    return {"found": found, "outside": outside, "errors": errors}


def test_gitignore_covers_every_file_grading_and_nbgrader_write(round_trip):
    """gradebook.db, grades.csv, submitted/, autograded/, feedback/, grading/, nbgrader's log..."""
    assert (round_trip["course"] / "grades.csv").exists()
    assert round_trip["untracked"] == ""
