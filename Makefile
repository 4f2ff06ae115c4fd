# The two commands of the README:
#   make run   - set up what the dashboard needs and start it (http://127.0.0.1:8501)
#   make test  - set up everything the tests need (packages, chromium, PostgreSQL) and run them
#
# `make run` installs the product only (`pip install -e .`, no extras): the test, benchmark
# and type-checking tools come with `make test` (and lint, types, bench, screenshots, catalogs),
# which add the `dev` extra on top. pip prints what it collects and installs (no -q), so a
# first run shows its progress.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
# Marks that the dev extra (tests, benchmarks, ruff, mypy) is installed for this pyproject.toml.
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test venv dev lint types catalogs bench screenshots

# The product and what the dashboard needs, nothing else.
$(BIN)/opms-dispatch: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@echo "Installing opms-dispatch and the dashboard's packages into $(VENV)/ ..."
	$(PIP) install --progress-bar on -e .
	touch $(BIN)/opms-dispatch

# The extras of the tests, benchmarks and linters, on top of the product.
$(DEV_STAMP): $(BIN)/opms-dispatch pyproject.toml
	@echo "Installing the test, benchmark and lint tools (extra 'dev') ..."
	$(PIP) install --progress-bar on -e '.[dev]'
	touch $(DEV_STAMP)

venv: $(BIN)/opms-dispatch

dev: $(DEV_STAMP)

run: venv
	bash scripts/run.sh

test: dev
	bash scripts/test.sh

lint: dev
	$(BIN)/ruff check .

types: dev
	$(BIN)/mypy

# Refresh the French catalog from the source: new English messages appear untranslated (the
# test suite then fails until they are translated), removed ones are dropped.
catalogs: venv
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o $(VENV)/messages.pot dispatch views maps app.py
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d dispatch/locale -l fr_CA -N --ignore-obsolete -w 100

bench: dev
	bash scripts/bench.sh

screenshots: dev
	$(BIN)/python scripts/screenshots.py
