"""The book's diagrams (``book/chapters/diagrams.py``, ``cell_diagrams.py`` and
``network_diagrams.py``): each draws without overlapping boxes or labels, keeps every label inside
the figure and readable in the 1280x800 content column, ends every wire on a node, uses the
symbols of the equations on its page, and has alt text, which a page that shows it repeats in the
cell's metadata."""
import importlib
import re
import sys
import textwrap
from pathlib import Path

import jupytext
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CHAPTERS = REPO / "book" / "chapters"
sys.path.insert(0, str(CHAPTERS))
diagrams = importlib.import_module("diagrams")
cells = importlib.import_module("cell_diagrams")
networks = importlib.import_module("network_diagrams")

DPI = 100          # matplotlib's default, which the pages' inline figures use
COLUMN_PX = 672    # an image in a figure of the content column at 1280x800 (measured in chromium)
MIN_PT = 9         # smallest font size on the page after that scaling

# ALT_TEXT key -> (module, draw(ax), page, symbols): every symbol is a label of the diagram and
# is written on its page (in LaTeX, with the page's spacing); a pair is (label, as on the page),
# for labels with a concrete index where the page writes t.
RIGHT, LEFT = r"\overset{\rightarrow}", r"\overset{\leftarrow}"
ENC, DEC = r"h^{\mathrm{enc}}", r"h^{\mathrm{dec}}"
DIAGRAMS = {
    "lstm_cell": (cells, cells.lstm_cell, "06_lstm_gru",
                  ("f_t", "i_t", "g_t", "o_t", "c_t", "c_{t-1}", "h_t", "h_{t-1}", "x_t",
                   r"f_t \odot c_{t-1}", r"i_t \odot g_t", r"\sigma", r"\tanh")),
    "gru_cell": (cells, cells.gru_cell, "06_lstm_gru",
                 ("r_t", "z_t", "n_t", "1 - z_t", "h_{t-1}", "x_t", r"U_n h_{t-1} + b_{hn}",
                  r"W_n x_t + b_{in}", r"z_t \odot h_{t-1}", r"(1 - z_t) \odot n_t")),
    "gru_cell_lecture": (cells, lambda ax: cells.gru_cell(ax, form="lecture"), "06_lstm_gru",
                         ("r_t", "z_t", "1 - z_t", "h^{add}_t", "U_n", "W_n x_t",
                          r"(1 - z_t) \odot h_{t-1}", r"z_t \odot h^{add}_t")),
    "bidirectional_unrolled": (networks, networks.bidirectional_unrolled,
                               "05_bidirectional_stacked",
                               ((RIGHT + "{h}_1", RIGHT + "{h}_t"),
                                (LEFT + "{h}_1", LEFT + "{h}_t"),
                                (LEFT + "{h}_{5}", LEFT + "{h}_{T+1}"), RIGHT + "{U}",
                                LEFT + "{U}", (r"\hat y_1", r"\hat y_t"), ("x_1", "x_t"))),
    "stacked_unrolled": (networks, networks.stacked_unrolled, "05_bidirectional_stacked",
                         (("h^{(1)}_1", "h^{(l)}_t"), ("h^{(2)}_0", "h^{(l)}_{t-1}"),
                          ("W^{(2)}", "W^{(l)}"), ("U^{(1)}", "U^{(l)}"), "V",
                          (r"\hat y_1", r"\hat y_t"), ("x_1", "x_t"))),
    "encoder_decoder": (networks, networks.encoder_decoder, "07_applications",
                        ((ENC + "_1", ENC + "_s"), DEC + "_0", (DEC + "_1", DEC + "_t"),
                         ("z_1", "z_t"), "y_0", ("y_1", "y_{t-1}"), ("x_1", "x_s"))),
    "encoder_decoder_free": (networks, lambda ax: networks.encoder_decoder(ax, "free"),
                             "07_applications",
                             ((ENC + "_1", ENC + "_s"), DEC + "_0", ("z_1", "z_t"), "y_0",
                              (r"\hat y_1", None), (r"\hat y_2", None))),
    "bptt_paths": (networks, networks.bptt_paths, "03_bptt",
                   ("h_0", "h_1", "h_2", "h_3", "x_3", "W", "U", "V", "L_3(z_3)")),
    "bptt_paths_U": (networks, lambda ax: networks.bptt_paths(ax, param="U"), "03_bptt",
                     ("h_0", "h_1", "h_3", "x_3", "W", "U", "V", "L_3(z_3)")),
}
FUNCTIONS = ("lstm_cell", "gru_cell", "bidirectional_unrolled", "stacked_unrolled",
             "encoder_decoder", "bptt_paths")


def figsize(name, module):
    return module.FIGSIZE.get(name) or module.FIGSIZE[name.rsplit("_", 1)[0]]


