"""Short film reviews whose sentiment only word order decides: negation in a toy grammar.

A review names a subject and says what it was, plainly or with a negation::

    the film was very good                   -> positive   (plain)
    the plot is dull and silly               -> negative   (plain)
    the acting was good , not bad            -> positive   ("ADJ , not ADJ")
    the acting was bad , not good            -> negative   (the same words, reordered)
    the music is not bad but great           -> positive   ("not ADJ but ADJ")
    the ending was never bad , always fun    -> positive   ("never ADJ , always ADJ")
    the cast was always dull , never clever  -> negative   ("always ADJ , never ADJ")

A negated review holds one positive and one negative adjective; its label is the polarity of
the adjective that is *not* negated. Swapping the two adjective phrases gives a review of the
same words with the opposite label, exactly as likely: a model that sees only which words occur
and how often (a bag of words, lecture 002's ``CountVectorizer``) can do no better than chance
on the negated reviews, while one that reads the words in order can be always right. Plain
reviews are easy for both.
"""
from typing import NamedTuple

import numpy as np

from ._common import check_int, disjoint_draws, make_rng, time_to_batch_first
from .vocab import PAD, Vocabulary

SUBJECTS = ("film", "plot", "acting", "ending", "music", "cast")
COPULAS = ("was", "is")
INTENSIFIERS = ("", "very", "really", "quite")     # "" : no intensifier
POSITIVE = ("good", "great", "fine", "fun", "clever", "lovely", "superb", "charming")
NEGATIVE = ("bad", "dull", "awful", "boring", "weak", "silly", "poor", "bland")
LABELS = ("negative", "positive")                  # the class a label stands for: LABELS[y]
NEGATIVE_LABEL, POSITIVE_LABEL = 0, 1
# negated templates: (words with slots A and B, which slot's polarity is the label)
TEMPLATES = ((("A", ",", "not", "B"), "A"),
             (("not", "A", "but", "B"), "B"),
             (("always", "A", ",", "never", "B"), "A"),
             (("never", "A", ",", "always", "B"), "B"))
MAX_LENGTH = 3 + 7                                 # "the S V" + "always I A , never I B"


class SentimentExamples(NamedTuple):
    """One set of reviews; T = 10, N = number of reviews."""
    x: np.ndarray        # (T, N) int64 word ids, padded with 0 = <pad> after the review
    y: np.ndarray        # (N,) int64 0 negative, 1 positive
    lengths: np.ndarray  # (N,) int64 words in each review
    negated: np.ndarray  # (N,) bool: a negated review (two adjectives, one negated)


class SentimentData(NamedTuple):
    train: SentimentExamples
    validation: SentimentExamples
    vocab: Vocabulary


def sentiment_vocabulary():
    """The grammar's words, ``<pad>`` = 0 first; ``sep`` is a space."""
    words = ["the", "and", ",", "not", "but", "always", "never", *SUBJECTS, *COPULAS,
             *(i for i in INTENSIFIERS if i), *POSITIVE, *NEGATIVE]
    return Vocabulary.build(words, sep=" ", specials=(PAD,))


def _phrase(rng, polarity, avoid=None):
    """[intensifier] adjective of the given polarity (1 positive), as a list of words."""
    pool = POSITIVE if polarity == POSITIVE_LABEL else NEGATIVE
    adjective = pool[rng.integers(len(pool))]
    while adjective == avoid:
        adjective = pool[rng.integers(len(pool))]
    intensifier = INTENSIFIERS[rng.integers(len(INTENSIFIERS))]
    return ([intensifier] if intensifier else []) + [adjective]


def _review(rng, negated):
    """(words, label) of one review: the label is drawn first, uniformly."""
    label = int(rng.integers(2))
    words = ["the", SUBJECTS[rng.integers(len(SUBJECTS))], COPULAS[rng.integers(2)]]
    if not negated:
        first = _phrase(rng, label)
        if rng.random() < 0.5:                         # "good" or "good and fun"
            return words + first, label
        return words + first + ["and"] + _phrase(rng, label, avoid=first[-1]), label
    template, decides = TEMPLATES[rng.integers(len(TEMPLATES))]
    polarity = {decides: label, "B" if decides == "A" else "A": 1 - label}
    for slot in template:
        words += _phrase(rng, polarity[slot]) if slot in polarity else [slot]
    return words, label


