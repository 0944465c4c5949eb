# One entry point for people and CI. Every target builds ./venv first when needed.
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STACK ?= development

.PHONY: plan plan-all test lint typecheck check compare diagram bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

plan: $(VENV)/.installed            ## offline plan of one stack (STACK=development)
	$(PY) -m nexus plan --stack $(STACK)

plan-all: $(VENV)/.installed        ## offline plan of every stack, JSON in plans/
	$(PY) -m nexus plan --all --quiet --json plans

test: $(VENV)/.installed            ## the test suite
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/actionlint

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

check: $(VENV)/.installed           ## policy rules over every stack's offline plan
	$(PY) -m nexus check --all

compare: $(VENV)/.installed         ## staging against production, for promotion
	$(PY) -m nexus compare staging production

diagram: $(VENV)/.installed
	$(PY) -m nexus diagram --stack production

bench: $(VENV)/.installed           ## wall time of the offline plan against the SDK import floor
	$(PY) benchmarks/bench_plan.py

clean:
	rm -rf $(VENV) plans .pytest_cache .mypy_cache .ruff_cache
