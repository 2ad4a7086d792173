"""The numbers an instructor asks for: release to feedback, and grading throughput (issue 15).

    .venv/bin/python benchmarks/bench_term.py [--n 20] [--no-slurm]     (as root)

1. **Release to feedback** for ``--n`` simulated students on this machine, through the course's
   hub set-up (``course.hub``: real system users, nbgrader's exchange, the instructor's course
   copy): the instructor releases assignment 1 (``nbgrader release_assignment``, as the
   instructor); each student fetches it and submits an answered notebook through nbgrader's
   exchange API, as their JupyterLab's Assignment List does, running as that user; the
   instructor collects (``nbgrader collect``); ``python -m course.hub grade`` grades (sandboxed,
   every core); the instructor releases the feedback (``nbgrader release_feedback``); each
   student fetches it. Every phase is timed. The browsers are left out (``tests/hub`` drives
   two of them): they add a person's time, not the machine's.
2. **Grading throughput**, the same ``--n`` submissions graded from scratch: through the hub's
   path (``course.hub grade`` on this machine, SQLite, 1 and 2 workers) and through Slurm with
   1 and 2 nodes' worth of CPUs (a one-node cluster of 1 CPU, then two nodes of 1 CPU each, on
   this machine: ``tests/cluster/local_slurm.py``), the instructors' page's job array of 4
   shards into a private PostgreSQL gradebook.
3. **A 500-student class**: the arithmetic from those rates, printed with its assumptions.

The grader writes the feedback in nbgrader's layout (``COURSE/feedback/<student>/<assignment>/``),
which ``nbgrader release_feedback`` reads as it is. Nothing here asserts a time; rerun on a quiet
machine before relying on a number (the load average is printed).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from course.hub import state, users, view  # noqa: E402
from course.hub.__main__ import grade, instructor_run  # noqa: E402
from tests.cluster.class_of import ASSIGNMENT as A, NOTEBOOK as NB  # noqa: E402
from tests.cluster.class_of import course_folder, write_class  # noqa: E402
from tests.cluster.local_postgres import postgres  # noqa: E402
from tests.cluster.local_slurm import LocalSlurm, missing_commands  # noqa: E402
from tests.cluster.recipe import recipe_for, submit  # noqa: E402


def load():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def as_user(name, fn, *args):
    """Run ``fn(*args)`` in a child process that is ``name`` (its uid, groups, home)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            uid, gid = users.ids(name)
            home = users.home(name)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            os.environ.update(HOME=str(home), USER=name, LOGNAME=name)
            os.chdir(home)
            fn(*args)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{name}: {fn.__name__} failed")


def _exchange(hub):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    config = Config()
    config.CourseDirectory.course_id = hub.course_id
    config.CourseDirectory.assignment_id = A
    config.Exchange.root = str(hub.exchange)
    config.Exchange.cache = os.path.join(os.environ["HOME"], ".nbgrader_cache")
    config.Exchange.assignment_dir = os.environ["HOME"]
    return dict(coursedir=CourseDirectory(config=config),
                authenticator=Authenticator(config=config), config=config)


def fetch_and_submit(hub, answered):
    """What a student's Assignment List does: Fetch, (the student answers), Submit."""
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
    ExchangeFetchAssignment(**_exchange(hub)).start()
    Path(os.environ["HOME"], A, NB).write_text(answered)
    ExchangeSubmit(**_exchange(hub)).start()


def fetch_feedback(hub):
    from nbgrader.exchange.default import ExchangeFetchFeedback
    ExchangeFetchFeedback(**_exchange(hub)).start()
    assert list(Path(os.environ["HOME"], A, "feedback").glob(f"*/{Path(NB).stem}.html"))


