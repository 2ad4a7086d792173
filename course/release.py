"""Regenerate the student versions of assignments: ``python -m course.release [assignment ...]``.

Runs ``nbgrader generate_assignment --force`` from the repository root for each named assignment, or
for every folder in ``solutions/`` when none is named. nbgrader (configured by ``nbgrader_config.py``)
reads the instructor source ``solutions/<name>/`` and writes the release ``assignments/<name>/``,
with solutions replaced by stubs and hidden tests removed. ``make release`` calls this; commit the
result. Never edit ``assignments/`` by hand: the tests compare it with a fresh generation.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def nbgrader_env():
    """The environment for an nbgrader subprocess: this interpreter's bin folder first on PATH.

    nbgrader runs the ``alembic`` command (from PATH) when it creates a gradebook, so without this a
    call through ``.venv/bin/python`` from a shell without the activated venv fails.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def source_assignments(root=ROOT):
    """Names of the assignments in ``solutions/``: its folders that hold a notebook."""
    return sorted(p.name for p in (root / "solutions").iterdir()
                  if p.is_dir() and any(p.glob("*.ipynb")))


def release(names, root=ROOT):
    """Run ``nbgrader generate_assignment --force`` for each name; raise if nbgrader fails."""
    for name in names:
        print(f">> releasing {name}: solutions/{name}/ -> assignments/{name}/", flush=True)
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force",
                        f"--CourseDirectory.root={root}"], cwd=root, env=nbgrader_env(), check=True)


def main(argv=None):
    names = sys.argv[1:] if argv is None else argv
    known = source_assignments()
    unknown = sorted(set(names) - set(known))
    if unknown:
        sys.exit(f"no such assignment in solutions/: {', '.join(unknown)} (known: {', '.join(known)})")
    release(names or known)


if __name__ == "__main__":
    main()
