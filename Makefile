# wiredi developer commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.DEFAULT_GOAL := help

.PHONY: help demo test lint typecheck pytest docs bench clean

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

lint: $(VENV)/.installed-dev ## ruff check + format check
	$(BIN)/ruff check
	$(BIN)/ruff format --check

typecheck: $(VENV)/.installed-dev ## mypy --strict over src and typing_tests
	$(BIN)/mypy --strict src typing_tests

pytest: $(VENV)/.installed-dev ## run the test suite with coverage
	$(BIN)/python -m coverage run -m pytest
	$(BIN)/python -m coverage report --fail-under=95

docs: $(VENV)/.installed-dev ## build the docs strictly
	$(BIN)/mkdocs build --strict --quiet --site-dir .site

test: lint typecheck pytest docs ## ruff, mypy --strict, pytest, mkdocs build --strict

# One venv per installed CPython >= 3.11 in .venv-bench/3.X, each with .[bench].
# BENCH_ARGS=--quick: a smoke run (well under a minute per version, noisy);
# --pythons 3.11,3.13 / --only wiredi,dishka / --no-docs: see benchmarks/README.md.
bench: ## benchmarks on every CPython >= 3.11 (BENCH_ARGS=--quick: smoke run; not part of test)
	$(PYTHON) benchmarks/bench_all.py $(BENCH_ARGS)

clean: ## remove the venv and build outputs
	rm -rf $(VENV) .venv-bench .site .coverage build dist
