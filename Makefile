# The two commands of the README:
#   make run   - set up everything and start the dashboard (http://127.0.0.1:8501)
#   make test  - set up everything the tests need (packages, chromium, PostgreSQL) and run them
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test venv lint bench screenshots

$(BIN)/opms-dispatch: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(BIN)/opms-dispatch

venv: $(BIN)/opms-dispatch

run: venv
	bash scripts/run.sh

test: venv
	bash scripts/test.sh

lint: venv
	$(BIN)/ruff check .

bench: venv
	bash scripts/bench.sh

screenshots: venv
	$(BIN)/python scripts/screenshots.py
