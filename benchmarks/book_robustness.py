"""Run the book's chapters from other seeds and on other kernels, and say which claims held.

A chapter states its results with ``assert`` statements beside the prose they protect (each
with a message naming the sentence). The book build runs every chapter once, from the book's
seed, on this machine's kernels. This script runs each chapter again under *variants*:

* ``BOOK_SEED`` = 0..4 (``book/chapters/seeds.py``: every random draw on a page moves);
* torch's CPU kernels: ``ATEN_CPU_CAPABILITY`` = ``default`` (no vector units), ``avx2``, or the
  machine's own (unset);
* NumPy's OpenBLAS kernels: ``OPENBLAS_CORETYPE`` = ``Haswell`` or ``Prescott``.

Each run executes the chapter's notebook in a fresh kernel with every cell run even after one
fails, so all failing claims are listed, not only the first. It prints one row per chapter and
variant (claims held / claims on the page, the failed claims' messages, wall seconds), and exits
non-zero when any claim failed or a cell raised something other than an ``AssertionError``.

Usage::

    .venv/bin/python benchmarks/book_robustness.py                    # every chapter, full grid
    .venv/bin/python benchmarks/book_robustness.py --chapters 07 --seeds 0,1 --torch own
    .venv/bin/python benchmarks/book_robustness.py --jobs 2           # two runs at a time
    .venv/bin/python benchmarks/book_robustness.py --design pairs     # 15 runs per chapter

The full grid is 5 seeds x 3 torch settings x 2 OpenBLAS core types = 30 runs per chapter.
``--design pairs`` runs half of it: every seed under every torch setting, with the OpenBLAS core
type alternating (``(seed + torch setting's index) % 2``), so that every seed also meets both
OpenBLAS kernels and every torch setting meets both: each pair of settings occurs at least once.
"""
import argparse
import ast
import itertools
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = REPO / "book" / "chapters"
TORCH_SETTINGS = {"own": None, "default": "default", "avx2": "avx2"}
BLAS_SETTINGS = ("Haswell", "Prescott")


def chapter_paths(selection=None):
    """The chapter pages (``NN_name.md``), all or those whose name starts with a selected prefix."""
    paths = sorted(CHAPTERS.glob("[0-9][0-9]_*.md"))
    if selection:
        wanted = selection.split(",")
        paths = [p for p in paths if any(p.name.startswith(w) for w in wanted)]
        if not paths:
            raise SystemExit(f"no chapter matches {selection!r}; chapters: "
                             f"{', '.join(p.stem for p in sorted(CHAPTERS.glob('[0-9][0-9]_*.md')))}")
    return paths


def count_asserts(source):
    """The number of ``assert`` statements in a cell's code (IPython magics dropped)."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return 0
    return sum(isinstance(node, ast.Assert) for node in ast.walk(tree))


def run_chapter(path, timeout):
    """Execute one chapter in this process's environment; returns the run's result as a dict."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    claims = sum(count_asserts(c.source) for c in cells)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    failed, errors = [], []
    for cell in cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            if out["ename"] == "AssertionError":
                failed.append(out["evalue"] or cell.source.strip().splitlines()[-1])
            else:
                errors.append(f"{out['ename']}: {out['evalue']}"[:300])
    return {"claims": claims, "failed": failed, "errors": errors, "seconds": seconds}


