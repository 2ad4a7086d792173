"""The LSTM and GRU cells, drawn with the primitives of ``diagrams.py``.

Each function draws on a given Axes and returns it; ``FIGSIZE[name]`` is the figure size it is
laid out for and ``ALT_TEXT[name]`` its description for screen readers (see ``diagrams.py`` for
the page snippet). Labels use the symbols of chapter 6's equations: eq-lstm-gates, eq-lstm-cell
and eq-lstm-hidden for the LSTM, eq-gru-torch and eq-gru-lecture for the GRU.
"""
from diagrams import STATE_PATH, box, dot, finish, op, text, wire

FIGSIZE = {"lstm_cell": (8.5, 5.1), "gru_cell": (8.7, 6.8)}

# Written to be read aloud: symbols in words ("h at step t-1"), no TeX.
ALT_TEXT = {
    "lstm_cell": (
        "Diagram of one LSTM cell. Along the top, drawn as a thick green line, the cell state "
        "runs from c at step t-1 on the left to c at step t on the right: it is multiplied "
        "elementwise by the forget gate f, then the input gate i times the candidate g is added "
        "to it. Along the bottom, the input x at step t and the previous hidden state h at step "
        "t-1 feed four boxes: the gates f, i and o are sigmoids, the candidate g is a tanh. On "
        "the right, the new cell state passes through tanh and is multiplied elementwise by the "
        "output gate o to give the hidden state h at step t."),
    "gru_cell": (
        "Diagram of one GRU cell in torch's convention. Along the top, drawn as a thick green "
        "line, the state runs from h at step t-1 to h at step t: it is multiplied elementwise by "
        "the update gate z, then 1 minus z times the candidate n is added. Along the bottom, the "
        "input x and the previous state feed the sigmoid gates r and z. The candidate's column "
        "computes U n times the previous state plus the bias b h n, multiplies that by the reset "
        "gate r, adds W n times x plus the bias b i n, and applies tanh to give n."),
    "gru_cell_lecture": (
        "Diagram of one GRU cell in lecture 003's convention. Along the top, drawn as a thick "
        "green line, the state runs from h at step t-1 to h at step t: it is multiplied "
        "elementwise by 1 minus the update gate z, then z times the candidate h add is added. "
        "Along the bottom, the input x and the previous state feed the sigmoid gates r and z. "
        "The candidate's column multiplies the previous state by the reset gate r first, then "
        "applies U n, adds W n times x and applies tanh to give h add."),
}

THICK = 3.0   # the state path


def lstm_cell(ax):
    """The LSTM cell: eq-lstm-gates, eq-lstm-cell, eq-lstm-hidden, with the
    cell-state path c_{t-1} -> (f_t *) -> (+ i_t * g_t) -> c_t drawn thick along the top."""
    bus, gates, mid, top = 0.7, 1.75, 3.1, 4.2
    c_prev = box(ax, (0, top), "h", "$c_{t-1}$", w=0.85)
    h_prev = box(ax, (0, bus), "h", "$h_{t-1}$", w=0.85)
    x_t = box(ax, (1.4, -0.55), "x", "$x_t$")
    # the gates read x_t and h_{t-1} from one bus
    gate = {name: box(ax, (gx, gates), "gate", fn, w=0.75, h=0.5)
            for name, gx, fn in [("f", 2.4, r"$\sigma$"), ("i", 3.6, r"$\sigma$"),
                                 ("g", 4.8, r"$\tanh$"), ("o", 6.2, r"$\sigma$")]}
    wire(ax, [h_prev.right, (6.2, bus), gate["o"].bottom])
    wire(ax, [x_t.top, (1.4, bus)], head=False)
    dot(ax, (1.4, bus))
    for name in "fig":
        dot(ax, (gate[name].x, bus))
        wire(ax, [(gate[name].x, bus), gate[name].bottom])
    # the cell-state path
    times_f = op(ax, (2.4, top), r"$\odot$")
    plus = op(ax, (4.8, top), "$+$")
    c_t = box(ax, (9.0, top), "h", "$c_t$")
    for a, b in [(c_prev.right, times_f.left), (times_f.right, plus.left), (plus.right, c_t.left)]:
        wire(ax, [a, b], color=STATE_PATH, lw=THICK)
    text(ax, (3.6, top + 0.38), r"$f_t \odot c_{t-1}$")
    text(ax, (4.4, top + 0.78), "cell state: an additive path", color=STATE_PATH)
    # f_t, and i_t * g_t
    wire(ax, [gate["f"].top, times_f.bottom])
    text(ax, (2.62, 2.75), "$f_t$")
    times_ig = op(ax, (4.8, mid), r"$\odot$")
    wire(ax, [gate["i"].top, (3.6, mid), times_ig.left])
    wire(ax, [gate["g"].top, times_ig.bottom])
    wire(ax, [times_ig.top, plus.bottom])
    text(ax, (3.38, 2.45), "$i_t$")
    text(ax, (5.05, 2.45), "$g_t$")
    text(ax, (5.55, 3.62), r"$i_t \odot g_t$")
    # h_t = o_t * tanh(c_t)
    dot(ax, (7.6, top), color=STATE_PATH, r=0.07)
    squash = box(ax, (7.6, 3.25), "op", r"$\tanh$", w=0.75, h=0.45)
    times_o = op(ax, (7.6, 2.35), r"$\odot$")
    h_t = box(ax, (9.0, 2.35), "h", "$h_t$")
    wire(ax, [(7.6, top), squash.top])
    wire(ax, [squash.bottom, times_o.top])
    wire(ax, [gate["o"].top, (6.2, 2.35), times_o.left])
    wire(ax, [times_o.right, h_t.left])
    text(ax, (6.9, 2.6), "$o_t$")
    return finish(ax, (-0.6, 9.6), (-1.0, 5.15))


