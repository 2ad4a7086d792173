"""The students' JupyterLab (``make lab`` = ``python -m course.lab``), started for real.

What a student sees: the released notebooks in ``my-work/`` (their own work never overwritten),
nbgrader's Validate button but none of its instructor tools, no Assignment List that fails for
want of an exchange, and a terminal in which the validate command the notebooks, the README and
the students' page give works as typed and prints the tests' hints in full.
"""
import asyncio
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from course import lab
from tests.ports import free_ports

from .nbgrader_helpers import read, solved, with_cell

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lab")]

REPO = Path(__file__).resolve().parents[2]
COMMAND = "nbgrader validate assignment1/assignment1.ipynb"
HIDDEN_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                  "@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list",
                  "@jupyter/nbgrader:menu"]
SUMMED_LOSS = ("def softmax_cross_entropy(z, y):\n"
               "    s = z - z.max(axis=-1, keepdims=True)\n"
               "    logp = s - np.log(np.exp(s).sum(axis=-1, keepdims=True))\n"
               "    return float(-np.take_along_axis(logp, y[..., None], axis=-1).sum())\n")
HINT = ("AssertionError: softmax_cross_entropy: wrong values. The loss looks summed over the batch: "
        "divide by B.")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    work, token, port = tmp / "my-work", uuid.uuid4().hex, free_ports(1)[0]
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "course.lab", "--work", str(work),
                             f"--port={port}", "--ServerApp.port_retries=0",
                             f"--IdentityProvider.token={token}"],
                            cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start: {(tmp / 'lab.log').read_text()}")
            time.sleep(0.5)
    yield {"base": base, "token": token, "work": work, "log": tmp / "lab.log"}
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def _get(server, path, data=None):
    url = f"{server['base']}{path}{'&' if '?' in path else '?'}token={server['token']}"
    try:
        with urllib.request.urlopen(url, data=data, timeout=300) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def test_copies_the_release_and_never_overwrites_a_students_notebook(tmp_path):
    release = tmp_path / "release" / "a1"
    release.mkdir(parents=True)
    (release / "a1.ipynb").write_text("released")
    (release / "data.txt").write_text("data")
    work = tmp_path / "work"
    (work / "a1").mkdir(parents=True)
    (work / "a1" / "a1.ipynb").write_text("my answers")
    lab.copy_release(work, tmp_path / "release")
    assert (work / "a1" / "a1.ipynb").read_text() == "my answers"
    assert (work / "a1" / "data.txt").read_text() == "data"


def test_release_is_in_my_work(server):
    for n in range(1, 5):
        name = f"assignment{n}/assignment{n}.ipynb"
        assert (server["work"] / name).read_bytes() == (REPO / "assignments" / name).read_bytes()


def test_no_instructor_tools_and_no_assignment_list_without_an_exchange(server):
    status, page = _get(server, "/lab")
    assert status == 200
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">'
                                  r"(.*?)</script>", page, re.S).group(1))
    assert set(HIDDEN_PLUGINS) <= set(config["disabledExtensions"]), config["disabledExtensions"]
    assert "@jupyter/nbgrader:validate-assignment" not in config["disabledExtensions"]
    # the names are nbgrader's own (a renamed plugin would silently come back)
    static = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    shipped = "".join(p.read_text(errors="replace") for p in static.rglob("*.js"))
    assert all(f'"{plugin}"' in shipped for plugin in HIDDEN_PLUGINS)
    for path in ("/formgrader", "/assignments", "/formgraders"):   # their server extensions
        assert _get(server, path)[0] == 404, path


def test_validate_button_reports_every_failing_public_test(server):
    body = urllib.parse.urlencode({"path": "assignment1/assignment1.ipynb"}).encode()
    status, text = _get(server, "/assignments/validate", data=body)
    assert status == 200
    result = json.loads(text)
    assert result["success"] and len(result["value"]["failed"]) == 4, result


async def _terminal(server, commands, marker, timeout=300):
    from tornado.websocket import websocket_connect
    status, text = _get(server, "/api/terminals", data=b"{}")
    assert status == 200, status
    name = json.loads(text)["name"]
    ws = await websocket_connect(f"ws://{server['base'][7:]}/terminals/websocket/{name}"
                                 f"?token={server['token']}")
    await ws.write_message(json.dumps(["stdin", commands]))
    out, deadline = "", time.monotonic() + timeout
    while marker not in out and time.monotonic() < deadline:
        try:
            message = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
        except asyncio.TimeoutError:
            break
        if message is None:
            break
        kind, *rest = json.loads(message)
        if kind == "stdout":
            out += rest[0]
    ws.close()
    return out


def run_coroutine(coroutine):
    """``asyncio.run(coroutine)`` in a thread of its own: the test's thread may hold another
    library's event loop (Playwright's sync API marks its loop as running in the thread that
    uses it), and asyncio.run refuses to start beside a running loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def test_the_validate_command_works_as_typed_in_a_lab_terminal(server):
    nb = read(REPO / "assignments" / "assignment1" / "assignment1.ipynb")
    nb = with_cell(solved(nb, read(REPO / "solutions" / "assignment1" / "assignment1.ipynb")),
                   "task1_4_softmax_cross_entropy", SUMMED_LOSS)
    nbformat.write(nb, str(server["work"] / "assignment1" / "assignment1.ipynb"))
    out = run_coroutine(_terminal(
        server, f"pwd; command -v nbgrader; {COMMAND}; echo DO''NE\r", "DONE\r\n"))
    clean = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", out).replace("\r", "")
    assert f"\n{server['work']}\n" in clean, clean
    assert f"\n{Path(sys.executable).parent}/nbgrader\n" in clean, clean
    assert "VALIDATION FAILED ON 1 CELL(S)!" in clean, clean
    assert HINT in clean, clean   # the whole hint, not cut at 90 columns
