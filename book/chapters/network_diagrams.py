"""Unrolled networks, drawn with the primitives of ``diagrams.py``: a bidirectional RNN, a stacked
RNN, an encoder-decoder (teacher forcing, free-running) and the gradient paths of BPTT.

Each function draws on a given Axes and returns it; ``FIGSIZE[name]`` is the figure size it is
laid out for and ``ALT_TEXT[name]`` its description for screen readers (see ``diagrams.py`` for
the page snippet). Labels use the symbols of the equations they illustrate: chapter 5's
eq-bi-directions, eq-bi-concat and eq-bi-stacked (layers l = 1, ..., N), chapter 7's eq-encoder
and eq-decoder, chapter 3's eq-bptt-three.
"""
from diagrams import arrow, box, finish, op, text, wire

FIGSIZE = {"bidirectional_unrolled": (8.2, 3.8), "stacked_unrolled": (9.4, 5.1),
           "encoder_decoder": (8.5, 3.0), "encoder_decoder_pair": (8.5, 6.0),
           "bptt_paths": (8.4, 5.4)}

# The colour of each term of chapter 3's three-step equation eq-bptt-three, keyed by the step k at
# which the term's W (or U) is used: k = 3 is the first term (no Jacobian), k = 1 the last (two).
# Colour-blind safe (Okabe and Ito); in MathJax: \color{#D55E00}{...}.
BPTT_TERM_COLORS = {3: "#D55E00", 2: "#0072B2", 1: "#CC79A7"}

# Written to be read aloud: symbols in words ("h at step t-1"), no TeX.
ALT_TEXT = {
    "bidirectional_unrolled": (
        "Diagram of a bidirectional RNN unrolled over four steps. Each input x 1 to x 4 at the "
        "bottom feeds two hidden states: a forward state, whose arrows run left to right from "
        "the forward h 0, so that it reads the state of step t-1, and a backward state, whose "
        "arrows run right to left from the backward h 5, so that it reads the state of step "
        "t+1. Both states of a step feed that step's output y hat at the top. The two "
        "directions share no arrows."),
    "stacked_unrolled": (
        "Diagram of a two-layer stacked RNN unrolled over four steps. Each input x at the "
        "bottom feeds the layer-1 state of its step through W 1; that state feeds the layer-2 "
        "state of the same step through W 2, which feeds the output y hat through V. Within "
        "each layer the states are chained left to right, through U 1 in layer 1 and U 2 in "
        "layer 2, starting from the initial states h 0 of each layer."),
    "encoder_decoder": (
        "Diagram of an encoder-decoder trained with teacher forcing. An encoder RNN reads the "
        "source x 1, x 2, x 3 into the encoder states 1 to 3; the last encoder state becomes "
        "the decoder's initial state, h dec 0, the only link between the two networks. The "
        "decoder's states 1 to 3 produce the outputs z 1 to z 3. Its inputs are the true "
        "previous words y 0, y 1, y 2, where y 0 is the beginning-of-sentence token."),
    "encoder_decoder_free": (
        "Diagram of an encoder-decoder decoding free-running. An encoder RNN reads the source "
        "x 1, x 2, x 3 into the encoder states 1 to 3; the last encoder state becomes the "
        "decoder's initial state, h dec 0. The decoder's states 1 to 3 produce the outputs z 1 "
        "to z 3. Its first input is the beginning-of-sentence token y 0; after that it reads its "
        "own previous guesses, y hat 1 and y hat 2: dashed arrows carry each output z, through "
        "its argmax, to the next step's input."),
    "bptt_paths": (
        "Diagram of an RNN unrolled for three steps, with inputs x 1 to x 3, states h 0 to h 3 "
        "and the loss L 3 of the scores z 3 above h 3. Black arrows are the forward pass; "
        "each input reaches its state through a node W. Three coloured arrows run backwards from the loss, one for "
        "each term of the three-step equation: the first, orange, goes from L to h 3 and down "
        "to W at step 3; the second, blue, from L through h 3 to h 2 and down to W at step 2; "
        "the third, pink, from L through h 3, h 2 and h 1 down to W at step 1."),
    "bptt_paths_U": (
        "Diagram of an RNN unrolled for three steps, with inputs x 1 to x 3, states h 0 to h 3 "
        "and the loss L 3 of the scores z 3 above h 3. Black arrows are the forward pass; "
        "each state reaches the next through a node U. Three coloured arrows run backwards from the loss, one for "
        "each term of the three-step equation: the first, orange, goes from L to h 3 and back "
        "to U at step 3; the second, blue, from L through h 3 to h 2 and back to U at step 2; "
        "the third, pink, from L through h 3, h 2 and h 1 back to U at step 1."),
}

