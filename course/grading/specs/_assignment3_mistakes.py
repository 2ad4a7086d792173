"""Assignment 3's known mistakes: what each function returns with one mistake made, per output.

Each ``*_mistakes`` function takes a case's arguments and returns ``[(hint, {output name:
array})]`` (see course.grading.spec.Case.mistakes), computed by the same few lines as the
reference with one switch turned: the hint is named only where the student's outputs agree with
every output the mistake predicts. Output names are the student's: ``h``, ``c``, ``cache.i``...
"""
import numpy as np


def sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _d_sigmoid(s):
    return s * (1 - s)


# Task 3.1 -------------------------------------------------------------------------------------

def lstm_step(x, h_prev, c_prev, W, U, b, bias=True, order="ifgo", g_act=np.tanh,
              forget_on_candidate=False, h_from="tanh_c", cache_c="c"):
    """{name: array} of lstm_step_forward's outputs, with the switches' mistakes."""
    H = h_prev.shape[1]
    a = x @ W.T + h_prev @ U.T + (b if bias else 0)                        # (B, 4H)
    block = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    i, f, o = sigmoid(block["i"]), sigmoid(block["f"]), sigmoid(block["o"])
    g = g_act(block["g"])
    c = f * g + i * c_prev if forget_on_candidate else f * c_prev + i * g
    h = o * {"tanh_c": np.tanh(c), "c": c, "tanh_c_prev": np.tanh(c_prev)}[h_from]
    return {"h": h, "c": c, "cache.i": i, "cache.f": f, "cache.g": g, "cache.o": o,
            "cache.c": c_prev if cache_c == "c_prev" else c}


def lstm_step_mistakes(x, h_prev, c_prev, W, U, b):
    args = (x, h_prev, c_prev, W, U, b)
    return [("The bias b looks missing: a = x @ W.T + h_prev @ U.T + b.",
             lstm_step(*args, bias=False)),
            ("The gates look taken in the order i, f, o, g: the blocks are stacked i, f, g, o "
             "(torch.nn's order), block k is a[:, k*H:(k+1)*H].", lstm_step(*args, order="ifog")),
            ("The forget gate seems applied to the candidate: c = f * c_prev + i * g.",
             lstm_step(*args, forget_on_candidate=True)),
            ("c is right but h is wrong: h = o * tanh(c).", lstm_step(*args, h_from="c")),
            ("h uses the previous cell state: h = o * tanh(c), with the new c.",
             lstm_step(*args, h_from="tanh_c_prev")),
            ("The candidate g uses the sigmoid; it takes tanh.", lstm_step(*args, g_act=sigmoid)),
            ("The cache holds c_prev as c: store the new cell state c.",
             {"cache.c": c_prev})]


# Task 3.2 -------------------------------------------------------------------------------------

def lstm_step_backward(dh, dc, x, h_prev, c_prev, W, U, i, f, g, o, c, g_derivative="tanh",
                       tanh_c_derivative=True, use_dc=True, dc_prev_times_f=True, bias=True,
                       df_from="c_prev", do_from="tanh_c"):
    """{name: array} of lstm_step_backward's outputs, with the switches' mistakes."""
    tanh_c = np.tanh(c)
    do = dh * (tanh_c if do_from == "tanh_c" else c)
    dc_total = (dc if use_dc else 0) + dh * o * ((1 - tanh_c ** 2) if tanh_c_derivative else 1)
    di, df, dg = dc_total * g, dc_total * (c_prev if df_from == "c_prev" else c), dc_total * i
    dg_a = dg * (1 - g ** 2) if g_derivative == "tanh" else dg * _d_sigmoid(g)
    da = np.concatenate([di * _d_sigmoid(i), df * _d_sigmoid(f), dg_a, do * _d_sigmoid(o)], 1)
    return {"dx": da @ W, "dh_prev": da @ U, "dc_prev": dc_total * (f if dc_prev_times_f else 1),
            "dW": da.T @ x, "dU": da.T @ h_prev,
            "db": da.sum(axis=0) if bias else np.zeros(da.shape[1])}


