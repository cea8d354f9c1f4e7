# Every target installs what it needs first: a fresh clone needs only Python 3.11+ and Node 20+.
# Each target's `##` comment is its line in `make help`.
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
# `make` alone installs, as it always has: `make help` lists the rest.
.DEFAULT_GOAL := install

.PHONY: help install dev seed test contract lint format stage-tools synth deploy destroy clean bench

help: ## List every target with what it does (`make` alone runs `install`).
	@grep -E '^[a-z][a-z-]*:.*## ' $(firstword $(MAKEFILE_LIST)) \
		| awk 'BEGIN { FS = ":.*## " } { printf "  make %-12s %s\n", $$1, $$2 }'

$(INSTALLED): requirements-dev.txt layers/dependencies/requirements.txt bench/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(INSTALLED) ## Create .venv with every Python dependency (again when a requirements file changes).

dev: $(INSTALLED) ## Serve the API at http://localhost:3000/api (PORT=...) on an embedded AWS emulator.
	PORT=$(PORT) PYTHONPATH=.:layers/shared/python:functions $(PY) -m local

# Where `make seed` puts the demo world: `make dev`'s API unless given, e.g. a stage's ApiUrl output.
API ?= http://localhost:$(PORT)/api

seed: $(INSTALLED) ## Fill `make dev` (or API=<a stage's ApiUrl>) with demo users, articles and more.
	$(PY) -m seed --api $(API)

test: $(INSTALLED) ## Run the whole test suite: moto-backed, offline, no AWS account, no Docker.
	$(PY) -m pytest

# schemathesis: a fixed seed, a bounded number of examples per operation; no server error, schema
# violation or undocumented status may come back.
contract: $(INSTALLED) ## Run schemathesis, generated from the OpenAPI document, against the local stack (2 min).
	$(PY) scripts/contract.py

lint: $(INSTALLED) ## Check with ruff (lint and format) and mypy --strict.
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy layers/shared/python functions local infra contract scripts bench seed tests

format: $(INSTALLED) ## Format with ruff and apply its safe fixes.
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Cloud targets: STAGE names an isolated personal stage (1-20 lowercase letters, digits, hyphens).
# Without a CPython 3.13 (infra/bytecode.py), synth and destroy go on with sources only and a
# warning; deploy refuses. Target-specific, so stage-tools run for synth gets synth's mode too.
BYTECODE = required
synth destroy: BYTECODE = optional

stage-tools: $(INSTALLED) $(NODE_INSTALLED) ## Install the CDK CLI and build the dependency layer (synth, deploy and destroy do).
	@test -n "$(STAGE)" || { echo "usage: make synth|deploy|destroy STAGE=<name>"; exit 1; }
	CONDUIT_BYTECODE=$(BYTECODE) $(PY) scripts/build_layers.py

# Extra stage settings, e.g. CDK_CONTEXT="-c alarmEmail=me@example.com" (see docs/operations.md).
CDK_CONTEXT ?=

synth: stage-tools ## STAGE=<name>: offline, write the stage's template to cdk.out/, run cdk-nag.
	CONDUIT_BYTECODE=$(BYTECODE) npx cdk synth -c stage=$(STAGE) $(CDK_CONTEXT) --quiet

deploy: stage-tools ## STAGE=<name>: deploy to your credentials' AWS account (needs a Python 3.13).
	CONDUIT_BYTECODE=$(BYTECODE) npx cdk deploy -c stage=$(STAGE) $(CDK_CONTEXT)

destroy: stage-tools ## STAGE=<name>: delete the stage's stack (a retained stage refuses).
	CONDUIT_BYTECODE=$(BYTECODE) npx cdk destroy -c stage=$(STAGE) $(CDK_CONTEXT) --force

clean: ## Remove .venv, node_modules, cdk.out, build output and caches.
	rm -rf $(VENV) node_modules cdk.out build .pytest_cache .mypy_cache .ruff_cache

# Issue #5: into bench/report.md, bench/results.json and bench/plots/ (under 10 min).
bench: $(INSTALLED) ## Benchmarks: cold starts, DynamoDB cost, scaling, load, weather, cost (SECTIONS=... for some).
	PYTHONPATH=.:layers/shared/python:functions $(PY) -m bench $(if $(SECTIONS),--only $(SECTIONS),)
