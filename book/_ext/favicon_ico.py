"""Write ``favicon.ico`` at the root of the HTML site.

Pages link ``_static/favicon.svg`` (``html.favicon`` in _config.yml), but a browser still asks for
``/favicon.ico`` on pages without that link, such as the ``index.html`` redirect written by
sphinx-external-toc; a 404 there is a console error. The icon is drawn here with Pillow (a
matplotlib dependency) in the colours of the SVG, so no binary file is committed.
"""
from pathlib import Path


def draw_icon(size=64):
    """The book's icon: a white arrow looping back into an 'h' on a dark blue square."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    s = size / 32                                    # the SVG's 32 x 32 grid
    draw.rounded_rectangle([0, 0, size - 1, size - 1], radius=6 * s, fill="#1f4e79")
    width = max(1, round(3 * s))
    draw.line([(9 * s, 22 * s), (9 * s, 10 * s), (16 * s, 10 * s)], fill="white", width=width)
    draw.arc([12 * s, 10 * s, 20 * s, 18 * s], start=-90, end=90, fill="white", width=width)
    draw.line([(16 * s, 18 * s), (9 * s, 18 * s)], fill="white", width=width)
    draw.line([(16 * s, 18 * s), (22 * s, 22 * s)], fill="white", width=width)
    return image


def _write_favicon(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "favicon.ico"
    if not target.exists():
        draw_icon().save(target, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])


def setup(app):
    app.connect("build-finished", _write_favicon)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
