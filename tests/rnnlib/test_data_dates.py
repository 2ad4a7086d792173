"""The dates-to-words translation set: the words, the teacher-forcing layout, the split."""
import datetime

import numpy as np
import pytest
from hypothesis import given, strategies as st

from rnnlib.data import dates_to_words
from rnnlib.data.dates import date_words, year_words


@pytest.mark.parametrize("year, words", [
    (2024, "twenty twenty-four"), (1905, "nineteen oh five"), (1900, "nineteen hundred"),
    (2000, "two thousand"), (2007, "two thousand seven"), (2010, "twenty ten"),
    (1999, "nineteen ninety-nine"), (1812, "eighteen twelve")])
def test_year_words(year, words):
    assert year_words(year) == words


@pytest.mark.parametrize("day, word", [(1, "first"), (2, "second"), (3, "third"), (12, "twelfth"),
                                       (20, "twentieth"), (21, "twenty-first"),
                                       (30, "thirtieth"), (31, "thirty-first")])
def test_ordinals(day, word):
    assert date_words(datetime.date(2024, 3, day)) == f"march {word} , twenty twenty-four"


@pytest.fixture(scope="module")
def data():
    return dates_to_words(300, 100, seed=0)


def test_pairs_decode_to_a_date_and_its_words(data):
    for part in (data.train, data.validation):
        for i in range(part.src.shape[1]):
            iso = data.src_vocab.decode(part.src[:, i])
            words = data.tgt_vocab.decode(part.tgt_out[:, i])
            assert words == date_words(datetime.date.fromisoformat(iso))
            assert data.tgt_vocab.decode(part.tgt_in[:, i]) == words


def test_teacher_forcing_layout(data):
    for part in (data.train, data.validation):
        S, N = part.src.shape
        T = part.tgt_in.shape[0]
        assert S == 11 and part.tgt_out.shape == part.tgt_mask.shape == (T, N)
        assert part.src.dtype == part.tgt_in.dtype == part.tgt_out.dtype == np.int64
        assert part.tgt_mask.dtype == bool and part.src_lengths.shape == (N,)
        assert np.all(part.src[-1] == 2) and np.all(part.src_lengths == 11)   # <eos>
        assert np.all(part.tgt_in[0] == 1)                                    # <bos>
        words = part.tgt_mask[:-1] & (part.tgt_out[:-1] != 2)             # not <eos>
        np.testing.assert_array_equal(part.tgt_in[1:][words],
                                      part.tgt_out[:-1][words])             # shifted by one
        lengths = part.tgt_mask.sum(axis=0)
        np.testing.assert_array_equal(part.tgt_out[lengths - 1, np.arange(N)], 2)  # ends <eos>
        np.testing.assert_array_equal(part.tgt_mask, part.tgt_out != 0)
    assert data.train.tgt_in.shape[0] == data.validation.tgt_in.shape[0]


@given(n=st.integers(1, 20), m=st.integers(0, 10), seed=st.integers(0, 10**6))
def test_dates_are_distinct_and_disjoint(n, m, seed):
    d = dates_to_words(n, m, first_year=2000, last_year=2000, seed=seed)
    train = {tuple(c) for c in d.train.src.T}
    validation = {tuple(c) for c in d.validation.src.T}
    assert len(train) == n and len(validation) == m and not train & validation


def test_seeds_and_batch_first():
    a, b, c = (dates_to_words(50, 10, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.train.tgt_out, b.train.tgt_out)
    assert not np.array_equal(a.train.src, c.train.src)
    bf = dates_to_words(50, 10, seed=3, batch_first=True)
    for name in ("src", "tgt_in", "tgt_out", "tgt_mask"):
        np.testing.assert_array_equal(getattr(bf.validation, name),
                                      getattr(a.validation, name).T)
    np.testing.assert_array_equal(bf.validation.src_lengths, a.validation.src_lengths)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_train=300, n_validation=100, first_year=2001, last_year=2001),
     r"n_train \+ n_validation: expected <= 365 \(the days from 2001 to 2001\), got 400"),
    (dict(first_year=900), "first_year: expected an int >= 1100, got 900"),
    (dict(first_year=2000, last_year=1999), "last_year: expected an int >= 2000, got 1999"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dates_to_words(**kwargs)
