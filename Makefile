# The two commands of the README: `make build` and `make test`. Both set up the virtual
# environment from the pinned requirements on first use, so a fresh machine with only
# Python 3.11 needs nothing else.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# pytest workers for `make test`: one per core of this 2-core machine (a whole test file
# runs on one worker, so the session fixtures a file shares are built once there).
TEST_WORKERS ?= 2
# sqlfluff processes for `make lint`: the dbt templater renders in one, the parsing and rule
# checks beside it: measured on models/marts, the same CPU time and a third less wall time.
LINT_PROCESSES ?= 2
DEMO_DIR ?= data/demo

export ACTIVATION_WAREHOUSE_PATH ?= $(CURDIR)/warehouse.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: install build demo-data load dbt-build freshness validate publish docs report test lint bench bench-engines clean

# The pinned requirements, then the tooling itself as an editable package (the console
# scripts `activation-warehouse` and `activation-warehouse-dev`): --no-deps so pip never
# re-resolves the pinned set.
$(BIN)/.installed: requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install: $(BIN)/.installed

## build: demo data -> raw schema -> dbt build -> checks -> publish for BI -> dbt docs -> the
## report; then say where the warehouse, the published copy, the docs and the report are.
build: install demo-data load dbt-build freshness validate publish docs
	@$(BIN)/python -m activation_warehouse summary
	@$(BIN)/python -m activation_warehouse report

# Demo data comes from the dev tools (activation_warehouse/dev, docs/tooling.md).
demo-data: install
	$(BIN)/python -m activation_warehouse.dev generate --out $(DEMO_DIR)

load: install
	$(BIN)/python -m activation_warehouse load $(DEMO_DIR)

# The loader replaces the raw tables with a new data set, so the incremental models must
# start over: a build after a load is a full refresh. (Hourly runs on appended raw data
# call `dbt build` without it.) Partial parsing stays on (a full parse costs about 7 s): its
# one stale path here was unit tests whose seed inputs dbt read from the CSVs at parse time
# and kept after a CSV edit; they now give their rows (test_unit_tests_pin_their_definition.py).
# Through the tooling's dbt runner: the project's profile and paths, colours only on a
# terminal, and a one-line answer (exit 2) when another process holds the warehouse.
dbt-build: install
	$(BIN)/activation-warehouse build --full-refresh

freshness: install
	$(BIN)/dbt source freshness

validate: install
	$(BIN)/python -m activation_warehouse validate

publish: install
	$(BIN)/python -m activation_warehouse publish

# The docs site with the manifest and catalog inside one file, which opens from disk.
docs: install
	$(BIN)/dbt docs generate --static
	@echo "dbt docs: $(CURDIR)/target/static_index.html (opens from disk; or .venv/bin/dbt docs serve)"

report: install
	$(BIN)/python -m activation_warehouse report

## test: every test of the project: SQL and Python style, then pytest (which runs the dbt builds,
## their unit and data tests, and the Great Expectations suites on demo data).
test: install lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# lint-imports: the layer rule of the Python package (runtime modules never import
# activation_warehouse.dev), the contract in pyproject.toml.
lint: install
	$(BIN)/sqlfluff lint --processes $(LINT_PROCESSES) models tests analyses
	$(BIN)/ruff check
	$(BIN)/lint-imports

## bench: build times at 1M and 10M events (cached data in bench/.cache), on both journey
## shapes: the demo's in bench/results.md, short journeys in bench/results_short.md.
bench: install
	$(BIN)/python -m activation_warehouse.dev bench --shape demo --out bench/results.md
	$(BIN)/python -m activation_warehouse.dev bench --shape short --out bench/results_short.md

## bench-engines: a full build on DuckDB, PostgreSQL and Spark at the default scale and at
## 1M events, each compared with DuckDB mart by mart; table in bench/engines.md.
bench-engines: install
	$(BIN)/python -m activation_warehouse.dev bench-engines

clean:
	rm -rf target logs data reports published warehouse.duckdb warehouse.duckdb.wal
