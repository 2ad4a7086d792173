"""A whole term on the course's hub, driven through a real browser.

The hub of ``make hub`` (JupyterHub, configurable-http-proxy, PAM logins of real system users,
nbgrader's exchange; ``hub_server.py``) and Debian's chromium (Playwright). The instructor
releases assignment 1 (``nbgrader release_assignment``); two students log in, fetch it from the
Assignment List, type their answers into the notebook (alice the instructor's solutions, bob the
same with a loss summed over the batch), run all cells, save and submit; the instructor collects
(``nbgrader collect``), grades with ``course.grading`` (sandboxed) and releases the feedback
(``nbgrader release_feedback``); each student fetches the feedback and opens it. The instructor's
formgrader and ``nbgrader export`` are read at the end, and the hub is stopped.

Screenshots of every student's step (and of every browser when the term breaks) are kept as the
test's artifacts in the checkout, ``_build/test-artifacts/hub-term/<user>-<step>-<what>.png``
(replaced by the next run; pytest's own temporary folders are pruned after three runs):
``01-lab`` the student's JupyterLab, ``02-released`` and ``03-fetched`` the Assignment List
before and after Fetch, ``04-ran`` the notebook after Run All (bob's failing test visible),
``05-submitted``, ``06-feedback`` their feedback page; ``prof<tag>-01-formgrader`` the
instructor's formgrader (user names carry a random tag).
"""
import asyncio
import concurrent.futures
import csv
import html
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from course.grading.notebook import cell_source, with_solutions
from course.hub import REPO, state, users
from course.hub.__main__ import grade, instructor_run

from .browser import CHROMIUM, CHROMIUM_ARGS, User
from .hub_server import install_proxy, proxy_pid, running_hub, stop

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub-term")]

A, NB = "assignment1", "assignment1.ipynb"
RELEASE = json.loads((REPO / "assignments" / A / NB).read_text())
SOURCE = json.loads((REPO / "solutions" / A / NB).read_text())
BUG = ("def softmax_cross_entropy(z, y):\n"
       "    shifted = z - z.max(axis=-1, keepdims=True)\n"
       "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))\n"
       "    picked = np.take_along_axis(log_probs, y[..., None], axis=-1)[..., 0]\n"
       "    return float(-picked.sum())\n")
HINT = "The loss looks summed over the batch: divide by B."
SHOTS = REPO / "_build" / "test-artifacts" / "hub-term"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def answers(replace=None):
    """{cell index: code} of the solution cells, as the student types them."""
    nb = with_solutions(RELEASE, SOURCE, replace)
    return {i: cell_source(c) for i, c in enumerate(nb["cells"])
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}


def hidden_lines(typed=()):
    """Lines of the hidden tests that would give them away (never shown to a student): those of
    the instructor's hidden blocks that are in neither the released notebook nor ``typed`` (the
    student's own answers). The feedback page shows the student's notebook, public tests and
    answers included, and a few hidden lines repeat a public test's line or the solution's."""
    known = "\n".join([*(cell_source(c) for c in RELEASE["cells"]), *typed])
    found = set()
    for cell in SOURCE["cells"]:
        for block in HIDDEN.findall(cell_source(cell)):
            found |= {line.strip() for line in block.splitlines() if len(line.strip()) > 25}
    found = {line for line in found if line not in known}
    assert len(found) > 50, len(found)   # the hidden tests' inputs, mistakes and messages
    return found


def summary(feedback):
    """The feedback page's score, table and reasons: what comes before the student's notebook."""
    head, notebook, _ = feedback.partition("Your notebook, with the result of each test cell")
    assert notebook, feedback[:500]
    return head


def ran_through(index):
    """Whether a saved notebook ran every code cell up to ``index`` (and no further cell)."""
    def check(nb):
        counts = [c.get("execution_count") for c in nb["cells"][:index + 1]
                  if c["cell_type"] == "code"]
        return all(counts)
    return check


@pytest.fixture(scope="module")
def term():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: make system-packages (apt-get install chromium)")
    assert install_proxy(), "configurable-http-proxy is missing: make hub-proxy"
    shots = SHOTS
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    print(f"screenshots: {shots}")
    seen = {"shots": shots, "loop_before": running_loop()}   # another module's, or None
    with running_hub() as hub:
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            thread.submit(browse, hub, seen).result()
        yield seen | {"hub": hub}


