# Two entry points for a new machine: `make preflight` (the main job) and `make test` (what CI runs).
# Both create .venv (program, preflight, tests) and policy/venv (the policy pack's own, as the Pulumi CLI
# would create it from PulumiPolicy.yaml) on first use, and again when a requirements file changes.
# `make test` also creates .checkov-venv (checkov, which the tests run on preflight's Terraform-plan export).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACK_VENV := policy/venv
CHECKOV_VENV := .checkov-venv
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: preflight test bench

$(STAMP): requirements.txt requirements-dev.txt policy/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(PYTHON) -m venv $(PACK_VENV)
	$(PACK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PACK_VENV)/bin/python -m pip install --quiet -r policy/requirements.txt
	touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

preflight: $(STAMP)
	$(BIN)/python -m preflight . --stack dev --policy-pack policy

# Python may cache bytecode during the tests even where the environment says not to (PYTHONDONTWRITEBYTECODE,
# set on some CI machines): the suite starts hundreds of Python processes (preflight, programs, packs), and
# each would compile preflight, the pack and the stack from source again. The caches are __pycache__ folders,
# which git ignores.
test: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/preflight_bench.py
