# One entry point for people and CI. Every target builds ./venv first when needed.
# `make help` lists the targets.
PYTHON ?= python3
VENV ?= venv
PY := $(VENV)/bin/python
STACK ?= development
# A stack without a file of its own (development-alice, development-pr-42) reads another
# stack's file: make plan STACK=development-alice CONFIG_FROM=development
CONFIG_FROM ?=
# uv from PATH, or a private copy of the locked uv (uv.lock: version, URLs, hashes) on first use.
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
# Let Python cache bytecode as it does by default (some shells set this): without the cache
# every offline plan pays about 2 s to compile the providers' modules again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help plan plan-all test e2e emulate lint typecheck check compare diagram cost docs bench fuzz clean

help:                               ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

# The wheel the lock names for this platform, hash-checked, its binary unpacked: 0.6 s where
# pip --target took 2.0 s (tools/fetch_uv.py; it falls back to pip where no wheel fits).
.tools/bin/uv:
	@echo "uv not found on PATH: installing the locked uv into .tools/ (or install it yourself: pip install uv)"
	$(PYTHON) tools/fetch_uv.py .tools

# The locked environment (uv.lock, hashes included): the same one `pulumi up` uses
# (Pulumi.yaml: toolchain uv, virtualenv venv).
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet --python $(PYTHON) --no-compile-bytecode
	touch $@

# Once per environment, before the first offline command: the bytecode of the pulumi_aws
# service packages the program uses, on every core (tools/precompile.py). The first plan
# would otherwise compile them one by one: 2.8 s of it.
$(VENV)/.precompiled: $(VENV)/.installed
	$(PY) tools/precompile.py
	touch $@

plan: $(VENV)/.precompiled          ## offline plan of one stack (STACK=development, CONFIG_FROM=...)
	$(PY) -m nexus plan --stack $(STACK) $(if $(CONFIG_FROM),--config-from $(CONFIG_FROM))

plan-all: $(VENV)/.precompiled       ## offline plan of every stack, JSON in plans/
	$(PY) -m nexus plan --all --quiet --json plans

# The suite is CPU-bound; two workers use both cores of the machines here (each worker plans
# each stack once and shares it among its tests). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2

# Once per environment: compile the bytecode of what the program and the tests import in one
# process, rather than in every test worker at once on a fresh environment.
$(VENV)/.bytecode: $(VENV)/.precompiled
	$(PY) -m nexus plan --stack production --quiet > /dev/null
	$(PY) -c "import boto3, hypothesis, pulumi_policy, nexus.live.verify, moto.ec2, moto.rds, moto.elbv2, moto.ssm, \
	          moto.wafv2, moto.logs, moto.cloudwatch, moto.sns, moto.s3, moto.kms, moto.secretsmanager, moto.sts"
	touch $@

test: $(VENV)/.bytecode             ## the test suite (TEST_WORKERS=2 processes)
	$(PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist loadgroup)

e2e: $(VENV)/.bytecode              ## end-to-end tests: `nexus emulate --keep` in its own process, the status page in chromium
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet --python $(PYTHON) --no-compile-bytecode --group e2e
	$(PY) -m pytest -p no:xdist -m e2e

emulate: $(VENV)/.precompiled        ## STACK's environment in an emulated AWS (moto), verified (KEEP=1 stays up)
	$(PY) -m nexus emulate --stack $(STACK) $(if $(CONFIG_FROM),--config-from $(CONFIG_FROM)) $(if $(KEEP),--keep)

lint: $(VENV)/.installed            ## what CI lints: ruff, ruff format, actionlint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/actionlint

typecheck: $(VENV)/.installed       ## mypy against the providers' type hints
	$(VENV)/bin/mypy

check: $(VENV)/.precompiled          ## policy rules over every stack's offline plan
	$(PY) -m nexus check --all

compare: $(VENV)/.precompiled        ## staging against production, for promotion
	$(PY) -m nexus compare staging production

diagram: $(VENV)/.precompiled        ## Mermaid diagram of production
	$(PY) -m nexus diagram --stack production

cost: $(VENV)/.precompiled           ## monthly cost of every stack at AWS list prices
	$(PY) -m nexus cost --all

fuzz: $(VENV)/.installed            ## property tests with many more cases (prints the cases tried)
	NEXUS_HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -p no:xdist tests/config/test_environment.py -k generated \
		--hypothesis-show-statistics --durations=0

docs: $(VENV)/.installed            ## regenerate the settings reference (docs/settings.md) from the models
	$(PY) -m nexus.config.reference

bench: $(VENV)/.installed           ## set-up time and offline plan time against their floors
	$(PY) benchmarks/bench_plan.py

clean:                              ## remove the environment, caches and plan outputs
	rm -rf $(VENV) .tools plans .pytest_cache .mypy_cache .ruff_cache .hypothesis