def browse(hub, seen):
    """The whole term in the browser, in a thread of its own that ends with it. Playwright's
    sync API marks its event loop as running in the thread that drives the browser, from the
    first call to stop(): in pytest's thread, a test run meanwhile, or after a stop that did
    not happen, could not start asyncio (asyncio.run refuses beside a running loop)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            run_term(hub, browser, seen)
        except BaseException:   # what each person's browser showed when the term broke
            for person in seen.get("people", {}).values():
                try:
                    print(f"failed: {person.shot('failed')}")
                except Exception:
                    pass
            raise
        finally:
            browser.close()


def run_term(hub, browser, seen):
    passwords = state.passwords(hub.state)
    alice, bob = hub.students
    course = hub.course_dir
    expected = {alice: (12, answers()),
                bob: (9, answers({"task1_4_softmax_cross_entropy": BUG}))}
    seen["expected"] = {s: score for s, (score, _) in expected.items()}
    release = instructor_run(hub, ["nbgrader", "release_assignment", A], capture_output=True,
                             text=True, check=False)
    assert release.returncode == 0, release.stdout + release.stderr

    people = {name: User(browser, hub, name, passwords[name], seen["shots"])
              for name in (alice, bob, hub.instructor)}
    seen["people"] = people
    for person in people.values():   # every server starts at once
        person.log_in()
    for name in (alice, bob):
        student = people[name]
        student.wait_for_lab()
        student.shot("lab")
        seen[name] = {"menu": student.menu("Nbgrader"),
                      "formgrader": student.page.request.get(
                          student.base + "formgrader/manage_submissions").status}
        student.open_assignment_list()
        student.fetch(A)
        student.open_notebook(A, NB)
        score, typed = expected[name]
        student.type_answers(len(RELEASE["cells"]), typed)
        last = len(RELEASE["cells"]) - 1 if score == 12 else 17   # bob's 1.4 test fails
        student.run_all_and_save(users.home(name) / A / NB, ran_through(last))
        student.shot("ran")
        student.submit(A)
        seen[name]["typed"] = typed

    collected = instructor_run(hub, ["nbgrader", "collect", A], capture_output=True, text=True,
                               check=False)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    graded = grade(hub, A, ["--workers", "2", "--wall", "30"], capture_output=True, text=True)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    released = instructor_run(hub, ["nbgrader", "release_feedback", A], capture_output=True,
                              text=True, check=False)
    assert released.returncode == 0, released.stdout + released.stderr

    for name in (alice, bob):
        student = people[name]
        seen[name]["feedback"] = student.fetch_feedback(A, NB)
        seen[name]["feedback_files"] = [p.read_text() for p in
                                        (users.home(name) / A / "feedback").glob(f"*/{A}.html")]
    seen["tries"] = tries(hub, people[bob], alice)

    prof = people[hub.instructor]
    prof.wait_for_lab()
    seen["prof_menu"] = prof.menu("Nbgrader")
    prof.page.goto(prof.base + f"formgrader/manage_submissions/{A}")
    prof.page.wait_for_selector(f"text={bob}")
    prof.shot("formgrader")
    api = prof.page.request
    seen["submissions"] = api.get(prof.base + f"formgrader/api/submissions/{A}").json()
    seen["notebooks"] = api.get(
        prof.base + f"formgrader/api/submitted_notebooks/{A}/{Path(NB).stem}").json()
    export = instructor_run(hub, ["nbgrader", "export"], capture_output=True, text=True,
                            check=False)
    assert export.returncode == 0, export.stdout + export.stderr
    with open(course / "grades.csv") as f:
        seen["export"] = list(csv.DictReader(f))


def tries(hub, student, other):
    """What ``student`` gets when trying to read ``other``'s work and the solutions."""
    other_nb = users.home(other) / A / NB
    targets = {"other's home": f"ls {users.home(other)}",
               "other's notebook": f"cat {other_nb}",
               "exchange inbound": f"ls {hub.exchange / hub.course_id / 'inbound'}",
               "exchange feedback": f"ls {hub.exchange / hub.course_id / 'feedback'}",
               "instructor's course": f"cat {hub.course_dir / 'solutions' / A / NB}",
               "checkout's solutions": f"cat {REPO / 'solutions' / A / NB}",
               "collected submission": f"cat {hub.course_dir / 'submitted' / other / A / NB}"}
    lines = [f"{command} >/dev/null 2>/tmp/err-$$; echo \"TRY {what}: rc=$? "
             "$(head -c 200 /tmp/err-$$)\"" for what, command in targets.items()]
    out = student.terminal(lines)
    found = dict(re.findall(r"TRY ([^:\n]+): (rc=\d+ [^\r\n]*)", out))
    request = student.page.request
    other_server = request.get(f"{hub.url}/user/{other}/api/contents/{A}/{NB}")
    web = {"other's server": (other_server.status, '"cells"' in other_server.text()),
           "above the server's root": request.get(
               student.base + f"api/contents/..%2F{other}").status}
    return {"terminal": found, "web": web, "raw": out}