def gru_cell(ax, form="torch"):
    """The GRU cell in torch's convention eq-gru-torch (``form="torch"``), or in lecture
    003's eq-gru-lecture (``form="lecture"``: z_t and 1 - z_t trade places, r_t multiplies
    h_{t-1} before U_n, the candidate is h^add_t), the state path drawn thick along the top."""
    if form not in ("torch", "lecture"):
        raise ValueError(f"form must be 'torch' or 'lecture', not {form!r}")
    torch = form == "torch"
    bus, gates, mult, add, squash_y, mix, top = 0.6, 1.55, 2.35, 3.15, 4.0, 4.9, 6.3
    nx, wx = 6.2, 8.1                       # the candidate's column, and W_n x_t's
    cand = "$n_t$" if torch else "$h^{add}_t$"
    h_prev = box(ax, (0, top), "h", "$h_{t-1}$", w=0.85)
    x_t = box(ax, (1.8, -0.5), "x", "$x_t$")
    z_gate = box(ax, (2.8, gates), "gate", r"$\sigma$", w=0.75, h=0.5)
    r_gate = box(ax, (4.0, gates), "gate", r"$\sigma$", w=0.75, h=0.5)
    # the state path
    times_z = op(ax, (2.8, top), r"$\odot$")
    plus = op(ax, (nx, top), "$+$")
    h_t = box(ax, (9.0, top), "h", "$h_t$")
    for a, b in [(h_prev.right, times_z.left), (times_z.right, plus.left), (plus.right, h_t.left)]:
        wire(ax, [a, b], color=STATE_PATH, lw=THICK)
    # h_{t-1} and x_t on the bus to the gates and the candidate
    lin_x = (box(ax, (wx, mult), "op", "$W_n x_t + b_{in}$", w=1.5, h=0.5, fontsize=10) if torch
             else box(ax, (wx, mult), "op", "$W_n x_t$", w=0.9, h=0.5))
    dot(ax, (0.9, top), color=STATE_PATH, r=0.07)
    wire(ax, [(0.9, top), (0.9, bus), (wx, bus), lin_x.bottom])
    wire(ax, [x_t.top, (1.8, bus)], head=False)
    for bx in (1.8, 2.8, 4.0, nx):
        dot(ax, (bx, bus))
    for gate in (z_gate, r_gate):
        wire(ax, [(gate.x, bus), gate.bottom])
    # the candidate
    if torch:
        lin_h = box(ax, (nx, gates), "op", "$U_n h_{t-1} + b_{hn}$", w=1.75, h=0.5,
                    fontsize=10)
        times_r = op(ax, (nx, mult), r"$\odot$")
        wire(ax, [(nx, bus), lin_h.bottom])
        wire(ax, [lin_h.top, times_r.bottom])
        wire(ax, [r_gate.top, (4.0, mult), times_r.left])
        text(ax, (4.95, mult + 0.22), "$r_t$")
        into_plus = times_r
    else:
        times_r = op(ax, (nx, gates), r"$\odot$")
        lin_h = box(ax, (nx, mult), "op", "$U_n$", w=0.75, h=0.5)
        wire(ax, [(nx, bus), times_r.bottom])
        wire(ax, [r_gate.right, times_r.left])
        wire(ax, [times_r.top, lin_h.bottom])
        text(ax, (4.95, gates + 0.22), "$r_t$")
        into_plus = lin_h
    plus_n = op(ax, (nx, add), "$+$")
    squash = box(ax, (nx, squash_y), "gate", r"$\tanh$", w=0.75, h=0.45)
    times_n = op(ax, (nx, mix), r"$\odot$")
    wire(ax, [into_plus.top, plus_n.bottom])
    wire(ax, [lin_x.top, (wx, plus_n.y), plus_n.right])
    wire(ax, [plus_n.top, squash.bottom])
    wire(ax, [squash.top, times_n.bottom])
    wire(ax, [times_n.top, plus.bottom])
    text(ax, (nx + 0.5, (squash.y + mix) / 2 + 0.05), cand)
    # the update gate: z_t on one side of the mix, 1 - z_t on the other
    one_minus = op(ax, (4.4, mix) if torch else (2.8, (mix + top) / 2), "$1-$", r=0.27,
                   fontsize=10)
    if torch:
        wire(ax, [z_gate.top, times_z.bottom])
        wire(ax, [(2.8, mix), one_minus.left], head=False)
        wire(ax, [one_minus.right, times_n.left])
        text(ax, (3.05, 3.3), "$z_t$")
        text(ax, (5.3, mix + 0.25), "$1 - z_t$")
    else:
        wire(ax, [z_gate.top, one_minus.bottom])
        wire(ax, [one_minus.top, times_z.bottom])
        wire(ax, [(2.8, mix), times_n.left])
        text(ax, (3.05, 3.3), "$z_t$")
        text(ax, (3.45, (mix + top) / 2 + 0.1), "$1 - z_t$")
    dot(ax, (2.8, mix))
    first, second = ((r"$z_t \odot h_{t-1}$", r"$(1 - z_t) \odot n_t$") if torch else
                     (r"$(1 - z_t) \odot h_{t-1}$", r"$z_t \odot h^{add}_t$"))
    text(ax, ((times_z.x + nx) / 2, top + 0.38), first)
    text(ax, (nx + 0.95, (mix + top) / 2), second)
    title = ("torch's convention (the book's)" if torch else
             "lecture 003's convention: $z_t$ and $1 - z_t$ swapped, $r_t$ before $U_n$")
    text(ax, (4.5, top + 0.8), title, color="black")
    return finish(ax, (-0.6, 9.6), (-1.0, 7.3))
