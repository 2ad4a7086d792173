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
SYSTEM_STAMP := $(VENV)/.system-packages
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

# Debian packages the tests need: chromium (browser tests of the book), bubblewrap (grading
# sandbox), postgresql (the gradebook test starts a private server itself).
DEBIAN_PACKAGES := chromium bubblewrap postgresql
system-packages: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): | $(STAMP)
	@if ! command -v chromium >/dev/null || ! command -v bwrap >/dev/null \
	    || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo ">> installing Debian packages: $(DEBIAN_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	fi
	@touch $@

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

test: venv system-packages
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

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

# Mutation testing of rnnlib against its fast tests (tests/rnnlib -m "not slow"; mutmut, set up in
# pyproject.toml): prints the score and every surviving mutant not listed with its reason in
# tests/rnnlib/equivalent_mutants.md. Not in CI: all of rnnlib is ~5,900 mutants, hours on 2
# cores; MUTANTS picks some, e.g. make mutation MUTANTS='rnnlib.clipping* rnnlib.tbptt*'.
# Results are kept in mutants/ and only mutants of changed code run again.
.PHONY: mutation
mutation: venv
	set -f; nice $(BIN)/mutmut run --max-children $(JOBS) $(MUTANTS)
	set -f; $(BIN)/python tests/rnnlib/mutation_report.py $(MUTANTS)
