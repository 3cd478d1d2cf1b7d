"""The `spark_session` dbt adapter: dbt-spark's `session` method (Spark inside the dbt process),
plus what dbt-spark lacks on open-source Spark - dbt Python models, run in that same
SparkSession instead of through Databricks' APIs (dbt-labs/dbt-spark#415, #1062).

Everything else is dbt-spark's: the adapter depends on it, so `spark__` macros and
materializations apply unchanged. Profiles select it with `type: spark_session`.
"""

from dbt.adapters.base import AdapterPlugin
from dbt.adapters.spark_session.impl import SparkSessionAdapter, SparkSessionCredentials
from dbt.include import spark_session

Plugin = AdapterPlugin(
    adapter=SparkSessionAdapter,
    credentials=SparkSessionCredentials,
    include_path=spark_session.PACKAGE_PATH,
    dependencies=["spark"],
)
