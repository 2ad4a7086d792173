"""build_time.py builds a commit in a temporary worktree, twice, and leaves no worktree behind
(its times are printed by the script, never asserted here)."""
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import build_time  # noqa: E402

BOOK = {
    "_config.yml": "title: A one-page book\nexecute:\n  execute_notebooks: force\n",
    "_toc.yml": "format: jb-book\nroot: intro\n",
    "intro.md": "# Intro\n\nOne page.\n",
}


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def one_page_repo(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for name, text in BOOK.items():
        (repo / name).write_text(text)
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "book")
    monkeypatch.setattr(build_time, "REPO", repo)
    return repo


@pytest.mark.slow
def test_a_commit_builds_twice_in_a_worktree_that_is_removed_afterwards(one_page_repo, capsys):
    assert build_time.main(["--commits", "HEAD"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.count(" | ") == 3]
    assert rows[0] == "commit | clean build s | no-op rebuild s | built"
    assert rows[1].endswith("| yes"), rows
    assert git(one_page_repo, "worktree", "list").count("\n") == 1


def test_a_commit_that_does_not_exist_is_named_in_the_error(one_page_repo, capsys):
    with pytest.raises(SystemExit):
        build_time.main(["--commits", "HEAD,no-such-commit"])
    assert "'no-such-commit' is not a commit of" in capsys.readouterr().err
