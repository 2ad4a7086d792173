"""The hub's folder (``STATE``, ``make hub HUB_STATE=...``) and what the set-up puts in it.

::

    STATE/hub.json          what the hub serves: ports, instructor, students, paths (read by
                            course/hub/jupyterhub_config.py)
    STATE/passwords.txt     passwords of the users the set-up created (0600, root only)
    STATE/hub/              JupyterHub's database, cookie secret and log (0700, root only)
    STATE/exchange/         nbgrader's exchange, shared by everyone (1777, as nbgrader asks;
                            nbgrader itself makes the course's inbound folder unlistable)
    STATE/jupyter/          configuration every user's Jupyter reads (0755): nbgrader's course id
                            and exchange (nbgrader_config.json), the terminals' bashrc
"""
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from . import COURSE_FOLDER, HERE, REPO, users

COURSE_FILES = ("nbgrader_config.py", "solutions", "assignments")


def course_id(repo=REPO):
    """The course id that ``nbgrader_config.py`` sets (``CourseDirectory.course_id``)."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(repo)).load_config()
    value = config.CourseDirectory.get("course_id")
    if not value:
        raise SystemExit(f"{repo / 'nbgrader_config.py'} sets no CourseDirectory.course_id")
    return value


@dataclass
class Hub:
    state: str
    instructor: str
    students: list
    port: int = 8000
    hub_port: int = 8001
    proxy_api_port: int = 8002
    ip: str = "127.0.0.1"
    course_id: str = ""
    venv_bin: str = ""
    repo: str = str(REPO)
    created: list = field(default_factory=list)   # users this set-up created (to remove)

    @property
    def path(self):
        return Path(self.state)

    @property
    def exchange(self):
        return self.path / "exchange"

    @property
    def config_dir(self):
        return self.path / "jupyter"

    @property
    def course_dir(self):
        """The instructor's course folder (the formgrader's course)."""
        return users.home(self.instructor) / COURSE_FOLDER

    @property
    def url(self):
        return f"http://{self.ip}:{self.port}"

    def save(self):
        (self.path / "hub.json").write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, state):
        path = Path(state) / "hub.json"
        if not path.exists():
            raise SystemExit(f"no hub set up in {state} (run `python -m course.hub setup`)")
        return cls(**json.loads(path.read_text()))

    def instructor_env(self):
        """The environment the instructor's commands run with (as in their JupyterLab)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL"))}
        home = users.home(self.instructor)
        env.update(HOME=str(home), USER=self.instructor, LOGNAME=self.instructor,
                   PATH=os.pathsep.join([self.venv_bin, "/usr/local/bin:/usr/bin:/bin"]),
                   JUPYTER_CONFIG_PATH=os.pathsep.join([str(HERE / "everyone_config"),
                                                        str(self.config_dir)]))
        return env


def _passwords(state):
    path = Path(state) / "passwords.txt"
    if not path.exists():
        return {}
    return dict(line.split(":", 1) for line in path.read_text().split() if ":" in line)


def _save_passwords(state, passwords):
    path = Path(state) / "passwords.txt"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text("".join(f"{u}:{p}\n" for u, p in sorted(passwords.items())))


def passwords(state):
    """{user: password} of the users the set-up created."""
    return _passwords(state)


def _mkdir(path, mode):
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)


def _chown_tree(path, uid, gid):
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def _instructor_course(hub, repo):
    """Copy the course into the instructor's home (once) and point their formgrader at it."""
    home = users.home(hub.instructor)
    uid, gid = users.ids(hub.instructor)
    course = home / COURSE_FOLDER
    if not course.exists():
        course.mkdir(mode=0o700)
        for name in COURSE_FILES:
            src = Path(repo) / name
            if src.is_dir():
                shutil.copytree(src, course / name)
            else:
                shutil.copy2(src, course / name)
        _chown_tree(course, uid, gid)
    course.chmod(0o700)
    jupyter = home / ".jupyter"
    config = jupyter / "nbgrader_config.py"
    if not config.exists():
        jupyter.mkdir(exist_ok=True)
        # nbgrader's formgrader reads the configuration of the server's folder (the home) and
        # of the Jupyter config path: load the course's own file from there.
        config.write_text("# written by course/hub: the formgrader opens the course in "
                          f"~/{COURSE_FOLDER}\n"
                          "c = get_config()  # noqa: F821\n"
                          f"load_subconfig({str(course / 'nbgrader_config.py')!r})  # noqa: F821\n")
        _chown_tree(jupyter, uid, gid)


def close_solutions(repo=REPO):
    """Make the checkout's ``solutions/`` readable by root only (the hub's users see the
    checkout: its environment, ``rnnlib``); returns the mode it had."""
    solutions = Path(repo) / "solutions"
    before = solutions.stat().st_mode & 0o7777
    solutions.chmod(0o700)
    return before


def setup(state, instructor, students, port=8000, hub_port=None, proxy_api_port=None,
          ip="127.0.0.1", create=True, repo=REPO, log=print):
    """Prepare ``state``, the users and the instructor's course; return the :class:`Hub`."""
    if os.geteuid() != 0:
        raise SystemExit("the hub's set-up runs as root (it creates users; JupyterHub starts "
                         "each user's server as that user)")
    state = Path(state).resolve()
    _mkdir(state, 0o755)
    _mkdir(state / "hub", 0o700)
    _mkdir(state / "exchange", 0o1777)
    _mkdir(state / "jupyter", 0o755)
    previous = Hub.load(state).created if (state / "hub.json").exists() else []

    secrets = _passwords(state)
    created = list(previous)
    for name in [instructor, *students]:
        if users.exists(name):
            if create and not users.created_here(name):
                raise SystemExit(f"user {name!r} exists and was not created by this set-up: "
                                 "name other users, or pass --existing-users to use accounts "
                                 "you manage yourself (they log in with their own password)")
            continue
        if not create:
            raise SystemExit(f"no user {name!r} (leave out --existing-users to create it)")
        secrets[name] = users.create(name)
        created.append(name)
        log(f">> created user {name}")
    _save_passwords(state, secrets)

    hub = Hub(state=str(state), instructor=instructor, students=list(students), port=port,
              hub_port=hub_port or port + 1, proxy_api_port=proxy_api_port or port + 2, ip=ip,
              course_id=course_id(repo), venv_bin=str(Path(sys.executable).parent),
              repo=str(repo), created=created)
    (hub.config_dir / "nbgrader_config.json").write_text(json.dumps(
        {"CourseDirectory": {"course_id": hub.course_id},
         "Exchange": {"root": str(hub.exchange)}}, indent=1) + "\n")
    (hub.config_dir / "bashrc").write_text(
        "# JupyterLab's terminals on the course's hub (course/hub): the course's environment\n"
        "[ -f ~/.bashrc ] && . ~/.bashrc\n"
        f"export PATH={hub.venv_bin}:$PATH\n")
    for path in hub.config_dir.iterdir():
        path.chmod(0o644)
    _instructor_course(hub, repo)
    close_solutions(repo)
    hub.save()
    return hub


def remove_users(state, log=print):
    """Stop and delete every user the set-up created (never another account)."""
    hub = Hub.load(state)
    for name in hub.created:
        if users.remove(name):
            log(f">> removed user {name}")
    hub.created = []
    hub.save()
    path = Path(state) / "passwords.txt"
    if path.exists():
        path.unlink()


