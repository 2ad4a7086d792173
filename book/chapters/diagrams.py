"""Boxes, operators and wires for the book's RNN diagrams (matplotlib), shared by the chapters.

Colours follow Karpathy's convention: inputs red, hidden states green, outputs blue; gates (the
layers with a nonlinearity) are yellow, elementwise operators and linear maps white, and an
additive state path (the LSTM's cell state, the GRU's state) is a thick dark-green line. Usage in
a chapter (the notebook's working folder is ``book/chapters/``)::

    from diagrams import arrow, box

The finished diagrams are in ``cell_diagrams.py`` (``lstm_cell``, ``gru_cell``) and
``network_diagrams.py`` (``bidirectional_unrolled``, ``stacked_unrolled``, ``encoder_decoder``,
``bptt_paths``). Each draws on a given Axes and returns it; ``FIGSIZE[name]`` is the figure size
it is laid out for (the cropped image is at most ~672 px wide, the width of a figure in the
book's content column at 1280x800, so it is shown unscaled) and ``ALT_TEXT[key]`` describes it
for screen readers. myst-nb 1.4 takes an output image's alt text only from the cell's metadata
(``mystnb: image: alt:``, its ``render_image_options``; the output's own metadata may set width
and height only), so a page writes the alt text out, word for word, in a folded block;
``tests/book/test_diagrams.py`` checks that it contains ``ALT_TEXT[key]`` for every diagram the
cell draws (key: the function's name, or ``gru_cell_lecture``, ``encoder_decoder_free``,
``bptt_paths_U`` for those variants). A page shows one like this::

    ```{code-cell} ipython3
    ---
    tags: [hide-input]
    mystnb:
      image:
        alt: >-
          Diagram of one LSTM cell. Along the top, drawn as a thick green line, the
          cell state runs from c at step t-1 on the left to c at step t on the right:
          ... (the whole of ALT_TEXT["lstm_cell"], wrapped)
      figure:
        name: fig-lstm-cell
        caption: |
          The LSTM cell {eq}`eq-lstm-gates`-{eq}`eq-lstm-hidden` ...
    ---
    import matplotlib.pyplot as plt

    # book/chapters/cell_diagrams.py: the LSTM and GRU cells
    from cell_diagrams import FIGSIZE, lstm_cell

    fig, ax = plt.subplots(figsize=FIGSIZE["lstm_cell"])
    lstm_cell(ax)
    plt.show()
    ```

The HTML then holds ``<figure id="fig-lstm-cell"><img alt="Diagram of one LSTM cell. ..."``.
The two decoders go one above the other, columns aligned (side by side they would be shrunk below
a readable size)::

    fig, (top, bottom) = plt.subplots(2, 1, figsize=FIGSIZE["encoder_decoder_pair"])
    encoder_decoder(top, "teacher")
    encoder_decoder(bottom, "free")

with ``ALT_TEXT["encoder_decoder"]`` and ``ALT_TEXT["encoder_decoder_free"]`` one after the other
as the cell's alt text.
"""
from dataclasses import dataclass

from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

COLORS = {"x": "#f4a6a6", "h": "#9fd89f", "y": "#9cc3f0", "gate": "#fde9a9", "op": "white"}
STATE_PATH = "#1b7a35"   # the additive state path: c_{t-1} -> c_t (LSTM), h_{t-1} -> h_t (GRU)
FONTSIZE = 11            # labels inside boxes (those on wires: 10); unscaled on the page
PAD = 0.04               # the rounding pad FancyBboxPatch adds around a box


@dataclass(frozen=True)
class Node:
    """A drawn box or circle: centre ``(x, y)``, half width ``rx`` and half height ``ry`` (the
    drawn outline, pad included). ``top``, ``bottom``, ``left``, ``right`` are the midpoints of
    its edges, where wires start and end."""

    x: float
    y: float
    rx: float
    ry: float

    @property
    def top(self):
        return (self.x, self.y + self.ry)

    @property
    def bottom(self):
        return (self.x, self.y - self.ry)

    @property
    def left(self):
        return (self.x - self.rx, self.y)

    @property
    def right(self):
        return (self.x + self.rx, self.y)


def box(ax, xy, kind, label="", w=0.8, h=0.55, fontsize=FONTSIZE):
    """A rounded box centred at ``xy`` coloured by ``kind`` ('x' input, 'h' state, 'y' output,
    'gate', 'op'); returns its :class:`Node`."""
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad={PAD}",
                                fc=COLORS[kind], ec="black", lw=1, zorder=2, gid="node"))
    if label:
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=3)
    return Node(x, y, w / 2 + PAD, h / 2 + PAD)


def op(ax, xy, symbol, r=0.2, fontsize=FONTSIZE):
    """An elementwise operator (``r'$\\odot$'``, ``'$+$'``, ``'$1-$'``) as a circle at ``xy``;
    returns its :class:`Node`."""
    ax.add_patch(Circle(xy, r, fc=COLORS["op"], ec="black", lw=1, zorder=2, gid="node"))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=fontsize, zorder=3)
    return Node(xy[0], xy[1], r, r)


def arrow(ax, start, end, rad=0.0, label=None, offset=(0.0, 0.0), color="black", lw=1.2,
          ls="-", fontsize=10, shrink=2.0):
    """An arrow from ``start`` to ``end``, bent by ``rad`` (matplotlib's arc3: > 0 bulges to the
    right of the direction of travel), labelled at its middle + ``offset``; its ends are pulled
    in by ``shrink`` points (0: exactly on the points)."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, lw=lw,
                                 connectionstyle=f"arc3,rad={rad}", color=color,
                                 linestyle=ls, shrinkA=shrink, shrinkB=shrink, zorder=1,
                                 gid="arrow"))
    if label:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color="#333333")


def wire(ax, points, color="black", lw=1.2, head=True, ls="-", zorder=1):
    """A polyline through ``points`` (straight segments), with an arrowhead at its end when
    ``head``; the tip lies exactly on the last point (no shrinking), so end it on a node's edge."""
    ax.add_patch(FancyArrowPatch(path=Path(points), arrowstyle="-|>" if head else "-",
                                 mutation_scale=12 + 2 * (lw - 1.2), lw=lw, color=color,
                                 linestyle=ls, joinstyle="miter", capstyle="butt",
                                 zorder=zorder, gid="arrow" if head else "line"))


def dot(ax, xy, color="black", r=0.05):
    """A junction dot where a wire branches."""
    ax.add_patch(Circle(xy, r, fc=color, ec="none", zorder=1.5, gid="junction"))


def text(ax, xy, label, fontsize=10, color="#333333", **kwargs):
    """A label (on a wire, beside a node) centred at ``xy`` unless ``ha``/``va`` say otherwise."""
    kwargs = {"ha": "center", "va": "center"} | kwargs
    return ax.text(*xy, label, fontsize=fontsize, color=color, **kwargs)


def finish(ax, xlim, ylim, title=None):
    """Equal aspect, no axes, the given limits; an optional title."""
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if title:
        ax.set_title(title, fontsize=FONTSIZE)
    return ax
