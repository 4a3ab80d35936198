# The two commands in the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install bench bench-baseline bench-guard

$(BIN)/python:
	@echo "Creating the virtual environment in $(VENV)/ with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "Installing Triangel's packages: the first time this takes a few minutes."
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# The port is checked before anything else (installing, migrating, the demo data): a taken
# port stops the run at once, names the port and says how to choose another.
run:
	@$(PYTHON) scripts/check_port.py "$(HOST)" "$(PORT)"
	@$(MAKE) --no-print-directory install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=1 HOST=$(HOST) PORT=$(PORT) $(BIN)/python scripts/run_all.py

test: install
	$(BIN)/lint-imports --no-logo
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The booking figures of docs/benchmarks.md, all of them, on this checkout (bench/README.md).
bench: install
	bench/run_all.sh

# The CI guard's baseline (bench/guard_baseline.json), for SQLite and PostgreSQL: only on
# purpose, after a change that makes a hot path cheaper or dearer for a good reason.
GUARD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/triangel_guard
bench-baseline: install
	env -u DATABASE_URL $(BIN)/python bench/guard.py --update-baseline
	DATABASE_URL=$(GUARD_DATABASE_URL) $(BIN)/python bench/guard.py --update-baseline

# The guard alone, against the baseline (the test suite runs it too: tests/perf).
bench-guard: install
	env -u DATABASE_URL $(BIN)/python bench/guard.py
	DATABASE_URL=$(GUARD_DATABASE_URL) $(BIN)/python bench/guard.py
