"""Run untrusted code in a throw-away bubblewrap sandbox and bring back only bytes.

The sandbox (one per graded task) has:

- no network, no IPC with the host, its own PID namespace (``bwrap --unshare-net --unshare-ipc
  --unshare-pid --unshare-uts --unshare-cgroup``): when its first process exits, or when the
  grader kills it, the kernel kills everything it started (``--die-with-parent`` covers the
  grader dying too);
- a read-only view of the Python installation and ``/usr`` only, plus one read-only job folder
  holding the student's own code and the harness (the plan and the inputs come on standard
  input, after the cells have run: see ``run(send=...)``); no course file (solutions, hidden tests,
  gradebook, other submissions) is mounted;
- a size-limited tmpfs as the only writable place (``/tmp`` and the home folder);
- an unprivileged uid without capabilities and ``no_new_privs``, so that the rlimits apply:
  CPU seconds, address space, number of processes (a fork bomb stops there), file size;
- a wall-clock limit enforced from outside: the grader kills the whole process group;
- where the machine has cgroups (v1), one group per controller for the whole sandbox: memory,
  processes, and CPU (an equal share of the machine and at most ``Limits.cpus`` cores, so that a
  sandbox full of busy processes cannot starve the sandboxes graded beside it), with its CPU
  time measured.

What comes back: the bytes written to file descriptor 3 (the result channel, capped) and the head
of stdout/stderr (capped; a flood past ``log_max`` kills the sandbox). The caller parses the result
as data only (``np.load(..., allow_pickle=False)``).
"""
import fcntl
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .faults import GraderFault

# Where things appear inside the sandbox: an ordinary-looking home folder.
HOME = "/home/student"
JOB = HOME + "/work"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox run."""
    wall_s: float = 30.0              # whole run, killed from outside
    cpu_s: int = 30                   # RLIMIT_CPU per process
    memory_bytes: int = 2 << 30       # RLIMIT_AS per process, and memory cgroup for them all
    nproc: int = 64                   # RLIMIT_NPROC for the sandbox's uid (and pids cgroup)
    file_bytes: int = 16 << 20        # RLIMIT_FSIZE
    scratch_bytes: int = 64 << 20     # size of the tmpfs scratch
    result_bytes: int = 64 << 20      # cap on the result channel
    log_keep: int = 16 << 10          # stdout/stderr bytes kept for the report
    log_max: int = 64 << 20           # stdout/stderr bytes after which the run is killed
    cpus: float = 1.0                 # CPU quota of the whole sandbox (cgroup cpu), in cores


@dataclass
class SandboxResult:
    returncode: int          # of the sandbox (negative: killed by that signal)
    result: bytes            # what the code wrote on fd 3 (b"" if nothing)
    log: str                 # head of stdout + stderr
    killed: str = ""         # "" or why it was stopped: "timeout", "output", "result", "memory"
    seconds: float = 0.0     # wall clock
    cpu_seconds: float = None   # CPU time of all the sandbox's processes (None: no cgroup)


def bwrap_path():
    path = shutil.which("bwrap")
    if path is None:
        raise GraderFault("bubblewrap (bwrap) is not installed: apt-get install -y bubblewrap "
                          "(or `make system-packages`)")
    return path


def interpreter():
    """The Python to start inside the sandbox, by a path that exists there.

    The sandbox mounts the installation's folders where they really are (resolved): a ``.venv``
    that is a symbolic link to another checkout is mounted at the link's target only, so the path
    this process was started by (``sys.executable``) may not exist inside. In a venv the
    interpreter is the venv's own ``bin/python`` under the resolved venv folder, not resolved
    further: that file is usually a link to the base interpreter, and Python finds the venv (its
    ``pyvenv.cfg``, so its packages) only when started through it.
    """
    name = Path(sys.executable).name or "python3"
    if sys.prefix != sys.base_prefix:   # a venv
        path = Path(sys.prefix).resolve() / "bin" / name
        if not os.path.exists(path):
            path = Path(sys.prefix).resolve() / "bin" / "python3"
        return str(path)
    return str(Path(sys.executable).resolve())


def _link_hops(path):
    """Every path met while following ``path``'s final-component links (``path`` first)."""
    hops, seen = [str(path)], set()
    while os.path.islink(hops[-1]) and hops[-1] not in seen and len(hops) < 40:
        seen.add(hops[-1])
        hops.append(os.path.normpath(os.path.join(os.path.dirname(hops[-1]),
                                                  os.readlink(hops[-1]))))
    return hops


