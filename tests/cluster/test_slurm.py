"""The instructors' page's Slurm recipe, run as written on a real Slurm cluster.

A two-node Slurm cluster on this machine (Debian's slurm-wlm and munge; ``slurmd -N`` per node,
one CPU each, all on 127.0.0.1; see ``local_slurm.py``) and a private PostgreSQL server for the
gradebook. A class of 40 submissions of assignment 1 is graded by the bash block of
book/instructors.md ("When the course outgrows one machine"), run with only its variables set to
this machine's folders: a job array of 4 shards, each ``python -m course.grading --shard K/4``
into the one PostgreSQL gradebook. One shard is cancelled after it has graded a student (a job
lost to the cluster) and resubmitted as the page says (the same command, ``--array=K``).

Checked: the cancelled shard left the class incomplete, the resubmission completed it, every
student was graded exactly once over all jobs, every score in the PostgreSQL gradebook equals
the same class graded by one command on one machine (SQLite) and the score the submission was
built to get, the grade table lists the whole class, and ``nbgrader export`` reads it back.
"""
import csv
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from course.grading import gradebook

from .class_of import ASSIGNMENT, NOTEBOOK, course_folder, write_class
from .local_postgres import postgres
from .local_slurm import LocalSlurm, missing_commands
from .recipe import recipe_for, submit

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster-slurm")]

STUDENTS, SHARDS, CANCELLED = 40, 4, 2
PROGRESS = re.compile(r"^\[\d+/\d+\] (\S+): ", re.M)


def scores(db_url, students):
    return {s: sum(gradebook.read_scores(db_url, ASSIGNMENT, NOTEBOOK, s).values())
            for s in students}


def why(cluster, course, job, states):
    """A failed assert's message: each shard's state and exit code, each shard's own output (its
    Slurm log: the grading command's stdout and stderr, the causes of an exit status 1), and the
    end of the daemons' logs (a job the cluster could not start or ended itself)."""
    folder = course / "grading" / ASSIGNMENT
    shards = []
    for k, state in sorted(states.items(), key=str):
        log = folder / f"slurm-{job}_{k}.log"
        shards.append(f"== shard {k}: {state}, {log.name}:\n"
                      + (log.read_text(errors="replace") if log.exists() else "(no log)"))
    return "\n".join([f"job {job}: {states}", *shards, cluster.logs()])


def test_the_pages_job_array_grades_a_class_into_postgres():
    missing = missing_commands()
    assert not missing, f"Slurm is not installed ({missing}): make system-packages"
    work = Path(tempfile.mkdtemp(prefix="cluster-", dir="/tmp"))
    try:
        course = course_folder(work / "course")
        expected = write_class(course / "submitted", STUDENTS)
        python = Path(sys.executable)   # the course's environment (as the jobs start it)

        # the same class graded by one command on one machine, into SQLite
        single = course_folder(work / "single")
        shutil.copytree(course / "submitted", single / "submitted")
        start = time.monotonic()
        one = subprocess.run([str(python), "-m", "course.grading", ASSIGNMENT, "submitted",
                              "--course-root", str(single), "--workers", "2"], cwd=single,
                             capture_output=True, text=True)
        assert one.returncode == 0, one.stdout + one.stderr
        single_scores = scores(f"sqlite:///{single / 'gradebook.db'}", expected)
        assert single_scores == expected
        print(f"one command, one machine: {time.monotonic() - start:.0f} s")

        with postgres() as db_url, \
                LocalSlurm(work / "slurm", nodes=[("node1", 1), ("node2", 1)]) as cluster:
            start = time.monotonic()
            job = submit(cluster, recipe_for(course, python, db_url, SHARDS, cpus=1))
            log = course / "grading" / ASSIGNMENT / f"slurm-{job}_{CANCELLED}.log"
            deadline = time.monotonic() + 240
            while not (log.exists() and PROGRESS.search(log.read_text())):
                assert time.monotonic() < deadline, cluster.run("squeue").stdout
                time.sleep(0.2)
            cluster.run("scancel", f"{job}_{CANCELLED}", check=True)
            cluster.wait_idle(300)
            states = cluster.tasks(job)
            assert {k: s for k, (s, _) in states.items()} == {
                k: "CANCELLED" if k == CANCELLED else "COMPLETED" for k in range(SHARDS)}, \
                why(cluster, course, job, states)
            graded_first = set(PROGRESS.findall("".join(
                (course / "grading" / ASSIGNMENT / f"slurm-{job}_{k}.log").read_text()
                for k in range(SHARDS))))
            assert len(graded_first) < STUDENTS, "the cancelled shard left students ungraded"

            again = submit(cluster, recipe_for(course, python, db_url, SHARDS, cpus=1,
                                               array=CANCELLED))
            cluster.wait_idle(300)
            states = cluster.tasks(again)
            assert states[CANCELLED][0] == "COMPLETED", why(cluster, course, again, states)
            print(f"the job array, a shard cancelled and resubmitted: "
                  f"{time.monotonic() - start:.0f} s")

            logs = "".join(p.read_text() for p in
                           sorted((course / "grading" / ASSIGNMENT).glob("slurm-*.log")))
            graded = PROGRESS.findall(logs)
            assert sorted(graded) == sorted(expected), "every student graded exactly once"
            assert scores(db_url, expected) == single_scores == expected

            with open(course / "grading" / ASSIGNMENT / "grades.csv") as f:
                table = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
            assert table == expected, "the grade table lists the whole class"

            export = subprocess.run([str(python), "-m", "nbgrader", "export",
                                     f"--CourseDirectory.db_url={db_url}"], cwd=course,
                                    capture_output=True, text=True)
            assert export.returncode == 0, export.stderr
            with open(course / "grades.csv") as f:
                rows = list(csv.DictReader(f))
            assert {r["student_id"]: float(r["score"]) for r in rows} == expected
    finally:
        shutil.rmtree(work, ignore_errors=True)
