# Two commands do all set-up from a clean clone:
#   make book   - create/refresh .venv, install rnnlib, build the HTML book into _build/html
#   make test   - the same set-up, then the whole test suite
# Set-up is keyed on the content of the pins: .venv/.pins-<hash of requirements.txt and
# pyproject.toml> marks a venv installed from exactly those pins. Only the hash decides (the stamp
# has no file prerequisites), so a touched or re-checked-out pin file reinstalls nothing and a
# changed pin reinstalls; a current .venv is reused in about a second.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PINS_HASH := $(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-16)
STAMP := $(VENV)/.pins-$(PINS_HASH)
PORT ?= 8000
JOBS ?= $(shell nproc)

.PHONY: book test serve venv system-packages release lab clean grade

venv: $(STAMP)

# The pins need CPython 3.11.5 or newer 3.11 (torch==2.13.0's wheel is cp311; soupsieve 4.1.2
# needs >= 3.11.5): say so before pip fails on some package deep in the list.
PYTHON_OK := import sys; sys.exit(not (3, 11, 5) <= sys.version_info[:3] < (3, 12))

$(STAMP):
	@echo ">> setting up $(VENV) (pins $(PINS_HASH))"
	@py=$(PYTHON); test -x $(BIN)/python && py=$(BIN)/python; \
	if ! "$$py" -c '$(PYTHON_OK)' 2>/dev/null; then \
	  echo "error: the pinned packages need Python >= 3.11.5 and < 3.12; $$py is" \
	       "$$("$$py" -V 2>&1 || echo missing). Use e.g. 'make PYTHON=python3.11'" \
	       "(and remove $(VENV) if it was made with another Python)." >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@rm -f $(VENV)/.pins-*
	@touch $@

