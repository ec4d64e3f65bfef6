# Linli. `make run` and `make test` set up everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DEMO_PORT ?= 8502
DEMO_DB := sqlite:///data/demo.db
DEMO_FILES := data/demo-files
STAMP := $(VENV)/.installed

.PHONY: run demo test test-unit test-app test-e2e bench lint check backup clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m core.cli init
	$(BIN)/python -m core.cli check
	$(BIN)/streamlit run app.py --server.port $(PORT)

demo: $(STAMP)
	DATABASE_URL=$(DEMO_DB) LINLI_FILES_DIR=$(DEMO_FILES) $(BIN)/python -m core.cli seed-demo
	DATABASE_URL=$(DEMO_DB) LINLI_FILES_DIR=$(DEMO_FILES) $(BIN)/streamlit run app.py --server.port $(DEMO_PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m core.cli init >/dev/null
	$(BIN)/python -m tests.bench.run

lint: $(STAMP)
	$(BIN)/ruff check .

check: $(STAMP)
	$(BIN)/python -m core.cli check

backup: $(STAMP)
	$(BIN)/python -m core.cli backup

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
