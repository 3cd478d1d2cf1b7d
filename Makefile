# The mobility lakehouse. `make demo` runs the whole pipeline; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

-include .env
# Defaults as in common/settings.py; made absolute so dbt, edr and the services agree.
LAKEHOUSE_DIR ?= $(CURDIR)/lakehouse
override LAKEHOUSE_DIR := $(abspath $(LAKEHOUSE_DIR))
PYTHON ?= python3
export LAKEHOUSE_DIR
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LAKEHOUSE := $(BIN)/lakehouse
DBT := $(BIN)/dbt
BENCH := $(BIN)/python -m benchmarks
DEMO_TRIPS ?= 200000
DEMO_VEHICLES ?= 15
DEMO_MINUTES ?= 1440
# The processes the suite runs on (pytest-xdist; a module's tests stay on one, docs/testing.md).
PYTEST_WORKERS ?= 2
# `make demo DRIFT=1`: the drift scenario (demand and driving behaviour shift; docs/ml.md).
DRIFT_FLAG := $(if $(DRIFT),--drift)
# `make demo INCIDENT=1`: the incident scenario (zone outage, stuck coolant sensors, a source
# column disappearing) that the Elementary anomaly tests flag; docs/observability.md.
INCIDENT_FLAG := $(if $(INCIDENT),--incident)
# The embedded broker's jars (Apache Kafka from Maven Central, jvm/kafka/pom.xml), cached outside
# the repository; Maven verifies their checksums once, later runs need no network.
KAFKA_VERSION := $(shell sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' jvm/kafka/pom.xml)
LAKEHOUSE_KAFKA_JARS ?= $(HOME)/.cache/mobility-lakehouse/kafka-$(KAFKA_VERSION)
override LAKEHOUSE_KAFKA_JARS := $(abspath $(patsubst ~/%,$(HOME)/%,$(LAKEHOUSE_KAFKA_JARS)))
export LAKEHOUSE_KAFKA_JARS
KAFKA_JARS := $(LAKEHOUSE_KAFKA_JARS)/.complete
# Delta Lake for Spark (jvm/delta/pom.xml), fetched and cached the same way.
DELTA_VERSION := $(shell sed -n 's:.*<delta.version>\(.*\)</delta.version>.*:\1:p' jvm/delta/pom.xml)
LAKEHOUSE_DELTA_JARS ?= $(HOME)/.cache/mobility-lakehouse/delta-$(DELTA_VERSION)
override LAKEHOUSE_DELTA_JARS := $(abspath $(patsubst ~/%,$(HOME)/%,$(LAKEHOUSE_DELTA_JARS)))
export LAKEHOUSE_DELTA_JARS
DELTA_JARS := $(LAKEHOUSE_DELTA_JARS)/.complete
PYTHON_PATHS := cockpit common ingest ml serving ops benchmarks adapters tests models orchestration
# Airflow's own virtualenv (AIRFLOW_VENV; docs/orchestration.md): Airflow 3.3 needs an older
# FastAPI than the project pins. Installed from orchestration/constraints.txt, pinned by pip freeze.
AIRFLOW_VENV ?= $(CURDIR)/.venv-airflow
export AIRFLOW_VENV
AIRFLOW_INSTALLED := $(AIRFLOW_VENV)/.installed
YAML_PATHS := dbt_project.yml profiles.yml packages.yml selectors.yml models seeds macros tests/dbt

.PHONY: help install kafka-jars delta-jars deps demo stream airflow-env airflow airflow-stop orchestrate test test-unit lint format pytest docs mlflow-ui report \
	bench-ingest bench-stream bench-build bench-ml bench-engines bench-serve serve openapi clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml constraints.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint constraints.txt --editable ".[dev]"
	@touch $@

# $(call fetch-jars,<pom>,<folder>,<what>): the pom's runtime jars, checksums verified, into folder.
define fetch-jars
	@command -v mvn >/dev/null || { echo "Maven (mvn) is needed once, to fetch $(3) \
	from Maven Central: apt-get install maven"; exit 1; }
	@rm -rf $(2).partial
	mvn --batch-mode --quiet --strict-checksums -Dstyle.color=never --file $(1) \
		dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(2).partial
	@rm -rf $(2) && mv $(2).partial $(2)
	@touch $(2)/.complete
endef

$(KAFKA_JARS): jvm/kafka/pom.xml
	$(call fetch-jars,$<,$(LAKEHOUSE_KAFKA_JARS),Apache Kafka's jars (or set KAFKA_HOME))

$(DELTA_JARS): jvm/delta/pom.xml
	$(call fetch-jars,$<,$(LAKEHOUSE_DELTA_JARS),Delta Lake's jars for Spark)

kafka-jars: $(KAFKA_JARS) ## Fetch Apache Kafka's jars for the embedded broker (once; Maven Central)

delta-jars: $(DELTA_JARS) ## Fetch Delta Lake's jars for Spark (once; Maven Central)

install: $(INSTALLED) $(KAFKA_JARS) $(DELTA_JARS) ## Create .venv, install the project with pinned versions, fetch Kafka and Delta Lake

deps: $(INSTALLED) ## Install the dbt packages (hub, or the offline mirror)
	@$(LAKEHOUSE) deps

demo: ## Generate and stream data, land it in Bronze, dbt build (with ML), summary, Elementary report
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory deps && \
	$(LAKEHOUSE) generate mobility --trips $(DEMO_TRIPS) $(DRIFT_FLAG) $(INCIDENT_FLAG) && \
	$(MAKE) --no-print-directory stream && \
	$(LAKEHOUSE) ingest csv && \
	$(DBT) build && \
	$(LAKEHOUSE) summary --started-at $$start && \
	$(MAKE) --no-print-directory report && \
	echo "MLflow runs and registered models: make mlflow-ui (http://127.0.0.1:5000); dbt docs: make docs"

stream: $(INSTALLED) $(KAFKA_JARS) ## Start the embedded broker, stream a simulation, land it, stop the broker
	@$(LAKEHOUSE) broker start
	@$(LAKEHOUSE) simulate --vehicles $(DEMO_VEHICLES) --minutes $(DEMO_MINUTES) \
		$(DRIFT_FLAG) $(INCIDENT_FLAG) \
		&& $(LAKEHOUSE) land --until-idle 3; \
	status=$$?; $(LAKEHOUSE) broker stop; exit $$status

$(AIRFLOW_INSTALLED): orchestration/requirements.txt orchestration/constraints.txt
	@test -d $(AIRFLOW_VENV) || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/pip install --quiet --constraint orchestration/constraints.txt \
		--requirement orchestration/requirements.txt
	@touch $@

airflow-env: $(AIRFLOW_INSTALLED) ## Create Airflow's own virtualenv (.venv-airflow) from the pins

airflow: deps airflow-env ## Start Airflow on http://127.0.0.1:8280 (UI; DAGs of orchestration/dags)
	@$(LAKEHOUSE) airflow start

airflow-stop: $(INSTALLED) ## Stop Airflow's api-server, scheduler and dag-processor
	@$(LAKEHOUSE) airflow stop

# `make orchestrate`: the demo's data through the DAGs (Airflow started by `make airflow`), then
# a plain `dbt build` of the same Bronze in a lakehouse of its own, to compare the times.
COMPARE_DIR := $(LAKEHOUSE_DIR)/airflow/compare
orchestrate: deps ## Generate and stream the demo's data, run the DAG chain once, compare with dbt build
	@$(LAKEHOUSE) generate mobility --trips $(DEMO_TRIPS) $(DRIFT_FLAG) $(INCIDENT_FLAG)
	@$(LAKEHOUSE) broker start
	@$(LAKEHOUSE) simulate --vehicles $(DEMO_VEHICLES) --minutes $(DEMO_MINUTES) \
		$(DRIFT_FLAG) $(INCIDENT_FLAG) && $(LAKEHOUSE) airflow run; \
	status=$$?; $(LAKEHOUSE) broker stop; test $$status = 0
	@rm -rf $(COMPARE_DIR) && mkdir -p $(COMPARE_DIR) && cp -r $(LAKEHOUSE_DIR)/bronze $(COMPARE_DIR)/
	@start=$$(date +%s); \
	LAKEHOUSE_DIR=$(COMPARE_DIR) DBT_TARGET_PATH=$(COMPARE_DIR)/target $(DBT) build --quiet \
		> $(COMPARE_DIR)/dbt-build.log && \
	echo "plain dbt build of the same Bronze: $$(( $$(date +%s) - start )) s (log: $(COMPARE_DIR)/dbt-build.log)"

LINT_DIR := $(CURDIR)/target/lint-lakehouse

lint: $(INSTALLED) deps ## ruff, mypy and the YAML style on the code; sqlfluff on the models
	$(BIN)/ruff check $(PYTHON_PATHS)
	$(BIN)/ruff format --check $(PYTHON_PATHS)
	$(BIN)/mypy
	$(BIN)/yamlfix --check $(YAML_PATHS)
	@LAKEHOUSE_DIR=$(LINT_DIR) $(LAKEHOUSE) init >/dev/null
	LAKEHOUSE_DIR=$(LINT_DIR) $(BIN)/sqlfluff lint models tests/dbt macros

format: $(INSTALLED) ## Fix what the linters can: ruff (imports, format) and the YAML style
	$(BIN)/ruff check --fix $(PYTHON_PATHS)
	$(BIN)/ruff format $(PYTHON_PATHS)
	$(BIN)/yamlfix $(YAML_PATHS)

test-unit: $(INSTALLED) ## The fast tests: no dbt build, broker, Spark or browser (under a minute)
	$(BIN)/pytest -m "not integration"

pytest: $(INSTALLED) deps $(KAFKA_JARS) $(DELTA_JARS) airflow-env ## Every test, the integration tests included (they build small lakehouses)
	$(BIN)/pytest --numprocesses $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations 25

test: lint pytest ## Everything CI runs

docs: deps ## Generate the dbt docs site and serve it on http://127.0.0.1:8080
	$(DBT) docs generate
	$(DBT) docs serve --host 127.0.0.1 --port 8080 --no-browser

report: deps ## Elementary's observability report of the dbt runs so far, offline
	@$(LAKEHOUSE) report

mlflow-ui: $(INSTALLED) ## Serve the MLflow UI (runs, registered models) on http://127.0.0.1:5000
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(LAKEHOUSE_DIR)/mlflow.db \
		--default-artifact-root $(LAKEHOUSE_DIR)/mlartifacts --host 127.0.0.1 --port 5000

bench-ingest: $(INSTALLED) ## CSV -> Bronze throughput vs DuckDB's raw CSV -> Parquet, 1M and 10M trips
	$(BENCH) ingest --trips 1000000 --trips 10000000

bench-build: deps ## Silver + Gold build time and memory on DuckDB at 1M and 10M trips
	$(BENCH) build --trips 1000000 --trips 10000000

bench-ml: deps ## ML training/scoring time and memory, and the whole dbt build, at 200k and 10M trips
	$(BENCH) ml --trips 200000 --trips 10000000

bench-engines: deps $(DELTA_JARS) ## Silver + Gold + ML on DuckDB, Spark (spark_local) and the Spark cluster (spark_connect) at 1M trips
	$(BENCH) engines --trips 1000000

bench-stream: $(INSTALLED) $(KAFKA_JARS) ## Simulator, producer, lander and raw-consume rates on the embedded broker
	$(BENCH) stream

bench-serve: $(INSTALLED) ## Prediction API vs mlflow models serve: p50/p99 and req/s at 1 and 8 clients (after make demo)
	$(BENCH) serve

serve: $(INSTALLED) ## Serve the prediction API on http://127.0.0.1:8000 (after make demo; docs/serving.md)
	$(LAKEHOUSE) serve

openapi: $(INSTALLED) ## Rewrite docs/openapi.json from the API's pydantic models
	$(BIN)/python -m serving.openapi

clean: ## Remove generated data, dbt artifacts and installed dbt packages (keeps .venv)
	-@$(LAKEHOUSE) airflow stop 2>/dev/null
	rm -rf $(LAKEHOUSE_DIR) target dbt_packages logs
