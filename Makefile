# wiredi developer commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# test-all runs on each of these that scripts/find-python finds (one .venv-X.Y each)
TEST_ALL_VERSIONS ?= 3.11 3.12 3.13 3.14
export NO_MKDOCS_2_WARNING := 1

.DEFAULT_GOAL := help

.PHONY: help demo test lint typecheck pytest docs test-all dist-check bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-base

demo: $(VENV)/.installed-base ## create .venv, install wiredi, run the multi-tenant example
	$(BIN)/python examples/complex_ingest/app.py

lint: $(VENV)/.installed-dev ## ruff check + format check + import layers (ARCHITECTURE.md)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed-dev ## mypy --strict over src and typing_tests
	$(BIN)/mypy --strict src typing_tests

pytest: $(VENV)/.installed-dev ## run the test suite with coverage
	$(BIN)/python -m coverage run -m pytest
	$(BIN)/python -m coverage report --fail-under=95

docs: $(VENV)/.installed-dev ## build the docs strictly
	$(BIN)/mkdocs build --strict --quiet --site-dir .site

test: lint typecheck pytest docs ## ruff, mypy --strict, pytest, mkdocs build --strict

# One venv per Python version, with the test extra only (no linters, docs or peers).
# (precious: make would otherwise delete them as intermediate files)
.PRECIOUS: .venv-%/bin/python .venv-%/.installed-test
.venv-%/bin/python:
	@py=$$(scripts/find-python $*) || { echo "no Python $* found" >&2; exit 1; }; \
	echo "$$py -m venv .venv-$*"; $$py -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip

.venv-%/.installed-test: pyproject.toml | .venv-%/bin/python
	.venv-$*/bin/python -m pip install --quiet -e '.[test]'
	touch $@

test-all: ## pytest on every CPython >= 3.11 found here (.venv-3.X each, test extra only)
	@ran=""; failed=""; \
	for v in $(TEST_ALL_VERSIONS); do \
	  if ! scripts/find-python $$v >/dev/null; then \
	    echo "test-all: Python $$v is not installed here, skipped"; continue; \
	  fi; \
	  echo "test-all: Python $$v ($$(scripts/find-python $$v))"; \
	  if $(MAKE) --no-print-directory .venv-$$v/.installed-test \
	     && .venv-$$v/bin/python -m pytest; then ran="$$ran $$v"; \
	  else failed="$$failed $$v"; fi; \
	done; \
	echo "test-all: passed on:$${ran:- none}; failed on:$${failed:- none}"; \
	test -z "$$failed" && test -n "$$ran"

$(VENV)/.installed-dist: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dist]'
	touch $@

dist-check: $(VENV)/.installed-dist ## build sdist + wheel, twine check, try the wheel in a clean venv
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*
	scripts/try-wheel $(PYTHON) dist/*.whl

# One venv per installed CPython >= 3.11 in .venv-bench/3.X, each with .[bench].
# BENCH_ARGS=--quick: a smoke run (well under a minute per version, noisy);
# --pythons 3.11,3.13 / --only wiredi,dishka / --no-docs: see benchmarks/README.md.
bench: ## benchmarks on every CPython >= 3.11 (BENCH_ARGS=--quick: smoke run; not part of test)
	$(PYTHON) benchmarks/bench_all.py $(BENCH_ARGS)

clean: ## remove the venvs and build outputs
	rm -rf $(VENV) .venv-3.* .venv-bench .site .coverage build dist
