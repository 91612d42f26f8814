# Two entry points for a new machine: `make preflight` (the main job) and `make test` (what CI runs).
# Both create .venv (program, preflight, tests) and policy/venv (the policy pack's own, as the Pulumi CLI
# would create it from PulumiPolicy.yaml) on first use, and again when a requirements file changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACK_VENV := policy/venv

.PHONY: preflight test bench

$(STAMP): requirements.txt requirements-dev.txt policy/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(PYTHON) -m venv $(PACK_VENV)
	$(PACK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PACK_VENV)/bin/python -m pip install --quiet -r policy/requirements.txt
	touch $(STAMP)

preflight: $(STAMP)
	$(BIN)/python -m preflight . --stack dev --policy-pack policy

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/preflight_bench.py
