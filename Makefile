# One command per job. Every target sets up .venv first, from this repository's own files.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test lint typecheck unit bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt components/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## The project's main job: the example stack's whole lifecycle, on a local EC2 emulator.
demo: venv
	$(BIN)/python -m lifecycle_runner demo

## Everything CI runs: lint, types, then the whole test suite.
test: lint typecheck unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy components/ami_lifecycle policies analyzer_host ec2_emulator lifecycle_runner benchmarks tests __main__.py

unit: venv
	$(BIN)/pytest

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .work .mypy_cache .ruff_cache .pytest_cache
