"""Realistic student bugs for assignment 2 (backpropagation through time), and correct answers
written differently from the instructor's, as test data.

Each entry is the whole solution cell as a student would write it. The test
(../test_nbgrader_assignments.py) plants each one in the instructor's solution and autogrades
all of them in one nbgrader run: each of ``BUGS`` must lose points in its own task only, with
feedback naming the function; each of ``CORRECT`` must score full marks.
"""
from .assignment1 import Bug, Correct

STEP = '''def rnn_step_backward(dh, cache):
    x, h_prev, W, U, h = cache
{}'''
SEQ = '''def rnn_backward(dh, cache):
{}'''
NUM = '''def numerical_gradient(f, x, eps=1e-5):
{}'''
CLIP = '''def clip_by_global_norm(grads, max_norm):
{}'''
TBPTT = '''def tbptt_gradients(x, h0, W, U, b_h, dh, k):
{}'''


def _bug(cell, template, name, body, kind=Bug):
    return kind(cell, name, template.format(body.strip("\n")))


_S, _Q, _N, _C, _T = ("task2_1_rnn_step_backward", "task2_2_rnn_backward",
                      "task2_3_numerical_gradient", "task2_4_clip_by_global_norm",
                      "task2_5_tbptt_gradients")


def _step(da="dh * (1 - h ** 2)", dx="da @ W", dh_prev="da @ U", dW="da.T @ x",
          dU="da.T @ h_prev", db_h="da.sum(axis=0)"):
    return (f"    da = {da}\n    return {dx}, {dh_prev}, {dW}, {dU}, {db_h}")


_SEQ_LOOP = """
    T = dh.shape[0]
    dx = [None] * T
    dh_next = np.zeros_like(dh[0])
    dW = dU = db_h = 0
    for t in {loop}:
        dx[t], dh_next, dW_t, dU_t, db_t = rnn_step_backward({upstream}, cache[t])
        {acc}
    return np.stack(dx), {dh0}, dW, dU, db_h"""
_ACC = "dW, dU, db_h = dW + dW_t, dU + dU_t, db_h + db_t"


def _seq(loop="reversed(range(T))", upstream="dh[t] + dh_next", acc=_ACC, dh0="dh_next"):
    return _SEQ_LOOP.format(loop=loop, upstream=upstream, acc=acc, dh0=dh0)


_CENTRAL = """
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        minus = f(x)
        x[i] = old
        grad[i] = {formula}
    return grad"""

_TB = """
    dW, dU, db_h = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b_h)
    h_prev = h0
    for s in {starts}:
        h, cache = rnn_forward(x[s:s + k], {state}, W, U, b_h)
        _, _, dW_c, dU_c, db_c = rnn_backward({dh}, cache)
        {acc}
        h_prev = {carry}
    return {ret}"""


def _tb(starts="range(0, x.shape[0], k)", state="h_prev", dh="dh[s:s + k]",
        acc="dW, dU, db_h = dW + dW_c, dU + dU_c, db_h + db_c", carry="h[-1]",
        ret="dW, dU, db_h"):
    return _TB.format(starts=starts, state=state, dh=dh, acc=acc, carry=carry, ret=ret)