def variant_env(seed, torch_setting, blas):
    env = {k: v for k, v in os.environ.items()
           if k not in ("ATEN_CPU_CAPABILITY", "OPENBLAS_CORETYPE", "BOOK_SEED")}
    env["BOOK_SEED"] = str(seed)
    if TORCH_SETTINGS[torch_setting]:
        env["ATEN_CPU_CAPABILITY"] = TORCH_SETTINGS[torch_setting]
    if blas != "own":
        env["OPENBLAS_CORETYPE"] = blas
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def run_variant(path, seed, torch_setting, blas, timeout):
    """Run one chapter under one variant in a child process (its own environment)."""
    proc = subprocess.run([sys.executable, __file__, "--one", str(path), "--timeout", str(timeout)],
                          env=variant_env(seed, torch_setting, blas), capture_output=True,
                          text=True)
    if proc.returncode != 0:
        return {"claims": 0, "failed": [], "seconds": 0.0,
                "errors": [f"the run itself failed: {proc.stderr.strip()[-500:]}"]}
    return json.loads(proc.stdout.splitlines()[-1])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chapters", default=None, help="comma-separated name prefixes, e.g. 04,07")
    p.add_argument("--seeds", default="0,1,2,3,4", help="BOOK_SEED values (default 0-4)")
    p.add_argument("--torch", default="own,default,avx2",
                   help="ATEN_CPU_CAPABILITY settings: own (unset), default, avx2")
    p.add_argument("--blas", default=",".join(BLAS_SETTINGS),
                   help="OPENBLAS_CORETYPE values (own = the machine's setting)")
    p.add_argument("--design", choices=("full", "pairs"), default="full",
                   help="full: every combination; pairs: every pair of settings at least once")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    p.add_argument("--one", default=None, help=argparse.SUPPRESS)   # child process: one run
    args = p.parse_args(argv)
    for name in args.torch.split(","):
        if name not in TORCH_SETTINGS:
            p.error(f"--torch takes {', '.join(TORCH_SETTINGS)}; got {name!r}")
    if args.jobs < 1:
        p.error(f"--jobs must be at least 1; got {args.jobs}")
    if args.design == "pairs" and len(args.blas.split(",")) != 2:
        p.error(f"--design pairs alternates two OpenBLAS core types; got --blas {args.blas!r}")
    return args


def variants(seeds, torch_settings, blas_settings, design="full"):
    """The (seed, torch setting, OpenBLAS core type) triples to run.

    ``full`` is the product of the three lists. ``pairs`` keeps every (seed, torch) pair and gives
    it the OpenBLAS core type ``blas_settings[(seed + torch index) % 2]``: with two core types,
    every seed then meets both (over its torch settings) and every torch setting meets both (over
    two consecutive seeds).
    """
    if design == "full":
        return list(itertools.product(seeds, torch_settings, blas_settings))
    return [(seed, t, blas_settings[(seed + i) % 2])
            for seed in seeds for i, t in enumerate(torch_settings)]


def main(argv=None):
    args = parse_args(argv)
    if args.one:
        print(json.dumps(run_chapter(Path(args.one), args.timeout)))
        return 0
    seeds = [int(s) for s in args.seeds.split(",")]
    grid = [(path, *variant) for path in chapter_paths(args.chapters)
            for variant in variants(seeds, args.torch.split(","), args.blas.split(","),
                                    args.design)]
    joined = " x " if args.design == "full" else ", every pair of "
    print(f"{len(grid)} runs: chapters x (seeds {args.seeds}{joined}torch {args.torch}{joined}"
          f"OpenBLAS {args.blas}); {args.jobs} at a time", flush=True)
    print("chapter | seed | torch | OpenBLAS | claims held | s | failed claims and errors",
          flush=True)
    start, bad = time.perf_counter(), 0

    def one(item):
        return item, run_variant(*item, args.timeout)

    with ThreadPoolExecutor(args.jobs) as pool:
        for (path, seed, torch_setting, blas), r in pool.map(one, grid):
            problems = r["failed"] + r["errors"]
            bad += bool(problems)
            held = r["claims"] - len(r["failed"])
            print(f"{path.stem} | {seed} | {torch_setting} | {blas} | {held}/{r['claims']} | "
                  f"{r['seconds']:.0f} | {'; '.join(problems) or '-'}", flush=True)
    print(f"{len(grid) - bad} of {len(grid)} runs held every claim; "
          f"wall {time.perf_counter() - start:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
