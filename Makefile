# The two set-up commands: `make run` (demo: environment, load, publish) and `make test`.
# Each creates the project's environment (.venv) itself when it is missing or stale: every
# package at the version and hash requirements.lock names (the versions the suite passed with),
# then this project itself (editable, no dependencies), then tools/check_lock.py, which stops
# when the lock no longer covers pyproject.toml (then `make lock`).
# `make superset`: Apache Superset with the ready dashboard on the published file (docs/bi.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
DEV_PORT ?= 3000

.PHONY: run test lint lock dev demo-data clean superset superset-install superset-load

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
	$(BIN)/python tools/dev.py $(BIN)/dg dev --port $(DEV_PORT)  # Ctrl-C to dg dev alone (tools/dev.py)

demo-data: $(STAMP)    ## regenerate the committed demo set in raw/ (seeded, reproducible)
	$(BIN)/python -m pipelines.demo.generate --out raw --profile small

clean:                 ## build output only; never the published file or its rollback copy (what BI tools read)
	rm -rf warehouse/.build warehouse/.dagster

# ---------------------------------------------------------------- Superset (docs/bi.md)
# Superset in its own environment (.venv-superset, every package pinned in
# bi/superset/requirements.txt); its metadata database and secret key in SUPERSET_HOME.
SUPERSET_VENV     := .venv-superset
SUPERSET_BIN      := $(SUPERSET_VENV)/bin
SUPERSET_HOME     ?= $(CURDIR)/.superset
SUPERSET_PORT     ?= 8088
SUPERSET_USER     ?= admin
SUPERSET_PASSWORD ?= admin
SUPERSET_RUN      := SUPERSET_HOME=$(SUPERSET_HOME) SUPERSET_CONFIG_PATH=$(CURDIR)/bi/superset/superset_config.py
PUBLISHED         := $$(realpath -m $${FOLLOWUP_WAREHOUSE_DIR:-warehouse})/followup.duckdb

$(SUPERSET_VENV)/.installed: bi/superset/requirements.txt
	$(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_BIN)/pip install -q --upgrade pip
	$(SUPERSET_BIN)/pip install -q -r bi/superset/requirements.txt
	touch $@

$(SUPERSET_HOME)/.initialised: $(SUPERSET_VENV)/.installed
	$(SUPERSET_RUN) $(SUPERSET_BIN)/superset db upgrade
	$(SUPERSET_RUN) $(SUPERSET_BIN)/superset fab create-admin --username $(SUPERSET_USER) \
	  --password $(SUPERSET_PASSWORD) --firstname Admin --lastname Followup --email admin@localhost
	$(SUPERSET_RUN) $(SUPERSET_BIN)/superset init
	touch $@

superset-install: $(SUPERSET_VENV)/.installed  ## only Superset's environment (.venv-superset), for bench/superset_check.py

superset-load: $(SUPERSET_HOME)/.initialised  ## (re)import the connection (read-only) and the dashboard bundle
	@test -f "$(PUBLISHED)" || $(MAKE) run
	$(SUPERSET_BIN)/python bi/superset/bundle.py build --database "$(PUBLISHED)" --out $(SUPERSET_HOME)/followup_dashboard.zip
	$(SUPERSET_RUN) $(SUPERSET_BIN)/python bi/superset/bundle.py load $(SUPERSET_HOME)/followup_dashboard.zip --username $(SUPERSET_USER)

superset: superset-load  ## Superset with the dashboard on the published file, on 127.0.0.1:$(SUPERSET_PORT)
	@echo "Superset: http://127.0.0.1:$(SUPERSET_PORT)/superset/dashboard/uppfoljning/ (user $(SUPERSET_USER)); Ctrl-C stops it"
	$(SUPERSET_RUN) $(SUPERSET_BIN)/gunicorn --workers 1 --threads 8 --timeout 120 \
	  --bind 127.0.0.1:$(SUPERSET_PORT) 'superset.app:create_app()'
