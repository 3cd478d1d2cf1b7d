"""Bronze ingestion: the CSV files of the landing folder and the telemetry topic into Bronze.

Runs on a schedule (LAKEHOUSE_INGEST_SCHEDULE, default hourly, in UTC) and on demand (trigger it
in the UI or with `airflow dags trigger lakehouse_bronze`). The first scheduled run is the
schedule's next tick after Airflow starts, not the one just past: with a start date, Airflow
runs the past tick at once, ingesting while `make orchestrate` still generates its data.

Each task calls the project's command; the loaders are idempotent (files by content, Kafka
batches by offset), so a retried task adds nothing. Each produces its Bronze asset, which
schedules `lakehouse_silver`.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, CronTriggerTimetable
from lakehouse_stages import BRONZE_MOBILITY, BRONZE_TELEMETRY, DEFAULT_ARGS, LAKEHOUSE, TAGS

CRON = os.environ.get("LAKEHOUSE_INGEST_SCHEDULE", "@hourly")

with DAG(
    dag_id="lakehouse_bronze",
    description="CSV files and the telemetry topic into Bronze (lakehouse ingest csv, land)",
    schedule=CronTriggerTimetable(CRON, timezone="UTC", run_immediately=timedelta(0))
    if CRON
    else None,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=[*TAGS, "bronze"],
    doc_md=__doc__,
):
    BashOperator(
        task_id="ingest_csv",
        bash_command=f"{LAKEHOUSE} ingest csv",
        outlets=[BRONZE_MOBILITY],
        doc_md="`lakehouse ingest csv`: every CSV file of $LAKEHOUSE_DIR/landing/ into Bronze.",
    )
    BashOperator(
        task_id="land_telemetry",
        bash_command=f"{LAKEHOUSE} land --until-idle 5",
        outlets=[BRONZE_TELEMETRY],
        doc_md="`lakehouse land --until-idle N`: the telemetry topic into Bronze, until idle.",
    )
