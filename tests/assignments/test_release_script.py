"""course/release.py: which assignments it knows, and that it refuses unknown names (no nbgrader run)."""
import pytest

from course import release


def test_source_assignments_are_the_solution_folders_with_a_notebook(tmp_path):
    for name, files in {"a1": ["a1.ipynb"], "notes": ["x.md"], "empty": []}.items():
        (tmp_path / "solutions" / name).mkdir(parents=True)
        for f in files:
            (tmp_path / "solutions" / name / f).write_text("{}")
    assert release.source_assignments(tmp_path) == ["a1"]
    assert "assignment1" in release.source_assignments()


def test_unknown_assignment_is_refused_before_running_nbgrader(monkeypatch):
    monkeypatch.setattr(release, "release", lambda names, root=None: pytest.fail("nbgrader was run"))
    with pytest.raises(SystemExit, match="no such assignment in solutions/: nope"):
        release.main(["nope"])


def test_nbgrader_env_puts_this_interpreters_bin_first_on_path():
    import os
    import sys
    from pathlib import Path
    assert release.nbgrader_env()["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
