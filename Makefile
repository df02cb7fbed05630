# The two set-up commands: `make run` (demo: environment, load, publish) and `make test`.
# Each creates the project's environment (.venv) itself when it is missing or stale.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test dev demo-data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)          ## load, check and publish the demo data in raw/ into warehouse/
	$(BIN)/followup run

test: $(STAMP)         ## the test suite (real Dagster, dbt and DuckDB; a few minutes)
	$(BIN)/pytest -q

dev: $(STAMP)          ## the Dagster UI on the same instance as `followup run`
	DAGSTER_HOME=$(CURDIR) FOLLOWUP_DAGSTER_STORAGE=$(CURDIR)/warehouse/.dagster \
	FOLLOWUP_DAGSTER_COMPUTE_LOGS=$(CURDIR)/warehouse/.dagster/compute_logs \
	FOLLOWUP_BUILD_DB=$(CURDIR)/warehouse/.build/build.duckdb \
	$(BIN)/dagster dev -m pipelines.definitions

demo-data: $(STAMP)    ## regenerate the committed demo set in raw/ (seeded, reproducible)
	$(BIN)/python -m pipelines.demo.generate --out raw --profile small

clean:
	rm -rf warehouse/.build warehouse/.dagster warehouse/followup*.duckdb warehouse/reports
