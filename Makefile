# The two set-up commands: `make run` (demo: environment, load, publish) and `make test`.
# Each creates the project's environment (.venv) itself when it is missing or stale: every
# package at the version and hash requirements.lock names (the versions the suite passed with),
# then this project itself (editable, no dependencies), then tools/check_lock.py, which stops
# when the lock no longer covers pyproject.toml (then `make lock`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
DEV_PORT ?= 3000

.PHONY: run test lint lock dev demo-data clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/python tools/check_lock.py
	touch $(STAMP)

run: $(STAMP)          ## load, check and publish the demo data in raw/ into warehouse/
	$(BIN)/followup run

test: $(STAMP) lint    ## the SQL lint, then the test suite (real Dagster, dbt and DuckDB)
	$(BIN)/pytest -q

lint: $(STAMP)         ## sqlfluff over dbt_project/ (dbt_project/.sqlfluff: DuckDB, dbt templater; no database needed)
	cd dbt_project && ../$(BIN)/sqlfluff lint

# After a change to the dependencies in pyproject.toml: pins what is new, keeps every other pin
# (`make lock LOCK_ARGS=--upgrade` or `LOCK_ARGS='--upgrade-package pandas'` to move pins), then
# `make test` installs and tests the new lock. Commit requirements.lock with pyproject.toml.
# Needs only pip-tools in .venv, which even a stale lock installs.
lock:
	test -x $(BIN)/pip-compile || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install -q --require-hashes --no-deps -r $(LOCK); }
	$(BIN)/pip-compile -q --extra=dev --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	    --no-emit-find-links --output-file=$(LOCK) $(LOCK_ARGS) pyproject.toml

dev: $(STAMP)          ## the Dagster UI (and its daemon: schedule, sensor, run queue) on the instance of `followup run`
	VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH=$(CURDIR)/$(BIN):$$PATH DAGSTER_HOME=$(CURDIR) \
	FOLLOWUP_DAGSTER_STORAGE=$${FOLLOWUP_DAGSTER_STORAGE:-$$(realpath -m $${FOLLOWUP_WAREHOUSE_DIR:-warehouse})/.dagster} \
	FOLLOWUP_DAGSTER_COMPUTE_LOGS=$${FOLLOWUP_DAGSTER_COMPUTE_LOGS:-$$(realpath -m $${FOLLOWUP_WAREHOUSE_DIR:-warehouse})/.dagster/compute_logs} \
	$(BIN)/dg dev --port $(DEV_PORT)

demo-data: $(STAMP)    ## regenerate the committed demo set in raw/ (seeded, reproducible)
	$(BIN)/python -m pipelines.demo.generate --out raw --profile small

clean:                 ## build output only; never the published file or its rollback copy (what BI tools read)
	rm -rf warehouse/.build warehouse/.dagster
