# One command per job. Every target sets up .venv first, from this repository's own files.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv cli sdks demo test lint typecheck unit bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt provider/pyproject.toml sdk/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## The pinned Pulumi CLI and the YAML language host (found, or built from Go modules once: the
## script is quick when they are there).
cli:
	bash scripts/install-pulumi.sh

## The Node.js and Go SDKs and sdk/schema.json, regenerated from the provider's schema with
## Pulumi's code generators (commit the result: tests/sdk fails while they differ).
sdks: venv
	bash scripts/generate-sdks.sh

## The project's main job: the example stack's whole lifecycle through the real Pulumi CLI,
## on a local EC2 emulator.
demo: venv cli
	$(BIN)/python -m cli_stack

## Everything CI runs: lint, types, then the whole test suite.
test: lint typecheck unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy provider/ami_lifecycle sdk/python/pulumi_ami_lifecycle policies analyzer_host ec2_emulator cli_stack benchmarks tests __main__.py

unit: venv cli
	$(BIN)/pytest

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .tools .work .mypy_cache .ruff_cache .pytest_cache tests/sdk/typescript/node_modules
