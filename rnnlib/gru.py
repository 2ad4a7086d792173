"""The GRU in NumPy: step and sequence forward passes with caches, and their backward passes.

Two conventions, chosen with ``convention=``. Gates are stacked r, z, n as in ``torch.nn.GRU``,
with the two biases kept apart (``b_ih``, ``b_hh``) because the reset gate multiplies one of them.

``"torch"`` (``torch.nn.GRU``, cuDNN): z is the share of the *old* state kept (the meaning of z
in Cho et al. 2014 and d2l), and the reset gate acts after the matrix product (as in cuDNN and
the first preprint of Cho et al.; the published paper and d2l apply it before the product):

.. math::
    r_t &= \\sigma(W_r x_t + b_{ir} + U_r h_{t-1} + b_{hr}) \\\\
    z_t &= \\sigma(W_z x_t + b_{iz} + U_z h_{t-1} + b_{hz}) \\\\
    n_t &= \\tanh\\big(W_n x_t + b_{in} + r_t \\odot (U_n h_{t-1} + b_{hn})\\big) \\\\
    h_t &= (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}

``"lecture"`` (lecture 003, colah's blog): z is the share of the *new* candidate taken, and the
reset gate acts on the state before the matrix product:

.. math::
    n_t &= \\tanh\\big(W_n x_t + b_{in} + U_n (r_t \\odot h_{t-1}) + b_{hn}\\big) \\\\
    h_t &= (1 - z_t) \\odot h_{t-1} + z_t \\odot n_t

(r and z as above). With ``r = 1`` and the z rows of W, U, b negated (so z becomes 1 - z) the
two agree; otherwise they are different functions of the same weights.

Shapes, where T = sequence length, B = batch size, D = input size, H = hidden size:

    x: (T, B, D)   h0, h_prev: (B, H)   W: (3H, D)   U: (3H, H)   b_ih, b_hh: (3H,) or None

See also: the book's chapter ``gru``.
"""
from typing import NamedTuple

import numpy as np

from ._checks import check_array, check_same_dtype

CONVENTIONS = ("torch", "lecture")


class GRUCache(NamedTuple):
    """What :func:`gru_backward` (and :func:`gru_step_backward`, with T = 1) needs."""
    x: np.ndarray        # (T, B, D) inputs
    h: np.ndarray        # (T+1, B, H) h_0..h_T
    W: np.ndarray        # (3H, D)
    U: np.ndarray        # (3H, H)
    gates: np.ndarray    # (T, B, 3H) r, z, n after their nonlinearities
    hn: np.ndarray       # (T, B, H) torch: U_n h_{t-1} + b_hn;  lecture: r * h_{t-1}
    has_bias: tuple      # (b_ih is not None, b_hh is not None)
    convention: str


def _check(x, h0, W, U, b_ih, b_hh, convention):
    if convention not in CONVENTIONS:
        raise ValueError(f"convention: expected one of {CONVENTIONS}, got {convention!r}")
    U = check_array("U", U, shape=(("3H", None), ("H", None)))
    H = U.shape[1]
    U = check_array("U", U, shape=(("3H", 3 * H), ("H", H)))
    W = check_array("W", W, shape=(("3H", 3 * H), ("D", None)))
    b_ih = None if b_ih is None else check_array("b_ih", b_ih, shape=(("3H", 3 * H),))
    b_hh = None if b_hh is None else check_array("b_hh", b_hh, shape=(("3H", 3 * H),))
    x = check_array("x", x, shape=(("T", None), ("B", None), ("D", W.shape[1])))
    if h0 is None:
        h0 = np.zeros((x.shape[1], H), dtype=W.dtype)
    h0 = check_array("h0", h0, shape=(("B", x.shape[1]), ("H", H)))
    check_same_dtype(x=x, h0=h0, W=W, U=U, b_ih=b_ih, b_hh=b_hh)
    return x, h0, W, U, b_ih, b_hh


