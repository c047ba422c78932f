PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian's pg_virtualenv (postgresql-common) starts a throw-away PostgreSQL server for the tests,
# exports PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE and removes the server after. Without it the
# PostgreSQL tests skip (and fail when CI is set).
PG_VIRTUALENV := $(shell command -v pg_virtualenv 2>/dev/null)

.PHONY: run test lint format bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python bot.py

test: lint
	$(if $(PG_VIRTUALENV),$(PG_VIRTUALENV) -t )$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/lint_imports.py
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(if $(PG_VIRTUALENV),$(PG_VIRTUALENV) -t )$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
