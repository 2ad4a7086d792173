"""The seeds a chapter's experiments start from: the book's own, or another run's.

Every random draw on a page (data, initial weights, batches, samples) starts from ``seed(k)``.
When the book is built, ``BOOK_SEED`` is unset and ``seed(k) == k``, so the page shows the run
its prose describes. ``benchmarks/book_robustness.py`` sets ``BOOK_SEED=1..4`` to run the same
page from other seeds: a claim the page asserts must hold for those runs too, or it is not a
result yet. Usage in a chapter (the notebook's working folder is ``book/chapters/``)::

    from seeds import seed
    rng = np.random.default_rng(seed(2))
    seed_everything(seed(0))
"""
import os

RUN = int(os.environ.get("BOOK_SEED", "0"))   # 0 in the book; 1, 2, ... in robustness runs


def seed(k=0):
    """The seed for the page's ``k``-th random stream: ``k`` in the book, ``1000 * run + k`` else."""
    return 1000 * RUN + k
