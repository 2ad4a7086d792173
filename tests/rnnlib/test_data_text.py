"""The standard-library character corpus, the vocabulary and stateful BPTT batches."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from rnnlib.data import Vocabulary, batchify, bptt_batches, one_hot, stdlib_corpus
from rnnlib.data.text import _documents, MODULES
from rnnlib.data.vocab import BOS, EOS, PAD


@pytest.fixture(scope="module")
def corpus():
    return stdlib_corpus(seed=0)


def test_corpus_is_deterministic_per_seed_and_split_by_document(corpus):
    again, other = stdlib_corpus(seed=0), stdlib_corpus(seed=1)
    np.testing.assert_array_equal(corpus.train, again.train)
    assert not np.array_equal(corpus.train[:1000], other.train[:1000])
    assert corpus.train.dtype == corpus.validation.dtype == np.int64
    assert corpus.train.ndim == corpus.validation.ndim == 1
    train, validation = corpus.vocab.decode(corpus.train), corpus.vocab.decode(corpus.validation)
    documents = _documents(MODULES, "docstrings")
    assert len(set(documents)) == len(documents)                  # each text once
    in_train = [d in train for d in documents]
    in_validation = [d in validation for d in documents]
    assert all(a or b for a, b in zip(in_train, in_validation))   # every document, whole
    assert not any(a and b for a, b, d in zip(in_train, in_validation, documents)
                   if len(d) > 300)                                # long ones never in both
    n_validation = round(0.1 * len(documents))
    assert sum(in_validation) >= n_validation
    separators = 2 * (len(documents) - 2)                          # "\n\n" inside each part
    assert len(train) + len(validation) == sum(map(len, documents)) + separators
    assert 200_000 < len(train) + len(validation) < 400_000


def test_source_kind_gives_python_code():
    corpus = stdlib_corpus(kind="source", modules=("textwrap", "heapq", "string"),
                           validation_fraction=0.34)
    text = corpus.vocab.decode(corpus.train) + corpus.vocab.decode(corpus.validation)
    assert "def dedent(" in text and "def heappush(" in text


def test_vocabulary_is_the_sorted_characters_of_the_corpus(corpus):
    assert list(corpus.vocab.tokens) == sorted(corpus.vocab.tokens)
    used = np.union1d(np.unique(corpus.train), np.unique(corpus.validation))
    np.testing.assert_array_equal(used, np.arange(len(corpus.vocab)))


@given(text=st.text(alphabet="abc xyz\n.", max_size=40))
def test_decode_inverts_encode(text):
    vocab = Vocabulary.build("abc xyz\n.")
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert vocab.decode(ids) == text


def test_word_vocabulary_specials_and_errors():
    vocab = Vocabulary.build(["b", "a", "a"], sep=" ", specials=(PAD, BOS, EOS))
    assert vocab.tokens == (PAD, BOS, EOS, "a", "b")
    assert vocab.decode(np.array([1, 3, 4, 2, 3, 0])) == "a b"    # stops at <eos>
    assert vocab.decode(vocab.encode("b a")) == "b a"
    with pytest.raises(ValueError, match=r"got unknown tokens \['c'\]"):
        vocab.encode("a c")
    with pytest.raises(ValueError, match=r"decode: expected ids in \[0, 5\), got values in"):
        vocab.decode(np.array([7]))
    with pytest.raises(ValueError, match="expected distinct tokens"):
        Vocabulary(("a", "a"))


def test_one_hot():
    codes = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert codes.shape == (2, 2, 3) and codes.dtype == np.float64
    np.testing.assert_array_equal(codes.argmax(-1), [[0, 2], [1, 1]])
    with pytest.raises(ValueError, match=r"ids: expected values in \[0, 3\), got values in"):
        one_hot(np.array([3]), 3)


@given(L=st.integers(2, 60), B=st.integers(1, 5), seq_len=st.integers(1, 9),
       batch_first=st.booleans())
def test_bptt_chunks_continue_each_stream(L, B, seq_len, batch_first):
    ids = np.arange(L, dtype=np.int64) * 7
    if L // B < 2:
        with pytest.raises(ValueError, match=f"expected at least 2 \\* batch_size = {2 * B}"):
            batchify(ids, B)
        return
    streams = batchify(ids, B)
    n = L // B
    assert streams.shape == (n, B)
    for b in range(B):                                            # contiguous pieces of the text
        np.testing.assert_array_equal(streams[:, b], ids[b * n:(b + 1) * n])
    chunks = list(bptt_batches(ids, B, seq_len, batch_first=batch_first))
    if batch_first:
        chunks = [(x.T, y.T) for x, y in chunks]
    assert all(x.shape == y.shape and x.shape[0] <= seq_len for x, y in chunks)
    assert all(x.shape[1] == B and x.dtype == np.int64 for x, _ in chunks)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in chunks]), streams[:-1])
    np.testing.assert_array_equal(np.concatenate([y for _, y in chunks]), streams[1:])


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="bytes"), "kind: expected one of 'docstrings', 'source', got 'bytes'"),
    (dict(modules="json"), "modules: expected a non-empty sequence of module names"),
    (dict(validation_fraction=0.0), r"validation_fraction: expected a number in \(0.0, 1.0\)"),
])
def test_corpus_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        stdlib_corpus(**kwargs)
