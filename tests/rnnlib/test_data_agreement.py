"""The agreement grammar: labels follow the subject, whatever the distractors say."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from rnnlib.data import subject_verb_agreement
from rnnlib.data.agreement import ANIMATE, CLAUSE_VERBS, NOUNS, PREPOSITIONS, VERBS

NUMBER = {form: n for pair in NOUNS for n, form in enumerate(pair)}
CLAUSE_NUMBER = {form: n for pair in CLAUSE_VERBS for n, form in enumerate(pair)}


def parse(words):
    """Read a sentence with the grammar by hand: (subject number, distractor nouns' numbers)."""
    assert words[0] == "the" and words[1] in NUMBER
    subject, nouns, i = NUMBER[words[1]], [], 2
    while i < len(words):
        if words[i] in PREPOSITIONS:
            assert words[i + 1] == "the"
            nouns.append(NUMBER[words[i + 2]])
            i += 3
        else:
            assert words[i:i + 2] == ["that", "the"]
            noun, verb = words[i + 2], words[i + 3]
            assert noun in {form for pair in ANIMATE for form in pair}
            assert CLAUSE_NUMBER[verb] == NUMBER[noun]     # the clause's own agreement
            nouns.append(NUMBER[noun])
            i += 4
    return subject, nouns


def sentences(part, vocab, batch_first=False):
    x = part.x if batch_first else part.x.T
    return [vocab.decode(row).split(" ") for row in x]


@given(n=st.integers(1, 8), m=st.integers(0, 5), low=st.integers(0, 3), extra=st.integers(0, 3),
       seed=st.integers(0, 1000))
def test_labels_are_the_subjects_number_regardless_of_distractors(n, m, low, extra, seed):
    data = subject_verb_agreement(n, m, min_distractors=low, max_distractors=low + extra,
                                  seed=seed)
    T = 2 + 4 * (low + extra)
    for part, size in ((data.train, n), (data.validation, m)):
        assert part.x.shape == (T, size) and part.x.dtype == np.int64
        for name in ("y", "lengths", "n_attractors"):
            assert getattr(part, name).shape == (size,)
            assert getattr(part, name).dtype == np.int64
        for i, words in enumerate(sentences(part, data.vocab)):
            subject, nouns = parse(words)
            assert part.y[i] == subject
            assert low <= len(nouns) <= low + extra
            assert part.n_attractors[i] == sum(noun != subject for noun in nouns)
            assert part.lengths[i] == len(words)
            assert np.all(part.x[len(words):, i] == 0)          # right padding


def test_attractor_rate_controls_the_distractor_nouns():
    for rate, expected in ((1, "all"), (0, "none")):
        data = subject_verb_agreement(50, 0, min_distractors=2, max_distractors=2,
                                      attractor_rate=rate, seed=0)
        if expected == "all":
            assert np.all(data.train.n_attractors == 2)
        else:
            assert np.all(data.train.n_attractors == 0)


def test_labels_are_balanced_and_verbs_name_them():
    data = subject_verb_agreement(2000, 0, seed=0)
    assert 0.45 < data.train.y.mean() < 0.55
    assert VERBS == ("is", "are")


def test_left_padding_ends_every_sentence_on_the_last_step():
    right = subject_verb_agreement(30, 10, seed=5)
    left = subject_verb_agreement(30, 10, seed=5, padding="left")
    for r, l in ((right.train, left.train), (right.validation, left.validation)):
        assert np.all(l.x[-1] != 0)
        for i in range(r.x.shape[1]):
            k = r.lengths[i]
            np.testing.assert_array_equal(l.x[-k:, i], r.x[:k, i])
            assert np.all(l.x[:-k, i] == 0)
        np.testing.assert_array_equal(l.y, r.y)


def test_seeds_batch_first_and_disjointness():
    a, b = subject_verb_agreement(200, 200, seed=1), subject_verb_agreement(200, 200, seed=1)
    np.testing.assert_array_equal(a.train.x, b.train.x)
    np.testing.assert_array_equal(a.validation.y, b.validation.y)
    assert not np.array_equal(a.train.x, subject_verb_agreement(200, 200, seed=2).train.x)
    bf = subject_verb_agreement(200, 200, seed=1, batch_first=True)
    np.testing.assert_array_equal(bf.train.x, a.train.x.T)
    np.testing.assert_array_equal(bf.train.lengths, a.train.lengths)
    small = subject_verb_agreement(100, 100, max_distractors=1, seed=0)   # few sentences exist
    train = {tuple(c) for c in small.train.x.T}
    assert not any(tuple(c) in train for c in small.validation.x.T)


@pytest.mark.parametrize("kwargs, message", [
    (dict(min_distractors=3, max_distractors=2),
     "max_distractors: expected >= min_distractors = 3, got 2"),
    (dict(attractor_rate=1.5), r"attractor_rate: expected a number in \[0, 1\], got 1.5"),
    (dict(padding="middle"), "padding: expected one of 'right', 'left', got 'middle'"),
    (dict(n_train=0), "n_train: expected an int >= 1, got 0"),
])
def test_bad_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        subject_verb_agreement(**kwargs)
