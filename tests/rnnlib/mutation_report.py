"""Score and survivors of the last mutmut run over rnnlib (``make mutation`` runs both).

    .venv/bin/python tests/rnnlib/mutation_report.py ['rnnlib.clipping*' ...]

Reads ``mutmut results``, keeps the mutants matching the globs (all when none are given), and
prints the counts, the score and every mutant that no test killed, with its diff. A survivor
listed in ``equivalent_mutants.md`` (beside this file, one table row per mutant: its name, the
changed line and why no test can tell it from the original) counts as equivalent and is left out
of the score; a listed mutant whose changed line no longer matches is reported as stale. Exit
status 1 when some survivor is neither killed nor listed.

The score is killed / (checked - equivalent), where "killed" includes timeouts (a mutant that
makes the tests hang is caught) and "checked" leaves out mutants not run yet.
"""
import fnmatch
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTMUT = [sys.executable, "-m", "mutmut"]
LISTED = Path(__file__).with_name("equivalent_mutants.md")
CAUGHT = {"killed", "timeout", "caught by type check", "segfault"}
ESCAPED = {"survived", "no tests", "suspicious"}


def results():
    out = subprocess.run(MUTMUT + ["results", "--all", "true"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s*(rnnlib\.\S+): (.+)$", line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


def equivalent():
    """{mutant name: (changed line, reason)} from the table rows of equivalent_mutants.md."""
    listed = {}
    for line in LISTED.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`rnnlib."):
            listed[cells[0].strip("`")] = (cells[1].strip("`"), cells[2])
    return listed


def diff(name):
    out = subprocess.run(MUTMUT + ["show", name], cwd=ROOT, capture_output=True, text=True).stdout
    return [line for line in out.splitlines()
            if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]


def main(globs):
    status = {k: v for k, v in results().items()
              if not globs or any(fnmatch.fnmatch(k, g) for g in globs)}
    listed = equivalent()
    counts = Counter(status.values())
    checked = {k: v for k, v in status.items() if v != "not checked"}
    escaped = sorted(k for k, v in checked.items() if v in ESCAPED)
    equiv, unexplained, stale = [], [], []
    for name in escaped:
        changed = diff(name)
        added = next((line[1:].strip() for line in changed if line.startswith("+")), "")
        if name in listed and listed[name][0] == added:
            equiv.append(name)
        else:
            if name in listed:
                stale.append(name)
            unexplained.append((name, checked[name], changed))
    caught = sum(1 for v in checked.values() if v in CAUGHT)
    denominator = len(checked) - len(equiv)
    print(f"mutants: {len(status)} ({len(checked)} checked, "
          f"{counts.get('not checked', 0)} not checked yet)")
    print("status: " + ", ".join(f"{s} {n}" for s, n in counts.most_common()))
    print(f"equivalent (listed in {LISTED.name}): {len(equiv)}")
    if denominator:
        print(f"score: {caught} / {denominator} = {100 * caught / denominator:.1f}% "
              f"killed (equivalent mutants left out)")
    for name, why, changed in unexplained:
        print(f"\n{why}: {name}" + (" (listed, but its line changed: stale entry)"
                                   if name in stale else ""))
        for line in changed:
            print("    " + line)
    print(f"\n{len(unexplained)} surviving mutants neither killed nor listed as equivalent")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