ARROWS = r"\overset{\rightarrow}", r"\overset{\leftarrow}"


def bidirectional_unrolled(ax, T=4):
    """A bidirectional RNN over T steps, eq-bi-directions and eq-bi-concat: the forward states
    read t-1 (arrows left to right), the backward states read t+1 (arrows right to left), both
    feed each output."""
    fw, bw = ARROWS
    dx, yf, yb, yy = 2.0, 1.5, 2.75, 4.1
    fwd = {0: box(ax, (-0.45, yf), "h", f"${fw}{{h}}_0$")}
    bwd = {T + 1: box(ax, (dx * (T + 1) + 0.45, yb), "h", f"${bw}{{h}}_{{{T + 1}}}$")}
    for t in range(1, T + 1):
        cx = dx * t
        x_t = box(ax, (cx, 0), "x", f"$x_{t}$")
        fwd[t] = box(ax, (cx - 0.45, yf), "h", f"${fw}{{h}}_{t}$")
        bwd[t] = box(ax, (cx + 0.45, yb), "h", f"${bw}{{h}}_{t}$")
        y_t = box(ax, (cx, yy), "y", rf"$\hat y_{t}$")
        for state, side in ((fwd[t], -0.15), (bwd[t], 0.15)):
            wire(ax, [(cx + side, x_t.top[1]), state.bottom])
            wire(ax, [state.top, (cx + side, y_t.bottom[1])])
    for t in range(1, T + 1):
        wire(ax, [fwd[t - 1].right, fwd[t].left])
        wire(ax, [bwd[t + 1].left, bwd[t].right])
        text(ax, (fwd[t].left[0] - 0.4, yf + 0.3), f"${fw}{{U}}$")
        text(ax, (bwd[t].right[0] + 0.4, yb + 0.3), f"${bw}{{U}}$")
    text(ax, (fwd[0].x, yf + 0.6), "forward")
    text(ax, (bwd[T + 1].x, yb + 0.6), "backward")
    return finish(ax, (-1.1, dx * (T + 1) + 1.1), (-0.5, yy + 0.5))


def stacked_unrolled(ax, T=4, layers=2):
    """A stacked RNN of N = ``layers`` layers over T steps, eq-bi-stacked: layer l's state feeds
    layer l + 1 at the same step (through W^(l+1)) and its own next state (through U^(l))."""
    dx, dy = 1.8, 1.45
    below = {t: box(ax, (dx * t, 0), "x", f"$x_{t}$") for t in range(1, T + 1)}
    for l in range(1, layers + 1):
        y = dy * l
        prev = box(ax, (0, y), "h", f"$h^{{({l})}}_0$")
        for t in range(1, T + 1):
            state = box(ax, (dx * t, y), "h", f"$h^{{({l})}}_{t}$")
            wire(ax, [below[t].top, state.bottom])
            text(ax, (dx * t + 0.36, y - dy / 2), f"$W^{{({l})}}$", ha="left")
            wire(ax, [prev.right, state.left])
            text(ax, ((prev.x + state.x) / 2, y + 0.24), f"$U^{{({l})}}$")
            prev, below[t] = state, state
    top = dy * (layers + 1)
    for t in range(1, T + 1):
        y_t = box(ax, (dx * t, top), "y", rf"$\hat y_{t}$")
        wire(ax, [below[t].top, y_t.bottom])
        text(ax, (dx * t + 0.36, top - dy / 2), "$V$", ha="left")
    return finish(ax, (-0.55, dx * T + 0.95), (-0.45, top + 0.45))


