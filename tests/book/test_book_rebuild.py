"""`make book` runs every page again when the code the pages import changes (rnnlib, the chapters'
helper modules), not only when a page's own code changes: no page keeps outputs of an older rnnlib.

The Makefile runs here in a scratch directory with a stand-in ``jupyter-book`` that records its
calls, and a build folder as a real build leaves it (Sphinx's doctrees, the execution cache).
"""
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp_path):
    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "rnnlib" / "data").mkdir(parents=True)
    (tmp_path / "rnnlib" / "lstm.py").write_text("def lstm_forward(): pass\n")
    (tmp_path / "rnnlib" / "data" / "corpus.txt").write_text("some text\n")
    (tmp_path / "book" / "chapters").mkdir(parents=True)
    (tmp_path / "book" / "chapters" / "diagrams.py").write_text("def draw(): pass\n")
    (tmp_path / "book" / "chapters" / "01.md").write_text("# a page\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "jupyter-book"                 # records the call, leaves a built tree
    fake.write_text("#!/bin/sh\necho build >> calls.log\n"
                    "mkdir -p _build/.doctrees _build/.jupyter_cache\n")
    fake.chmod(0o755)
    stamp = subprocess.run(["make", "-s", "-p", "-n", "venv"], cwd=tmp_path, text=True,
                           capture_output=True).stdout
    pins = next(line.split(":=")[1].strip() for line in stamp.splitlines()
                if line.startswith("STAMP :="))
    (tmp_path / pins.replace("$(VENV)", ".venv")).touch()   # the environment is current
    return tmp_path


def _make_book(project):
    out = subprocess.run(["make", "book"], cwd=project, text=True, capture_output=True,
                         timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def _cached(project):
    return (project / "_build" / ".doctrees").is_dir() and \
        (project / "_build" / ".jupyter_cache").is_dir()


def test_a_change_to_rnnlib_or_a_chapter_helper_makes_every_page_run_again(tmp_path):
    project = _project(tmp_path)
    _make_book(project)
    assert _cached(project)
    for unchanged in range(2):                       # nothing changed: the caches stay
        out = _make_book(project)
        assert "every page runs again" not in out and _cached(project)
    for changed in ("rnnlib/lstm.py", "rnnlib/data/corpus.txt", "book/chapters/diagrams.py"):
        (project / changed).write_text((project / changed).read_text() + "# edited\n")
        (project / "_build" / ".doctrees" / "marker").touch()
        out = _make_book(project)
        assert "every page runs again" in out, changed
        assert not (project / "_build" / ".doctrees" / "marker").exists(), changed
        assert "every page runs again" not in _make_book(project)   # and only once
    assert (project / "calls.log").read_text().count("build") == 3 + 3 * 2
