"""A character corpus found offline (Python's own documentation) and batching for truncated BPTT.

The text is the docstrings (or the source) of a fixed list of pure-Python standard-library
modules, read from the interpreter's own files: English prose about programming with code
examples, under the Python Software Foundation License (PSF-2.0), the licence of the
interpreter itself. It depends only on the Python version (3.11 pinned for the course).
"""
import importlib
import inspect
from typing import NamedTuple

import numpy as np

from ._common import (Examples, check_choice, check_fraction, check_int, make_rng,
                      time_to_batch_first)
from .vocab import Vocabulary

MODULES = ("argparse", "collections", "contextlib", "dataclasses", "difflib", "fractions",
           "functools", "heapq", "inspect", "json", "logging", "pathlib", "random", "shutil",
           "statistics", "string", "textwrap", "unittest", "zipfile", "threading",
           "subprocess", "tarfile", "enum", "calendar", "optparse", "configparser", "ast")


class CharCorpus(NamedTuple):
    train: np.ndarray       # (L_train,) int64 character ids
    validation: np.ndarray  # (L_validation,) int64 character ids
    vocab: Vocabulary       # characters <-> ids (sep="")


def _documents(names, kind):
    """One str per docstring of a module, class, function or method, or per module's source."""
    documents = []
    for name in names:
        module = importlib.import_module(name)
        if kind == "source":
            documents.append(inspect.getsource(module))
            continue
        objects = [module] + [obj for _, obj in sorted(vars(module).items())
                              if (inspect.isclass(obj) or inspect.isfunction(obj))
                              and getattr(obj, "__module__", None) == name]
        methods = [member for cls in objects if inspect.isclass(cls)
                   for _, member in sorted(vars(cls).items()) if inspect.isfunction(member)]
        for obj in objects + methods:
            doc = obj.__doc__                       # its own docstring, never an inherited one
            if isinstance(doc, str) and len(doc) >= 40:
                documents.append(inspect.cleandoc(doc))
    return list(dict.fromkeys(documents))          # each distinct text once


def stdlib_corpus(validation_fraction=0.1, kind="docstrings", modules=MODULES, seed=0):
    """Character-level text from the standard library, split by document, for generation.

    The documents (each docstring of each module, class, function and method, or each module's
    source with ``kind="source"``) are shuffled with ``seed`` and a ``validation_fraction`` of
    them is held out, so no document is in both parts; each part is its documents joined by a
    blank line. With the default modules the docstrings make about 270,000 characters (the
    source about 1.5 million), of about 100 distinct characters.
    It teaches character-level language modelling, sampling with a temperature and truncated
    BPTT over a long stream (chapter 7; batches from :func:`bptt_batches`).

    Returns:
        CharCorpus(train, validation, vocab): (L_train,) and (L_validation,) int64 ids, and the
        character vocabulary of the whole corpus (``vocab.decode(train)`` is the text).
    """
    fraction = check_fraction("validation_fraction", validation_fraction)
    check_choice("kind", kind, ("docstrings", "source"))
    if isinstance(modules, str) or not modules:
        raise ValueError(f"modules: expected a non-empty sequence of module names, got "
                         f"{modules!r}")
    rng = make_rng(seed)
    documents = _documents(modules, kind)
    n_validation = int(round(len(documents) * fraction))
    if not 0 < n_validation < len(documents):
        raise ValueError(f"validation_fraction: expected a fraction leaving both parts "
                         f"non-empty for {len(documents)} documents, got {validation_fraction}")
    order = rng.permutation(len(documents))
    train = "\n\n".join(documents[i] for i in order[n_validation:])
    validation = "\n\n".join(documents[i] for i in order[:n_validation])
    vocab = Vocabulary.build(train + validation, sep="")
    return CharCorpus(vocab.encode(train), vocab.encode(validation), vocab)


def batchify(ids, batch_size):
    """Split one stream into ``batch_size`` parallel streams, side by side.

    ``ids`` (L,) -> (n, B) with n = L // B: column ``b`` is the contiguous piece
    ``ids[b * n : (b + 1) * n]``; the last ``L - n * B`` ids are dropped.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids: expected a 1-d array (L,), got shape {ids.shape}")
    B = check_int("batch_size", batch_size, minimum=1)
    n = len(ids) // B
    if n < 2:
        raise ValueError(f"ids: expected at least 2 * batch_size = {2 * B} ids, got {len(ids)}")
    return np.ascontiguousarray(ids[:n * B].reshape(B, n).T)      # (n, B)


def bptt_batches(ids, batch_size, seq_len, batch_first=False):
    """Consecutive chunks of :func:`batchify`'s streams, for truncated BPTT with carried state.

    Chunk ``k`` holds steps ``k * seq_len .. (k + 1) * seq_len - 1`` of every stream and its
    targets are the next characters, so column ``b`` of chunk ``k + 1`` continues column ``b``
    of chunk ``k``: carry the hidden state from one chunk to the next (detached: the gradient
    stops at the chunk's start). The last chunk may be shorter.

    Yields:
        Examples(x, y): x (T, B) int64 inputs and y (T, B) int64 next characters with
        T <= seq_len ((B, T) with ``batch_first``).
    """
    streams = batchify(ids, batch_size)                           # (n, B)
    seq_len = check_int("seq_len", seq_len, minimum=1)
    for start in range(0, len(streams) - 1, seq_len):
        stop = min(start + seq_len, len(streams) - 1)
        x = streams[start:stop]                                   # (T, B)
        y = streams[start + 1:stop + 1]                           # (T, B)
        yield Examples(time_to_batch_first(x, batch_first), time_to_batch_first(y, batch_first))