def _python_roots():
    """Folders the sandboxed interpreter needs, read-only: the venv and its base installation,
    where they really are, and the folders of every link on the way to the interpreter."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
             Path(sys.executable).resolve().parent.parent}
    roots |= {Path(hop).resolve().parent.parent for hop in _link_hops(interpreter())}
    roots = sorted(str(r) for r in roots if not str(r).startswith("/usr"))
    # a folder inside another is mounted with it
    return [r for r in roots if not any(r.startswith(o + "/") for o in roots if o != r)]


def _symlinks():
    """{link: target} for the folder links on the way to the interpreter (a ``.venv`` that links
    elsewhere, say), recreated inside the sandbox so that the paths the installation names
    itself by exist there too."""
    links = {}
    for path in [sys.prefix, sys.executable, *_link_hops(interpreter())]:
        parts = Path(os.path.abspath(path)).parts
        for i in range(2, len(parts) + 1):
            folder = str(Path(*parts[:i]))
            if folder.startswith("/usr") or folder in ("/bin", "/lib", "/lib64", "/sbin"):
                break
            if os.path.islink(folder) and os.path.isdir(folder):
                links[folder] = os.path.realpath(folder)
                break
    return links


def _dirs_for(path, seen):
    """``--dir`` arguments (mode 0755) for every missing parent of ``path`` inside the sandbox."""
    args = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in seen:
            seen.add(parent)
            args += ["--perms", "0755", "--dir", parent]
    return args


def bwrap_argv(job_dir, argv, limits, uid):
    """The full command line: prlimit, then bwrap, then setpriv dropping to ``uid``."""
    cmd = ["prlimit", f"--cpu={limits.cpu_s}", f"--as={limits.memory_bytes}",
           f"--nproc={limits.nproc}", f"--fsize={limits.file_bytes}", "--core=0", "--",
           bwrap_path(), "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
           "--unshare-cgroup-try", "--die-with-parent", "--new-session",
           "--hostname", "jupyter",
           "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink("/" + name):
            cmd += ["--symlink", os.readlink("/" + name), "/" + name]
    cmd += ["--proc", "/proc", "--dev", "/dev",
            "--perms", "01777", "--size", str(limits.scratch_bytes), "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/home",
            "--perms", "01777", "--size", str(limits.scratch_bytes), "--tmpfs", HOME]
    # The interpreter's folders are bound after the tmpfs mounts, so a venv that lives under
    # /tmp (a clone in /tmp, as CI may make) is not hidden by the scratch /tmp.
    seen = {"/usr", "/tmp", "/home", HOME}
    roots = _python_roots()
    for root in roots:
        cmd += _dirs_for(root, seen) + ["--ro-bind", root, root]
        seen.add(root)
    for link, target in sorted(_symlinks().items()):   # after the binds they may lie in
        if not any(link == r or link.startswith(r + "/") for r in roots + ["/usr"]):
            cmd += _dirs_for(link, seen) + ["--symlink", target, link]
            seen.add(link)
    cmd += ["--ro-bind", str(job_dir), JOB,
            "--chdir", JOB,
            "--clearenv",
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
            "--setenv", "HOME", HOME, "--setenv", "USER", "student", "--setenv", "LANG", "C.UTF-8",
            "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1",
            "--setenv", "MKL_NUM_THREADS", "1", "--setenv", "MPLBACKEND", "Agg",
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return cmd + list(argv)


# Sandbox uids: each process that runs sandboxes claims one of these for its lifetime, with a
# lock file, so that no two concurrent sandboxes on the machine share a uid (RLIMIT_NPROC counts
# per uid, and :func:`_reap` kills by uid), even across separate grading commands.
UID_MIN, UID_MAX = 61000, 69000
_UID = _UID_LOCK = _UID_PID = None


def sandbox_uid():
    """This process's sandbox uid: unprivileged (root is exempt from RLIMIT_NPROC) and its own;
    claimed on first use, and claimed anew in a forked child (the parent keeps its own)."""
    global _UID, _UID_LOCK, _UID_PID
    if _UID is not None and _UID_PID == os.getpid():
        return _UID
    if _UID_LOCK is not None:
        os.close(_UID_LOCK)   # the parent's claim, inherited through fork
    for uid in range(UID_MIN, UID_MAX):
        fd = os.open(os.path.join(tempfile.gettempdir(), f"course-grading-uid-{uid}.lock"),
                     os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _UID, _UID_LOCK, _UID_PID = uid, fd, os.getpid()
        _remove_stale_cgroups(uid)
        return uid
    raise RuntimeError(f"no free sandbox uid in {UID_MIN}-{UID_MAX - 1}")


def _reap(uid, timeout_s=5.0):
    """Kill whatever still runs as ``uid`` and wait until it is gone.

    The kernel kills a PID namespace's processes when its first process dies, but not
    synchronously; this makes "nothing outlives the run" hold when :func:`run` returns.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        left = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid == uid:
                        left.append(int(name))
                except OSError:
                    pass
        if not left or time.monotonic() > deadline:
            return not left
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


