"""Gold: the marts (dimensions, facts, aggregates), through Cosmos; scheduled by Silver.

One `dbt build --selector gold`; tests between Silver and Gold models run here, once their Gold
parent is built.
"""

from __future__ import annotations

from airflow.sdk import DAG
from lakehouse_stages import DEFAULT_ARGS, GOLD, SILVER, START, TAGS, dbt_stage

with DAG(
    dag_id="lakehouse_gold",
    description="dbt build --selector gold: the star schema and aggregates",
    schedule=[SILVER],
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "gold", "dbt"],
    doc_md=__doc__,
):
    dbt_stage("gold", GOLD, "Gold")
