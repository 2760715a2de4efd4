# Two commands for a new user: `make demo` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros -type f 2>/dev/null) dbt_project/dbt_project.yml

.PHONY: demo test lint unit integration up down status prod-local prod-local-down prod-local-status e2e lock bench bench-gate reliability clean browser vendor-assets

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# cosmos renders the dbt task groups from this manifest, so DAG parsing never runs dbt.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet

## Install, start the embedded stack, run the pipelines on simulated data, stop.
demo: $(STAMP) $(MANIFEST)
	$(BIN)/python -m dataops.devstack demo

## Install what is missing, lint (ruff with C901, mypy), run the whole test suite on both cores (pytest-xdist):
## the unit, integration and DAG tests first; then the two stacks through the real scheduler side by side
## (one e2e module per worker: the embedded stack and its browser tests, and the production path).
test: $(STAMP) $(MANIFEST) lint browser
	$(BIN)/python -m pytest tests -m "not e2e and not browser" -n 2 --dist loadfile
	$(BIN)/python -m pytest tests/e2e -m "e2e or browser" -n 2 --dist loadfile

## Headless Chromium and its driver for the browser test of the Airflow UI (Debian packages; needs root).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium chromium-driver; \
	  else echo "chromium/chromedriver missing: run 'sudo make browser' (the browser test is skipped without them)"; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## Keep the embedded stack (Airflow UI, S3, SMTP) running while you work.
up: $(STAMP) $(MANIFEST)
	$(BIN)/python -m dataops.devstack up

down:
	@test -x $(BIN)/python && $(BIN)/python -m dataops.devstack down || true

status: $(STAMP)
	$(BIN)/python -m dataops.devstack status

## The production stack of docker-compose.yaml as local processes (PostgreSQL, Redis, CeleryExecutor, 2 workers).
prod-local: $(STAMP) $(MANIFEST)
	$(BIN)/python -m dataops.devstack prod-local up

prod-local-down:
	@test -x $(BIN)/python && $(BIN)/python -m dataops.devstack prod-local down || true

prod-local-status: $(STAMP)
	$(BIN)/python -m dataops.devstack prod-local status

## Only the end-to-end tests (scheduler-driven scenario on the embedded stack and on the production path).
e2e: $(STAMP) $(MANIFEST) browser
	$(BIN)/python -m pytest tests/e2e -m "e2e or browser" -n 2 --dist loadfile

## Fetch Data Docs' CSS, scripts and fonts again from the npm registry (GX's logo from PyPI) into the plugin's
## static/vendor, checked against the registry's digests, with their licences and MANIFEST.json (commit the result).
vendor-assets: $(STAMP)
	$(BIN)/python scripts/vendor_data_docs_assets.py

## Regenerate constraints.txt from a clean install of requirements.txt.
lock:
	rm -rf /tmp/dataops-lock && $(PYTHON) -m venv /tmp/dataops-lock
	/tmp/dataops-lock/bin/pip install --quiet -r requirements.txt
	/tmp/dataops-lock/bin/pip freeze --exclude-editable > constraints.txt

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

## How good is the gate: false alarms by baseline size, a simulated year, the promotion rule (about 20 min).
bench-gate: $(STAMP)
	@for b in bench/bench_spc_arl.py bench/bench_gate_year.py bench/bench_promotion_rule.py; do \
		echo "== $$b"; $(BIN)/python $$b || exit 1; done

## Hostile and broken landed files through the real ingest (a local S3 API, a DuckDB file and a fresh database on
## the machine's PostgreSQL): per input class, cases run, identical / rejected cleanly, rows lost, rows duplicated.
## Fails when a row is lost or duplicated or a case ends otherwise. The tests run one case per class.
reliability: $(STAMP)
	$(BIN)/python -m dataops.reliability --postgres --outages

clean: down
	rm -rf .local