CGROUPS = "/sys/fs/cgroup"


# Per-sandbox cgroup v1 groups: memory and pids cap the sandbox as a whole (rlimits cap each
# process only); cpu gives every sandbox the same share of the machine, whatever number of
# processes it starts, and at most ``limits.cpus`` cores (a student who forks busy processes
# slows only their own sandbox); cpuacct measures the CPU time the sandbox used.
CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
CPU_PERIOD_US = 100_000


def _cgroup_settings(controller, limits):
    return {"memory": {"memory.limit_in_bytes": limits.memory_bytes},
            "pids": {"pids.max": limits.nproc},
            "cpu": {"cpu.shares": 1024, "cpu.cfs_period_us": CPU_PERIOD_US,
                    "cpu.cfs_quota_us": max(1000, int(limits.cpus * CPU_PERIOD_US))},
            "cpuacct": {}}[controller]


def _cgroups_create(uid, limits):
    """The sandbox's cgroups (see CONTROLLERS), as folders; a controller the machine does not
    have, or does not let us write, is left out."""
    groups = []
    for controller in CONTROLLERS:
        group = os.path.join(CGROUPS, controller,
                             f"course-grading-{uid}-{os.getpid()}-{time.monotonic_ns()}")
        try:
            os.mkdir(group)
        except OSError:
            continue
        groups.append(group)
        try:
            for name, value in _cgroup_settings(controller, limits).items():
                with open(os.path.join(group, name), "w") as f:
                    f.write(str(value))
        except OSError:
            _cgroups_remove([groups.pop()])
    return groups


def _remove_stale_cgroups(uid):
    """Remove the empty cgroups a killed process that held ``uid`` before left behind."""
    for controller in CONTROLLERS:
        try:
            names = os.listdir(os.path.join(CGROUPS, controller))
        except OSError:
            continue
        for name in names:
            if name.startswith(f"course-grading-{uid}-"):
                try:
                    os.rmdir(os.path.join(CGROUPS, controller, name))
                except OSError:
                    pass


def _cgroups_remove(groups):
    """Remove the (now empty) groups; return (whether the memory group's OOM killer had to act,
    the CPU seconds the cpuacct group counted or None)."""
    oom, cpu_seconds = False, None
    for group in groups:
        controller = group.split(os.sep)[-2]
        try:
            if controller == "memory":
                with open(os.path.join(group, "memory.oom_control")) as f:
                    oom = any(line.split()[0] == "oom_kill" and int(line.split()[1]) > 0
                              for line in f if line.strip())
            elif controller == "cpuacct":
                with open(os.path.join(group, "cpuacct.usage")) as f:
                    cpu_seconds = int(f.read()) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        for _ in range(100):   # empty once the kernel has finished tearing the sandbox down
            try:
                os.rmdir(group)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.01)
    return oom, cpu_seconds


