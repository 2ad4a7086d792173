"""Grading spec of assignment 4 (a character-level LSTM language model in PyTorch), mirroring the
source's test cells.

The graded objects are a class and functions that take models and optimizers, so each task is
called through a driver (``Task.driver``, run in the sandbox with the student's namespace and
here with the reference's) that builds what the call needs from plain arrays and returns plain
arrays:

- Task 4.1 builds the student's ``CharLSTM`` with weights sent as arrays (its state dict, loaded
  strictly: exactly the three layers asked for) and returns its scores and new state;
- Tasks 4.2 and 4.3 give ``train_epoch`` and ``evaluate`` a small recording stand-in model (the
  notebook's ``SpyLM``, or an embedding-LSTM-head model) with weights sent as arrays, and return
  what it saw (the chunks, whether each started from the right state, detached, in which mode,
  with gradients on) and the loss and trained weights, compared with the reference's here;
- Task 4.4 runs ``train_model`` with reference versions of ``CharLSTM`` and ``train_epoch`` in
  place of the student's, as the hidden test does, and returns the trained model's weights; the
  validation perplexity is computed here, by :func:`validation_perplexity` on the real held-out
  text (never sent to the sandbox), so no code in the sandbox can report a number of its own.

The sandbox has no ``rnnlib``: :func:`sandbox_files` puts a small ``rnnlib.data`` there (the
batching helpers and a ``stdlib_corpus()`` returning a few thousand characters with the real
vocabulary), so the notebook's setup cell runs and its top-level demonstration (training on
``corpus.train``) stays cheap; graded calls get their data from the cases. Any other use of
``rnnlib`` fails there, as the notebook's ``check_no_rnnlib`` makes it fail.

Public cases use fixed inputs; hidden ones values drawn from the generator seeded per
submission. The 90 s budget of Task 4.4 is the CPU time the driver measures around the call
(honest code reports it truly; a neighbour's load does not count against it), within the
sandbox's limits (enforced from outside, ``Task.limits``).
"""
import functools
import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..spec import Case, Task
from ._assignment4_sandbox import (EPOCH_DRIVER, EVALUATE_DRIVER, MODEL_DRIVER, NAMES,
                                   RNNLIB_DATA, SPY, TRAIN_DRIVER, TRAIN_PUBLIC_DRIVER)

NOTEBOOK = "assignment4.ipynb"

IDS = ["task4_1_CharLSTM", "task4_2_train_epoch", "task4_3_evaluate", "task4_4_train_model"]
PUBLIC = {k + 1: f"test_{gid}_public" for k, gid in enumerate(IDS)}
HIDDEN = {k + 1: f"test_{gid}_hidden" for k, gid in enumerate(IDS)}

BUDGET_S, THRESHOLD = 90.0, 9.0          # Task 4.4: train_model's time, validation perplexity
STUB_CHARACTERS = 4096                   # the sandbox corpus's train and validation lengths


@functools.lru_cache(maxsize=1)
def corpus():
    """The real corpus (trusted, computed here): train ids go to Task 4.4's sandbox, the
    validation ids never leave this process."""
    from rnnlib.data import stdlib_corpus
    return stdlib_corpus()


@functools.lru_cache(maxsize=None)
def _namespace(source):
    """The definitions of a driver's source, here (e.g. Spy, to compute hints)."""
    ns = {"__name__": "driver", "np": np, "_calls": []}
    exec(source, ns)
    return ns


# What the sandbox gets in place of rnnlib ---------------------------------------------------

def sandbox_files():
    """{path in the job folder: bytes}: the stand-in ``rnnlib`` package and its corpus."""
    c = corpus()
    n = STUB_CHARACTERS
    data = io.BytesIO()
    np.savez(data, train=c.train[:n], validation=c.train[n:2 * n],   # not the held-out text
             vocab=np.array([ord(t) for t in c.vocab.tokens], dtype=np.int64))
    return {"rnnlib/__init__.py": b'"""The grading sandbox offers only rnnlib.data."""\n',
            "rnnlib/data.py": RNNLIB_DATA.encode(), "rnnlib/corpus.npz": data.getvalue()}


# Task 4.1 -----------------------------------------------------------------------------------

def _model_weights(gen, K, E, H):
    shapes = [(K, E), (4 * H, E), (4 * H, H), (4 * H,), (4 * H,), (K, H), (K,)]
    return [(0.5 * gen.normal(size=s)).astype(np.float32) for s in shapes]


