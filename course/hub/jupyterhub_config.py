"""JupyterHub's configuration for the course (JupyterHub 6, started by ``python -m course.hub``).

Everything it serves is read from ``$COURSE_HUB_STATE/hub.json`` (written by the set-up):

- the hub and its proxy (configurable-http-proxy from ``course/hub/node_modules``) listen on
  127.0.0.1 only (the public port, the hub's own port and the proxy's API port);
- users log in with their system password (PAM); only the course's instructor and students are
  allowed; none is a hub administrator;
- each user's JupyterLab (``jupyterhub-singleuser`` from the course's environment) runs as that
  user in their home; students' Jupyter reads ``course/hub/student_config`` first (the formgrader
  and Create Assignment disabled), everyone reads ``course/hub/everyone_config`` (JupyterLab's
  news announcements off: they would ask to reach the internet) and ``STATE/jupyter`` (nbgrader's
  course id and exchange); terminals get the course's environment on PATH.
"""
import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 (injected by traitlets)

STATE = Path(os.environ["COURSE_HUB_STATE"])
HERE = Path(__file__).resolve().parent
hub = json.loads((STATE / "hub.json").read_text())
students, instructor = set(hub["students"]), hub["instructor"]
config_dir = STATE / "jupyter"

c.JupyterHub.ip = hub["ip"]
c.JupyterHub.port = hub["port"]
c.JupyterHub.hub_ip = "127.0.0.1"   # the hub and the proxy's API: this machine only
c.JupyterHub.hub_port = hub["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "hub" / "jupyterhub_cookie_secret")
c.JupyterHub.proxy_class = "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "hub" / "proxy.pid")

c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False   # no login sessions (utmp, systemd) for web logins
c.Authenticator.allowed_users = students | {instructor}
c.Authenticator.admin_users = set()
c.JupyterHub.load_groups = {"instructors": {"users": [instructor]},
                            "students": {"users": sorted(students)}}

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(hub["venv_bin"], "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# a shared 2-core machine can take a minute to start a server that imports JupyterLab
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
terminals = {"shell_command": ["/bin/bash", "--rcfile", str(config_dir / "bashrc"), "-i"]}
c.Spawner.args = [f"--ServerApp.terminado_settings={json.dumps(terminals)}"]


def pre_spawn_hook(spawner):
    """Students' servers without the instructor's tools; everyone's with the course's settings."""
    name = spawner.user.name
    paths = [str(HERE / "everyone_config"), str(config_dir)]
    if name in students:
        paths.insert(0, str(HERE / "student_config"))
    spawner.environment = {
        **spawner.environment,
        "JUPYTER_CONFIG_PATH": os.pathsep.join(paths),
        "PATH": os.pathsep.join([hub["venv_bin"], "/usr/local/bin:/usr/bin:/bin"]),
        "SHELL": "/bin/bash",
    }


c.Spawner.pre_spawn_hook = pre_spawn_hook

# A real server's own settings (TLS, another authenticator, limits) go in
# STATE/jupyterhub_config_local.py, read last, so that this file stays as the course ships it.
local = STATE / "jupyterhub_config_local.py"
if local.exists():
    load_subconfig(str(local))  # noqa: F821 (injected by traitlets)
