# Every target installs what it needs first: a fresh clone needs only Python 3.11+ and Node 20+.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
STAGE ?=
PORT ?= 3000

.PHONY: install dev test lint format synth deploy destroy clean

$(INSTALLED): requirements-dev.txt layers/dependencies/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(INSTALLED)

## Serve the API at http://localhost:$(PORT)/api on an embedded AWS emulator (Ctrl-C stops it).
dev: $(INSTALLED)
	PORT=$(PORT) PYTHONPATH=.:layers/shared/python:functions $(PY) -m local

## The whole test suite: moto-backed, offline, no AWS account, no Docker.
test: $(INSTALLED)
	$(PY) -m pytest

lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy layers/shared/python functions local infra tests

format: $(INSTALLED)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) node_modules cdk.out build .pytest_cache .mypy_cache .ruff_cache
