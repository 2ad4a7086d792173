"""The Slurm recipe of the instructors' page, as a script to run on a cluster.

The page's bash block (book/instructors.md, "When the course outgrows one machine") with only its
variables set (the course folder, the environment's Python, the database, the number of shards
and CPUs); everything else runs as written. Used by the Slurm test and benchmarks/bench_term.py.
"""
import re
import subprocess

from .class_of import REPO


def page_recipe():
    """The bash block of the instructors' page that submits the grading job array."""
    text = (REPO / "book" / "instructors.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    found = [b for b in blocks if "sbatch --array" in b]
    assert len(found) == 1, "the instructors' page has one sbatch recipe"
    return found[0]


def recipe_for(course, python, db_url, shards, cpus, array=None):
    """The page's recipe with its variables set for this machine (and ``--array=K`` to
    resubmit one shard, as the page says); everything else runs as written."""
    script = page_recipe()
    settings = {"COURSE": str(course), "PYTHON": str(python), "DB": db_url,
                "SHARDS": str(shards), "CPUS": str(cpus)}
    for name, value in settings.items():
        script, n = re.subn(rf"(?m)(^|\s){name}=\S+", rf"\g<1>{name}='{value}'", script, count=1)
        assert n == 1, f"the recipe sets {name}"
    if array is not None:
        whole = "--array=0-$((SHARDS - 1))"
        assert script.count(whole) == 1, "the recipe submits shards 0..SHARDS-1"
        script = script.replace(whole, f"--array={array}")
    return script


def submit(cluster, script):
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=cluster.env(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return int(re.search(r"Submitted batch job (\d+)", proc.stdout).group(1))