def _reference_model(weights):
    """The reference CharLSTM (embedding, LSTM, head) holding ``weights`` (NAMES order)."""
    K, E = weights[0].shape
    H = weights[2].shape[1]
    model = _namespace(TRAIN_DRIVER)["ReferenceCharLSTM"](K, E, H)
    model.load_state_dict({n: torch.as_tensor(np.asarray(w), dtype=torch.float32)
                           for n, w in zip(NAMES, weights)}, strict=True)
    return model


def _model_mistakes(sizes, weights, x, h0, c0, how):
    model = _reference_model(weights)
    x = torch.from_numpy(x)
    with torch.no_grad():
        fresh = model(x)[0]
        if how == "chunks":
            first, _ = model(x[:2])
            logits = fresh
            found = [("The second chunk gives the scores of a fresh start: pass the state to "
                      "self.lstm (self.lstm(e, state)) and return the state it returns.",
                      torch.cat([first, model(x[2:])[0]]).double().numpy())]
        elif how == "given":
            logits = model(x, (torch.from_numpy(h0), torch.from_numpy(c0)))[0]
            found = [("The given state is ignored: pass it to self.lstm.", fresh.double().numpy())]
        else:
            logits, found = fresh, []
    found += [("The scores look passed through softmax: return the logits z_t; softmax belongs "
               "to the loss.", torch.softmax(logits, -1).double().numpy()),
              ("The scores look passed through log_softmax: return the logits z_t = V h_t + b_y.",
               torch.log_softmax(logits, -1).double().numpy())]
    if how == "given":   # outputs: the scores (0), h (1), c (2)
        found += [("This is the state passed in: return the LSTM's new state.", {1: h0, 2: c0})]
    return found


def model_cases(rng):
    fixed = np.random.default_rng(41)
    sizes = np.array([7, 3, 5])
    weights = _model_weights(fixed, 7, 3, 5)
    x = np.array([[0, 1], [2, 3], [4, 5], [6, 0]])                            # (T, B) = (4, 2)
    zeros = np.zeros((1, 2, 5), dtype=np.float32)
    cases = [Case(PUBLIC[1], [sizes, weights, x, zeros, zeros, how], label,
                  mistakes=_model_mistakes)
             for how, label in [("none", "CharLSTM(7, 3, 5) on a (4, 2) chunk, state None"),
                                ("given", "the same chunk from state=(zeros, zeros)"),
                                ("chunks", "the same chunk read in two chunks, the second from "
                                           "the first's state")]]
    for K, E, H, T, B in [(11, 4, 6, 5, 3), (5, 2, 3, 1, 1), (9, 8, 4, 7, 2)]:
        weights = _model_weights(rng, K, E, H)
        x = rng.integers(0, K, size=(T, B))
        h0, c0 = (rng.normal(size=(1, B, H)).astype(np.float32) for _ in range(2))
        for how in ("given", "none", "chunks"):
            if how == "chunks" and T < 3:
                continue
            cases.append(Case(HIDDEN[1], [np.array([K, E, H]), weights, x, h0, c0, how],
                              mistakes=_model_mistakes))
    return cases


# Tasks 4.2 and 4.3: a recording stand-in model ----------------------------------------------

CHUNK_EXPLAIN = {
    0: ("called the model {got} times for {expected} chunks of bptt_batches(ids, batch_size, "
        "seq_len): once per chunk."),
    1: ("the model did not get x of each chunk of bptt_batches(ids, batch_size, seq_len), in "
        "order, time-major (T, B)."),
    2: ("a chunk did not start from the state the model returned for the chunk before (the "
        "first from state=None): carry the state from chunk to chunk (do not reset it to None "
        "or zeros)."),
}


def _spy_weights(gen, kind, V, H, E=4):
    spy = _namespace(SPY)["Spy"](kind, V, H, E)
    return [(0.5 * gen.normal(size=tuple(p.shape))).astype(np.float32) for p in spy.parameters()]


def _chunks(ids, B, T):
    from rnnlib.data import bptt_batches
    return list(bptt_batches(ids, B, T))


# Where the drivers of Tasks 4.2 and 4.3 return what a known mistake predicts (see _records in
# _assignment4_sandbox.py: calls, the inputs the model saw, four flags; then the task's own)
SEEN, LOSS, PERPLEXITY, PARAMETERS = 1, 6, 7, 7


def _inputs_mistakes(ids, B, T, epochs=1):
    ys = np.concatenate([y.reshape(-1) for _, y in _chunks(ids, B, T)] * epochs).astype(float)
    xs_t = np.concatenate([x.T.reshape(-1) for x, _ in _chunks(ids, B, T)] * epochs)
    return [("A chunk fed the targets y to the model: feed x, predict y.", {SEEN: ys}),
            ("The chunks look transposed: the model is time-major, x is (T, B).", {SEEN: xs_t})]


