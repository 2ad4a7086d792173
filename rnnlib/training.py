"""PyTorch training helpers for the application chapters: seeding, and a truncated-BPTT loop.

The loop trains on one long stream (a text, a time series) cut into chunks of k steps. It is
*stateful*: the hidden state at the end of a chunk is the initial state of the next, so the
model sees the stream as one sequence; but the state is ``detach()``-ed at the boundary, so the
backward pass of a chunk stops there. Without the detach, chunk n's backward would run through
all n chunks (and fail, since their graphs were freed).

Truncated BPTT with lecture 001's k1, k2 (every k1 steps, backpropagate at most k2 steps):
this loop is the canonical case k1 = k2 = k. For k2 > k1, keep the state from k2 steps back,
rerun the last k2 inputs from it (detached) and take the loss of the last k1 outputs only;
:mod:`rnnlib.tbptt` does exactly that in NumPy, and its tests do it in torch.

See also: the book's chapter ``bptt`` (truncated BPTT and ``detach``).
"""
import math
import random
import sys
from typing import NamedTuple

import numpy as np
import torch
from tqdm import tqdm  # plain text on stdout; tqdm.auto may warn on stderr in notebooks


def seed_everything(seed):
    """Seed Python's ``random``, NumPy's global generator and torch; return a fresh Generator.

    Call it explicitly at the top of an experiment (importing rnnlib seeds nothing). On the CPU
    this makes a run repeatable; on a GPU some kernels stay nondeterministic.

    Returns:
        ``numpy.random.default_rng(seed)``, for code that takes a Generator.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def detach_state(state):
    """Detach a recurrent state from its graph: a tensor, a tuple/list of them (LSTM), or None."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise ValueError(f"state: expected a tensor, a tuple of tensors or None, "
                     f"got {type(state).__name__}")


class History(NamedTuple):
    losses: list        # the loss of every chunk, in training order
    grad_norms: list    # the global gradient norm of every chunk, before clipping
    state: object       # the final state, detached (pass it on to continue the stream)


def train_tbptt(model, x, y, loss_fn, optimizer, k, epochs=1, max_norm=None, state=None,
                progress=None):
    """Train ``model`` on one long stream with canonical truncated BPTT (k1 = k2 = k).

    For each chunk :math:`x_{s:s+k}` (the last may be shorter):

    .. math::
        (\\hat y, h) = \\mathrm{model}(x_{s:s+k},\\ \\mathrm{detach}(h)), \\quad
        L = \\mathrm{loss\\_fn}(\\hat y, y_{s:s+k}), \\quad
        g = \\nabla_\\theta L, \\quad
        g \\leftarrow g \\min(1, \\theta_{\\max} / \\lVert g \\rVert), \\quad \\text{optimizer step}

    Args:
        model: ``model(x_chunk, state) -> (output, state)``, time-major; state None means zeros.
        x: (T, B, ...) the stream's inputs, time-major (e.g. (T, B) token ids or (T, B, D)).
        y: (T, B, ...) the targets, aligned with x.
        loss_fn: ``loss_fn(output, y_chunk) -> scalar tensor``.
        optimizer: a ``torch.optim`` optimizer over the model's parameters.
        k: chunk length (steps of BPTT per update).
        epochs: passes over the stream; the state restarts from ``state`` at each.
        max_norm: clip gradients by global norm (``torch.nn.utils.clip_grad_norm_``); None: no.
        state: initial state, or None.
        progress: show a tqdm bar on stdout (never stderr: the book fails on stderr output);
            None shows it only when stdout is a terminal.

    Returns:
        :class:`History` with one loss and one gradient norm per chunk.
    """
    if x.shape[:2] != y.shape[:2]:
        raise ValueError(f"y: expected leading shape (T={x.shape[0]}, B={x.shape[1]}) like x, "
                         f"got {tuple(y.shape)}")
    if int(k) != k or k < 1:
        raise ValueError(f"k: expected a positive integer chunk length, got {k}")
    T = x.shape[0]
    starts = range(0, T, k)
    if progress is None:
        progress = sys.stdout.isatty()
    params = [p for p in model.parameters() if p.requires_grad]
    losses, norms, h = [], [], state
    model.train()
    with tqdm(total=epochs * len(starts), disable=not progress, file=sys.stdout,
              desc="TBPTT", unit="chunk") as bar:
        for _ in range(epochs):
            h = state
            for s in starts:
                # the cut: no gradient into past chunks
                h = detach_state(h)
                output, h = model(x[s:s + k], h)
                loss = loss_fn(output, y[s:s + k])
                optimizer.zero_grad()
                loss.backward()
                norm = torch.nn.utils.clip_grad_norm_(
                    params, math.inf if max_norm is None else max_norm)
                optimizer.step()
                losses.append(loss.item())
                norms.append(norm.item())
                bar.set_postfix(loss=f"{losses[-1]:.4f}", refresh=False)
                bar.update()
    return History(losses, norms, detach_state(h))
