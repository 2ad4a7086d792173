"""The students' JupyterLab: ``python -m course.lab [--work DIR] [jupyter lab options]`` (``make lab``).

Copies the released notebooks from ``assignments/`` into ``my-work/`` (never overwriting a
notebook already there) and starts JupyterLab on ``my-work/`` with:

- the course's Jupyter configuration first on ``JUPYTER_CONFIG_PATH`` (``course/lab_config/``):
  nbgrader's instructor tools (Formgrader, Create Assignment) and its Assignment and Course Lists
  (which need a course exchange that a student's own machine does not have) are disabled, the
  notebook toolbar's *Validate* button is kept, and ``nbgrader validate`` prints every test
  message in full (``Validator.width``);
- the environment's ``bin/`` first on ``PATH``, and terminals that are plain (non-login) shells
  starting in ``my-work/``, so that ``nbgrader validate assignment1/assignment1.ipynb`` works as
  typed in a JupyterLab terminal (a login shell would reset ``PATH`` from ``/etc/profile``).
"""
import argparse
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).resolve().parent / "lab_config"


def copy_release(work, release=ROOT / "assignments"):
    """Copy every released file into ``work``; files already there are kept (a student's work)."""
    for path in sorted(release.rglob("*")):
        target = work / path.relative_to(release)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def lab_command(work, extra=()):
    """(argv, environment) of the students' JupyterLab on ``work``."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)   # the venv's bin, as this python was started
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [str(CONFIG)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p])
    rcfile = work / ".course-bashrc"
    rcfile.write_text("# written by `make lab`: JupyterLab's terminals start here\n"
                      "[ -f ~/.bashrc ] && . ~/.bashrc\n"
                      f"export PATH={shlex.quote(env['PATH'])}\n"
                      f"cd {shlex.quote(str(work))}\n")
    terminals = {"shell_command": ["/bin/bash", "--rcfile", str(rcfile), "-i"]}
    argv = [sys.executable, "-m", "jupyter", "lab", "--ip=127.0.0.1", "--no-browser",
            f"--ServerApp.root_dir={work}",
            f"--ServerApp.terminado_settings={json.dumps(terminals)}"]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    return argv + list(extra), env


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m course.lab", description=__doc__.splitlines()[0])
    p.add_argument("--work", default=str(ROOT / "my-work"), help="the students' folder")
    args, extra = p.parse_known_args(argv)
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    copy_release(work)
    command, env = lab_command(work, extra)
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main()
