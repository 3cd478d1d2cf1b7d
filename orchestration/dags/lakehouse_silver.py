"""Silver: seeds, staging and intermediate models (and Elementary's tables), through Cosmos.

Scheduled by both Bronze assets: it runs once both feeds have landed. One `dbt build --selector
silver`; its tests gate Gold, which its asset schedules.
"""

from __future__ import annotations

from airflow.sdk import DAG
from lakehouse_stages import (
    BRONZE_MOBILITY,
    BRONZE_TELEMETRY,
    DEFAULT_ARGS,
    SILVER,
    START,
    TAGS,
    dbt_stage,
)

with DAG(
    dag_id="lakehouse_silver",
    description="dbt build --selector silver: typed, validated, deduplicated Bronze",
    schedule=BRONZE_MOBILITY & BRONZE_TELEMETRY,
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "silver", "dbt"],
    doc_md=__doc__,
):
    dbt_stage("silver", SILVER, "Silver")