def draw_figure(name):
    """A new figure with the diagram ``name`` (a key of DIAGRAMS, or the decoders' pair)."""
    if name == "encoder_decoder_pair":   # teacher forcing above free-running, columns aligned
        fig, axes = plt.subplots(2, 1, figsize=networks.FIGSIZE[name])
        networks.encoder_decoder(axes[0], "teacher")
        networks.encoder_decoder(axes[1], "free")
        return fig
    module, draw, _, _ = DIAGRAMS[name]
    fig, ax = plt.subplots(figsize=figsize(name, module))
    assert draw(ax) is ax, f"{name} should return its Axes"
    return fig


@pytest.fixture(scope="module", params=sorted(DIAGRAMS) + ["encoder_decoder_pair"])
def drawn(request):
    """(name, figure, renderer) of one diagram drawn at its figure size."""
    fig = draw_figure(request.param)
    fig.canvas.draw()
    yield request.param, fig, fig.canvas.get_renderer()
    plt.close(fig)


def texts(fig):
    """The labels and titles a figure draws (no tick labels: the diagrams have no axes)."""
    found = list(fig.texts)
    for ax in fig.axes:
        found += ax.texts + [ax.title, ax._left_title, ax._right_title]
    return [t for t in found if t.get_visible() and t.get_text()]


def labels(fig):
    """Every text of the figure with its mathtext $...$ parts unwrapped."""
    return " | ".join(t.get_text().replace("$", "") for t in texts(fig))


def patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def node_shape(patch):
    """('box', x0, y0, x1, y1) or ('circle', x, y, r) in data coordinates, outline included."""
    if isinstance(patch, FancyBboxPatch):
        pad = patch.get_boxstyle().pad
        return ("box", patch.get_x() - pad, patch.get_y() - pad,
                patch.get_x() + patch.get_width() + pad, patch.get_y() + patch.get_height() + pad)
    assert isinstance(patch, Circle)
    return ("circle", *patch.center, patch.radius)


def distance_to_outline(point, shape):
    x, y = point
    if shape[0] == "circle":
        _, cx, cy, r = shape
        return abs(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 - r)
    _, x0, y0, x1, y1 = shape
    dx, dy = max(x0 - x, 0, x - x1), max(y0 - y, 0, y - y1)
    if dx or dy:                                   # outside: distance to the rectangle
        return (dx ** 2 + dy ** 2) ** 0.5
    return min(x - x0, x1 - x, y - y0, y1 - y)     # inside: distance to the nearest edge


def ends(patch):
    """The two end points of an arrow or line in data coordinates (matplotlib keeps them in
    ``_posA_posB`` for arrows between two points, in ``_path_original`` for a path)."""
    if patch._posA_posB is not None:
        return patch._posA_posB
    vertices = patch._path_original.vertices
    return tuple(vertices[0]), tuple(vertices[-1])


def overlap(a, b, tolerance=0.5):
    """Whether two display boxes overlap by more than ``tolerance`` pixels both ways."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance and
            min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


def inside(inner, outer, tolerance=1.0):
    return (inner.x0 >= outer.x0 - tolerance and inner.x1 <= outer.x1 + tolerance and
            inner.y0 >= outer.y0 - tolerance and inner.y1 <= outer.y1 + tolerance)


def test_every_text_lies_inside_the_figure(drawn):
    name, fig, renderer = drawn
    for t in texts(fig):
        assert inside(t.get_window_extent(renderer), fig.bbox), \
            f"{name}: {t.get_text()!r} is cut off"


def test_nodes_and_wires_lie_inside_the_axes(drawn):
    """Patches are clipped to the Axes: one outside its limits would be cut off."""
    name, fig, renderer = drawn
    for ax, patch in ((ax, p) for ax in fig.axes for p in ax.patches):
        assert inside(patch.get_window_extent(renderer), ax.bbox, tolerance=2.0), \
            f"{name}: a {patch.get_gid()} at {patch.get_window_extent(renderer)} is cut off"


def test_no_two_nodes_overlap(drawn):
    name, fig, renderer = drawn
    for ax in fig.axes:
        nodes = patches(ax, "node")
        assert len(nodes) >= 6, f"{name}: only {len(nodes)} nodes"
        boxes = [(node_shape(p), p.get_window_extent(renderer)) for p in nodes]
        for i, (shape_a, a) in enumerate(boxes):
            for shape_b, b in boxes[i + 1:]:
                assert not overlap(a, b), f"{name}: nodes {shape_a} and {shape_b} overlap"


def test_no_two_labels_overlap_and_no_label_runs_into_a_node(drawn):
    """A label touching a node is that node's own: inside it and centred on it."""
    name, fig, renderer = drawn
    found = [(t, t.get_window_extent(renderer)) for t in texts(fig)]
    for i, (a, box_a) in enumerate(found):
        for b, box_b in found[i + 1:]:
            assert not overlap(box_a, box_b), \
                f"{name}: labels {a.get_text()!r} and {b.get_text()!r} overlap"
    nodes = [(p.get_window_extent(renderer), node_shape(p))
             for ax in fig.axes for p in patches(ax, "node")]
    for label, extent in found:
        touched = [(n, shape) for n, shape in nodes if overlap(extent, n)]
        if not touched:
            continue
        assert len(touched) == 1 and inside(extent, touched[0][0]), \
            f"{name}: {label.get_text()!r} runs into a node"
        (node, shape), = touched
        centre = label.axes.transData.transform(label.get_position())
        assert abs(centre[0] - (node.x0 + node.x1) / 2) < 1 and \
            abs(centre[1] - (node.y0 + node.y1) / 2) < 1, \
            f"{name}: {label.get_text()!r} sits in the node {shape} but is not its label"


