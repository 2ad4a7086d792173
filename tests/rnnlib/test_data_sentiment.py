"""The negation-sentiment grammar: labels follow the adjective that is not negated, and only the
order of the words tells a negated review from its mirror."""
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from rnnlib.data import bag_of_words, negation_sentiment
from rnnlib.data.sentiment import (INTENSIFIERS, LABELS, MAX_LENGTH, NEGATIVE, POSITIVE,
                                   SUBJECTS, TEMPLATES)

POLARITY = {**{a: 1 for a in POSITIVE}, **{a: 0 for a in NEGATIVE}}
ADVERBS = {i for i in INTENSIFIERS if i}


def parse(words):
    """Read a review by hand: (label, negated, the two adjective phrases or None)."""
    assert words[0] == "the" and words[1] in SUBJECTS and words[2] in ("was", "is")
    rest = words[3:]
    if not {"not", "never"} & set(rest):                      # "[I] A" or "[I] A and [I] A'"
        phrases = " ".join(rest).split(" and ")
        assert len(phrases) in (1, 2), words
        adjectives = []
        for phrase in phrases:
            *adverb, adjective = phrase.split(" ")
            assert adjective in POLARITY and len(adverb) <= 1 and set(adverb) <= ADVERBS
            adjectives.append(adjective)
        assert len({POLARITY[a] for a in adjectives}) == 1, words
        return POLARITY[adjectives[0]], False, None
    for template, decides in TEMPLATES:        # match the template, slots A and B
        slots, i, ok = {}, 0, True
        for token in template:
            if token in ("A", "B"):
                phrase = []
                if i < len(rest) and rest[i] in ADVERBS:
                    phrase.append(rest[i])
                    i += 1
                if i >= len(rest) or rest[i] not in POLARITY:
                    ok = False
                    break
                slots[token] = phrase + [rest[i]]
                i += 1
            elif i < len(rest) and rest[i] == token:
                i += 1
            else:
                ok = False
                break
        if ok and i == len(rest):
            a, b = POLARITY[slots["A"][-1]], POLARITY[slots["B"][-1]]
            assert a != b, words                                  # opposite polarities
            return POLARITY[slots[decides][-1]], True, (template, slots)
    raise AssertionError(f"no template matches {words}")


def reviews(part, vocab):
    return [vocab.decode(row).split(" ") for row in part.x.T]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 60), m=st.integers(0, 30), rate=st.sampled_from([0, 0.5, 0.75, 1]),
       seed=st.integers(0, 1000))
def test_labels_follow_the_adjective_that_is_not_negated(n, m, rate, seed):
    data = negation_sentiment(n, m, negated_rate=rate, seed=seed)
    for part, size in ((data.train, n), (data.validation, m)):
        assert part.x.shape == (MAX_LENGTH, size) and part.x.dtype == np.int64
        assert part.y.shape == part.lengths.shape == part.negated.shape == (size,)
        assert part.y.dtype == part.lengths.dtype == np.int64 and part.negated.dtype == bool
        for i, words in enumerate(reviews(part, data.vocab)):
            label, negated, _ = parse(words)
            assert part.y[i] == label and part.negated[i] == negated, words
            assert part.lengths[i] == len(words)
            assert np.all(part.x[len(words):, i] == 0)          # right padding
        if rate in (0, 1):
            assert np.all(part.negated == bool(rate))


def test_a_negated_reviews_mirror_has_the_same_words_and_the_other_label():
    """Swapping the adjective phrases of a negated review gives a review of the grammar with
    the same bag of words and the opposite label."""
    data = negation_sentiment(300, 0, negated_rate=1.0, seed=3)
    for words in reviews(data.train, data.vocab):
        label, _, (template, slots) = parse(words)
        swapped = {"A": slots["B"], "B": slots["A"]}
        mirror = words[:3] + [w for token in template
                              for w in (swapped[token] if token in swapped else [token])]
        assert Counter(mirror) == Counter(words) and mirror != words
        assert parse(mirror)[0] == 1 - label


def test_classes_and_templates_are_balanced_and_a_bag_says_nothing_on_negated_reviews():
    """Over many negated reviews, each bag of words comes with either label about equally
    often: a classifier of the counts is at chance there."""
    data = negation_sentiment(20000, 0, negated_rate=1.0, seed=0)
    part = data.train
    assert 0.48 < part.y.mean() < 0.52
    templates = Counter(parse(w)[2][0] for w in reviews(part, data.vocab))
    assert len(templates) == len(TEMPLATES) and min(templates.values()) > 4500
    # the bag without the words drawn independently of the label (subject, verb, intensifiers)
    counts = bag_of_words(part.x, len(data.vocab))
    keep = [k for k, w in enumerate(data.vocab.tokens)
            if w in POLARITY or w in (",", "not", "but", "always", "never")]
    by_bag = {}
    for row, y in zip(map(bytes, counts[:, keep].astype(np.uint8)), part.y):
        by_bag.setdefault(row, []).append(y)
    assert len(by_bag) == 3 * len(POSITIVE) * len(NEGATIVE)   # 3 sets of template words
    # the best any function of these counts can do, even one that knows the labels: chance
    majority = sum(max(sum(ys), len(ys) - sum(ys)) for ys in by_bag.values()) / len(part.y)
    assert majority < 0.56


def test_validation_reviews_never_equal_a_training_review_and_the_seed_decides():
    a = negation_sentiment(1500, 500, seed=7)
    b = negation_sentiment(1500, 500, seed=7)
    np.testing.assert_array_equal(a.train.x, b.train.x)
    seen = {row.tobytes() for row in a.train.x.T}
    assert not any(row.tobytes() in seen for row in a.validation.x.T)
    c = negation_sentiment(1500, 500, seed=8)
    assert not np.array_equal(a.train.x, c.train.x)
    assert LABELS == ("negative", "positive")


def test_batch_first_transposes():
    a = negation_sentiment(20, 5, seed=1)
    b = negation_sentiment(20, 5, seed=1, batch_first=True)
    np.testing.assert_array_equal(a.train.x, b.train.x.T)


def test_bag_of_words_counts_words_and_not_padding():
    x = np.array([[3, 1], [3, 2], [0, 1]])                     # (T=3, N=2)
    counts = bag_of_words(x, 4)
    np.testing.assert_array_equal(counts, [[0, 0, 0, 2], [0, 2, 1, 0]])
    np.testing.assert_array_equal(bag_of_words(x.T, 4, batch_first=True), counts)
    # reordering the words of a sequence does not change its counts
    np.testing.assert_array_equal(bag_of_words(x[::-1], 4), counts)


@pytest.mark.parametrize("kwargs", [dict(n_train=0), dict(negated_rate=1.5),
                                    dict(negated_rate=True), dict(seed="zero")])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        negation_sentiment(**kwargs)


def test_bag_of_words_refuses_bad_ids():
    with pytest.raises(ValueError):
        bag_of_words(np.array([[5]]), 4)
    with pytest.raises(ValueError):
        bag_of_words(np.array([1.0, 2.0]), 4)
