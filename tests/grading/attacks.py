"""The attacks of issue 18, as submissions of assignment 1 (see ``test_isolation.py``).

Each builder returns a notebook: an honest, correct submission (``submissions.solved``) with the
attack added, so that whatever it costs is the attack's doing.
"""
from .submissions import solved

HOG_PROCESSES = 60


def hog(seconds):
    """Correct, and its last cell forks busy processes, each in its own session, that compute
    for ``seconds``, and waits for them (each task's sandbox runs the cells again)."""
    return solved(after=[
        "import os, time\n"
        f"for _ in range({HOG_PROCESSES}):\n"
        "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        os.setsid()\n"
        f"        end = time.time() + {seconds}\n"
        "        while time.time() < end:\n            pass\n"
        "        os._exit(0)\n"
        "try:\n    while True:\n        os.wait()\nexcept ChildProcessError:\n    pass\n"])


def busy_top_level(cpu_seconds=0.75):
    """Correct, with a top-level cell that computes for ``cpu_seconds`` of CPU time (an honest
    experiment left in the notebook), before the cells that define the graded functions."""
    return solved(before=[
        "import time\n_start = time.process_time()\n"
        f"while time.process_time() - _start < {cpu_seconds}:\n    pass\n"])