def wire_segments(patch):
    """The straight pieces (display coordinates) of a drawn wire or arrow, head included."""
    path = patch.get_transform().transform_path(patch.get_path())
    pieces, last = [], None
    for vertices, code in path.iter_segments(simplify=False, curves=False):
        if code == MplPath.LINETO and last is not None:
            pieces.append(MplPath([last, vertices[-2:]]))
        if code in (MplPath.MOVETO, MplPath.LINETO):
            last = vertices[-2:]
    return pieces


def test_no_label_crosses_a_wire(drawn):
    name, fig, renderer = drawn
    pieces = [piece for ax in fig.axes for p in ax.patches if isinstance(p, FancyArrowPatch)
              for piece in wire_segments(p)]
    for t in texts(fig):
        extent = t.get_window_extent(renderer)
        assert not any(piece.intersects_bbox(extent, filled=False) for piece in pieces), \
            f"{name}: a wire runs through {t.get_text()!r}"


def test_every_wire_ends_on_a_node_or_a_junction(drawn):
    """Arrowheads end on a node's outline; a line or an arrow starts on a node's outline or at
    a junction dot, and a line without a head ends at one."""
    name, fig, renderer = drawn
    for ax in fig.axes:
        check_wires(name, ax)


def check_wires(name, ax):
    shapes = [node_shape(p) for p in patches(ax, "node")]
    junctions = [p.center for p in patches(ax, "junction")]
    wires = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert wires and all(p.get_gid() in ("arrow", "line") for p in wires)

    def attached(point):
        return (min(distance_to_outline(point, s) for s in shapes) < 0.02 or
                any(abs(point[0] - jx) + abs(point[1] - jy) < 0.02 for jx, jy in junctions))

    for patch in wires:
        start, end = ends(patch)
        assert attached(start), f"{name}: a wire starts at {start}, on no node or junction"
        if patch.get_gid() == "arrow":
            assert min(distance_to_outline(end, s) for s in shapes) < 0.02, \
                f"{name}: an arrowhead at {end} ends on no node"
        else:
            assert attached(end), f"{name}: a line ends at {end}, on no node or junction"


def test_fonts_are_readable_in_the_content_column(drawn):
    """The inline image is cropped to its contents ("tight"); wider than the column it is
    scaled down, and its smallest font with it."""
    name, fig, renderer = drawn
    width_px = fig.get_tightbbox(renderer).width * DPI
    scale = min(1.0, COLUMN_PX / width_px)
    assert width_px <= 1.1 * COLUMN_PX, f"{name}: {width_px:.0f} px wide, scaled by {scale:.2f}"
    smallest = min(t.get_fontsize() for t in texts(fig))
    assert smallest * scale >= MIN_PT, \
        f"{name}: {smallest} pt x {scale:.2f} = {smallest * scale:.1f} pt on the page"


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_labels_use_the_symbols_of_the_page(name):
    _, _, page, symbols = DIAGRAMS[name]
    fig = draw_figure(name)
    shown = labels(fig)
    plt.close(fig)
    source = re.sub(r"\s+", " ", (CHAPTERS / f"{page}.md").read_text(encoding="utf8"))
    for symbol in symbols:
        label, written = symbol if isinstance(symbol, tuple) else (symbol, symbol)
        assert label in shown, f"{name}: no label {label!r} in {shown}"
        if written:    # None: the page has no symbol for it (the decoder's own guesses)
            assert written in source, f"{name}: {written!r} is not written on {page}.md"


def test_the_bptt_paths_have_the_colours_of_the_terms():
    fig, ax = plt.subplots(figsize=networks.FIGSIZE["bptt_paths"])
    networks.bptt_paths(ax)
    colours = [matplotlib.colors.to_hex(p.get_edgecolor()).upper() for p in patches(ax, "arrow")]
    for k, colour in networks.BPTT_TERM_COLORS.items():
        # the term of step k has 1 (L -> h_3) + (3 - k) Jacobians + 1 (h_k -> W) arrows
        assert colours.count(colour.upper()) == 2 + 3 - k, (k, colours)
    plt.close(fig)