def _reference_epoch(model, ids, optimizer, B, T, clip, clipping="norm", zero_grad=True,
                     reduction="mean"):
    """The hidden test's reference epoch, with its variants; returns (loss, chunk losses, sizes,
    chunk losses against x)."""
    model.train()
    state, losses, sizes, on_x = None, [], [], []
    for x, y in _chunks(ids, B, T):
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        if state is not None:
            state = tuple(s.detach() for s in state)
        logits, state = model(x, state)
        flat = logits.reshape(-1, logits.shape[-1])
        loss = F.cross_entropy(flat, y.reshape(-1), reduction=reduction)
        on_x.append(F.cross_entropy(flat, x.reshape(-1)).item())
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        if clipping == "norm":
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        elif clipping == "value":
            nn.utils.clip_grad_value_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item() / (y.numel() if reduction == "sum" else 1))
        sizes.append(y.numel())
    losses, sizes = np.array(losses), np.array(sizes)
    return float((losses * sizes).sum() / sizes.sum()), losses, sizes, np.array(on_x)


def _epoch_mistakes(kind, sizes, weights, ids, B, T, clip, optimizer, lr, epochs):
    found = _inputs_mistakes(ids, B, T, epochs)
    if optimizer != "sgd" or epochs != 1:
        return found
    Spy = _namespace(SPY)["Spy"]

    def run(**variant):
        model = Spy(kind, *(int(s) for s in sizes))
        model.load_state_dict(dict(zip(model.state_dict(), map(torch.from_numpy, weights))))
        result = _reference_epoch(model, ids, torch.optim.SGD(model.parameters(), lr=lr),
                                  B, T, clip, **variant)
        return result, [p.detach().double().numpy() for p in model.parameters()]

    (mean, losses, n, on_x), _ = run()
    found += [(hint, {LOSS: np.array([value])}) for hint, value in [
        ("This is the plain mean of the chunks' losses: weight each by its number of "
         "characters (the last chunk is shorter).", losses.mean()),
        ("This is the sum of the chunks' losses: return the mean per character.", losses.sum()),
        ("This is the last chunk's loss: return the mean over the epoch.", losses[-1]),
        ("This looks like bits: return nats (natural logarithms).", mean / math.log(2)),
        ("This is the loss against x: the targets are y, the next characters.",
         (on_x * n).sum() / n.sum())]]

    def parameters(arrays):
        return {PARAMETERS + k: np.asarray(a, dtype=float) for k, a in enumerate(arrays)}

    found += [("It did not change: step the optimizer after each chunk.", parameters(weights))]
    for hint, variant in [
            ("The gradient is not clipped: clip its global norm with nn.utils.clip_grad_norm_.",
             dict(clipping=None)),
            ("The gradient is clipped entry by entry: clip its global norm (clip_grad_norm_).",
             dict(clipping="value")),
            ("The gradients accumulate over chunks: call optimizer.zero_grad() before "
             "loss.backward().", dict(zero_grad=False)),
            ("The loss is summed over the chunk: use the mean over its T * B characters.",
             dict(reduction="sum"))]:
        found += [(hint, parameters(run(**variant)[1]))]
    return found


def epoch_cases(rng):
    ids = np.array([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 2, 4, 1, 3, 0, 2, 4, 1, 3, 0, 2])   # (22,)
    fixed = np.random.default_rng(42)
    periodic = np.tile(np.array([0, 1, 2, 3, 4, 3, 2, 1]), 20)
    cases = [Case(PUBLIC[2], ["elman", np.array([5, 6, 4]), _spy_weights(fixed, "elman", 5, 6),
                              ids, 2, 4, 1.0, "sgd", 0.1, 1],
                  "SpyLM(5) on 2 x 11 characters in chunks of 4, 4 and 2, SGD(lr=0.1), clip=1",
                  mistakes=_epoch_mistakes),
             Case(PUBLIC[2], ["elman", np.array([5, 8, 4]), _spy_weights(fixed, "elman", 5, 8),
                              periodic, 4, 8, 1.0, "adam", 0.05, 6],
                  "six epochs with Adam on a short periodic text", mistakes=_epoch_mistakes)]
    for V, L, B, T, clip, lr in [(6, 61, 3, 5, 0.05, 0.5), (6, 61, 3, 5, 1e3, 0.5),
                                 (4, 40, 1, 7, 0.3, 0.2), (8, 90, 4, 3, 1e3, 0.3)]:
        cases.append(Case(HIDDEN[2], ["elman", np.array([V, 6, 4]),
                                      _spy_weights(rng, "elman", V, 6),
                                      rng.integers(0, V, size=L), B, T, clip, "sgd", lr, 1],
                          mistakes=_epoch_mistakes))
    text = np.tile(np.array([0, 1, 2, 3, 4, 3, 2, 1, 0, 4]), 30)
    cases.append(Case(HIDDEN[2], ["lstm", np.array([5, 16, 4]), _spy_weights(rng, "lstm", 5, 16),
                                  text, 3, 10, 1.0, "adam", 0.03, 8], mistakes=_epoch_mistakes))
    return cases


