"""A vocabulary: tokens <-> integer ids, for characters (``sep=""``) or words (``sep=" "``).

Special tokens, when a vocabulary has them, come first: ``<pad>`` = 0, ``<bos>`` = 1,
``<eos>`` = 2, so a zero-filled id array is all padding.
"""
from dataclasses import dataclass, field

import numpy as np

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


@dataclass(frozen=True)
class Vocabulary:
    """Tokens in id order; ``sep`` joins decoded tokens ("" for characters, " " for words).

    ``encode(text)`` -> (L,) int64 ids; ``decode(ids)`` -> str, dropping ``<pad>`` and ``<bos>``
    and stopping at the first ``<eos>``, so ``decode(encode(s)) == s`` for any text ``s`` made
    of the vocabulary's ordinary tokens.
    """
    tokens: tuple
    sep: str = ""
    token_to_id: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "tokens", tuple(self.tokens))
        object.__setattr__(self, "token_to_id", {t: i for i, t in enumerate(self.tokens)})
        if len(self.token_to_id) != len(self.tokens):
            raise ValueError(f"tokens: expected distinct tokens, got {len(self.tokens)} tokens "
                             f"of which {len(self.token_to_id)} distinct")

    @classmethod
    def build(cls, tokens, sep="", specials=()):
        """A vocabulary: ``specials`` in the order given, then the distinct ``tokens`` sorted."""
        specials = tuple(specials)
        ordinary = sorted(set(tokens) - set(specials))
        return cls(specials + tuple(ordinary), sep)

    def __len__(self):
        return len(self.tokens)

    def split(self, text):
        """The tokens of ``text``: its characters if ``sep`` is "", else ``text.split(sep)``."""
        return list(text) if self.sep == "" else text.split(self.sep)

    def encode(self, text):
        """``text`` (a str or a list of tokens) -> (L,) int64 ids; unknown tokens raise."""
        tokens = self.split(text) if isinstance(text, str) else list(text)
        index = self.token_to_id
        unknown = sorted({t for t in tokens if t not in index})
        if unknown:
            raise ValueError(f"encode: expected tokens of the vocabulary ({len(self)} tokens), "
                             f"got unknown tokens {unknown[:10]!r}")
        return np.fromiter((index[t] for t in tokens), dtype=np.int64, count=len(tokens))

    def decode(self, ids):
        """(L,) integer ids -> str: ``<pad>``/``<bos>`` dropped, stops at the first ``<eos>``."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"decode: expected a 1-d integer array, got {ids.ndim}-d of dtype "
                             f"{ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"decode: expected ids in [0, {len(self)}), got values in "
                             f"[{ids.min()}, {ids.max()}]")
        out = []
        for i in ids.tolist():
            token = self.tokens[i]
            if token == EOS:
                break
            if token not in (PAD, BOS):
                out.append(token)
        return self.sep.join(out)
