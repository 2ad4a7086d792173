"""A page whose claim fails does not build: the book's configuration turns a failed ``assert``
(the check beside a sentence of prose) into a failed ``make book``, with the claim's message.

A one-page book with the repository's own ``_config.yml`` and extensions is built twice with the
command ``make book`` runs: once with a claim that holds (it builds), once with the same claim
broken on purpose (the build fails and prints the sentence the assert protects)."""
import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PAGE = textwrap.dedent("""\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---

    # A page with one claim

    The loss falls below its starting value.

    ```{{code-cell}} ipython3
    losses = [2.0, 1.5, {last}]
    assert losses[-1] < losses[0], \\
        "'The loss falls below its starting value' (section A page)"
    ```
    """)


def _one_page_book(root, last_loss, build_book):
    for rel in ("_config.yml", "book/_ext", "book/references.bib", "book/images/favicon.svg"):
        src, dest = REPO / rel, root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest)
    (root / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    (root / "page.md").write_text(PAGE.format(last=last_loss))
    return build_book(root)


@pytest.mark.parametrize("last_loss, builds", [(1.0, True), (2.5, False)],
                         ids=["claim-holds", "claim-broken"])
def test_a_failed_claim_fails_the_build_with_its_sentence(tmp_path, last_loss, builds,
                                                         build_book):
    returncode, output, _ = _one_page_book(tmp_path, last_loss, build_book)
    if builds:
        assert returncode == 0, output[-3000:]
    else:
        assert returncode != 0, output[-3000:]
        assert "'The loss falls below its starting value' (section A page)" in output, \
            output[-3000:]