def _evaluate_mistakes(kind, sizes, weights, ids, B, T):
    Spy = _namespace(SPY)["Spy"]
    model = Spy(kind, *(int(s) for s in sizes))
    model.load_state_dict(dict(zip(model.state_dict(), map(torch.from_numpy, weights))))
    model.eval()
    state, losses, n, on_x = None, [], [], []
    with torch.no_grad():
        for x, y in _chunks(ids, B, T):
            logits, state = model(torch.from_numpy(x), state)
            flat = logits.reshape(-1, logits.shape[-1])
            losses.append(F.cross_entropy(flat, torch.from_numpy(y).reshape(-1)).item())
            on_x.append(F.cross_entropy(flat, torch.from_numpy(x).reshape(-1)).item())
            n.append(y.size)
    losses, n, on_x = np.array(losses), np.array(n), np.array(on_x)
    mean = (losses * n).sum() / n.sum()
    return _inputs_mistakes(ids, B, T) + [(hint, {LOSS: np.array(value)}) for hint, value in [
        ("This is the loss against x: the targets are y, the next characters.",
         (on_x * n).sum() / n.sum()),
        ("This is the plain mean of the chunks' losses: average over characters (the last chunk "
         "is shorter).", losses.mean()),
        ("This looks like the loss in bits: return nats (natural logarithms).",
         mean / math.log(2)),
        ("This is the sum of the losses: return the mean per character.",
         (losses * n).sum()),
        ("This is the sum of the chunks' mean losses: return the mean per character.",
         losses.sum())]] + [(hint, {PERPLEXITY: np.array(value)}) for hint, value in [
        ("The perplexity is exp(loss) for the loss in nats, not 2 ** loss.", 2 ** mean),
        ("This looks like exp of the summed loss: the perplexity is exp of the mean per "
         "character.", math.exp(min((losses * n).sum(), 700))),
        ("This looks like exp of the sum of the chunks' losses: use the mean per character.",
         math.exp(min(losses.sum(), 700))),
        ("This is the plain mean of the chunks' perplexities.", np.exp(losses).mean())]]


def evaluate_cases(rng):
    ids = np.array([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 2, 4, 1, 3, 0, 2, 4, 1, 3, 0, 2])
    fixed = np.random.default_rng(43)
    cases = [Case(PUBLIC[3], ["elman", np.array([5, 6, 4]), _spy_weights(fixed, "elman", 5, 6),
                              ids, 2, 4],
                  "SpyLM(5) on 2 x 11 characters in chunks of 4, 4 and 2",
                  mistakes=_evaluate_mistakes)]
    for V, L, B, T in [(7, 83, 3, 6), (4, 30, 1, 4), (9, 64, 4, 16)]:
        cases.append(Case(HIDDEN[3], ["elman", np.array([V, 6, 4]),
                                      _spy_weights(rng, "elman", V, 6),
                                      rng.integers(0, V, size=L), B, T],
                          mistakes=_evaluate_mistakes))
    return cases


# Task 4.4 -----------------------------------------------------------------------------------

TRAIN_PUBLIC_EXPLAIN = {
    0: "it never built a CharLSTM: build it with CharLSTM(vocab_size, embed_size, hidden_size).",
    1: "it never called train_epoch: train the model with it.",
    2: "it must return the CharLSTM it built and trained.",
    3: "it trained another model than the one it returns.",
    4: "it built CharLSTM with another vocab_size than the one it was given.",
    5: "train_epoch's optimizer must be a torch.optim optimizer.",
    6: "the optimizer does not hold the returned model's parameters: make it after building the "
       "model, from model.parameters().",
    7: "it must train on train_ids.",
}


