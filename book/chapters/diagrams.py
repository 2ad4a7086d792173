"""Boxes and arrows for the book's RNN diagrams (matplotlib), shared by the chapters.

Colours follow Karpathy's convention: inputs red, hidden states green, outputs blue.
Usage in a chapter (the notebook's working folder is ``book/chapters/``)::

    from diagrams import arrow, box
"""
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

COLORS = {"x": "#f4a6a6", "h": "#9fd89f", "y": "#9cc3f0"}


def box(ax, xy, kind, label="", w=0.8, h=0.55, fontsize=11):
    """A rounded box centred at ``xy`` coloured by ``kind`` ('x' input, 'h' state, 'y' output)."""
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                fc=COLORS[kind], ec="black", lw=1))
    if label:
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize)


def arrow(ax, start, end, rad=0.0, label=None, offset=(0.0, 0.0), color="black"):
    """An arrow from ``start`` to ``end`` (bent by ``rad``), labelled at its middle + ``offset``."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, lw=1.2,
                                 connectionstyle=f"arc3,rad={rad}", color=color))
    if label:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=10, color="#333333")
