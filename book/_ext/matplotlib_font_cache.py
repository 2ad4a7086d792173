"""Build matplotlib's font cache before any page is executed.

On a fresh machine the first ``import matplotlib.pyplot`` builds the font cache and logs
"Matplotlib is building the font cache" to stderr. The book treats stderr in a cell's output as
an error (``execute.stderr_output: error``), so that one-time message would fail the first clean
build. Importing the font manager here, in the Sphinx process, builds the cache where the kernels
(same user, same ``MPLCONFIGDIR``) will find it.
"""
import logging


def _build_font_cache(app, config):
    mpl_logger = logging.getLogger("matplotlib")
    level = mpl_logger.level
    mpl_logger.setLevel(logging.ERROR)      # the "building the font cache" notice is expected here
    try:
        import matplotlib.font_manager  # noqa: F401  (importing it builds or loads the cache)
    finally:
        mpl_logger.setLevel(level)


def setup(app):
    app.connect("config-inited", _build_font_cache)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