def gru_forward(x, h0, W, U, b_ih=None, b_hh=None, convention="torch"):
    """Run the GRU over a sequence (equations in the module docstring), t = 1..T.

    The input projections :math:`W x_t + b_{ih}` of all steps are one matrix product, written
    into a preallocated (T, B, 3H) block that the loop turns, in place, into the gates.

    Args:
        x: (T, B, D) inputs, time-major.
        h0: (B, H) initial state, or None for zeros.
        W: (3H, D), U: (3H, H), gates stacked r, z, n.
        b_ih, b_hh: (3H,) or None.
        convention: ``"torch"`` or ``"lecture"``.

    Returns:
        h: (T, B, H) states :math:`h_1..h_T` (a view into the cache: copy before changing it
        in place);  cache: :class:`GRUCache`.
    """
    x, h0, W, U, b_ih, b_hh = _check(x, h0, W, U, b_ih, b_hh, convention)
    T, B, D = x.shape
    H = U.shape[1]
    h = np.empty((T + 1, B, H), dtype=W.dtype)  # h_0..h_T                        (T+1, B, H)
    h[0] = h0
    torch_style = convention == "torch"
    # sigma(a) = 1 / (1 + exp(-a)): the rows that feed r and z are negated once (exact), so
    # that each step's sigmoid is an exp of the pre-activations as they are, a shift and a 1/x.
    sign = np.ones(3 * H, dtype=W.dtype)         # -1 for the rows of r, z; 1 for n     (3H,)
    sign[:2 * H] = -1
    gates = (x.reshape(T * B, D) @ (sign[:, None] * W).T).reshape(T, B, 3 * H)  # W x_t, all t
    bias = np.zeros(3 * H, dtype=W.dtype)      # the biases added outside the loop    (3H,)
    if b_ih is not None:
        bias += b_ih
    b_hn = None                                # the one bias the loop must add itself
    if b_hh is not None:
        if torch_style:                        # b_hr, b_hz: outside sigma, added here
            bias[:2 * H] += b_hh[:2 * H]
            b_hn = b_hh[2 * H:]
        else:                                  # the lecture adds all of b_hh outside r
            bias += b_hh
    if b_ih is not None or b_hh is not None:
        gates += sign * bias
    hn = np.empty((T, B, H), dtype=W.dtype)
    rows = 3 * H if torch_style else 2 * H     # torch: U_n h_{t-1} too, in the same product
    U_rz = np.ascontiguousarray((sign[:rows, None] * U[:rows]).T)  # (H, 3H | 2H) row-major:
    U_n = None if torch_style else U[2 * H:].T  # faster h @ U_rz in OpenBLAS's AVX-512 kernels
    Uh = np.empty((B, rows), dtype=W.dtype)
    tmp = np.empty((B, H), dtype=W.dtype)
    with np.errstate(over="ignore"):           # exp(-a) = inf for a << 0 gives sigma = 0
        for t in range(T):
            a = gates[t]
            rz, n = a[:, :2 * H], a[:, 2 * H:]
            np.matmul(h[t], U_rz, out=Uh)      # U h_{t-1} (torch: all 3 blocks)  (B, 3H | 2H)
            rz += Uh[:, :2 * H]                # -a_r, -a_z
            np.exp(rz, out=rz)
            rz += 1
            np.reciprocal(rz, out=rz)          # r, z = 1 / (1 + exp(-a)) = sigma(a)
            r, z = rz[:, :H], rz[:, H:]
            if torch_style:
                if b_hn is None:
                    hn[t] = Uh[:, 2 * H:]      # U_n h_{t-1}
                else:
                    np.add(Uh[:, 2 * H:], b_hn, out=hn[t])  # U_n h_{t-1} + b_hn
                np.multiply(r, hn[t], out=tmp)
                n += tmp                       # a_n = W_n x_t + b_in + r * (U_n h + b_hn)
            else:
                np.multiply(r, h[t], out=hn[t])    # r * h_{t-1}
                np.matmul(hn[t], U_n, out=tmp)
                n += tmp                       # a_n = W_n x_t + b_in + U_n (r * h) + b_hn
            np.tanh(n, out=n)                  # n = tanh(a_n)
            h_t = h[t + 1]
            if torch_style:
                np.subtract(h[t], n, out=h_t)  # h_t = n + z * (h_{t-1} - n)
            else:
                np.subtract(n, h[t], out=h_t)  # h_t = h_{t-1} + z * (n - h_{t-1})
            h_t *= z
            h_t += n if torch_style else h[t]
    cache = GRUCache(x, h, W, U, gates, hn, (b_ih is not None, b_hh is not None), convention)
    return h[1:], cache


def gru_backward(dh, cache):
    """Backpropagation through time for :func:`gru_forward`.

    ``dh[t]`` is the direct gradient on :math:`h_t` (add the gradient on ``h_n`` to
    ``dh[-1]``); the loop adds what flows back from step t+1 (through z, the candidate n and
    the matrix product) and writes every step's pre-activation gradients into preallocated
    (T, B, .) blocks, so that the weight gradients are one matrix product each after it.
    In torch's convention the input side (``W x + b_ih``) and the hidden side
    (``U h + b_hh``) of the candidate get different gradients: the reset gate sits between.

    Args:
        dh: (T, B, H) upstream gradients on every state.
        cache: from :func:`gru_forward`.

    Returns:
        dx (T, B, D), dh0 (B, H), dW (3H, D), dU (3H, H), db_ih (3H,) or None,
        db_hh (3H,) or None.
    """
    T, B, H = cache.h.shape[0] - 1, cache.h.shape[1], cache.h.shape[2]
    dh = check_array("dh", dh, shape=(("T", T), ("B", B), ("H", H)))
    if cache.convention == "torch":
        return _backward_torch(dh, cache)
    return _backward_lecture(dh, cache)


