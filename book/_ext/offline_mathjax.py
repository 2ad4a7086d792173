"""Serve MathJax 3 from the built site instead of a CDN, so the book works offline.

The PyPI package ``django-static-mathjax`` (pinned in requirements.txt) ships MathJax 3.2.2's
``es5/`` tree. At config time this extension finds it, exposes it to Sphinx as the static folder
``_static/mathjax/`` (through a symlink in the build folder: nothing is vendored in the
repository) and points ``mathjax_path`` at ``tex-mml-chtml.js`` inside it.
"""
import importlib.util
from pathlib import Path

from sphinx.errors import ConfigError

STATIC_NAME = "mathjax"
ENTRY = "tex-mml-chtml.js"


def mathjax_es5_dir():
    """The ``es5/`` folder of the installed MathJax, or raise ConfigError naming what is missing."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("offline_mathjax: the package django-static-mathjax is not installed")
    for root in spec.submodule_search_locations:
        es5 = Path(root) / "static" / "mathjax" / "es5"
        if (es5 / ENTRY).is_file():
            return es5
    raise ConfigError(f"offline_mathjax: no static/mathjax/es5/{ENTRY} in the mathjax package")


def _config_inited(app, config):
    es5 = mathjax_es5_dir()
    # A folder holding one link, mathjax -> es5: Sphinx copies it to _static/mathjax/.
    holder = Path(app.outdir).parent / "mathjax-static"
    holder.mkdir(parents=True, exist_ok=True)
    link = holder / STATIC_NAME
    if link.is_symlink() and link.resolve() != es5.resolve():
        link.unlink()
    if not link.exists():
        link.symlink_to(es5, target_is_directory=True)
    config.html_static_path = list(config.html_static_path) + [str(holder)]
    config.mathjax_path = f"{STATIC_NAME}/{ENTRY}"


def setup(app):
    app.connect("config-inited", _config_inited)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
