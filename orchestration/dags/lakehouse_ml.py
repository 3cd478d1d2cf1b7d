"""ML: training (with the gates), scoring and monitoring, through Cosmos; scheduled by Gold.

One `dbt build --selector ml`: features, training (registered in MLflow), feature importances
and the gates (dbt tests on the training models), then scores, then drift and performance
monitoring, rendered as the groups `training`, `scoring` and `monitoring`. A failed gate stops
what depends on it inside the build, so nothing is scored with that model: the score tables keep
the previous model's rows, and the task fails, so no ML asset is produced.
"""

from __future__ import annotations

from airflow.sdk import DAG
from lakehouse_stages import DEFAULT_ARGS, GOLD, ML, START, TAGS, dbt_stage

with DAG(
    dag_id="lakehouse_ml",
    description="dbt build --selector ml: train and gate, score, monitor",
    schedule=[GOLD],
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "ml", "dbt"],
    doc_md=__doc__,
):
    dbt_stage("ml", ML, "ML training, gates, scoring and monitoring")
