"""Until issue 14 lands: put the grader's feedback where ``nbgrader release_feedback`` reads it.

Issue 14's grader writes ``COURSE/feedback/<student>/<assignment>/<notebook>.html`` with the
submission's ``timestamp.txt`` and ``submission_secret.txt`` beside it (nbgrader's layout). The
grader before it writes ``COURSE/grading/<assignment>/feedback/<student>.html`` only; this copies
that page into nbgrader's layout, the simplest way ``release_feedback`` documents. It does
nothing when the grader already wrote the layout. Remove it (and its calls) once issue 14 is
merged.
"""
import os
import shutil
from pathlib import Path


def ensure(course, assignment, notebook, owner=None):
    """Returns True if it had to copy (the grader before issue 14), False if nothing to do."""
    course = Path(course)
    submitted = course / "submitted"
    copied = False
    for folder in sorted(submitted.glob(f"*/{assignment}")):
        student = folder.parent.name
        target = course / "feedback" / student / assignment
        if (target / f"{Path(notebook).stem}.html").exists():
            continue
        page = course / "grading" / assignment / "feedback" / f"{student}.html"
        if not page.exists():
            continue
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(page, target / f"{Path(notebook).stem}.html")
        for name in ("timestamp.txt", "submission_secret.txt"):
            shutil.copy(folder / name, target / name)
        copied = True
    if owner is not None:
        for root, dirs, files in os.walk(course / "feedback"):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.chown(name, *owner)
    return copied
