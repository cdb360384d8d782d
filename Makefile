# The few commands a newcomer needs. Everything runs from the lock file in .venv.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
# every file and folder: a folder's time changes when a file in it is added or deleted
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests 2>/dev/null) dbt_project/dbt_project.yml

.PHONY: install run test test-fast ui lint bench demo clean bi bi-install

install: $(STAMP) $(MANIFEST)

# Re-install only when the lock or the package metadata changed.
$(STAMP): requirements.lock pyproject.toml
	@echo "==> creating $(VENV) from requirements.lock"
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	@$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)
	@echo "==> installed; the kpi command is $(BIN)/kpi"

# dbt's manifest (the asset graph Dagster loads) and the MetricFlow plan of
# kpi_values_by_dimension, prepared again when a model, macro or test changes, or the code that
# writes the plan (the plan's key covers it: lib/semantic.py).
$(MANIFEST): $(STAMP) $(DBT_SOURCES) orchestration/lib/semantic.py
	@echo "==> preparing the dbt manifest and the kpi_values_by_dimension plan"
	@$(BIN)/python -m orchestration.lib.dbt_manifest

run: install
	$(BIN)/kpi run

# The whole check CI runs: lint, then every test. tests/test_ui.py drives the Dagster UI in
# headless Chromium, installed here when missing (needs root, as on CI).
test: install lint bi-install
	@./tools/ensure-chromium.sh
	$(BIN)/python -m pytest -q -n 2 --dist worksteal --durations=25 tests

# The quick loop for one's own iterations: every test but the slow ones (`-m "not slow"`).
test-fast: install
	$(BIN)/python -m pytest -q -n 2 --dist worksteal -m "not slow" --durations=10 tests

# The BI project (bi/): Apache Superset in its own environment, from bi/requirements.lock.
BI_STAMP := bi/.venv/.installed
bi-install: $(BI_STAMP)

$(BI_STAMP): bi/requirements.lock $(STAMP)
	@echo "==> creating bi/.venv (Apache Superset) from bi/requirements.lock"
	@test -x bi/.venv/bin/python || $(PY) -m venv bi/.venv
	@$(BIN)/uv pip install --quiet --python bi/.venv/bin/python -r bi/requirements.lock
	@touch $(BI_STAMP)

# Superset's dashboard over this home's serving database: http://127.0.0.1:8088/superset/dashboard/kpi-scorecard/
bi: bi-install
	bi/.venv/bin/python bi/build.py data/bi data/serving.duckdb
	KPI_BI_HOME=$(CURDIR)/data/bi SUPERSET_CONFIG_PATH=$(CURDIR)/bi/superset_config.py FLASK_APP=superset \
		bi/.venv/bin/superset run -h 127.0.0.1 -p 8088 --with-threads

ui: install
	$(BIN)/kpi ui

lint: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests
	$(BIN)/sqlfluff lint dbt_project/models

bench: install
	$(BIN)/kpi bench

clean:
	rm -rf data dbt_project/target dbt_project/logs
