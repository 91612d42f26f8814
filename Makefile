# Two entry points for a new machine: `make preflight` (the main job) and `make test` (what CI runs).
# Both create .venv from the requirements files on first use, and again when those files change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: preflight test bench

$(STAMP): requirements.txt requirements-dev.txt policy/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

preflight: $(STAMP)
	$(BIN)/python -m preflight . --stack dev --policy-pack policy

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/preflight_bench.py