def _backward_torch(dh, cache):
    """:func:`gru_backward` in torch's convention.

    With :math:`h_t = (1 - z) n + z h_{t-1}` and :math:`a_n = W_n x + b_{in} + r (U_n h + b_{hn})`:

    .. math::
        \\frac{dL}{da_n} = \\frac{dL}{dh_t} (1 - z)(1 - n^2), \\quad
        \\frac{dL}{da_z} = \\frac{dL}{dh_t} (h_{t-1} - n) z (1 - z), \\quad
        \\frac{dL}{da_r} = \\frac{dL}{da_n} (U_n h_{t-1} + b_{hn}) r (1 - r)

    r and z get the same gradient on the input and the hidden side; the candidate's hidden side
    :math:`U_n h + b_{hn}` gets :math:`dL/da_n \\cdot r`. The factors that do not depend on
    :math:`dL/dh_t` are computed for all steps before the loop, which multiplies them in place.
    """
    x, h, W, U, gates, hn, (has_b_ih, has_b_hh), _ = cache
    T, B, H = dh.shape
    r, z, n = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:]
    dUh = np.empty_like(gates)                 # dL/d(U h_{t-1} + b_hh), all t    (T, B, 3H)
    da_r, da_z, dUh_n = dUh[..., :H], dUh[..., H:2 * H], dUh[..., 2 * H:]
    da_n = np.empty_like(hn)                   # dL/d(W_n x_t + b_in), all t      (T, B, H)
    np.subtract(1, r, out=da_r)
    da_r *= r
    da_r *= hn                                 # (U_n h + b_hn) r (1 - r)
    np.subtract(h[:-1], n, out=dUh_n)          # (dUh_n as scratch until the loop fills it)
    np.subtract(1, z, out=da_z)
    da_z *= z
    da_z *= dUh_n                              # (h_{t-1} - n) z (1 - z)
    np.multiply(n, n, out=da_n)
    np.subtract(1, da_n, out=da_n)
    np.subtract(1, z, out=dUh_n)
    da_n *= dUh_n                              # (1 - z)(1 - n^2)
    dh_next = np.zeros((B, H), dtype=dh.dtype)  # dL/dh_t carried from step t+1
    dh_t, tmp = np.empty((B, H), dtype=dh.dtype), np.empty((B, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        np.add(dh[t], dh_next, out=dh_t)       # dL/dh_t = direct + from step t+1
        da_n[t] *= dh_t                        # dL/da_n
        da_z[t] *= dh_t                        # dL/da_z
        da_r[t] *= da_n[t]                     # dL/da_r
        np.multiply(da_n[t], r[t], out=dUh_n[t])  # dL/d(U_n h + b_hn) = dL/da_n * r
        np.matmul(dUh[t], U, out=dh_next)      # dL/dh_{t-1} = dL/d(U h_{t-1}) U ...
        np.multiply(dh_t, z[t], out=tmp)
        dh_next += tmp                         #   ... + dL/dh_t * z               (B, H)
    dUh_flat = dUh.reshape(T * B, 3 * H)       # (T*B, 3H)
    da_rz = dUh_flat[:, :2 * H]                # input side of r, z               (T*B, 2H)
    da_n = da_n.reshape(T * B, H)              # input side of n                  (T*B, H)
    x_flat = x.reshape(T * B, -1)              # (T*B, D)
    dx = da_rz @ W[:2 * H]                     # dL/dx_t = da_t W, r and z rows ... (T*B, D)
    dx += da_n @ W[2 * H:]                     #   ... + the n rows (in place: no third block)
    dW = np.empty_like(W)                      # sum_t da_t^T x_t                 (3H, D)
    np.matmul(da_rz.T, x_flat, out=dW[:2 * H])
    np.matmul(da_n.T, x_flat, out=dW[2 * H:])
    dU = dUh_flat.T @ h[:-1].reshape(T * B, H)  # sum_t dUh_t^T h_{t-1}           (3H, H)
    db_ih = np.concatenate([da_rz.sum(axis=0), da_n.sum(axis=0)]) if has_b_ih else None
    db_hh = dUh_flat.sum(axis=0) if has_b_hh else None  # (3H,)
    return dx.reshape(T, B, -1), dh_next, dW, dU, db_ih, db_hh


def _backward_lecture(dh, cache):
    """:func:`gru_backward` in the lecture's convention, where one (T, B, 3H) block holds
    dL/d(W x_t + U h_{t-1} + b) for all steps (the reset gate acts before the product)."""
    x, h, W, U, gates, hn, (has_b_ih, has_b_hh), _ = cache
    T, B, H = dh.shape
    da = np.empty_like(gates)                  # dL/da_t, all t                   (T, B, 3H)
    U_rz, U_n = U[:2 * H], U[2 * H:]
    dh_next = np.zeros((B, H), dtype=dh.dtype)  # dL/dh_t carried from step t+1
    dh_t, tmp = np.empty((B, H), dtype=dh.dtype), np.empty((B, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        h_prev = h[t]
        r, z, n = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
        da_r, da_z, da_n = da[t, :, :H], da[t, :, H:2 * H], da[t, :, 2 * H:]
        np.add(dh[t], dh_next, out=dh_t)       # dL/dh_t = direct + from step t+1
        np.multiply(n, n, out=tmp)
        np.subtract(1, tmp, out=tmp)           # tanh'(a_n) = 1 - n^2
        np.multiply(dh_t, tmp, out=da_n)
        np.subtract(1, z, out=tmp)
        # h_t = (1 - z) * h_{t-1} + z * n
        np.multiply(dh_t, tmp, out=dh_next)    # dL/dh_{t-1} = dh_t * (1 - z) ...
        tmp *= z
        np.subtract(n, h_prev, out=da_z)
        da_z *= dh_t
        da_z *= tmp                            # dL/da_z = dh_t * (n - h_{t-1}) * z (1 - z)
        da_n *= z                              # dL/da_n = dh_t * z * (1 - n^2)
        # a_n = W_n x_t + b_in + U_n (r * h_{t-1}) + b_hn
        drh = da_n @ U_n                       # dL/d(r * h_{t-1}) = da_n U_n     (B, H)
        np.subtract(1, r, out=tmp)
        tmp *= r
        tmp *= h_prev
        np.multiply(drh, tmp, out=da_r)        # dL/da_r = drh * h_{t-1} * r (1 - r)
        drh *= r
        dh_next += drh                         #   ... + drh * r
        dh_next += da[t, :, :2 * H] @ U_rz     #   ... + (da_r, da_z) U_rz        (B, H)
    da_flat = da.reshape(T * B, 3 * H)         # (T*B, 3H)
    h_prev_flat = h[:-1].reshape(T * B, H)     # (T*B, H)
    dU = np.empty_like(U)
    dU[:2 * H] = da_flat[:, :2 * H].T @ h_prev_flat          # (2H, H)
    dU[2 * H:] = da_flat[:, 2 * H:].T @ hn.reshape(T * B, H)  # da_n^T (r * h)   (H, H)
    dx = (da_flat @ W).reshape(T, B, -1)       # dL/dx_t = da_t W                 (T, B, D)
    dW = da_flat.T @ x.reshape(T * B, -1)      # sum_t da_t^T x_t                 (3H, D)
    db = da_flat.sum(axis=0)                   # the same for both biases         (3H,)
    return (dx, dh_next, dW, dU, db if has_b_ih else None,
            db.copy() if has_b_hh else None)

def gru_step_forward(x, h_prev, W, U, b_ih=None, b_hh=None, convention="torch"):
    """One GRU step: :func:`gru_forward` with T = 1.

    Args:
        x: (B, D), h_prev: (B, H), W: (3H, D), U: (3H, H), b_ih, b_hh: (3H,) or None.

    Returns:
        h: (B, H) the new state;  cache: :class:`GRUCache` for :func:`gru_step_backward`.
    """
    x = check_array("x", x, shape=(("B", None), ("D", None)))
    h, cache = gru_forward(x[None], h_prev, W, U, b_ih, b_hh, convention)
    return h[0].copy(), cache


def gru_step_backward(dh, cache):
    """Backward pass of one GRU step.

    Args:
        dh: (B, H) total gradient on :math:`h_t`.
        cache: from :func:`gru_step_forward`.

    Returns:
        dx (B, D), dh_prev (B, H), dW (3H, D), dU (3H, H), db_ih, db_hh (3H,) or None.
    """
    dh = check_array("dh", dh, shape=(("B", cache.h.shape[1]), ("H", cache.h.shape[2])))
    dx, dh_prev, dW, dU, db_ih, db_hh = gru_backward(dh[None], cache)
    return dx[0], dh_prev, dW, dU, db_ih, db_hh
