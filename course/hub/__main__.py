"""``python -m course.hub COMMAND``: the course on JupyterHub (run as root; ``make hub``).

Commands:

    up            set up (users, exchange, instructor's course) and start the hub (foreground)
    setup         only the set-up (idempotent: existing users and the course copy are kept)
    start         start the hub of a set-up folder (foreground; Ctrl-C stops it and every
                  user's server)
    instructor    run a command as the instructor, in their course folder, with the hub's
                  nbgrader settings: ``python -m course.hub instructor -- nbgrader collect a1``
    grade         grade the collected submissions with ``course.grading`` (as root, for its
                  sandbox) in the instructor's course folder, then give the results to them
    remove-users  stop and delete the users the set-up created (never another account)
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

from . import HERE, REPO, state, users, view

PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"


def _student_names(value, prefix):
    if value.isdigit():
        return [f"{prefix}{i}" for i in range(1, int(value) + 1)]
    return [name for name in value.split(",") if name]


def _common(p):
    p.add_argument("--state", default=str(REPO / "hub-state"),
                   help="the hub's folder (default: hub-state/ in the checkout)")


def _setup_args(p):
    p.add_argument("--port", type=int, default=8000, help="the hub's port on 127.0.0.1; the "
                   "hub's own and the proxy's API ports are the next two (default 8000)")
    p.add_argument("--ip", default="127.0.0.1", help="the address the hub listens on "
                   "(default 127.0.0.1: this machine only; see the instructors' page before "
                   "opening it to a network)")
    p.add_argument("--instructor", default="instructor", help="the instructor's user name")
    p.add_argument("--students", default="3", help="how many students (named PREFIX1, "
                   "PREFIX2, ...) or their names, comma-separated (default 3)")
    p.add_argument("--student-prefix", default="student")
    p.add_argument("--existing-users", action="store_true", help="use existing accounts "
                   "(PAM, their own passwords) instead of creating trial users")


def _setup(args):
    hub = state.setup(args.state, args.instructor,
                      _student_names(args.students, args.student_prefix), port=args.port,
                      ip=args.ip, create=not args.existing_users)
    print(f">> hub set up in {hub.state}: instructor {hub.instructor}, "
          f"{len(hub.students)} students; exchange {hub.exchange}; "
          f"the instructor's course {hub.course_dir}")
    if state.passwords(hub.state):
        print(f">> passwords of the trial users: {Path(hub.state) / 'passwords.txt'}")
    return hub


def hub_command(hub):
    """(argv, environment, cwd) of JupyterHub for the set-up ``hub``."""
    if not PROXY.exists():
        raise SystemExit(f"{PROXY} is missing: run `make hub-proxy` (npm ci in course/hub)")
    env = dict(os.environ)
    env["COURSE_HUB_STATE"] = hub.state
    env["PATH"] = os.pathsep.join([hub.venv_bin, env.get("PATH", "")])
    argv = [os.path.join(hub.venv_bin, "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")]
    return view.wrap(argv, hub.state, hub.venv_bin), env, str(Path(hub.state) / "hub")


def _start(hub):
    argv, env, cwd = hub_command(hub)
    print(f">> JupyterHub on {hub.url}/ (Ctrl-C stops it and every user's server)", flush=True)
    os.chdir(cwd)
    os.execvpe(argv[0], argv, env)


def instructor_run(hub, command, check=True, **kwargs):
    """Run ``command`` as the instructor in their course folder (as their JupyterLab would)."""
    argv = ["runuser", "-u", hub.instructor, "--", "env", "-i",
            *[f"{k}={v}" for k, v in hub.instructor_env().items()], *command]
    return subprocess.run(view.wrap(argv, hub.state, hub.venv_bin), cwd=hub.course_dir,
                          check=check, **kwargs)


def grade(hub, assignment, options=(), **kwargs):
    """``course.grading`` over the instructor's ``submitted/`` (as root: the sandbox drops each
    run to a user of its own), then hand every file it wrote to the instructor."""
    course = hub.course_dir
    proc = subprocess.run([sys.executable, "-m", "course.grading", assignment,
                           str(course / "submitted"), "--course-root", str(course), *options],
                          cwd=course, **kwargs)
    uid, gid = users.ids(hub.instructor)
    state._chown_tree(course, uid, gid)
    return proc


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m course.hub", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("up", "setup"):
        _setup_args(sp := sub.add_parser(name))
        _common(sp)
    for name in ("start", "remove-users"):
        _common(sub.add_parser(name))
    _common(sp := sub.add_parser("instructor"))
    sp.add_argument("cmd", nargs=argparse.REMAINDER, help="the command (after --)")
    _common(sp := sub.add_parser("grade"))
    sp.add_argument("assignment")
    sp.add_argument("options", nargs=argparse.REMAINDER, help="course.grading's options")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("python -m course.hub runs as root")
    if args.command in ("up", "setup"):
        hub = _setup(args)
        if args.command == "up":
            _start(hub)
    elif args.command == "start":
        _start(state.Hub.load(args.state))
    elif args.command == "remove-users":
        state.remove_users(args.state)
    elif args.command == "instructor":
        cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        return instructor_run(state.Hub.load(args.state), cmd, check=False).returncode
    elif args.command == "grade":
        options = args.options[1:] if args.options[:1] == ["--"] else args.options
        return grade(state.Hub.load(args.state), args.assignment, options).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
