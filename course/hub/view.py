"""Let the hub's users run the course's Python when it is installed under a private folder.

Every user's server, kernel and terminal runs the course's environment (``.venv``), whose
interpreter is the Python it was made from. When that Python lives in a folder other users
cannot enter (pyenv or conda under ``/root``, mode 0700), their servers cannot start. Then the
hub and the instructor's commands run in a mount namespace of their own (``unshare --mount``,
private propagation: nothing changes outside it) where each such folder is covered by an empty
tmpfs (mode 0711) holding only, bind-mounted, what the course needs from it (the Python
installation; the checkout and the hub's folder if they are in there too). Users see nothing else of that folder; on a machine whose Python is in
``/usr`` or ``/opt`` no namespace is made.
"""
import shlex
import stat
import sys
from pathlib import Path

from . import REPO


def needed_paths(state, venv_bin=None):
    """The folders every user must be able to reach: the interpreter's installation, the
    environment, the checkout (rnnlib, the hub's configuration), the hub's folder (exchange)."""
    venv = Path(venv_bin).parent if venv_bin else Path(sys.prefix)
    python = (venv / "bin" / "python").resolve()
    return [python.parent.parent, venv, REPO, Path(state).resolve()]


def blocked(path):
    """The first folder above ``path`` (itself included) that others cannot enter, or None."""
    current = Path("/")
    for part in Path(path).parts[1:]:
        current = current / part
        try:
            mode = current.stat().st_mode
        except OSError:
            return None
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return current
    return None


def covers(state, venv_bin=None):
    """[(private folder, path to expose inside it)] for the paths users cannot reach."""
    found = []
    for path in needed_paths(state, venv_bin):
        top = blocked(path)
        if top is not None and top != path:
            found.append((top, path))
    return found


def wrap(argv, state, venv_bin=None):
    """``argv`` run (as root) in a mount namespace where the users can reach the course's
    Python; ``argv`` itself when they already can."""
    found = covers(state, venv_bin)
    if not found:
        return list(argv)
    q = shlex.quote
    lines = ["set -e", "held=$(mktemp -d /tmp/course-hub-view.XXXXXX)"]
    for i, (_, path) in enumerate(found):   # hold each path before its folder is covered
        lines += [f"mkdir $held/{i}", f"mount --bind {q(str(path))} $held/{i}"]
    for top in dict.fromkeys(top for top, _ in found):
        lines.append(f"mount -t tmpfs -o mode=0711,size=4m course-hub-view {q(str(top))}")
    for i, (_, path) in enumerate(found):
        lines += [f"mkdir -p {q(str(path))}", f"mount --bind $held/{i} {q(str(path))}",
                  f"umount $held/{i}", f"rmdir $held/{i}"]
    lines += ["rmdir $held", 'exec "$@"']
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
            "\n".join(lines), "course-hub-view", *argv]
