"""Subject-verb agreement in a toy grammar, after Linzen, Dupoux & Goldberg (2016).

A sentence opens with its subject and then carries distractor phrases before the verb::

    the keys to the cabinet that the man sees near the windows  -> are   (plural)
    the dog behind the tables                                   -> is    (singular)

The model reads the words up to the verb and predicts the verb's number. Nouns inside the
distractors ("attractors" when their number differs from the subject's) tempt a model that
looks only at the last noun; the distance to the subject grows with the number of distractors.
"""
from typing import NamedTuple

import numpy as np

from ._common import check_choice, check_int, disjoint_draws, make_rng
from .vocab import PAD, Vocabulary

ANIMATE = (("man", "men"), ("woman", "women"), ("child", "children"), ("dog", "dogs"),
           ("author", "authors"), ("teacher", "teachers"))   # may see, like, know, find
NOUNS = ANIMATE + (("key", "keys"), ("cabinet", "cabinets"), ("window", "windows"),
                   ("table", "tables"), ("letter", "letters"), ("box", "boxes"))
PREPOSITIONS = ("to", "near", "behind", "on", "under", "with")
CLAUSE_VERBS = (("sees", "see"), ("likes", "like"), ("knows", "know"), ("finds", "find"))
VERBS = ("is", "are")  # the verb the label stands for: VERBS[y]
SINGULAR, PLURAL = 0, 1


class AgreementExamples(NamedTuple):
    """One set of sentences; T = 2 + 4 * max_distractors, N = number of sentences."""
    x: np.ndarray            # (T, N) int64 word ids, padded with 0 = <pad>
    y: np.ndarray            # (N,) int64 the subject's number: 0 singular (is), 1 plural (are)
    lengths: np.ndarray      # (N,) int64 words before the verb
    n_attractors: np.ndarray  # (N,) int64 distractor nouns whose number differs from the subject's


class AgreementData(NamedTuple):
    train: AgreementExamples
    validation: AgreementExamples
    vocab: Vocabulary


def agreement_vocabulary():
    """The grammar's word vocabulary, ``<pad>`` = 0 first; ``sep`` is a space."""
    words = ["the", "that", *PREPOSITIONS]
    for pair in NOUNS + CLAUSE_VERBS:
        words.extend(pair)
    return Vocabulary.build(words, sep=" ", specials=(PAD,))


def _sentence(rng, n_distractors, attractor_rate):
    """Words before the verb, as a list of str, for a random subject number."""
    number = int(rng.integers(2))
    words = ["the", NOUNS[rng.integers(len(NOUNS))][number]]
    for _ in range(n_distractors):
        other = 1 - number if rng.random() < attractor_rate else number
        if rng.random() < 0.5:                          # prepositional phrase: "near the windows"
            noun = NOUNS[rng.integers(len(NOUNS))][other]
            words += [PREPOSITIONS[rng.integers(len(PREPOSITIONS))], "the", noun]
        else:                                           # relative clause: "that the man sees"
            noun = ANIMATE[rng.integers(len(ANIMATE))][other]
            verb = CLAUSE_VERBS[rng.integers(len(CLAUSE_VERBS))][other]
            words += ["that", "the", noun, verb]
    return words


def subject_verb_agreement(n_train=2000, n_validation=500, min_distractors=0, max_distractors=4,
                           attractor_rate=0.5, padding="right", seed=0, batch_first=False):
    """Sentences of a toy grammar labelled with the number of the verb that would follow.

    Grammar: ``the NOUN (PREP the NOUN | that the NOUN VERB)*`` with between
    ``min_distractors`` and ``max_distractors`` distractor phrases (uniformly many); each
    distractor's noun has the opposite number to the subject's with probability
    ``attractor_rate``, and a relative clause's own verb agrees with its own noun, so the
    last noun and the last verb seen are no guide. Subjects are singular or plural with equal
    probability, so chance is 50 %; accuracy split by ``n_attractors`` and by length shows
    whether a model tracks the subject (chapter 6: LSTM and GRU against the vanilla RNN) and
    how it degrades with distance (chapter 4). Validation sentences never equal a training one.

    ``padding="right"`` puts the words first (read the output at step ``lengths - 1``);
    ``"left"`` puts the padding first, so the last step ``T - 1`` always ends the sentence.

    Returns:
        AgreementData(train, validation, vocab), sets of AgreementExamples:
            x: (T, N) int64 word ids with T = 2 + 4 * max_distractors, 0 = ``<pad>``
               ((N, T) with ``batch_first``); ``vocab.decode(x[:, i])`` gives the words.
            y: (N,) int64, 0 singular, 1 plural (``VERBS[y]`` is the verb).
            lengths: (N,) int64 number of words (not padding) in each sentence.
            n_attractors: (N,) int64 distractor nouns of the other number.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_validation = check_int("n_validation", n_validation, minimum=0)
    low = check_int("min_distractors", min_distractors, minimum=0)
    high = check_int("max_distractors", max_distractors, minimum=0)
    if high < low:
        raise ValueError(f"max_distractors: expected >= min_distractors = {low}, got {high}")
    if isinstance(attractor_rate, bool) or not isinstance(attractor_rate, (int, float)) \
            or not 0 <= attractor_rate <= 1:
        raise ValueError(f"attractor_rate: expected a number in [0, 1], got {attractor_rate!r}")
    check_choice("padding", padding, ("right", "left"))
    rng = make_rng(seed)
    vocab = agreement_vocabulary()
    T = 2 + 4 * high

    def draw(r, n):
        rows = np.zeros((n, T), dtype=np.int64)                      # (N, T) right-padded
        for i in range(n):
            ids = vocab.encode(_sentence(r, int(r.integers(low, high + 1)), attractor_rate))
            rows[i, :len(ids)] = ids
        return rows

    train, validation = disjoint_draws(rng, draw, n_train, n_validation,
                                       "subject_verb_agreement")
    number = np.full(len(vocab), -1)                                 # (V,) -1 for non-nouns
    for singular, plural in NOUNS:
        number[vocab.token_to_id[singular]] = SINGULAR
        number[vocab.token_to_id[plural]] = PLURAL

    def build(rows):                                                 # rows: (N, T)
        y = number[rows[:, 1]]                                       # (N,) subject's number
        nouns = number[rows[:, 2:]]                                  # (N, T - 2)
        n_attractors = ((nouns >= 0) & (nouns != y[:, None])).sum(axis=1)
        lengths = (rows != 0).sum(axis=1)
        if padding == "left":
            shift = T - lengths
            columns = (np.arange(T)[None, :] - shift[:, None]) % T   # (N, T)
            rows = np.take_along_axis(rows, columns, axis=1)
        x = rows if batch_first else np.ascontiguousarray(rows.T)    # (T, N)
        return AgreementExamples(x, y.astype(np.int64), lengths.astype(np.int64),
                                 n_attractors.astype(np.int64))

    return AgreementData(build(train), build(validation), vocab)
