"""Offline datasets for the course: nothing is ever downloaded.

Generated tasks (seeded, train/validation split, time-major ``(T, N, ...)``):
    adding_problem, copy_task, parity      long memory; chapters 4 and 6   (``memory``)
    subject_verb_agreement                 syntax over distractors; ch. 4, 6 (``agreement``)
    noisy_sines                            forecasting; chapter 7            (``sines``)
    dates_to_words                         seq2seq translation; chapter 7    (``dates``)
    negation_sentiment                     word order decides; chapter 7     (``sentiment``)
Data found on disk:
    load_sunspots, load_co2                statsmodels' series; chapter 7    (``series``)
    stdlib_corpus                          characters of Python's docs; ch. 7 (``text``)
Helpers: make_windows, split_series, Standardizer (``series``); batchify, bptt_batches
(``text``); bag_of_words (``sentiment``); Vocabulary (``vocab``); one_hot.

Every loader's docstring says what it teaches and the shape and dtype of every array.
Importing this package imports neither torch nor statsmodels.
"""
from ._common import Examples, Split, one_hot
from .agreement import subject_verb_agreement
from .dates import dates_to_words
from .memory import adding_problem, copy_task, parity
from .sentiment import bag_of_words, negation_sentiment
from .series import Standardizer, load_co2, load_sunspots, make_windows, split_series
from .sines import noisy_sines
from .text import batchify, bptt_batches, stdlib_corpus
from .vocab import Vocabulary

__all__ = [
    "Examples", "Split", "Standardizer", "Vocabulary", "adding_problem", "bag_of_words",
    "batchify", "bptt_batches", "copy_task", "dates_to_words", "load_co2", "load_sunspots",
    "make_windows", "negation_sentiment", "noisy_sines", "one_hot", "parity", "split_series",
    "stdlib_corpus", "subject_verb_agreement",
]
