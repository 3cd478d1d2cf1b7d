"""ML: training (with the gates), scoring and monitoring, through Cosmos; scheduled by Gold.

One `dbt build --selector ml`: features, training (registered in MLflow), feature importances
and the gates (dbt tests on the training models), then scores, then drift and performance
monitoring, rendered as the groups `training`, `scoring` and `monitoring`. A failed gate stops
what depends on it inside the build, so nothing is scored with that model: the score tables keep
the previous model's rows, and the task fails, so no ML asset is produced.

The Airflow DAG `lakehouse_ml`.
"""

from __future__ import annotations

from lakehouse_stages import GOLD, ML, dbt_dag

dag = dbt_dag("lakehouse_ml", "ml", [GOLD], ML, "train and gate, score, monitor", __doc__)
