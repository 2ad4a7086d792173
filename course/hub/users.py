"""System users for a trial of the hub: created with ``useradd``, logged in through PAM.

Only users whose comment (GECOS) field is :data:`course.hub.USER_COMMENT` are ever changed or
removed, so the set-up never touches an account it did not create.
"""
import os
import pwd
import secrets
import signal
import subprocess
import time
from pathlib import Path

from . import USER_COMMENT


def exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def created_here(name):
    """True if ``name`` exists and was created by this set-up (its comment says so)."""
    try:
        return pwd.getpwnam(name).pw_gecos == USER_COMMENT
    except KeyError:
        return False


def home(name):
    return Path(pwd.getpwnam(name).pw_dir)


def ids(name):
    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def create(name):
    """Create ``name`` with a private home (0700) and a random password; return the password."""
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment",
                    USER_COMMENT, name], check=True, capture_output=True, text=True)
    home(name).chmod(0o700)   # Debian's useradd leaves homes world-readable (umask 022)
    password = secrets.token_urlsafe(12)
    set_password(name, password)
    return password


def set_password(name, password):
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", check=True, capture_output=True,
                   text=True)


def processes(uid):
    """Process ids running as ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def stop_processes(uid, timeout=10.0):
    """SIGTERM every process of ``uid`` (its Jupyter server, kernels, terminals), then SIGKILL
    those left after ``timeout`` seconds."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        pids = processes(uid)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while processes(uid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not processes(uid):
            return
    raise RuntimeError(f"processes of uid {uid} survived SIGKILL: {processes(uid)}")


def remove(name):
    """Stop the processes of ``name`` and delete it with its home, if this set-up created it."""
    if not created_here(name):
        return False
    stop_processes(ids(name)[0])
    subprocess.run(["userdel", "--remove", name], check=True, capture_output=True, text=True)
    return True