BUGS = [
    # Task 2.1: one step backward
    _bug(_S, STEP, "step-dW-transposed", _step(dW="x.T @ da")),
    _bug(_S, STEP, "step-sigmoid-derivative", _step(da="dh * h * (1 - h)")),
    _bug(_S, STEP, "step-no-tanh-derivative", _step(da="dh")),
    _bug(_S, STEP, "step-tanh-applied-again", _step(da="dh * (1 - np.tanh(h) ** 2)")),
    _bug(_S, STEP, "step-dh-prev-U-transposed", _step(dh_prev="da @ U.T")),
    _bug(_S, STEP, "step-dU-uses-h", _step(dU="da.T @ h")),
    _bug(_S, STEP, "step-db-not-summed", _step(db_h="da")),
    _bug(_S, STEP, "step-db-averaged", _step(db_h="da.mean(axis=0)")),
    _bug(_S, STEP, "step-no-bias-gradient", _step(db_h="None")),
    _bug(_S, STEP, "step-scales-dh-in-place", """
    dh *= 1 - h ** 2
    return dh @ W, dh @ U, dh.T @ x, dh.T @ h_prev, dh.sum(axis=0)"""),
    _bug(_S, STEP, "step-derivative-from-h-prev", _step(da="dh * (1 - h_prev ** 2)")),
    _bug(_S, STEP, "step-dx-W-transposed", _step(dx="da @ W.T")),
    _bug(_S, STEP, "step-returns-four", "    da = dh * (1 - h ** 2)\n"
         "    return da @ W, da @ U, da.T @ x, da.T @ h_prev"),
    _bug(_S, STEP, "step-calls-rnnlib", """
    from rnnlib.rnn import rnn_step_backward as reference, RNNStepCache
    return reference(dh, RNNStepCache(x, h_prev, W, U, h, True, "tanh"))"""),

    # Task 2.2: BPTT over the sequence
    _bug(_Q, SEQ, "seq-dh-next-forgotten", _seq(upstream="dh[t]")),
    _bug(_Q, SEQ, "seq-not-accumulated", _seq(acc="dW, dU, db_h = dW_t, dU_t, db_t")),
    _bug(_Q, SEQ, "seq-dh0-not-returned", _seq(dh0="np.zeros_like(dh[0])")),
    _bug(_Q, SEQ, "seq-dh0-is-dh-0", _seq(dh0="dh[0]")),
    _bug(_Q, SEQ, "seq-forward-in-time", _seq(loop="range(T)")),
    _bug(_Q, SEQ, "seq-off-by-one", """
    T = dh.shape[0]
    dx = [np.zeros_like(cache[0].x)] * T
    dh_next = np.zeros_like(dh[0])
    dW = dU = db_h = 0
    for t in range(T - 1, 0, -1):
        dx[t], dh_next, dW_t, dU_t, db_t = rnn_step_backward(dh[t] + dh_next, cache[t])
        dW, dU, db_h = dW + dW_t, dU + dU_t, db_h + db_t
    return np.stack(dx), dh_next, dW, dU, db_h"""),
    _bug(_Q, SEQ, "seq-dx-reversed", """
    dxs, dh_next = [], np.zeros_like(dh[0])
    dW = dU = db_h = 0
    for t in reversed(range(dh.shape[0])):
        dx_t, dh_next, dW_t, dU_t, db_t = rnn_step_backward(dh[t] + dh_next, cache[t])
        dxs.append(dx_t)
        dW, dU, db_h = dW + dW_t, dU + dU_t, db_h + db_t
    return np.stack(dxs), dh_next, dW, dU, db_h"""),
    _bug(_Q, SEQ, "seq-dh-next-added-twice", _seq(upstream="dh[t] + 2 * dh_next")),
    _bug(_Q, SEQ, "seq-dh-modified-in-place", """
    T = dh.shape[0]
    dx = [None] * T
    dW = dU = db_h = 0
    for t in reversed(range(T)):
        dx[t], dh_prev, dW_t, dU_t, db_t = rnn_step_backward(dh[t], cache[t])
        if t > 0:
            dh[t - 1] += dh_prev
        dW, dU, db_h = dW + dW_t, dU + dU_t, db_h + db_t
    return np.stack(dx), dh_prev, dW, dU, db_h"""),

    # Task 2.3: the numerical gradient
    _bug(_N, NUM, "num-forward-difference", """
    grad = np.zeros(x.shape)
    base = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad"""),
    _bug(_N, NUM, "num-divides-by-eps", _CENTRAL.format(formula="(plus - minus) / eps")),
    _bug(_N, NUM, "num-x-not-restored", """
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += eps
        plus = f(x)
        x[i] -= 2 * eps
        minus = f(x)
        grad[i] = (plus - minus) / (2 * eps)
    return grad"""),
    _bug(_N, NUM, "num-eps-added-back", """
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += eps
        plus = f(x)
        x[i] -= 2 * eps
        minus = f(x)
        x[i] += eps
        grad[i] = (plus - minus) / (2 * eps)
    return grad"""),
    _bug(_N, NUM, "num-all-entries-at-once", """
    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))"""),
    _bug(_N, NUM, "num-first-axis-only", """
    grad = np.zeros(x.shape)
    for i in range(x.shape[0]):
        old = x[i].copy()
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad"""),
    _bug(_N, NUM, "num-copy-not-used", """
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (f(x) - f(x)) / (2 * eps)
    return grad"""),
    _bug(_N, NUM, "num-flat-result", """
    flat = x.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f(x)
        flat[i] = old - eps
        minus = f(x)
        flat[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad"""),

    # Task 2.4: clipping
    _bug(_C, CLIP, "clip-each-element", """
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [np.clip(g, -max_norm, max_norm) for g in grads], norm"""),
    _bug(_C, CLIP, "clip-each-array", """
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], norm"""),
    _bug(_C, CLIP, "clip-always", """
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * max_norm / norm for g in grads], norm"""),
    _bug(_C, CLIP, "clip-never", """
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = max_norm / norm if norm < max_norm else 1.0
    return [g * min(scale, 1.0) for g in grads], norm"""),
    _bug(_C, CLIP, "clip-norm-squared", """
    norm = float(sum(np.sum(g ** 2) for g in grads))
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads], norm"""),
    _bug(_C, CLIP, "clip-in-place", """
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return grads, norm"""),
    _bug(_C, CLIP, "clip-norm-after", """
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads], norm * scale"""),
    _bug(_C, CLIP, "clip-sum-of-norms", """
    norm = float(sum(np.linalg.norm(g) for g in grads))
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads], norm"""),

    # Task 2.5: truncated BPTT
    _bug(_T, TBPTT, "tbptt-no-detach-full-bptt", """
    h, cache = rnn_forward(x, h0, W, U, b_h)
    _, _, dW, dU, db_h = rnn_backward(dh, cache)
    return dW, dU, db_h"""),
    _bug(_T, TBPTT, "tbptt-state-reset", _tb(state="h0")),
    _bug(_T, TBPTT, "tbptt-last-chunk-dropped", _tb(starts="range(0, x.shape[0] - k + 1, k)")),
    _bug(_T, TBPTT, "tbptt-not-accumulated", _tb(acc="dW, dU, db_h = dW_c, dU_c, db_c")),
    _bug(_T, TBPTT, "tbptt-averaged", _tb(ret="dW / len(range(0, x.shape[0], k)), "
                                             "dU / len(range(0, x.shape[0], k)), "
                                             "db_h / len(range(0, x.shape[0], k))")),
    _bug(_T, TBPTT, "tbptt-carries-first-state", _tb(carry="h[0]")),
    _bug(_T, TBPTT, "tbptt-dh-not-sliced", _tb(dh="dh[:len(cache)]")),
    _bug(_T, TBPTT, "tbptt-overlapping-chunks", _tb(starts="range(0, x.shape[0], max(k - 1, 1))")),
]