def encoder_decoder(ax, decoding="teacher", S=3, T=3):
    """An encoder-decoder, eq-encoder and eq-decoder: the encoder reads x_1..x_S, its last state
    is the decoder's h^dec_0. ``decoding="teacher"``: the decoder reads the true previous words
    y_{t-1} (teacher forcing, training); ``"free"``: it reads its own previous guesses
    y-hat_{t-1} = argmax z_{t-1}, fed back by the arrows (free-running, greedy decoding)."""
    if decoding not in ("teacher", "free"):
        raise ValueError(f"decoding must be 'teacher' or 'free', not {decoding!r}")
    dx, ddx, w, hy, zy = 1.4, 1.8, 0.9, 1.35, 2.7    # encoder's and decoder's column spacing
    enc = r"h^{\mathrm{enc}}"
    dec = r"h^{\mathrm{dec}}"
    prev = None
    for s in range(1, S + 1):
        x_s = box(ax, (dx * s, 0), "x", f"$x_{s}$", w=w)
        state = box(ax, (dx * s, hy), "h", f"${enc}_{s}$", w=w)
        wire(ax, [x_s.top, state.bottom])
        if prev:
            wire(ax, [prev.right, state.left])
        prev = state
    text(ax, (dx * (S + 1) / 2, zy), "encoder")
    start = prev.x + 2.1
    text(ax, ((prev.right[0] + start - w / 2 - 0.04) / 2, hy + 0.27), f"${dec}_0$")
    out = None
    for t in range(1, T + 1):
        cx = start + ddx * (t - 1)
        word = "$y_0$" if t == 1 else (f"$y_{t - 1}$" if decoding == "teacher"
                                       else rf"$\hat y_{t - 1}$")
        y_in = box(ax, (cx, 0), "x", word, w=w)
        state = box(ax, (cx, hy), "h", f"${dec}_{t}$", w=w)
        wire(ax, [y_in.top, state.bottom])
        wire(ax, [prev.right, state.left])
        if out and decoding == "free":   # z_{t-1} -> argmax -> the input of step t
            mid = cx - ddx / 2
            wire(ax, [out.right, (mid, zy), (mid, 0), y_in.left], color="#1f5fa8", ls="--")
        out = box(ax, (cx, zy), "y", f"$z_{t}$", w=w)
        wire(ax, [state.top, out.bottom])
        prev = state
    title = ("teacher forcing: true previous words" if decoding == "teacher" else
             r"free-running: $\hat y_t = \mathrm{argmax}\, z_t$ fed back")
    return finish(ax, (dx - 0.55, start + ddx * (T - 1) + 0.55), (-0.4, zy + 0.4), title)


def bptt_paths(ax, param="W"):
    """Chapter 3's three-step RNN, L = L_3(z_3), with the three terms of eq-bptt-three as
    coloured backward paths (``BPTT_TERM_COLORS``): the term of step k runs from L through
    h_3, ..., h_k to the parameter (``param``, "W" or "U") as used at step k."""
    if param not in ("W", "U"):
        raise ValueError(f"param must be 'W' or 'U', not {param!r}")
    dx, xw, yh, yl = 1.9, 1.0, 2.1, 3.75
    h = {0: box(ax, (0, yh), "h", "$h_0$")}
    use = {}
    for t in range(1, 4):
        cx = dx * t
        x_t = box(ax, (cx, 0), "x", f"$x_{t}$")
        h[t] = box(ax, (cx, yh), "h", f"$h_{t}$")
        if param == "W":
            use[t] = op(ax, (cx, xw), "$W$", r=0.24)
            wire(ax, [x_t.top, use[t].bottom])
            wire(ax, [use[t].top, h[t].bottom])
            wire(ax, [h[t - 1].right, h[t].left])
            text(ax, (cx - dx / 2, yh - 0.25), "$U$")
        else:
            use[t] = op(ax, (cx - dx / 2, yh), "$U$", r=0.24)
            wire(ax, [x_t.top, h[t].bottom])
            text(ax, (cx + 0.25, xw), "$W$")
            wire(ax, [h[t - 1].right, use[t].left])
            wire(ax, [use[t].right, h[t].left])
    loss = box(ax, (3 * dx, yl), "y", "$L = L_3(z_3)$", w=1.6)
    wire(ax, [h[3].top, loss.bottom])
    text(ax, (3 * dx - 0.22, (yh + yl) / 2), "$V$")
    for k, color in BPTT_TERM_COLORS.items():
        j = 3 - k                                   # 0, 1, 2: the term's place in the sum
        kw = dict(color=color, lw=1.8, shrink=0)
        lane = 3 * dx + 0.14 + 0.14 * j             # L -> h_3, right of the V arrow
        arrow(ax, (lane, loss.bottom[1]), (lane, h[3].top[1]), **kw)
        for i in range(3, k, -1):                   # h_i -> h_{i-1}: leave on the left half of
            spread = 0.12 + 0.24 * (k - 1)          # the top, arrive on the right half
            arrow(ax, (h[i].x - spread, h[i].top[1]), (h[i - 1].x + spread, h[i - 1].top[1]),
                  rad=0.3 + 0.2 * (2 - k), **kw)
        below = (h[k].x - 0.32, h[k].bottom[1])    # h_k -> the parameter used at step k
        if param == "W":
            arrow(ax, below, (use[k].x - 0.17, use[k].y + 0.17), **kw)
            where = (h[k].x - 0.85, (xw + yh) / 2 - 0.1)
        else:
            arrow(ax, below, use[k].bottom, rad=-0.6, **kw)
            where = (use[k].x + 0.35, yh - 0.85)
        text(ax, where, f"$k = {k}$", color=color)
    return finish(ax, (-0.55, 3 * dx + 0.95), (-0.45, yl + 0.45))
