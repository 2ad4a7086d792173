"""The trained chapters' claims hold on other kernels and from another seed, not only in the build.

The book build runs every chapter from the book's seed on this machine's kernels. This test runs
the chapters that train models once more with torch's kernels without vector units
(``ATEN_CPU_CAPABILITY=default``), NumPy's OpenBLAS on its oldest kernels (``Prescott``) and
``BOOK_SEED=1``, through ``benchmarks/book_robustness.py`` (which runs the full grid).
"""
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "book_robustness.py"
spec = importlib.util.spec_from_file_location("book_robustness", SCRIPT)
book_robustness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book_robustness)

TRAINED = [p for p in book_robustness.chapter_paths() if p.name[:2] in ("04", "05", "06", "07")]


@pytest.mark.slow
@pytest.mark.xdist_group("book-robustness")
@pytest.mark.parametrize("path", TRAINED, ids=[p.stem for p in TRAINED])
def test_trained_chapter_holds_its_claims_on_other_kernels_and_seed(path):
    result = book_robustness.run_variant(path, seed=1, torch_setting="default", blas="Prescott",
                                         timeout=600)
    assert not result["errors"], result["errors"]
    assert not result["failed"], f"{path.stem}: claims that failed: {result['failed']}"
    assert result["claims"] > 0, f"{path.stem} asserts none of its results"


def test_assert_counting_sees_statements_not_words():
    source = "%matplotlib inline\nx = 1\nassert x == 1, 'the sentence'\n# assert nothing\n"
    assert book_robustness.count_asserts(source) == 1


def test_the_pairs_design_meets_every_pair_of_settings_in_half_the_runs():
    seeds, torch_settings, blas = [0, 1, 2, 3, 4], ["own", "default", "avx2"], ["Haswell", "Prescott"]
    runs = book_robustness.variants(seeds, torch_settings, blas, "pairs")
    full = book_robustness.variants(seeds, torch_settings, blas, "full")
    assert len(runs) == 15 and len(full) == 30 and set(runs) <= set(full)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        met = {(run[a], run[b]) for run in runs}
        wanted = {(f[a], f[b]) for f in full}
        assert met == wanted, f"settings {a} and {b}: missing {wanted - met}"