# Debian packages the tests need, each installed only when its command is missing (so that a
# machine that has it from elsewhere, e.g. Node.js from NodeSource, keeps it): chromium (browser
# tests), bubblewrap (grading sandbox), postgresql (the gradebook tests start a private server),
# slurm-wlm and munge (the cluster test starts a one-node Slurm), nodejs and npm (the hub's
# proxy). The check runs every time (a few `command -v`, well under a second); apt-get runs only
# when something is missing, so a package added to this list is installed on the next run.
DEBIAN_CHECKS := chromium:chromium bwrap:bubblewrap \
  /usr/lib/postgresql/*/bin/initdb:postgresql slurmctld:slurm-wlm munged:munge \
  node:nodejs npm:npm
system-packages: | $(STAMP)
	@missing=""; for check in $(DEBIAN_CHECKS); do \
	  command -v $${check%%:*} >/dev/null 2>&1 || missing="$$missing $${check#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo ">> installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Pages re-execute only when their own code changes (jupyter-cache). They also run the code they
# import (rnnlib, the chapters' helper modules): when that changes, the execution cache and
# Sphinx's record of read pages are dropped, so no page keeps outputs computed by an older rnnlib.
IMPORTS_HASH = $(shell find rnnlib book -type f \( -name '*.py' -o -path 'rnnlib/data/*' \) \
                 -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)

book: venv
	@if [ -d _build/.doctrees ] && [ "$$(cat _build/.imports-hash 2>/dev/null)" != "$(IMPORTS_HASH)" ]; then \
	  echo ">> rnnlib or a chapter helper changed since the last build: every page runs again"; \
	  rm -rf _build/.jupyter_cache _build/.doctrees; fi
	@mkdir -p _build && echo "$(IMPORTS_HASH)" > _build/.imports-hash
	$(BIN)/jupyter-book build . --path-output . -W -n --keep-going
	@echo ">> the book is at file://$(CURDIR)/_build/html/index.html  (or: make serve)"

serve:
	@test -f _build/html/index.html || { echo "no book yet: run 'make book' first"; exit 1; }
	@echo ">> serving http://127.0.0.1:$(PORT)/"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

test: venv system-packages hub-proxy
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --durations=20

# Regenerate the student versions in assignments/ from the instructor sources in solutions/.
release: venv
	$(BIN)/python -m course.release

# Students: copy the released notebooks into my-work/ (never overwriting your answers) and open
# JupyterLab there, with rnnlib and every pinned package available, nbgrader's Validate button but
# not its instructor tools, and terminals in which `nbgrader validate assignment1/assignment1.ipynb`
# works as typed (course/lab.py). LAB_FLAGS: more options for `jupyter lab`, e.g. --port=8890.
lab: venv
	$(BIN)/python -m course.lab $(LAB_FLAGS)

clean:
	rm -rf _build

# Grade a class in sandboxes: make grade ASSIGNMENT=assignment1 SUBMISSIONS=submitted [WORKERS=2]
# [GRADE_FLAGS=--force] (grade again students already graded; any option of
# `python -m course.grading --help` goes in GRADE_FLAGS). Writes gradebook.db,
# feedback/<student>/<assignment>/ (for `nbgrader release_feedback`), autograded/ and
# grading/<assignment>/{grades.csv,summary.md,records/}; see book/instructors.md. Exits non-zero
# when a submission could not be graded because the grader failed (listed, nothing recorded).
grade: venv system-packages
	$(BIN)/python -m course.grading "$(ASSIGNMENT)" "$(or $(SUBMISSIONS),submitted)" $(if $(WORKERS),--workers $(WORKERS)) $(GRADE_FLAGS)

# The course on JupyterHub (book/instructors.md, "Running the course on JupyterHub"), as root:
#   make hub [STUDENTS=3] [HUB_PORT=8000] [HUB_STATE=hub-state] [INSTRUCTOR=instructor]
#            [HUB_FLAGS="--existing-users --students ann,ben"]   (python -m course.hub up -h)
# sets up the trial users, nbgrader's exchange and the instructor's course copy, then runs
# JupyterHub on 127.0.0.1:$(HUB_PORT) in the foreground (Ctrl-C stops it and every user's server).
# make hub-remove-users deletes the users it created. The proxy (configurable-http-proxy, npm) is
# installed into course/hub/node_modules from course/hub/package-lock.json.
HUB_STATE ?= hub-state
HUB_PORT ?= 8000
STUDENTS ?= 3
INSTRUCTOR ?= instructor
# keyed on the lock file's content, as .venv is on the pins
HUB_PROXY := course/hub/node_modules/.lock-$(shell cat course/hub/package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
.PHONY: hub hub-proxy hub-remove-users

hub-proxy: $(HUB_PROXY)
# npm and Node.js: Debian's (nodejs 18 in Debian 12 runs the pinned proxy) when npm is missing
$(HUB_PROXY):
	@command -v npm >/dev/null || { echo ">> installing Debian packages: nodejs npm"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	cd course/hub && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

hub: venv hub-proxy
	$(BIN)/python -m course.hub up --state $(HUB_STATE) --port $(HUB_PORT) \
	  --instructor $(INSTRUCTOR) --students $(STUDENTS) $(HUB_FLAGS)

hub-remove-users:
	$(BIN)/python -m course.hub remove-users --state $(HUB_STATE)


# Mutation testing of rnnlib against its fast tests (tests/rnnlib -m "not slow"; mutmut, set up in
# pyproject.toml): prints the score and every surviving mutant not listed with its reason in
# tests/rnnlib/equivalent_mutants.md. Not in CI: all of rnnlib is ~5,900 mutants, hours on 2
# cores; MUTANTS picks some, e.g. make mutation MUTANTS='rnnlib.clipping* rnnlib.tbptt*'.
# Results are kept in mutants/ and only mutants of changed code run again.
.PHONY: mutation
mutation: venv
	set -f; nice $(BIN)/mutmut run --max-children $(JOBS) $(MUTANTS)
	set -f; $(BIN)/python tests/rnnlib/mutation_report.py $(MUTANTS)