def validation_perplexity(model):
    """The hidden test's measure, here: exp of the loss per character on the real held-out text
    (batch_size=32, seq_len=100, the state carried)."""
    from rnnlib.data import bptt_batches
    model.eval()
    state, total, count = None, 0.0, 0
    with torch.no_grad():
        for x, y in bptt_batches(corpus().validation, 32, 100):
            logits, state = model(torch.from_numpy(x), state)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                     torch.from_numpy(y).reshape(-1), reduction="sum").item()
            count += y.size
    return math.exp(total / count)


def check_trained(outs):
    """'' when train_model kept to its budget and the weights it returned (loaded here into the
    reference CharLSTM) reach a validation perplexity below the threshold, else why not."""
    if len(outs) != 1 + len(NAMES) or outs[0].size != 1:
        return "train_model: the results that came back were malformed"
    seconds, weights = float(outs[0]), outs[1:]
    if not seconds < BUDGET_S:   # the sandbox's CPU limit is 2 x the budget: no larger number
        return (f"train_model took {min(seconds, 2 * BUDGET_S):.0f} s of CPU time: the budget "
                f"is {BUDGET_S:.0f} s. Train a smaller model or fewer epochs.")
    K = len(corpus().vocab)
    if weights[0].ndim != 2 or weights[0].shape[0] != K:   # as the public test requires
        return f"train_model: the model's vocabulary is not the {K} characters it was given"
    try:
        model = _reference_model(weights)
    except (RuntimeError, ValueError, IndexError):
        return "train_model: the weights that came back do not make a CharLSTM"
    ppl = validation_perplexity(model)
    if not ppl < THRESHOLD:   # at most 100.0, one decimal: the weights decide this number
        shown = f"{ppl:.1f}" if ppl < 100 else "over 100"
        return (f"train_model: the validation perplexity is {shown}, not below "
                f"{THRESHOLD:g}. Print the training loss of each epoch: if it falls slowly, "
                "train longer or raise the learning rate; if it stalls high or jumps around, "
                "lower the learning rate (with Adam, 1e-3 to 1e-2 is usual); a larger model can "
                "help too (within the time budget).")
    return ""


def train_public_cases(rng):
    c = corpus()
    return [Case(PUBLIC[4], [c.train, len(c.vocab)],
                 "train_model(corpus.train, K) with stand-ins for CharLSTM and train_epoch")]


def train_hidden_cases(rng):
    c = corpus()
    return [Case(HIDDEN[4], [c.train, len(c.vocab)], check=check_trained)]


# The public and hidden cases of Task 4.4 need different drivers: two Task entries, one sandbox
# each (the hidden one trains for up to the budget).
TASKS = [
    Task("Task 4.1", "CharLSTM", model_cases, driver=MODEL_DRIVER, flatten=True,
         atol=1e-5, rtol=1e-5,
         limits={"wall_s": 60, "cpu_s": 60}),
    Task("Task 4.2", "train_epoch", epoch_cases, driver=EPOCH_DRIVER, flatten=True,
         atol=1e-4, rtol=1e-5,
         limits={"wall_s": 60, "cpu_s": 60},
         explain={**CHUNK_EXPLAIN,
                  3: "the state passed to a chunk still has a grad_fn: detach it (state = "
                     "tuple(s.detach() for s in state)) so the gradient stops at the chunk's "
                     "start.",
                  4: "the model was in evaluation mode: call model.train() first.",
                  5: "gradients were off during the forward pass."}),
    Task("Task 4.3", "evaluate", evaluate_cases, driver=EVALUATE_DRIVER, flatten=True,
         atol=1e-5, rtol=1e-5,
         limits={"wall_s": 60, "cpu_s": 60},
         explain={**CHUNK_EXPLAIN,
                  3: "the state carried to a chunk has a grad_fn: evaluate under "
                     "torch.no_grad().",
                  4: "the model was in training mode: call model.eval() first.",
                  5: "gradients were on during the forward pass: evaluate under "
                     "torch.no_grad().",
                  8: "gradients were computed: evaluation needs no backward pass."}),
    Task("Task 4.4", "train_model", train_public_cases, driver=TRAIN_PUBLIC_DRIVER, flatten=True,
         explain=TRAIN_PUBLIC_EXPLAIN, limits={"wall_s": 60, "cpu_s": 60}),
    Task("Task 4.4", "train_model", train_hidden_cases, driver=TRAIN_DRIVER, flatten=True,
         limits={"wall_s": 2 * BUDGET_S, "cpu_s": 2 * BUDGET_S, "memory_bytes": 2 << 30}),
]