def lstm_step_backward_mistakes(*args):
    da = _lstm_da(*args)
    return [("g = tanh(a_g), so its derivative is 1 - g**2, not the sigmoid's g (1 - g).",
             lstm_step_backward(*args, g_derivative="sigmoid")),
            ("The derivative of tanh(c) looks missing: dc gets dh * o * (1 - tanh(c)**2).",
             lstm_step_backward(*args, tanh_c_derivative=False)),
            ("The incoming dc looks ignored: c reaches the loss directly (dc) and through h.",
             lstm_step_backward(*args, use_dc=False)),
            ("dc_prev = dc_total * f: the cell state passes through the forget gate.",
             lstm_step_backward(*args, dc_prev_times_f=False)),
            ("db is zero: the bias gradient is da summed over the batch.",
             {"db": np.zeros(da.shape[1])}),
            ("db looks summed over everything: sum da over the batch only (axis 0), (4H,).",
             {"db": np.float64(da.sum())}),
            ("df uses the new c; the forget gate multiplies c_prev: df = dc_total * c_prev.",
             lstm_step_backward(*args, df_from="c")),
            ("do uses c; h = o * tanh(c), so do = dh * tanh(c).",
             lstm_step_backward(*args, do_from="c"))]


def _lstm_da(dh, dc, x, h_prev, c_prev, W, U, i, f, g, o, c):
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c ** 2)
    return np.concatenate([dct * g * _d_sigmoid(i), dct * c_prev * _d_sigmoid(f),
                           dct * i * (1 - g ** 2), dh * tanh_c * _d_sigmoid(o)], 1)


# Task 3.3 -------------------------------------------------------------------------------------

def toy_lstm_step(x, h_prev, c_prev):
    """The public test's stand-in step (specs/assignment3.py's TOY_STEP): (h, c)."""
    c = 2 * c_prev + 1
    return h_prev + c_prev + x.sum(axis=1, keepdims=True), c


def lstm_loop(x, h0, c0, step, carry_c=True, carry_h=True, swap=False, reverse=False):
    """{"h": states, "cache[t].c": cell states} of lstm_forward's loop, with the mistakes."""
    h, c, hs, cs = h0, c0, [], []
    for t in (reversed(range(len(x))) if reverse else range(len(x))):
        h_in, c_in = (h if carry_h else h0), (c if carry_c else c0)
        if swap:
            h_in, c_in = c_in, h_in
        h, c = step(x[t], h_in, c_in)
        hs.append(h)
        cs.append(c)
    return {"h": np.stack(hs), "cache[t].c": np.stack(cs)}


def toy_lstm_forward_mistakes(x, h0, c0, W, U, b):
    args = (x, h0, c0, toy_lstm_step)
    right = lstm_loop(*args)
    return [("c is not carried to the next step: pass the c the step returned.",
             lstm_loop(*args, carry_c=False)),
            ("h is not carried to the next step: pass the h the step returned, not h0.",
             lstm_loop(*args, carry_h=False)),
            ("h and c look swapped in the call: lstm_step_forward(x[t], h, c, W, U, b).",
             lstm_loop(*args, swap=True)),
            ("The loop runs backwards in time: go from t = 0 to T-1.",
             lstm_loop(*args, reverse=True)),
            ("The caches are in reverse order: cache[t] belongs to step t.",
             {"cache[t].c": right["cache[t].c"][::-1]}),
            ("The states look stacked batch first: stack along time, axis 0, (T, B, H).",
             {"h": np.stack(list(right["h"]), axis=1)})]


# Task 3.4 -------------------------------------------------------------------------------------

def toy_lstm_step_backward(dh, dc, x, W):
    """The public test's stand-in step backward (specs/assignment3.py's TOY_STEP_BACKWARD)."""
    H = dh.shape[1]
    return ((dh + dc) @ W[:H], 0.5 * dh, 0.5 * dc + dh, np.ones_like(W) * dh.sum(),
            None, np.full(W.shape[0], x.sum()))


