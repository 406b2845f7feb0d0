# The two commands of the README: `make run` and `make test`. Everything else is a step.
SHELL := /bin/bash
VENV := .venv/bin
export LOKET_DATA_DIR ?= $(CURDIR)/var/data

.PHONY: run test setup services lint pytest bench kiosk clean

setup:
	@scripts/bootstrap.sh

run: setup
	@$(VENV)/loket migrate
	@$(VENV)/loket seed-demo --if-empty
	@scripts/run-demo.sh

services:
	@scripts/start-postgres.sh
	@if [ -x scripts/start-cups.sh ]; then scripts/start-cups.sh; fi

lint:
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy

pytest:
	$(VENV)/pytest -q $(PYTEST_ARGS)

test: setup services lint pytest

bench: setup services
	$(VENV)/python benchmarks/run_all.py

kiosk: setup
	$(VENV)/loket-kiosk

clean:
	rm -rf var/test-services .pytest_cache
