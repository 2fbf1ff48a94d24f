# maillage — the two commands of the quick start are `make demo` and `make test`.
# Both create their own environment (.venv) from this repository's files.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit bench-rdf bench-national bench-neo4j clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

DEMO_PORT ?= 8000

# Build the demo store, then serve the explorer on it until Ctrl-C.
demo: $(STAMP)
	$(BIN)/maillage demo
	@echo "Ouvrir l'adresse ci-dessous, taper « boutique boul », cliquer Boutique Boulot (Ctrl-C arrête le serveur)."
	$(BIN)/maillage serve --store out/demo/store --port $(DEMO_PORT)

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The suite runs on TEST_WORKERS processes (pytest-xdist), a test module per process at a
# time, so module fixtures (a real load, a Neo4j database) stay whole; each process starts
# its own Neo4j. TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 2

unit: $(STAMP)
	$(BIN)/pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

bench-rdf: $(STAMP)
	$(BIN)/python -m bench.rdf_store --triples 1000000

bench-national: $(STAMP)
	$(BIN)/python -m bench.national_load

bench-neo4j: $(STAMP)
	$(BIN)/python -m bench.neo4j_load

clean:
	rm -rf $(VENV) out var tools/neo4j-launcher/target .pytest_cache .mypy_cache .ruff_cache
