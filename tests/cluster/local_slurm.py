"""A real Slurm cluster on this machine, in a folder of its own, for tests and benchmarks.

Debian's ``slurm-wlm`` (22.05) and ``munge``, as root, without systemd: ``munged`` with its own
key and socket, ``slurmctld`` and one ``slurmd`` per node (``slurmd -N``: several nodes on one
host, each with its own port and CPU count), all on 127.0.0.1 and free ports, configured by
:meth:`LocalSlurm.start` (the configuration of ``/work/helpers/SLURM_NOTES.md``). Client commands
(``sbatch``, ``squeue``, ``scontrol``, ``scancel``) find it through ``SLURM_CONF`` in
:meth:`LocalSlurm.env`. :meth:`LocalSlurm.stop` cancels every job and stops every daemon it
started, by process id.
"""
import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.ports import free_ports

COMMANDS = ("munged", "slurmctld", "slurmd", "sbatch")


def missing_commands():
    """The Slurm and munge commands this machine lacks (``make system-packages`` installs them:
    slurm-wlm and munge are in the Makefile's DEBIAN_CHECKS)."""
    return [c for c in COMMANDS if not shutil.which(c) and not Path("/usr/sbin", c).exists()]


def _sbin(name):
    return shutil.which(name) or f"/usr/sbin/{name}"


class LocalSlurm:
    """``nodes``: [(name, cpus), ...], e.g. [("node1", 2)] or [("node1", 1), ("node2", 1)]."""

    def __init__(self, folder, nodes=(("node1", 2),)):
        self.dir = Path(folder)
        self.nodes = list(nodes)
        self.procs = []

    def env(self):
        env = dict(os.environ)
        env["SLURM_CONF"] = str(self.dir / "slurm.conf")
        return env

    def _write_config(self):
        d = self.dir
        ctld, slurmd, *node_ports = free_ports(2 + len(self.nodes))
        lines = [
            "ClusterName=course",
            "SlurmctldHost=localhost(127.0.0.1)",
            f"SlurmctldPort={ctld}", f"SlurmdPort={slurmd}",
            "AuthType=auth/munge", f"AuthInfo=socket={d / 'munge' / 'munge.sock'}",
            "CryptoType=crypto/munge",
            "SlurmUser=root", "SlurmdUser=root",
            f"StateSaveLocation={d / 'state'}", f"SlurmdSpoolDir={d / 'spool'}/%n",
            f"SlurmctldPidFile={d / 'slurmctld.pid'}", f"SlurmdPidFile={d / 'slurmd-%n.pid'}",
            f"SlurmctldLogFile={d / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={d / 'log' / 'slurmd-%n.log'}",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none", "MpiDefault=none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core",
            "ReturnToService=2", "KillWait=5", "MinJobAge=600",
        ]
        for (name, cpus), port in zip(self.nodes, node_ports):
            lines.append(f"NodeName={name} NodeHostname=localhost NodeAddr=127.0.0.1 "
                         f"Port={port} CPUs={cpus} State=UNKNOWN")
        names = ",".join(name for name, _ in self.nodes)
        lines.append(f"PartitionName=course Nodes={names} Default=YES MaxTime=INFINITE "
                     "State=UP")
        (d / "slurm.conf").write_text("\n".join(lines) + "\n")

    def _daemon(self, argv):
        log = open(self.dir / "log" / f"{Path(argv[0]).name}-{len(self.procs)}.out", "w")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env(),
                                start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def start(self, timeout=60):
        d = self.dir
        for sub in ("munge", "state", "log", *(f"spool/{n}" for n, _ in self.nodes)):
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / "munge").chmod(0o700)
        key = d / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self._write_config()
        m = d / "munge"
        self._daemon([_sbin("munged"), "--foreground", "--force",
                      f"--key-file={key}", f"--socket={m / 'munge.sock'}",
                      f"--pid-file={m / 'munged.pid'}", f"--log-file={m / 'munged.log'}",
                      f"--seed-file={m / 'munged.seed'}"])
        self._wait(lambda: (m / "munge.sock").exists(), timeout, "munged's socket")
        conf = str(d / "slurm.conf")
        self._daemon([_sbin("slurmctld"), "-D", "-f", conf])
        self._wait(lambda: self._ok("scontrol", "ping"), timeout, "slurmctld answering ping")
        for name, _ in self.nodes:
            self._daemon([_sbin("slurmd"), "-D", "-f", conf, "-N", name])
        self._wait(self._nodes_idle, timeout, "every node idle")
        return self

    def _ok(self, *args):
        proc = subprocess.run(args, env=self.env(), capture_output=True, text=True)
        return proc.returncode == 0 and "DOWN" not in proc.stdout

    def _nodes_idle(self):
        out = self.run("sinfo", "-h", "-N", "-o", "%N %t").stdout.split()
        states = dict(zip(out[::2], out[1::2]))
        return all(states.get(name) == "idle" for name, _ in self.nodes)

    def _wait(self, ready, timeout, what):
        deadline = time.monotonic() + timeout
        while not ready():
            dead = [p.args[0] for p in self.procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"Slurm did not come up ({what}); exited: {dead}\n"
                                   f"{self.logs(2000)}")
            time.sleep(0.2)

    def logs(self, tail=3000):
        """The end of every daemon's log (slurmctld, each slurmd, munged): why a job could not
        start, or was ended by the cluster rather than by its own command."""
        files = [*sorted((self.dir / "log").glob("*")), self.dir / "munge" / "munged.log"]
        return "\n".join(f"== {p}\n{p.read_text(errors='replace')[-tail:]}"
                         for p in files if p.is_file())

    def run(self, *args, check=False, **kwargs):
        return subprocess.run(args, env=self.env(), capture_output=True, text=True,
                              check=check, **kwargs)

    def tasks(self, job_id):
        """{array task id (or None): (state, exit code)} of a job, from ``scontrol show job``."""
        out = self.run("scontrol", "-o", "show", "job", str(job_id)).stdout
        found = {}
        for line in out.splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            task = fields.get("ArrayTaskId")
            found[int(task) if task and task.isdigit() else task] = (
                fields.get("JobState"), fields.get("ExitCode"))
        return found

    def wait_idle(self, timeout):
        """Wait until no job is pending or running."""
        deadline = time.monotonic() + timeout
        while self.run("squeue", "-h").stdout.strip():
            if time.monotonic() > deadline:
                raise TimeoutError(self.run("squeue").stdout)
            time.sleep(0.5)

    def stop(self):
        """Cancel every job, then stop slurmd(s), slurmctld and munged (the processes started
        here, by id); wait for each."""
        if any(p.poll() is None for p in self.procs):
            self.run("scancel", "--full", "--user=root")
            try:
                self.wait_idle(30)
            except (TimeoutError, OSError):
                pass
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self.procs = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