def test_every_diagram_has_alt_text_and_a_figure_size():
    for module in (cells, networks):
        public = [n for n, f in vars(module).items()
                  if callable(f) and getattr(f, "__module__", "") == module.__name__
                  and not n.startswith("_")]
        for name in public:
            assert name in module.ALT_TEXT and name in module.FIGSIZE, name
    for name, (module, *_rest) in DIAGRAMS.items():
        alt = module.ALT_TEXT[name]
        assert len(alt) > 200 and alt.startswith("Diagram"), (name, alt)
        # read aloud: no TeX (underscores, braces, backslashes, dollars)
        assert not re.search(r"[_{}\\$^]", alt), (name, alt)


def test_unknown_options_are_refused():
    fig, ax = plt.subplots()
    for draw, option in [(cells.gru_cell, {"form": "keras"}),
                         (networks.encoder_decoder, {"decoding": "beam"}),
                         (networks.bptt_paths, {"param": "V"})]:
        with pytest.raises(ValueError):
            draw(ax, **option)
    plt.close(fig)


def test_the_chapters_box_and_arrow_still_work():
    """Chapters 1-3 call box(ax, xy, kind, label, w=, h=) and arrow(ax, start, end, label=,
    offset=, rad=)."""
    fig, ax = plt.subplots()
    diagrams.box(ax, (0, 0), "x", "$x_t$")
    diagrams.box(ax, (0, 1.4), "h", "", w=0.55, h=0.45)
    diagrams.arrow(ax, (0, 0.3), (0, 1.1), label="$W$", offset=(0.3, 0))
    diagrams.arrow(ax, (0.85, 1.28), (0.42, 1.28), rad=0.2)
    assert len(ax.patches) == 4 and [t.get_text() for t in ax.texts] == ["$x_t$", "$W$"]
    plt.close(fig)


def alt_keys(source):
    """The ALT_TEXT keys of the diagrams a cell draws, e.g. 'gru_cell_lecture'."""
    keys = []
    for name, args in re.findall(rf"\b({'|'.join(FUNCTIONS)})\(([^)]*)\)", source):
        variant = re.search(r"[\"'](lecture|free|U)[\"']", args)
        keys.append(f"{name}_{variant.group(1)}" if variant else name)
    return keys


def missing_alt_text(folder):
    """'page: key' for every code cell of the pages in ``folder`` that draws a diagram and whose
    metadata's alt text (``mystnb: image: alt:``) does not contain ALT_TEXT[key]."""
    alt_text = {**cells.ALT_TEXT, **networks.ALT_TEXT}
    call = re.compile(rf"\b({'|'.join(FUNCTIONS)})\(")
    missing = []
    for page in sorted(Path(folder).glob("*.md")):
        for cell in jupytext.read(page).cells:
            if cell.cell_type != "code" or not call.search(cell.source):
                continue
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            missing += [f"{page.name}: {key}" for key in alt_keys(cell.source)
                        if alt_text[key] not in re.sub(r"\s+", " ", alt)]
    return missing


def test_pages_that_show_a_diagram_repeat_its_alt_text():
    """myst-nb takes an image's alt text from the cell's metadata (``mystnb: image: alt:``),
    so a page writes it out; it must say what ALT_TEXT says of every diagram in the cell."""
    assert not missing_alt_text(CHAPTERS)


PAGE = """---
jupytext:
  text_representation: {extension: .md, format_name: myst, format_version: 0.13}
kernelspec: {display_name: Python 3, language: python, name: python3}
---

```{code-cell} ipython3
---
mystnb:
  image:
    alt: >-
      %s
---
fig, ax = plt.subplots(figsize=FIGSIZE["lstm_cell"])
lstm_cell(ax)
```

```{code-cell} ipython3
gru_cell(ax, form="lecture")
```
"""


def test_missing_alt_text_finds_a_cell_without_it(tmp_path):
    wrapped = "\n      ".join(textwrap.wrap(cells.ALT_TEXT["lstm_cell"], 80))
    (tmp_path / "page.md").write_text(PAGE % wrapped, encoding="utf8")
    assert missing_alt_text(tmp_path) == ["page.md: gru_cell_lecture"]


def test_alt_keys_reads_a_cells_calls():
    source = ('gru_cell(axes[0])\ngru_cell(axes[1], form="lecture")\n'
              'encoder_decoder(top, "teacher")\nencoder_decoder(bottom, decoding="free")\n'
              "bptt_paths(ax, param='U')\nax.set_title('lstm_cell')\n")
    assert alt_keys(source) == ["gru_cell", "gru_cell_lecture", "encoder_decoder",
                                "encoder_decoder_free", "bptt_paths_U"]
