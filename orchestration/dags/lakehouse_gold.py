"""Gold: the marts (dimensions, facts, aggregates), through Cosmos; scheduled by Silver.

One `dbt build --selector gold`; tests between Silver and Gold models run here, once their Gold
parent is built.

The Airflow DAG `lakehouse_gold`.
"""

from __future__ import annotations

from lakehouse_stages import GOLD, SILVER, dbt_dag

dag = dbt_dag("lakehouse_gold", "gold", [SILVER], GOLD, "the star schema and aggregates", __doc__)