def toy_lstm_backward(dh, x, W, U, carry_h=True, carry_c=True, accumulate=True, forward=False,
                      dx_reversed=False):
    """{name: array} of lstm_backward with the toy step, with the mistakes."""
    T = len(dh)
    dh_next, dc_next = np.zeros_like(dh[0]), np.zeros_like(dh[0])
    dW, dU, db, dx = 0, 0, 0, [None] * T
    for t in (range(T) if forward else reversed(range(T))):
        d_in, dc_in = dh[t] + (dh_next if carry_h else 0), (dc_next if carry_c else 0 * dc_next)
        dx[t], dh_next, dc_next, dW_t, _, db_t = toy_lstm_step_backward(d_in, dc_in, x[t], W)
        dU_t = np.ones_like(U) * dc_in.sum()
        if accumulate:
            dW, dU, db = dW + dW_t, dU + dU_t, db + db_t
        else:
            dW, dU, db = dW_t, dU_t, db_t
    dx = np.stack(dx)
    return {"dx": dx[::-1] if dx_reversed else dx, "dh0": dh_next, "dc0": dc_next, "dW": dW,
            "dU": dU, "db": db}


def toy_lstm_backward_mistakes(dh, x, h_prev, c_prev, W, U, *fields):
    args = (dh, x, W, U)
    return [("The gradient from step t+1 (dh_next) looks missing: add it to dh[t].",
             toy_lstm_backward(*args, carry_h=False)),
            ("The cell-state gradient dc_next is not passed on: give each step the dc_prev the "
             "step after it returned.", toy_lstm_backward(*args, carry_c=False)),
            ("dW, dU and db look like one step's gradient only: add them up over the steps.",
             toy_lstm_backward(*args, accumulate=False)),
            ("The loop runs forward in time: backpropagation goes from t = T-1 down to 0.",
             toy_lstm_backward(*args, forward=True)),
            ("dx is not in time order: dx[t] belongs to step t.",
             {"dx": toy_lstm_backward(*args)["dx"][::-1]})]


# Task 3.5 -------------------------------------------------------------------------------------

def gru_step(x, h_prev, W, U, b_ih, b_hh, update="torch", reset="inside", order="rzn",
             swap_biases=False):
    """{name: array} of gru_step_forward's outputs, with the switches' mistakes."""
    H = h_prev.shape[1]
    if swap_biases:
        b_ih, b_hh = b_hh, b_ih
    ai, ah = x @ W.T + b_ih, h_prev @ U.T + b_hh                                  # (B, 3H)
    k = {name: slice(j * H, (j + 1) * H) for j, name in enumerate(order)}
    r = sigmoid(ai[:, k["r"]] + ah[:, k["r"]])
    z = sigmoid(ai[:, k["z"]] + ah[:, k["z"]])
    hn = ah[:, 2 * H:]
    U_n, b_hn = U[2 * H:], b_hh[2 * H:]
    inner = {"inside": r * hn, "before_U": (r * h_prev) @ U_n.T + b_hn,
             "bias_outside": r * (h_prev @ U_n.T) + b_hn, "none": hn}[reset]
    n = np.tanh(ai[:, 2 * H:] + inner)
    h = (1 - z) * n + z * h_prev if update == "torch" else z * n + (1 - z) * h_prev
    return {"h": h, "cache.r": r, "cache.z": z, "cache.n": n, "cache.hn": hn}


def gru_step_mistakes(*args):
    return [("Update gate flipped: torch's convention is h = (1 - z) * n + z * h_prev.",
             gru_step(*args, update="lecture")),
            ("The reset gate multiplies h_prev before U: torch applies it after, "
             "n = tanh(W_n x + b_in + r * (U_n h_prev + b_hn)).",
             gru_step(*args, reset="before_U")),
            ("b_hn is outside the reset gate: n = tanh(W_n x + b_in + r * (U_n h_prev + b_hn)).",
             gru_step(*args, reset="bias_outside")),
            ("r and z look swapped: the blocks are stacked r, z, n (torch.nn's order).",
             gru_step(*args, order="zrn")),
            ("The reset gate looks unused: n = tanh(W_n x + b_in + r * hn).",
             gru_step(*args, reset="none")),
            ("b_ih and b_hh look swapped: b_ih goes with x @ W.T, b_hh with h_prev @ U.T.",
             gru_step(*args, swap_biases=True))]


# Task 3.6 -------------------------------------------------------------------------------------

