"""A toy translation set for sequence-to-sequence models: ISO dates to English words.

    "2024-03-05"  ->  "march fifth , twenty twenty-four"
    "1907-11-30"  ->  "november thirtieth , nineteen oh seven"

The source is read character by character, the target is produced word by word: the model
must reorder (the year comes first in the source, last in the target), expand one digit into
several words and learn the irregular ordinals.
"""
import datetime
from typing import NamedTuple

import numpy as np

from ._common import check_int, make_rng, time_to_batch_first
from .vocab import BOS, EOS, PAD, Vocabulary

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINALS = ("", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
             "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth")


def _cardinal(n):
    """0..99 in words: "seven", "twenty-four"."""
    if n < 20:
        return _ONES[n]
    return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])


def _ordinal(n):
    """1..31 in words: "fifth", "twenty-first", "thirtieth"."""
    if n <= 20:
        return _ORDINALS[n]
    if n % 10 == 0:
        return _TENS[n // 10][:-1] + "ieth"
    return _TENS[n // 10] + "-" + _ORDINALS[n % 10]


def year_words(year):
    """A year as spoken: 2024 "twenty twenty-four", 1905 "nineteen oh five", 1900 "nineteen
    hundred", 2000-2009 "two thousand", "two thousand seven"."""
    high, low = divmod(year, 100)
    if 2000 <= year <= 2009:
        return "two thousand" + ("" if low == 0 else " " + _ONES[low])
    if low == 0:
        return _cardinal(high) + " hundred"
    if low < 10:
        return _cardinal(high) + " oh " + _ONES[low]
    return _cardinal(high) + " " + _cardinal(low)


def date_words(date):
    """``datetime.date`` -> "march fifth , twenty twenty-four" (words separated by spaces)."""
    return f"{MONTHS[date.month - 1]} {_ordinal(date.day)} , {year_words(date.year)}"


class Seq2SeqExamples(NamedTuple):
    """One set of pairs; S, T = padded source and target lengths, N = number of pairs."""
    src: np.ndarray          # (S, N) int64 source ids then <eos>, padded with <pad> = 0
    src_lengths: np.ndarray  # (N,) int64 source ids including <eos>
    tgt_in: np.ndarray       # (T, N) int64 decoder inputs: <bos> then the target, padded
    tgt_out: np.ndarray      # (T, N) int64 decoder targets: the target then <eos>, padded
    tgt_mask: np.ndarray     # (T, N) bool, True where tgt_out is not padding


class Seq2SeqData(NamedTuple):
    train: Seq2SeqExamples
    validation: Seq2SeqExamples
    src_vocab: Vocabulary    # characters of the source, sep=""
    tgt_vocab: Vocabulary    # words of the target, sep=" "


def _pad(sequences, length):
    """List of (L_i,) int64 -> (N, length) padded with 0."""
    out = np.zeros((len(sequences), length), dtype=np.int64)
    for i, ids in enumerate(sequences):
        out[i, :len(ids)] = ids
    return out


def dates_to_words(n_train=5000, n_validation=1000, first_year=1900, last_year=2099, seed=0,
                   batch_first=False):
    """Pairs (ISO date, date in words) for encoder-decoder models with teacher forcing.

    Years run from 1100 to 9999 at most (four digits, spoken as two numbers).

    Distinct dates between ``first_year``-01-01 and ``last_year``-12-31 are drawn without
    replacement, so no date is in both sets. Vocabularies start with ``<pad>`` = 0,
    ``<bos>`` = 1, ``<eos>`` = 2; the target vocabulary holds every word of every date in the
    range, so validation never meets an unknown word. It teaches the encoder-decoder, teacher
    forcing against free-running decoding, masking the padding in the loss, and greedy or beam
    search (chapter 7); exact-match accuracy on validation is the natural score.

    Returns:
        Seq2SeqData(train, validation, src_vocab, tgt_vocab), sets of Seq2SeqExamples:
            src: (S, N) int64 with S = 11 (10 characters and ``<eos>``).
            src_lengths: (N,) int64, all 11.
            tgt_in, tgt_out: (T, N) int64, T = longest target in either set plus one.
            tgt_mask: (T, N) bool.
        ((N, S) and (N, T) with ``batch_first``.)
        ``tgt_vocab.decode(tgt_out[:, i])`` and ``src_vocab.decode(src[:, i])`` give the text.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_validation = check_int("n_validation", n_validation, minimum=0)
    first_year = check_int("first_year", first_year, minimum=1100)
    last_year = check_int("last_year", last_year, minimum=first_year)
    if last_year > 9999:
        raise ValueError(f"last_year: expected <= 9999, got {last_year}")
    start = datetime.date(first_year, 1, 1)
    n_days = (datetime.date(last_year, 12, 31) - start).days + 1
    if n_train + n_validation > n_days:
        raise ValueError(f"n_train + n_validation: expected <= {n_days} (the days from "
                         f"{first_year} to {last_year}), got {n_train + n_validation}")
    rng = make_rng(seed)
    src_vocab = Vocabulary.build("0123456789-", sep="", specials=(PAD, BOS, EOS))
    words = {w for y in range(first_year, last_year + 1) for w in year_words(y).split()}
    words |= set(MONTHS) | {_ordinal(d) for d in range(1, 32)} | {","}
    tgt_vocab = Vocabulary.build(words, sep=" ", specials=(PAD, BOS, EOS))
    bos, eos = tgt_vocab.token_to_id[BOS], tgt_vocab.token_to_id[EOS]

    offsets = rng.choice(n_days, size=n_train + n_validation, replace=False)
    dates = [start + datetime.timedelta(days=int(k)) for k in offsets]
    src = [np.append(src_vocab.encode(d.isoformat()), eos) for d in dates]
    tgt = [tgt_vocab.encode(date_words(d)) for d in dates]
    T = max(len(t) for t in tgt) + 1

    def build(part):
        s = _pad([src[i] for i in part], 11).T                   # (S, N)
        t_in = _pad([np.insert(tgt[i], 0, bos) for i in part], T).T   # (T, N)
        t_out = _pad([np.append(tgt[i], eos) for i in part], T).T     # (T, N)
        lengths = np.array([len(src[i]) for i in part], dtype=np.int64)
        arrays = (s, lengths, t_in, t_out, t_out != 0)
        return Seq2SeqExamples(*(a if a.ndim == 1 else time_to_batch_first(a, batch_first)
                                 for a in arrays))

    indices = np.arange(n_train + n_validation)
    return Seq2SeqData(build(indices[:n_train]), build(indices[n_train:]), src_vocab, tgt_vocab)