def negation_sentiment(n_train=2000, n_validation=1000, negated_rate=0.75, seed=0,
                       batch_first=False):
    """Film reviews of a toy grammar, labelled positive or negative; negation makes order matter.

    Each review is negated with probability ``negated_rate`` (one of four templates, uniformly:
    "A , not B", "not A but B", "always A , never B", "never A , always B", with A and B an
    optional intensifier and an adjective of opposite polarities), else plain ("A" or
    "A and A'", one polarity). Labels are 0 (negative) or 1 (positive) with equal probability.
    The generator is symmetric: a negated review and the review with its two adjective phrases
    swapped have the same words, opposite labels and equal probability. So no classifier of the
    words' counts beats 50 % on negated reviews in expectation, and the best order-blind
    accuracy is ``1 - negated_rate / 2``; a recurrent classifier reads the order. Validation
    reviews never equal a training one.

    Returns:
        SentimentData(train, validation, vocab), sets of SentimentExamples:
            x: (T, N) int64 word ids, T = 10, right-padded with 0 = ``<pad>``
               ((N, T) with ``batch_first``); ``vocab.decode(x[:, i])`` gives the words.
            y: (N,) int64, 0 negative, 1 positive (``LABELS[y]``).
            lengths: (N,) int64 number of words in each review.
            negated: (N,) bool, whether the review is negated.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_validation = check_int("n_validation", n_validation, minimum=0)
    if isinstance(negated_rate, bool) or not isinstance(negated_rate, (int, float)) \
            or not 0 <= negated_rate <= 1:
        raise ValueError(f"negated_rate: expected a number in [0, 1], got {negated_rate!r}")
    rng = make_rng(seed)
    vocab = sentiment_vocabulary()
    T = MAX_LENGTH

    def draw(r, n):
        rows = np.zeros((n, T + 2), dtype=np.int64)    # (N, T + 2): words, label, negated
        for i in range(n):
            negated = bool(r.random() < negated_rate)
            words, label = _review(r, negated)
            rows[i, :len(words)] = vocab.encode(words)
            rows[i, T:] = label, negated
        return rows

    train, validation = disjoint_draws(rng, draw, n_train, n_validation, "negation_sentiment")

    def build(rows):                                   # rows: (N, T + 2)
        words = rows[:, :T]
        x = time_to_batch_first(np.ascontiguousarray(words.T), batch_first)
        return SentimentExamples(x, rows[:, T].copy(), (words != 0).sum(axis=1),
                                 rows[:, T + 1].astype(bool))

    return SentimentData(build(train), build(validation), vocab)


def bag_of_words(x, vocab_size, batch_first=False):
    """Word counts, as lecture 002's ``CountVectorizer`` makes them: the order is lost.

    x: (T, N) int64 ids (``(N, T)`` with ``batch_first``), 0 = ``<pad>`` not counted.
    Returns (N, vocab_size) float64: entry [i, k] is how often word k occurs in sequence i
    (column 0, ``<pad>``, is all zeros).
    """
    x = np.asarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"x: expected a 2-d integer array of ids, got {x.ndim}-d of dtype "
                         f"{x.dtype}")
    K = check_int("vocab_size", vocab_size, minimum=1)
    if x.size and (x.min() < 0 or x.max() >= K):
        raise ValueError(f"x: expected ids in [0, {K}), got values in [{x.min()}, {x.max()}]")
    rows = x if batch_first else x.T                   # (N, T)
    counts = np.zeros((rows.shape[0], K))
    np.add.at(counts, (np.arange(rows.shape[0])[:, None], rows), 1.0)
    counts[:, 0] = 0.0                                 # <pad> is not a word
    return counts
