# Every target installs what it needs first: a fresh clone needs only Python 3.11+ and Node 20+.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
STAGE ?=
PORT ?= 3000
# jsii (under aws-cdk-lib) prints a Node-version banner on every run; Node 20 works fine.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: install dev test lint format stage-tools synth deploy destroy clean

$(INSTALLED): requirements-dev.txt layers/dependencies/requirements.txt bench/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
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
	$(PY) -m mypy layers/shared/python functions local infra scripts bench tests

format: $(INSTALLED)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Cloud targets: STAGE names an isolated personal stage (1-20 lowercase letters, digits, hyphens).
stage-tools: $(INSTALLED) $(NODE_INSTALLED)
	@test -n "$(STAGE)" || { echo "usage: make synth|deploy|destroy STAGE=<name>"; exit 1; }
	$(PY) scripts/build_layers.py

# Extra stage settings, e.g. CDK_CONTEXT="-c alarmEmail=me@example.com" (see docs/operations.md).
CDK_CONTEXT ?=

synth: stage-tools
	npx cdk synth -c stage=$(STAGE) $(CDK_CONTEXT) --quiet

deploy: stage-tools
	npx cdk deploy -c stage=$(STAGE) $(CDK_CONTEXT)

destroy: stage-tools
	npx cdk destroy -c stage=$(STAGE) $(CDK_CONTEXT) --force

clean:
	rm -rf $(VENV) node_modules cdk.out build .pytest_cache .mypy_cache .ruff_cache

## Benchmarks (issue #5): cold starts, DynamoDB cost per request, scaling, handler overhead, local
## load and a cost model, into bench/report.md, bench/results.json and bench/plots/ (under 10 min).
.PHONY: bench
bench: $(INSTALLED)
	PYTHONPATH=.:layers/shared/python:functions $(PY) -m bench $(if $(SECTIONS),--only $(SECTIONS),)