def run(job_dir, argv, limits=Limits(), uid=None, send=None):
    """Run ``argv`` inside a fresh sandbox that sees ``job_dir`` read-only; return a SandboxResult.

    ``{RESULT_FD}`` in ``argv`` is replaced by the number of the result channel's descriptor.
    ``send`` = (marker, data): ``data`` is written to the sandbox's standard input once the result
    channel has carried ``marker`` (then standard input is closed); until then nothing is sent,
    so what the code inside did before it wrote the marker never saw ``data``.

    Never raises because of what the code inside does; the sandbox and everything it started
    are gone when this returns.
    """
    os.chmod(job_dir, 0o755)
    uid = sandbox_uid() if uid is None else uid
    read_end, write_end = os.pipe()
    start = time.monotonic()
    argv = [a.replace("{RESULT_FD}", str(write_end)) for a in argv]
    groups = _cgroups_create(uid, limits)
    command = bwrap_argv(job_dir, argv, limits, uid)
    if groups:   # join the cgroups, then become the sandbox (same pid)
        command = ["sh", "-c", "".join(f'echo $$ > {g}/cgroup.procs && ' for g in groups)
                   + 'exec "$@"', "sh"] + command
    proc = subprocess.Popen(command, stdin=subprocess.PIPE if send else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            pass_fds=(write_end,), start_new_session=True,
                            env={"PATH": "/usr/bin:/bin"})
    os.close(write_end)
    result, log = bytearray(), bytearray()
    log_seen, killed = 0, ""
    sel = selectors.DefaultSelector()
    sel.register(read_end, selectors.EVENT_READ, "result")
    sel.register(proc.stdout.fileno(), selectors.EVENT_READ, "log")
    open_streams = 2
    to_send = None   # the part of send's data not written yet, once the marker has come
    if send:
        os.set_blocking(proc.stdin.fileno(), False)
    try:
        while open_streams:
            left = limits.wall_s - (time.monotonic() - start)
            if left <= 0:
                killed = "timeout"
                break
            for key, _ in sel.select(timeout=min(left, 1.0)):
                if key.data == "send":
                    try:
                        to_send = to_send[os.write(key.fd, to_send[:1 << 16]):]
                    except BlockingIOError:
                        pass
                    except BrokenPipeError:   # nothing reads it any more
                        to_send = b""
                    if not to_send:
                        sel.unregister(key.fd)
                        proc.stdin.close()
                    continue
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fd)
                    open_streams -= 1
                elif key.data == "result":
                    result += chunk
                    if len(result) > limits.result_bytes:
                        killed = "result"
                    elif send and to_send is None and send[0] in result[
                            -len(chunk) - len(send[0]):]:
                        to_send = memoryview(send[1])
                        sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "send")
                else:
                    log_seen += len(chunk)
                    if len(log) < limits.log_keep:
                        log += chunk[:limits.log_keep - len(log)]
                    if log_seen > limits.log_max:
                        killed = "output"
            if killed:
                break
        if not killed:
            left = max(0.1, limits.wall_s - (time.monotonic() - start))
            try:
                proc.wait(timeout=left)
            except subprocess.TimeoutExpired:
                killed = "timeout"
    finally:
        if killed or proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        sel.close()
        os.close(read_end)
        proc.stdout.close()
        if proc.stdin and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass
        _reap(uid)
        oom, cpu_seconds = _cgroups_remove(groups)
        if oom and not killed:
            killed = "memory"
    return SandboxResult(returncode=proc.returncode, result=bytes(result),
                         log=log.decode("utf-8", "replace"), killed=killed,
                         seconds=time.monotonic() - start, cpu_seconds=cpu_seconds)
