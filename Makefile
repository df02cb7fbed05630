# The two set-up commands: `make run` (demo: environment, load, publish) and `make test`.
# Each creates the project's environment (.venv) itself when it is missing or stale.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV_PORT ?= 3000

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

dev: $(STAMP)          ## the Dagster UI (and its daemon: schedule, sensor, run queue) on the instance of `followup run`
	VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH=$(CURDIR)/$(BIN):$$PATH DAGSTER_HOME=$(CURDIR) \
	FOLLOWUP_DAGSTER_STORAGE=$${FOLLOWUP_DAGSTER_STORAGE:-$$(realpath -m $${FOLLOWUP_WAREHOUSE_DIR:-warehouse})/.dagster} \
	FOLLOWUP_DAGSTER_COMPUTE_LOGS=$${FOLLOWUP_DAGSTER_COMPUTE_LOGS:-$$(realpath -m $${FOLLOWUP_WAREHOUSE_DIR:-warehouse})/.dagster/compute_logs} \
	$(BIN)/dg dev --port $(DEV_PORT)

demo-data: $(STAMP)    ## regenerate the committed demo set in raw/ (seeded, reproducible)
	$(BIN)/python -m pipelines.demo.generate --out raw --profile small

clean:                 ## build output only; never the published file or its rollback copy (what BI tools read)
	rm -rf warehouse/.build warehouse/.dagster
