# jobbergate-agent (slurmrestd edition). `make run` and `make test` are the two commands that
# matter; both install what they need. Python is the machine's 3.11: uv never downloads one.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV ?= uv
PY := --python 3.11
LAB := lab/slurm-lab
APT_LISTS := tests/integration/user_mapper/apt-packages.txt

.PHONY: help install run lab-run test unit lint format models models-check lab-up lab-down \
        lab-status bench system-deps clean

help:
	@echo "make run          start the agent on the embedded stack (mock Jobbergate + mock slurmrestd)"
	@echo "make test         install what is missing, boot the Slurm lab, run every test, stop the lab"
	@echo "make unit         unit tests only (no lab, no root)"
	@echo "make lint         ruff (lint + format check) and mypy"
	@echo "make models       regenerate the pydantic models from openapi/"
	@echo "make models-check fail if the committed models differ from a regeneration"
	@echo "make lab-up | lab-down | lab-status   the three-cluster Slurm lab"
	@echo "make lab-run      the agent against the lab's real Slurm (mock Jobbergate API)"
	@echo "make bench        throughput and memory benchmark"

install:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen $(PY) --quiet

run: install
	$(UV) run $(PY) python -m jobbergate_agent.devstack

lab-run: install lab-up
	$(UV) run $(PY) python -m jobbergate_agent.devstack --slurm lab

# Debian packages the real-server tests need beyond what the lab script installs itself.
# A policy-rc.d keeps apt from starting the distribution's slapd/samba, which would hold the
# ports the test servers bind.
system-deps:
	@missing=$$(for p in $$(cat $(APT_LISTS) 2>/dev/null); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing: $$missing"; \
	    added_policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
	        added_policy=1; fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends $$missing >/dev/null; status=$$?; \
	    [ -n "$$added_policy" ] && rm -f /usr/sbin/policy-rc.d; exit $$status; \
	fi

lab-up:
	$(LAB) up

lab-down:
	$(LAB) down

lab-status:
	$(LAB) status

unit: install
	$(UV) run $(PY) pytest tests/unit -q

# The whole suite, real servers included. The lab is stopped whatever the outcome.
test: install system-deps
	@set -o pipefail; $(LAB) up || exit 1; \
	$(UV) run $(PY) pytest -q; status=$$?; \
	$(LAB) down; exit $$status

lint: install
	$(UV) run $(PY) ruff check .
	$(UV) run $(PY) ruff format --check .
	$(UV) run $(PY) mypy

format: install
	$(UV) run $(PY) ruff check --fix .
	$(UV) run $(PY) ruff format .

models: install
	$(UV) run $(PY) python tools/generate_models.py

models-check: install
	$(UV) run $(PY) python tools/generate_models.py --check

bench: install lab-up
	$(UV) run $(PY) python tools/bench.py

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
