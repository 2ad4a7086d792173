"""What assignment 4's grading spec runs inside the sandbox, as source text: a stand-in for
``rnnlib.data`` (the sandbox has no rnnlib) and the drivers that call the student's code.

Each driver defines ``drive(ns, *args)`` (see course.grading.spec.Task.driver): it builds what
the graded call needs from plain arrays, calls the student's class or function from the
namespace ``ns`` the notebook ran in, and returns plain arrays. The spec runs the same source
here, on the reference's namespace, for the expected values.
"""

NAMES = ("embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
         "lstm.bias_hh_l0", "head.weight", "head.bias")   # CharLSTM's state dict, in order

RNNLIB_DATA = '''"""The grading sandbox's rnnlib.data: batching helpers and a small stand-in corpus.

stdlib_corpus() returns a few thousand characters of the course corpus with its real vocabulary,
so that top-level code stays cheap; the graded calls get their data from the grader.
"""
import os
from typing import NamedTuple

import numpy as np


class Examples(NamedTuple):
    x: np.ndarray
    y: np.ndarray


class Vocabulary:
    def __init__(self, tokens):
        self.tokens = tuple(tokens)
        self.token_to_id = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self):
        return len(self.tokens)

    def encode(self, text):
        return np.array([self.token_to_id[t] for t in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.tokens[int(i)] for i in np.asarray(ids).reshape(-1))


class CharCorpus(NamedTuple):
    train: np.ndarray
    validation: np.ndarray
    vocab: Vocabulary


def stdlib_corpus(*args, **kwargs):
    with np.load(os.path.join(os.path.dirname(__file__), "corpus.npz"), allow_pickle=False) as d:
        return CharCorpus(d["train"], d["validation"], Vocabulary(chr(c) for c in d["vocab"]))


def batchify(ids, batch_size):
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids: expected a 1-d array (L,), got shape {ids.shape}")
    B = int(batch_size)
    n = len(ids) // B
    if n < 2:
        raise ValueError(f"ids: expected at least 2 * batch_size = {2 * B} ids, got {len(ids)}")
    return np.ascontiguousarray(ids[:n * B].reshape(B, n).T)


def bptt_batches(ids, batch_size, seq_len, batch_first=False):
    streams = batchify(ids, batch_size)
    seq_len = int(seq_len)
    for start in range(0, len(streams) - 1, seq_len):
        stop = min(start + seq_len, len(streams) - 1)
        x, y = streams[start:stop], streams[start + 1:stop + 1]
        if batch_first:
            x, y = np.ascontiguousarray(x.T), np.ascontiguousarray(y.T)
        yield Examples(x, y)
'''

# Shared by the drivers ------------------------------------------------------------------

COMMON = f'NAMES = {NAMES!r}\n' + '''
import torch
import torch.nn.functional as F
from torch import nn


class _Quiet:
    """stdout while graded code runs: printing costs nothing and floods nothing."""
    def write(self, text):
        return len(text)

    def flush(self):
        pass


def _array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().double().numpy()
    return np.asarray(value, dtype=float)


def _load(model, weights):
    names = list(model.state_dict())
    if len(names) != len(weights):
        raise AssertionError(f"expected {len(weights)} parameter tensors, got {len(names)}: "
                             f"{', '.join(names)}")
    model.load_state_dict({n: torch.from_numpy(w) for n, w in zip(names, weights)}, strict=True)
'''

# Task 4.1 -------------------------------------------------------------------------------

MODEL_DRIVER = COMMON + '''

def drive(ns, sizes, weights, x, h0, c0, how):
    """CharLSTM(K, E, H) with the given weights on x (T, B): (logits, h, c) as arrays, from
    state None (how="none"), from (h0, c0) ("given"), or over x[:2] then x[2:] ("chunks")."""
    K, E, H = (int(s) for s in sizes)
    model = ns["CharLSTM"](K, E, H)
    for attr, kind in (("embed", nn.Embedding), ("lstm", nn.LSTM), ("head", nn.Linear)):
        if not isinstance(getattr(model, attr, None), kind):
            raise AssertionError(f"expected self.{attr} to be an nn.{kind.__name__}, got "
                                 f"{type(getattr(model, attr, None)).__name__}")
    if model.lstm.num_layers != 1:
        raise AssertionError("self.lstm should be nn.LSTM(embed_size, hidden_size) with one layer")
    if model.lstm.batch_first:
        raise AssertionError("the LSTM must be time-major: leave batch_first=False")
    model.load_state_dict({n: torch.from_numpy(w) for n, w in zip(NAMES, weights)}, strict=True)
    x = torch.from_numpy(x)
    with torch.no_grad():
        if how == "chunks":
            first, middle = model(x[:2])
            second, state = model(x[2:], middle)
            logits = torch.cat([first, second])
        else:
            out = model(x) if how == "none" else model(x, (torch.from_numpy(h0),
                                                           torch.from_numpy(c0)))
            if not (isinstance(out, tuple) and len(out) == 2):
                raise AssertionError("CharLSTM.forward must return (logits, state)")
            logits, state = out
    if not (isinstance(state, tuple) and len(state) == 2):
        raise AssertionError(f"CharLSTM.forward must return the LSTM's new state (h, c), got "
                             f"{type(state).__name__}")
    return _array(logits), _array(state[0]), _array(state[1])
'''