def gru_step_backward(dh, x, h_prev, W, U, r, z, n, hn, direct=True, dz_sign=1,
                      n_derivative="tanh", dr_from="hn", reset_factor=True, input_bias=True,
                      lecture=False):
    """{name: array} of gru_step_backward's outputs, with the switches' mistakes."""
    dn = dh * (z if lecture else 1 - z)
    dz = dz_sign * dh * (h_prev - n) * (-1 if lecture else 1)
    da_n = dn * ((1 - n ** 2) if n_derivative == "tanh" else _d_sigmoid(n))
    da_r = da_n * (hn if dr_from == "hn" else h_prev) * _d_sigmoid(r)
    da_z = dz * _d_sigmoid(z)
    d_in = np.concatenate([da_r, da_z, da_n], axis=1)
    d_hid = np.concatenate([da_r, da_z, da_n * r if reset_factor else da_n], axis=1)
    dh_prev = (dh * ((1 - z) if lecture else z) if direct else 0) + d_hid @ U
    return {"dx": d_in @ W, "dh_prev": dh_prev, "dW": d_in.T @ x, "dU": d_hid.T @ h_prev,
            "db_ih": d_in.sum(axis=0) if input_bias else np.zeros(W.shape[0]),
            "db_hh": d_hid.sum(axis=0)}


def gru_step_backward_mistakes(*args):
    return [("dh_prev misses the direct path: h = (1 - z) n + z h_prev, so dh_prev gets dh * z.",
             gru_step_backward(*args, direct=False)),
            ("dz has the wrong sign: with h = (1 - z) n + z h_prev, dz = dh * (h_prev - n).",
             gru_step_backward(*args, dz_sign=-1)),
            ("n = tanh(a_n), so its derivative is 1 - n**2, not the sigmoid's n (1 - n).",
             gru_step_backward(*args, n_derivative="sigmoid")),
            ("The reset gate's gradient uses h_prev; r multiplies hn = U_n h_prev + b_hn: "
             "da_r = da_n * hn * r (1 - r).", gru_step_backward(*args, dr_from="h_prev")),
            ("The reset gate's factor r looks missing in the hidden-side gradient of n: "
             "d_hid's n block is da_n * r.", gru_step_backward(*args, reset_factor=False)),
            ("db_ih is zero: it is the input-side gradient summed over the batch.",
             {"db_ih": np.zeros(W_rows(args))}),
            ("This is the lecture's update convention h = z n + (1 - z) h_prev: the forward "
             "uses torch's, h = (1 - z) n + z h_prev.", gru_step_backward(*args, lecture=True))]


def W_rows(args):
    return args[3].shape[0]


# Task 3.7 -------------------------------------------------------------------------------------

def _toy(x, h0, a, W):
    h, states = h0, []
    for x_t in x:
        h = a * h + x_t @ W.T
        states.append(h)
    return np.stack(states)


def bidirectional_mistakes(x, h0_f, a_f, W_f, h0_b, a_b, W_b):
    forward, backward = _toy(x, h0_f, a_f, W_f), _toy(x[::-1], h0_b, a_b, W_b)
    right_caches = {"cache_fwd": x, "cache_bwd": x[::-1]}
    wrong = [("The backward pass looks not flipped back: reverse its output in time again "
              "before concatenating.", {"h": np.concatenate([forward, backward], -1)}),
             ("The halves look swapped: the forward pass's states come first.",
              {"h": np.concatenate([backward[::-1], forward], -1)}),
             ("The second pass looks run on x in the forward order: feed it x reversed in time, "
              "x[::-1].", {"h": np.concatenate([forward, _toy(x, h0_b, a_b, W_b)[::-1]], -1),
                           "cache_bwd": x}),
             ("Both passes look run with params_fwd: the backward pass has its own parameters.",
              {"h": np.concatenate([forward, _toy(x[::-1], h0_f, a_f, W_f)[::-1]], -1)}),
             ("The caches look swapped: return (cache_fwd, cache_bwd), the forward pass's first.",
              {"cache_fwd": right_caches["cache_bwd"], "cache_bwd": right_caches["cache_fwd"]})]
    wrong.append(("The two passes look concatenated along time: concatenate the features, "
                  "axis=-1.", {"h": np.concatenate([forward, backward[::-1]], 0)}))
    if x.shape[1] > 1:
        wrong.append(("The batch axis looks reversed instead of time: time is axis 0, x[::-1].",
                      {"h": np.concatenate([forward, _toy(x[:, ::-1], h0_b, a_b, W_b)[:, ::-1]],
                                           -1), "cache_bwd": x[:, ::-1]}))
    return wrong
