# The two commands the README promises:
#   make demo   run the app with demo data on the embedded default (SQLite, no servers)
#   make test   lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --quiet --disable-pip-version-check -c .ci/constraints.txt
HOST   ?= 127.0.0.1:8000

.PHONY: demo test lint install install-dev bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml .ci/constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.dev: pyproject.toml .ci/constraints.txt | $(BIN)/python
	$(PIP) -e '.[dev]'
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

demo: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver $(HOST)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n auto -p no:cacheprovider

bench: install-dev
	$(BIN)/python tests/benchmarks/bench_catalog_pages.py
	$(BIN)/python -m tests.benchmarks.bench_schema_engine
	$(BIN)/python tests/benchmarks/bench_registry.py
	$(BIN)/python tests/benchmarks/bench_proposals.py
	$(BIN)/python tests/benchmarks/bench_migrations.py
	$(BIN)/python tests/benchmarks/bench_signals.py
	$(BIN)/python tests/benchmarks/bench_exports.py
	$(BIN)/python tests/benchmarks/bench_api.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache db.sqlite3*