# Tasks 4.2 and 4.3: a small model that records every call ------------------------------

SPY = COMMON + '''
from rnnlib.data import bptt_batches


class Spy(nn.Module):
    """A small model that records every call: kind "elman" is the notebook's SpyLM (an Elman
    RNN whose second state c is a running sum of the h's), kind "lstm" an embedding, a one-layer
    LSTM and a head. model(x (T, B) int64, state) -> (logits (T, B, V), (h, c) each (1, B, H)).
    """

    def __init__(self, kind, V, H, E):
        super().__init__()
        self.kind = kind
        if kind == "elman":
            self.embed, self.U, self.head = nn.Embedding(V, H), nn.Linear(H, H), nn.Linear(H, V)
        else:
            self.embed, self.lstm, self.head = nn.Embedding(V, E), nn.LSTM(E, H), nn.Linear(H, V)
        self.calls = []     # per call: (x, started from the right state, state had a grad_fn,
        self.last = None    #   training, gradients on); the state it returned last

    def forward(self, x, state=None):
        x = torch.as_tensor(x)
        T, B = x.shape
        H = self.head.in_features
        if state is None:
            right, graph = self.last is None, False
        else:
            state = tuple(state)
            if self.last is None:   # the first chunk: None or zeros
                right = all(float(s.detach().abs().max()) == 0 for s in state)
            else:
                right = len(state) == len(self.last) and all(
                    s.shape == p.shape and torch.equal(s.detach(), p)
                    for s, p in zip(state, self.last))
            graph = any(s.grad_fn is not None for s in state)
        if self.kind == "elman":
            h, c = (torch.zeros(1, B, H), torch.zeros(1, B, H)) if state is None else state
            outputs = []
            for t in range(T):
                h = torch.tanh(self.embed(x[t]) + self.U(h[0]))[None]        # (1, B, H)
                c = c + h
                outputs.append(h[0])
            logits, new = self.head(torch.stack(outputs)), (h, c)
        else:
            out, new = self.lstm(self.embed(x), state)
            logits = self.head(out)
        self.calls.append((x.detach().numpy().astype(float).reshape(-1), float(right),
                           float(graph), float(self.training), float(torch.is_grad_enabled())))
        self.last = tuple(s.detach().clone() for s in new)
        return logits, new


def _build(kind, sizes, weights):
    V, H, E = (int(s) for s in sizes)
    model = Spy(kind, V, H, E)
    _load(model, weights)
    return model


def _records(model):
    """What the model saw: number of calls, the inputs (flat), and per call the four flags."""
    calls = model.calls
    xs = np.concatenate([c[0] for c in calls]) if calls else np.zeros(0)
    return [float(len(calls)), xs] + [np.array([c[k] for c in calls]) for k in range(1, 5)]
'''

EPOCH_DRIVER = SPY + '''

def drive(ns, kind, sizes, weights, ids, batch_size, seq_len, clip, optimizer, lr, epochs):
    """train_epoch on a Spy, started in evaluation mode, for ``epochs`` epochs: what the model
    saw, the returned losses (epochs,) and the parameters after."""
    import contextlib
    model = _build(kind, sizes, weights)
    model.eval()   # train_epoch must switch it to training mode
    make = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
    opt = make(model.parameters(), lr=lr)
    losses = []
    try:
        with contextlib.redirect_stdout(_Quiet()):
            for _ in range(int(epochs)):
                model.last = None
                loss = ns["train_epoch"](model, ids, opt, int(batch_size), int(seq_len), clip)
                losses.append(float(loss))
    except RuntimeError as e:   # the notebook's hint for what a state left attached causes
        if "backward through the graph" in str(e) or "inplace operation" in str(e):
            raise RuntimeError("detach the state between chunks (state = tuple(s.detach() for s "
                               f"in state)); torch said: {e}") from None
        raise
    return _records(model) + [np.array(losses)] + [_array(p) for p in model.parameters()]
'''

