"""dbt-spark's session adapter with an in-session submission method for Python models."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from dbt.adapters.base import PythonJobHelper
from dbt.adapters.base.relation import AdapterTrackingRelationInfo
from dbt.adapters.spark import SparkAdapter, SparkConnectionManager, SparkCredentials
from dbt.adapters.spark.connections import SparkConnectionMethod
from dbt_common.exceptions import DbtRuntimeError

# Spark starts Python workers (pandas UDFs, mapInPandas) with `python3` from the PATH unless
# told otherwise; they must be this interpreter, which has the project's packages.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

ADAPTER_TYPE = "spark_session"


@dataclass
class SparkSessionCredentials(SparkCredentials):
    def __post_init__(self) -> None:
        super().__post_init__()
        if self.method != SparkConnectionMethod.SESSION:
            raise DbtRuntimeError(
                f"type: {ADAPTER_TYPE} runs Spark inside the dbt process, so it needs "
                f"method: session (got {self.method}); for a Thrift server use type: spark."
            )

    @property
    def type(self) -> str:
        return ADAPTER_TYPE


class SparkSessionConnectionManager(SparkConnectionManager):
    TYPE = ADAPTER_TYPE


class SessionPythonJobHelper(PythonJobHelper):
    """Runs a compiled Python model in the SparkSession that dbt's SQL runs in: the code
    dbt-spark generates expects a global `spark` and writes the model's DataFrame itself."""

    def __init__(self, parsed_model: dict, credentials: SparkSessionCredentials) -> None:
        self.model = parsed_model["unique_id"]
        self.parameters = credentials.server_side_parameters

    def submit(self, compiled_code: str) -> Any:
        from pyspark.sql import SparkSession

        # The same builder dbt-spark's session cursor uses: an existing session is reused.
        builder = SparkSession.builder.enableHiveSupport()
        for key, value in self.parameters.items():
            builder = builder.config(key, value)
        code = compile(compiled_code, f"<{self.model}>", "exec")
        exec(code, {"__name__": self.model, "spark": builder.getOrCreate()})


class SparkSessionAdapter(SparkAdapter):
    ConnectionManager = SparkSessionConnectionManager

    @property
    def default_python_submission_method(self) -> str:
        return "session"

    @property
    def python_submission_helpers(self) -> dict[str, type[PythonJobHelper]]:
        return {"session": SessionPythonJobHelper}

    @classmethod
    def get_adapter_run_info(cls, config: Any) -> AdapterTrackingRelationInfo:
        # dbt derives the module from the class name, which would give `sparksession`.
        return AdapterTrackingRelationInfo(
            adapter_name=ADAPTER_TYPE,
            base_adapter_version=import_module("dbt.adapters.__about__").version,
            adapter_version=import_module(f"dbt.adapters.{ADAPTER_TYPE}.__version__").version,
            model_adapter_details=cls._get_adapter_specific_run_info(config),
        )
