"""The `spark_session` dbt adapter: dbt-spark's `session` method (Spark inside the dbt process),
plus what dbt-spark lacks on open-source Spark - dbt Python models, run in that same
SparkSession instead of through Databricks' APIs (dbt-labs/dbt-spark#415, #1062).

Everything else is dbt-spark's: the adapter depends on it, so `spark__` macros and
materializations apply unchanged. Profiles select it with `type: spark_session`.
"""

from importlib import import_module

from dbt.adapters.base import AdapterPlugin

from .impl import SparkSessionAdapter, SparkSessionCredentials

# adapters/spark_session/include, installed as dbt.include.spark_session by the package-dir
# mapping in pyproject.toml; mypy does not follow that mapping, so it is imported by name.
include = import_module("dbt.include.spark_session")

Plugin = AdapterPlugin(
    # dbt's AdapterProtocol does not match its own adapters (dbt-spark's Plugin ignores it too).
    adapter=SparkSessionAdapter,  # type: ignore[arg-type]
    credentials=SparkSessionCredentials,
    include_path=include.PACKAGE_PATH,
    dependencies=["spark"],
)