EVALUATE_DRIVER = SPY + '''

def drive(ns, kind, sizes, weights, ids, batch_size, seq_len):
    """evaluate on a Spy, started in training mode: what the model saw, the returned loss and
    perplexity, and whether gradients were computed."""
    import contextlib
    model = _build(kind, sizes, weights)
    model.train()   # evaluate must switch it to evaluation mode
    with contextlib.redirect_stdout(_Quiet()):
        out = ns["evaluate"](model, ids, int(batch_size), int(seq_len))
    if not (isinstance(out, tuple) and len(out) == 2):
        raise AssertionError("evaluate must return (loss, perplexity)")
    grads = any(p.grad is not None for p in model.parameters())
    return _records(model) + [float(out[0]), float(out[1]), float(grads)]
'''


# Task 4.4 -------------------------------------------------------------------------------

TRAIN_PUBLIC_DRIVER = SPY + '''

def drive(ns, train_ids, vocab_size):
    """train_model with stand-ins for CharLSTM (a Spy that does not train) and train_epoch
    (records its calls): eight checks of how it uses them, 1.0 each when right."""
    import contextlib
    built, epochs = [], []

    class StandInCharLSTM(Spy):
        def __init__(self, vocab_size, embed_size, hidden_size):
            super().__init__("elman", vocab_size, 6, 6)
            built.append((self, vocab_size))

    def stand_in_epoch(model, ids, optimizer, batch_size, seq_len, clip=1.0):
        epochs.append((model, ids, optimizer))
        return 1.0

    saved = {name: ns[name] for name in ("CharLSTM", "train_epoch") if name in ns}
    ns["CharLSTM"], ns["train_epoch"] = StandInCharLSTM, stand_in_epoch
    try:
        with contextlib.redirect_stdout(_Quiet()):
            trained = ns["train_model"](train_ids, int(vocab_size))
    finally:
        for name in ("CharLSTM", "train_epoch"):
            ns.pop(name, None)
        ns.update(saved)
    params = {id(p) for p in getattr(trained, "parameters", lambda: [])()}
    return [float(bool(built)), float(bool(epochs)),
            float(any(trained is m for m, _ in built)),
            float(all(m is trained for m, _, _ in epochs)),
            float(all(v == int(vocab_size) for _, v in built)),
            float(all(isinstance(o, torch.optim.Optimizer) for _, _, o in epochs)),
            float(all(isinstance(o, torch.optim.Optimizer)
                      and {id(p) for g in o.param_groups for p in g["params"]} == params
                      for _, _, o in epochs)),
            float(all(np.shares_memory(np.asarray(i), train_ids) or np.array_equal(i, train_ids)
                      for _, i, _ in epochs))]
'''

TRAIN_DRIVER = COMMON + '''
import contextlib
import time

from rnnlib.data import bptt_batches


class ReferenceCharLSTM(nn.Module):
    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def reference_train_epoch(model, ids, optimizer, batch_size, seq_len, clip=1.0):
    model.train()
    state, total, count = None, 0.0, 0
    for x, y in bptt_batches(ids, batch_size, seq_len):
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        if state is not None:
            state = tuple(s.detach() for s in state)
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        total += loss.item() * y.numel()
        count += y.numel()
    return total / count


def drive(ns, train_ids, vocab_size):
    """train_model with the reference CharLSTM and train_epoch in place of the student's:
    [seconds it took, the trained model's weights in NAMES order]."""
    saved = {name: ns[name] for name in ("CharLSTM", "train_epoch") if name in ns}
    ns["CharLSTM"], ns["train_epoch"] = ReferenceCharLSTM, reference_train_epoch
    try:
        torch.manual_seed(0)
        start = time.process_time()   # CPU time: a busy machine costs nothing
        with contextlib.redirect_stdout(_Quiet()):
            trained = ns["train_model"](train_ids.copy(), int(vocab_size))
        seconds = time.process_time() - start
    finally:
        for name in ("CharLSTM", "train_epoch"):
            ns.pop(name, None)
        ns.update(saved)
    if not isinstance(trained, ReferenceCharLSTM):
        raise AssertionError("train_model must return the CharLSTM it trained")
    weights = trained.state_dict()
    return [seconds] + [_array(weights[n]) for n in NAMES]
'''
