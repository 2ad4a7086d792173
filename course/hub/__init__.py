"""The course on JupyterHub: one command (``make hub``) sets it up and starts it on one machine.

``python -m course.hub up`` (what ``make hub`` runs, as root):

- creates the system users of a local trial (one instructor, N students, PAM passwords written to
  ``STATE/passwords.txt``, mode 0600) or takes the existing users named on the command line;
- makes nbgrader's exchange, a shared folder ``STATE/exchange`` (mode 1777, as nbgrader asks),
  and the configuration every user's Jupyter reads (``STATE/jupyter/nbgrader_config.json``: the
  course id from ``nbgrader_config.py`` and where the exchange is);
- gives the instructor a private copy of the course (``~INSTRUCTOR/rnn-course``, mode 0700:
  ``nbgrader_config.py``, ``solutions/``, ``assignments/``) that the formgrader opens, and closes
  this checkout's ``solutions/`` to everyone but root;
- starts JupyterHub (``course/hub/jupyterhub_config.py``) with configurable-http-proxy from
  ``course/hub/node_modules`` (npm, pinned by ``package-lock.json``) on 127.0.0.1.

Students' JupyterLab has nbgrader's Assignment List and Validate button and no instructor tools
(``course/hub/student_config``: the formgrader and Create Assignment extensions are disabled);
the instructor's has the formgrader. See the instructors' page, "Running the course on
JupyterHub".
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
COURSE_FOLDER = "rnn-course"      # the instructor's copy of the course, in their home
USER_COMMENT = "rnn course hub trial user (course/hub)"   # marks the users `setup` created
