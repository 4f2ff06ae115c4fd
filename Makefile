# The two commands of the README:
#   make run   - set up everything and start the dashboard (http://127.0.0.1:8501)
#   make test  - set up everything the tests need (packages, chromium, PostgreSQL) and run them
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test venv lint types catalogs bench screenshots

$(BIN)/opms-dispatch: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(BIN)/opms-dispatch

venv: $(BIN)/opms-dispatch

run: venv
	bash scripts/run.sh

test: venv
	bash scripts/test.sh

lint: venv
	$(BIN)/ruff check .

types: venv
	$(BIN)/mypy

# Refresh the French catalog from the source: new English messages appear untranslated (the
# test suite then fails until they are translated), removed ones are dropped.
catalogs: venv
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o $(VENV)/messages.pot dispatch views maps app.py
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d dispatch/locale -l fr_CA -N --ignore-obsolete -w 100

bench: venv
	bash scripts/bench.sh

screenshots: venv
	$(BIN)/python scripts/screenshots.py
