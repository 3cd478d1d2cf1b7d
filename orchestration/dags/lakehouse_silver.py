"""Silver: seeds, staging and intermediate models (and Elementary's tables), through Cosmos.

Scheduled by both Bronze assets: it runs once both feeds have landed. One `dbt build --selector
silver`; its tests gate Gold, which its asset schedules.

The Airflow DAG `lakehouse_silver`.
"""

from __future__ import annotations

from lakehouse_stages import BRONZE_MOBILITY, BRONZE_TELEMETRY, SILVER, dbt_dag

dag = dbt_dag(
    "lakehouse_silver",
    "silver",
    BRONZE_MOBILITY & BRONZE_TELEMETRY,
    SILVER,
    "typed, validated, deduplicated Bronze",
    __doc__,
)
