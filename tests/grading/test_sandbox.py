"""The sandbox on its own: what code inside can see, write, reach and leave behind."""
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from course.grading import sandbox
from course.grading.sandbox import Limits

pytestmark = pytest.mark.xdist_group("grading-sandbox")

REPO = Path(__file__).resolve().parents[2]

PROBE = r'''
import json, os, socket, sys
report = {"uid": os.getuid(), "cwd": os.getcwd(), "files": sorted(os.listdir(".")),
          "env": sorted(os.environ), "root": sorted(os.listdir("/"))}
report["repo"] = sorted(os.listdir(REPO)) if os.path.isdir(REPO) else []   # the venv lives there
for name, path in [("home", os.path.expanduser("~/note")), ("tmp", "/tmp/note"),
                   ("job", "probe_out"), ("usr", "/usr/note")]:
    try:
        open(path, "w").write("x")
        report["write_" + name] = True
    except OSError:
        report["write_" + name] = False
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    report["net"] = True
except OSError:
    report["net"] = False
try:
    import rnnlib
    report["rnnlib"] = True
except ImportError:
    report["rnnlib"] = False
os.write(int(sys.argv[1]), json.dumps(report).encode())
'''


def _run(tmp_path, code, limits=Limits(wall_s=10), args=("{RESULT_FD}",)):
    job = tmp_path / "job"
    job.mkdir()
    (job / "probe.py").write_text(code)
    (job / "probe.py").chmod(0o644)
    return sandbox.run(job, [sys.executable, "probe.py", *args], limits)


def test_sees_only_its_job_writes_only_scratch_no_network(tmp_path):
    run = _run(tmp_path, f"REPO = {str(REPO)!r}\n" + PROBE)
    assert run.returncode == 0, run.log
    report = json.loads(run.result)
    assert sandbox.UID_MIN <= report["uid"] < sandbox.UID_MAX   # never root
    assert report["files"] == ["probe.py"]
    assert set(report["repo"]) <= {".venv"} and not report["rnnlib"]   # no solutions, no rnnlib
    assert report["write_home"] and report["write_tmp"]
    assert not report["write_job"] and not report["write_usr"]
    assert not report["net"]
    assert set(report["env"]) <= {"PATH", "HOME", "USER", "LANG", "OPENBLAS_NUM_THREADS",
                                  "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND",
                                  "LC_CTYPE", "PWD"}
    assert not any("grad" in name.lower() or "sandbox" in name.lower() for name in report["env"])


def test_wall_clock_kills_the_whole_tree(tmp_path):
    token = random.randrange(100000, 900000)
    code = ("import subprocess, time\n"
            f"subprocess.Popen(['sleep', '{token}'])\n"
            "while True:\n    pass\n")
    run = _run(tmp_path, code, Limits(wall_s=2), args=())
    assert run.killed == "timeout"   # its outcome; no test asserts on a measured wall time
    ps = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout
    assert f"sleep {token}" not in [line.strip() for line in ps.splitlines()]


def test_scratch_and_file_size_are_limited(tmp_path):
    code = ("import os, sys\n"
            "try:\n    open('/tmp/big', 'wb').write(b'x' * (8 << 20))\n    r = 'wrote'\n"
            "except OSError as e:\n    r = type(e).__name__\n"
            "os.write(int(sys.argv[1]), r.encode())\n")
    run = _run(tmp_path, code, Limits(wall_s=10, scratch_bytes=4 << 20))
    assert run.result == b"OSError"


def test_output_flood_is_cut(tmp_path):
    run = _run(tmp_path, "while True:\n    print('x' * 10000)\n",
               Limits(wall_s=10, log_max=1 << 20), args=())
    assert run.killed == "output" and len(run.log) <= Limits().log_keep


def test_memory_is_capped_for_all_processes_together(tmp_path):
    """Four processes of 200 MiB each pass the per-process limit, not the sandbox's 256 MiB."""
    code = ("import os, time\n"
            "for i in range(4):\n"
            "    if os.fork() == 0:\n"
            "        block = bytearray(200 << 20)   # zero-filled, so really used\n"
            "        time.sleep(5)\n"
            "        os._exit(0)\n"
            "for i in range(4):\n    os.wait()\n")
    assert os.access(sandbox.CGROUPS + "/memory", os.W_OK), "cgroup v1 memory is not writable"
    run = _run(tmp_path, code, Limits(wall_s=20, memory_bytes=256 << 20), args=())
    assert run.killed == "memory"


def test_interpreter_under_tmp_is_bound_after_the_scratch_tmpfs(monkeypatch, tmp_path):
    """A clone in /tmp has its venv under /tmp: the scratch tmpfs must not hide it."""
    monkeypatch.setattr(sandbox, "_python_roots", lambda: ["/tmp/clone/.venv", "/opt/python"])
    argv = sandbox.bwrap_argv(tmp_path, ["python", "-c", "pass"], Limits(), 61000)
    tmpfs_tmp = next(i for i in range(len(argv) - 1) if argv[i:i + 2] == ["--tmpfs", "/tmp"])
    venv_bind = argv.index("/tmp/clone/.venv")
    assert argv[venv_bind - 1] == "--ro-bind" and venv_bind > tmpfs_tmp


def test_interpreter_is_the_venvs_own_python_under_the_resolved_venv():
    """The venv's bin/python is a link to the base interpreter: started through the resolved
    link target Python would not find the venv (no NumPy); started by an unresolved path of a
    symlinked .venv it would not exist in the sandbox."""
    python = sandbox.interpreter()
    assert python == str(Path(sys.prefix).resolve() / "bin" / Path(sys.executable).name)
    if sys.prefix != sys.base_prefix and os.path.islink(python):
        assert not Path(os.path.realpath(python)).is_relative_to(Path(sys.prefix).resolve())


NUMPY_PROBE = ("import os, sys, numpy\n"
               "os.write(int(sys.argv[1]), (sys.prefix + ' ' + numpy.__version__).encode())\n")


def test_symlinked_venv_runs_the_sandbox_with_its_packages(tmp_path):
    """A clone whose .venv is a symbolic link to another checkout's (issue 14): the sandbox,
    started from that link, runs Python with the venv's packages."""
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / ".venv").symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    job = tmp_path / "job"
    job.mkdir()
    (job / "probe.py").write_text(NUMPY_PROBE)
    code = ("import sys\nfrom course.grading import sandbox\n"
            f"run = sandbox.run({str(job)!r}, [sandbox.interpreter(), 'probe.py', '{{RESULT_FD}}'],"
            " sandbox.Limits(wall_s=20))\n"
            "print(run.returncode, run.result.decode(), run.log)\n")
    python = clone / ".venv" / "bin" / Path(sys.executable).name
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    import numpy
    assert proc.stdout.split()[:3] == ["0", str(Path(sys.prefix).resolve()), numpy.__version__], \
        proc.stdout