CORRECT = [
    _bug(_S, STEP, "ok-step-einsum", """
    da = dh * (1.0 - np.square(h))
    dW = np.einsum("bh,bd->hd", da, x)
    dU = np.einsum("bh,bk->hk", da, h_prev)
    return np.dot(da, W), np.dot(da, U), dW, dU, np.sum(da, axis=0)""", kind=Correct),
    _bug(_Q, SEQ, "ok-seq-zeros-and-negative-index", """
    T, B, H = dh.shape
    D = cache[0].x.shape[1]
    dx, dh_next = np.zeros((T, B, D)), np.zeros((B, H))
    dW, dU, db_h = np.zeros((H, D)), np.zeros((H, H)), np.zeros(H)
    for t in range(T - 1, -1, -1):
        g = rnn_step_backward(dh[t] + dh_next, cache[t])
        dx[t], dh_next = g[0], g[1]
        dW += g[2]
        dU += g[3]
        db_h += g[4]
    return dx, dh_next, dW, dU, db_h""", kind=Correct),
    _bug(_N, NUM, "ok-num-copies", """
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (f(xp) - f(xm)) / (2 * eps)
    return grad""", kind=Correct),
    _bug(_C, CLIP, "ok-clip-tuple-and-min", """
    norm = np.sqrt(sum((g * g).sum() for g in grads))
    return tuple(g * min(1.0, max_norm / norm) for g in grads), norm""", kind=Correct),
    _bug(_T, TBPTT, "ok-tbptt-while-loop", """
    T, total, h_prev, s = x.shape[0], None, h0, 0
    while s < T:
        e = min(s + k, T)
        h, cache = rnn_forward(x[s:e], h_prev, W, U, b_h)
        grads = rnn_backward(dh[s:e], cache)[2:]
        total = list(grads) if total is None else [a + b for a, b in zip(total, grads)]
        h_prev, s = h[-1], e
    return tuple(total)""", kind=Correct),
]