def running_loop():
    """The event loop running in this thread, or None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def test_the_browser_leaves_no_event_loop_in_pytests_thread(term):
    """Tests that start asyncio may run after this module on the same worker: in a full suite
    run, tests/assignments' lab terminal test, on the worker that had run this module, found an
    event loop running in its thread (Playwright's, while it drove the browser here). This
    module's browser must leave pytest's thread as it found it (another module's browser test
    on the same worker is that module's business: compare, do not assume none)."""
    assert running_loop() is term["loop_before"], (running_loop(), term["loop_before"])


def test_students_lab_has_the_assignment_list_and_no_instructor_tools(term):
    for name in term["hub"].students:
        assert term[name]["menu"] == ["Assignment List"], term[name]["menu"]
        assert term[name]["formgrader"] == 404
    assert {"Assignment List", "Formgrader", "Create assignment"} <= set(term["prof_menu"])


def test_what_each_student_typed_ran_and_was_submitted(term):
    hub = term["hub"]
    for name in hub.students:
        submitted = json.loads((hub.course_dir / "submitted" / name / A / NB).read_text())
        for index, code in term[name]["typed"].items():
            assert cell_source(submitted["cells"][index]) == code, (name, index)
        assert any(c.get("execution_count") for c in submitted["cells"])


def test_each_student_sees_their_own_feedback_and_no_hidden_test(term):
    hub, expected = term["hub"], term["expected"]
    alice, bob = hub.students
    for name, other in ((alice, bob), (bob, alice)):
        shown, files = term[name]["feedback"], term[name]["feedback_files"]
        assert len(files) == 1
        assert f"feedback for {name}" in shown and f"Score: {expected[name]} / 12" in shown
        secret = hidden_lines(term[name]["typed"].values())
        for text in (shown, html.unescape(files[0])):
            assert other not in text
            assert not [line for line in secret if line in text]
    # the scores and reasons (the page then shows the student's notebook, whose released text
    # and public tests hold the hint too)
    assert HINT in summary(term[bob]["feedback"]) and "Task 1.4" in summary(term[bob]["feedback"])
    assert "divide by B" not in summary(term[alice]["feedback"])


def test_a_student_cannot_read_another_students_work_or_the_solutions(term):
    tried = term["tries"]
    assert len(tried["terminal"]) == 7, tried["raw"]
    for what, result in tried["terminal"].items():
        assert not result.startswith("rc=0") and "Permission denied" in result, (what, result)
    assert tried["web"]["other's server"] == (403, False), tried["web"]
    assert tried["web"]["above the server's root"] in (400, 403, 404), tried["web"]


def test_the_formgrader_shows_both_grades_and_nothing_to_grade(term):
    expected = term["expected"]
    by_student = {s["student"]: s for s in term["submissions"]}
    assert {s: by_student[s]["score"] for s in expected} == expected, by_student
    assert not any(s["needs_manual_grade"] for s in term["submissions"])
    assert all(s["autograded"] for s in term["submissions"])
    assert not any(n["needs_manual_grade"] for n in term["notebooks"])


def test_nbgrader_export_gives_the_table(term):
    rows = {r["student_id"]: float(r["score"]) for r in term["export"] if r["assignment"] == A}
    assert rows == term["expected"]


def test_stopping_the_hub_stops_every_process_and_removes_the_users(term):
    hub = term["hub"]
    uids = [users.ids(name)[0] for name in hub.created]
    proxy = proxy_pid(hub)
    stop(hub, hub.process)
    assert hub.process.poll() is not None
    assert proxy and not os.path.exists(f"/proc/{proxy}")
    assert not any(users.processes(uid) for uid in uids)
    assert not any(users.exists(name) for name in hub.created)