def timed(label, rows, fn, *args, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    rows.append((label, time.monotonic() - start))
    print(f"  {label}: {rows[-1][1]:.1f} s", flush=True)
    return result


def checked(proc):
    if proc.returncode != 0:
        raise RuntimeError(f"{proc.args}:\n{proc.stdout}{proc.stderr}")
    return proc


def release_to_feedback(hub, n, work):
    """Phases of one round for ``n`` students; returns [(phase, seconds)]."""
    write_class(work / "answers", n)   # the answered notebooks, one per student index
    answers = sorted((work / "answers").glob(f"*/{A}/{NB}"))
    rows, quiet = [], dict(capture_output=True, text=True, check=False)
    timed("release (nbgrader release_assignment)", rows,
          lambda: checked(instructor_run(hub, ["nbgrader", "release_assignment", A], **quiet)))
    timed(f"{n} students fetch and submit (exchange, as each user)", rows, lambda: [
        as_user(name, fetch_and_submit, hub, answers[i].read_text())
        for i, name in enumerate(hub.students)])
    timed("collect (nbgrader collect)", rows,
          lambda: checked(instructor_run(hub, ["nbgrader", "collect", A], **quiet)))
    timed("grade (course.hub grade, every core)", rows,
          lambda: checked(grade(hub, A, [], capture_output=True, text=True)))
    timed("release feedback (nbgrader release_feedback)", rows,
          lambda: checked(instructor_run(hub, ["nbgrader", "release_feedback", A], **quiet)))
    timed(f"{n} students fetch feedback", rows,
          lambda: [as_user(name, fetch_feedback, hub) for name in hub.students])
    return rows


def hub_throughput(hub, n, workers):
    start = time.monotonic()
    checked(grade(hub, A, ["--workers", str(workers), "--force"], capture_output=True,
                  text=True))
    return time.monotonic() - start


def slurm_throughput(work, submitted, nodes, db_url, shards=4):
    course = course_folder(work / f"course-{len(nodes)}")
    shutil.copytree(submitted, course / "submitted")
    with LocalSlurm(work / f"slurm-{len(nodes)}", nodes=nodes) as cluster:
        start = time.monotonic()
        job = submit(cluster, recipe_for(course, sys.executable, db_url, shards, cpus=1))
        cluster.wait_idle(3600)
        seconds = time.monotonic() - start
        states = {s for s, _ in cluster.tasks(job).values()}
        if states != {"COMPLETED"}:
            raise RuntimeError(f"job {job}: {cluster.tasks(job)}")
    return seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=20, help="simulated students (default 20)")
    p.add_argument("--no-slurm", action="store_true", help="skip the Slurm runs")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: it creates users and grades in sandboxes")
    work = Path(tempfile.mkdtemp(prefix="bench-term-", dir="/tmp"))
    work.chmod(0o755)
    if view.covers(work) and not os.environ.get("BENCH_TERM_VIEW"):
        # the students' processes must run the course's Python: the hub's mount namespace
        os.environ["BENCH_TERM_VIEW"] = "1"
        shutil.rmtree(work)
        argv = view.wrap([sys.executable, *sys.argv], "/tmp/bench-term-view")
        os.execvp(argv[0], argv)
    import nbgrader.exchange.default  # noqa: F401 (imported once, before the students fork)
    import nbgrader.auth  # noqa: F401
    print(f"{args.n} students, assignment 1, {len(os.sched_getaffinity(0))} CPUs, "
          f"load average {load()}", flush=True)
    tag = os.urandom(2).hex()
    hub = state.setup(work / "state", f"benchi{tag}",
                      [f"bench{tag}s{i:03d}" for i in range(args.n)], log=lambda *a: None)
    throughput = []
    try:
        print("release to feedback:", flush=True)
        rows = release_to_feedback(hub, args.n, work)
        total = sum(s for _, s in rows)
        print(f"  total: {total:.1f} s ({total / 60:.1f} min)\n", flush=True)
        print("grading throughput (from scratch):", flush=True)
        for w in (1, 2):
            seconds = hub_throughput(hub, args.n, w)
            throughput.append((f"hub's path: course.hub grade, {w} worker(s)", w, seconds))
            print(f"  {throughput[-1][0]}: {seconds:.1f} s", flush=True)
        if args.no_slurm or missing_commands():
            print("  Slurm: skipped" + (f" ({missing_commands()} missing)"
                                        if not args.no_slurm else ""))
        else:
            submitted = hub.course_dir / "submitted"
            with postgres(extra=("one", "two")) as url:
                for label, nodes, db in (("1 node x 1 CPU", [("node1", 1)], "one"),
                                         ("2 nodes x 1 CPU", [("node1", 1), ("node2", 1)],
                                          "two")):
                    seconds = slurm_throughput(work, submitted, nodes,
                                               url.replace("/gradebook?", f"/{db}?"))
                    throughput.append((f"Slurm job array, 4 shards, {label}", len(nodes),
                                       seconds))
                    print(f"  {throughput[-1][0]}: {seconds:.1f} s", flush=True)
    finally:
        state.remove_users(hub.state, log=lambda *a: None)
        shutil.rmtree(work, ignore_errors=True)
    report(args.n, rows, throughput)


def report(n, rows, throughput):
    print(f"\nload average now {load()}\n")
    print(f"{'grading path':<46} {'CPUs':>4} {'wall s':>7} {'s/sub':>6} {'sub/min':>7}")
    for label, cpus, seconds in throughput:
        print(f"{label:<46} {cpus:>4} {seconds:>7.1f} {seconds / n:>6.2f} "
              f"{60 * n / seconds:>7.1f}")
    print(f"\nA class of 500 (linear in the number of students, from the rates above):")
    exchange = sum(s for label, s in rows if "students" in label) / n
    fixed = sum(s for label, s in rows
                if "students" not in label and not label.startswith("grade"))
    print(f"  the exchange: {exchange:.3f} s per student for fetch, submit and feedback "
          f"({500 * exchange / 60:.1f} min of the students' own time, spread over the week); "
          f"the instructor's three nbgrader commands {fixed:.0f} s")
    for label, cpus, seconds in throughput:
        per = seconds / n
        print(f"  grading, {label}: {500 * per / 60:.1f} min")
    one_cpu = [s / n for label, cpus, s in throughput if cpus == 1 and "Slurm" in label]
    if one_cpu:
        cpu_s = one_cpu[0]
        for nodes, cpus in ((10, 8), (25, 16)):
            print(f"  grading on {nodes} nodes x {cpus} CPUs, if it scales as the 1-CPU job "
                  f"did ({cpu_s:.2f} CPU s per submission, ignoring job start-up and the "
                  f"database): {500 * cpu_s / (nodes * cpus):.0f} s")


if __name__ == "__main__":
    main()
