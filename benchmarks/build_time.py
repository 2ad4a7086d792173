"""How long the book takes to build from nothing, and to rebuild when nothing changed, at given commits.

``make book`` on a clean clone creates the virtualenv and then runs ``jupyter-book build``, which
executes every chapter. This script times the second part, which is what a change to the book
costs: for each commit it checks the tree out into a temporary folder (``git worktree``), runs the
same build command as the Makefile with this checkout's ``.venv`` (the commit's own ``rnnlib``
comes first on ``PYTHONPATH``), then runs it again with nothing changed (the no-op rebuild). It
prints one row per commit: clean build seconds, no-op rebuild seconds, and whether both builds
succeeded. Run it on a quiet machine; the times scale with the load.

Usage::

    .venv/bin/python benchmarks/build_time.py                      # HEAD only
    .venv/bin/python benchmarks/build_time.py --commits e05b2cb,HEAD

The commits must build with this checkout's pinned packages (the script does not install any).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = ["build", ".", "--path-output", ".", "-W", "-n", "--keep-going"]


def timed_build(tree):
    """Run the Makefile's build command in ``tree``; returns (seconds, ok, last lines of output)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(tree), os.environ.get("PYTHONPATH")) if p))
    start = time.perf_counter()
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jupyter_book), *BUILD], cwd=tree, env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
    return seconds, proc.returncode == 0, tail


def time_commit(commit):
    """Clean build and no-op rebuild of ``commit``, in a temporary worktree removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="build-time-") as scratch:
        tree = Path(scratch) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--quiet", "--detach",
                        str(tree), commit], check=True)
        try:
            clean = timed_build(tree)
            noop = timed_build(tree)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                           check=False)
    return clean, noop


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--commits", default="HEAD", help="comma-separated commits (default HEAD)")
    args = p.parse_args(argv)
    commits = args.commits.split(",")
    for commit in commits:
        if subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet",
                           f"{commit}^{{commit}}"], capture_output=True).returncode:
            p.error(f"--commits: {commit!r} is not a commit of {REPO}")
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)", flush=True)
    print("commit | clean build s | no-op rebuild s | built", flush=True)
    failed = False
    for commit in commits:
        short = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", commit],
                               capture_output=True, text=True, check=True).stdout.strip()
        (clean_s, clean_ok, clean_tail), (noop_s, noop_ok, noop_tail) = time_commit(commit)
        ok = clean_ok and noop_ok
        failed |= not ok
        print(f"{short} | {clean_s:.0f} | {noop_s:.0f} | {'yes' if ok else 'NO'}", flush=True)
        if not ok:
            print(clean_tail if not clean_ok else noop_tail, file=sys.stderr)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
