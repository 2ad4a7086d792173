"""Start the course's hub for a test, and stop everything it started.

:func:`running_hub` sets the hub up as ``make hub`` does (``course.hub.state.setup``: real system
users with PAM passwords, nbgrader's exchange, the instructor's course copy) in a temporary
folder, on free ports of 127.0.0.1, starts JupyterHub (which starts configurable-http-proxy and,
on login, each user's server), and on exit stops the hub (which stops the proxy and the users'
servers), kills by id whatever is left (the hub's process group, the proxy's pid, every process
of the users), deletes the users and their homes, and gives the checkout's ``solutions/`` its
mode back.
"""
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from course.hub import REPO, state, users
from course.hub.__main__ import PROXY, hub_command
from tests.ports import free_ports


def install_proxy():
    """configurable-http-proxy from course/hub/package-lock.json (``make hub-proxy``)."""
    if not PROXY.exists():
        subprocess.run(["make", "-s", "hub-proxy"], cwd=REPO, check=True, capture_output=True)
    return PROXY.exists()


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except OSError:
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


@contextmanager
def running_hub(students=("alice", "bob"), instructor="prof", timeout=180):
    """Yield the :class:`course.hub.state.Hub` of a running hub; users are named
    ``<name><4 hex digits>`` so that they never collide with accounts on the machine."""
    tag = secrets.token_hex(2)
    folder = Path(tempfile.mkdtemp(prefix="course-hub-", dir="/tmp"))
    folder.chmod(0o755)   # the exchange inside must be reachable by every user
    port, hub_port, api_port = free_ports(3)
    solutions_mode = (REPO / "solutions").stat().st_mode & 0o7777
    names = [f"{instructor}{tag}", *(f"{s}{tag}" for s in students)]
    hub, proc, log = None, None, None
    try:
        hub = state.setup(folder / "state", names[0], names[1:], port=port, hub_port=hub_port,
                          proxy_api_port=api_port, log=lambda *a: None)
        argv, env, cwd = hub_command(hub)
        log = open(folder / "hub.log", "w")
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        deadline = time.monotonic() + timeout
        while _get(f"{hub.url}/hub/health") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not start:\n{(folder / 'hub.log').read_text()}")
            time.sleep(0.5)
        hub.process, hub.log_path = proc, folder / "hub.log"
        yield hub
    finally:
        stop(hub, proc)
        if log:
            log.close()
        (REPO / "solutions").chmod(solutions_mode)
        shutil.rmtree(folder, ignore_errors=True)


def proxy_pid(hub):
    path = Path(hub.state) / "hub" / "proxy.pid"
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def stop(hub, proc):
    """Stop the hub (SIGTERM: it stops the users' servers and its proxy), then kill by id
    anything left, then delete the users. Safe to call twice."""
    if hub is None:
        return
    pid = proxy_pid(hub)
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(90)
        except subprocess.TimeoutExpired:
            pass
    if proc is not None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # its session: the hub, the proxy, unshare
        except ProcessLookupError:
            pass
        proc.wait()
    if pid and _alive(pid):
        os.kill(pid, signal.SIGKILL)
    for name in hub.created:
        users.remove(name)
