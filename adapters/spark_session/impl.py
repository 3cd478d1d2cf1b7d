"""dbt-spark's session adapter with an in-session submission method for Python models."""

from __future__ import annotations

import glob
import os
import sys
import tempfile
import threading
import warnings
import zipfile
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

# pyspark 4.3 warns on import that it "does not yet fully support pandas >= 3.0.0". The pandas
# paths the ML models take (toPandas, mapInPandas, DataFrames from Arrow) are checked row by row
# against DuckDB by tests/python/test_spark_parity.py; the warning would only repeat that
# caveat on every run, here and in Spark's Python workers (which inherit PYTHONWARNINGS).
PANDAS_3_WARNING = "PySpark does not yet fully support pandas"
warnings.filterwarnings("ignore", message=PANDAS_3_WARNING, category=FutureWarning)
os.environ.setdefault("PYTHONWARNINGS", f"ignore:{PANDAS_3_WARNING}:FutureWarning")
# dbt-spark's session cursor builds every statement's session with enableHiveSupport(); over
# Spark Connect that asks to set the static spark.sql.catalogImplementation on each statement,
# and the client warns each time. The project's server already runs with the Hive catalog.
warnings.filterwarnings(
    "ignore", message=".*CANNOT_MODIFY_STATIC_CONFIG.*spark.sql.catalogImplementation"
)
# Spark starts Python workers (pandas UDFs, mapInPandas) with `python3` from the PATH unless
# told otherwise; they must be this interpreter, which has the project's packages.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

from dbt.adapters.base import PythonJobHelper  # noqa: E402 (after the filter: imports pyspark)
from dbt.adapters.base.relation import AdapterTrackingRelationInfo  # noqa: E402
from dbt.adapters.contracts.connection import Connection  # noqa: E402
from dbt.adapters.spark import SparkAdapter, SparkConnectionManager, SparkCredentials  # noqa: E402
from dbt.adapters.spark.connections import SparkConnectionMethod  # noqa: E402
from dbt_common.exceptions import DbtRuntimeError  # noqa: E402

from common.network import accepts  # noqa: E402

ADAPTER_TYPE = "spark_session"
# The project's packages the ML models' code runs on executors; sent to a Connect session.
SHIPPED_PACKAGES = ("ml", "common")
# Spark loggers whose warnings say nothing a user can act on, shown from ERROR up:
QUIETED_LOGGERS = (
    # dbt-spark's cursor calls getOrCreate with the profile's settings for every statement,
    # and each time Spark warns "Using an existing Spark session; only runtime SQL
    # configurations will take effect": hundreds of lines a build. They did take effect: the
    # session was created with them.
    "org.apache.spark.sql.classic.SparkSession",
    # Parquet Bronze's `_common_metadata` holds the partition column too, so that a table with
    # no batch yet has it; Spark warns on every read that it is also a partition column.
    "org.apache.spark.sql.execution.datasources.DataSource",
)


@dataclass
class SparkSessionCredentials(SparkCredentials):
    def __post_init__(self) -> None:
        super().__post_init__()
        if self.method != SparkConnectionMethod.SESSION:
            raise DbtRuntimeError(
                f"type: {ADAPTER_TYPE} runs Spark inside the dbt process, so it needs "
                f"method: session (got {self.method}); for a Thrift server use type: spark."
            )
        expand_jars(self.server_side_parameters)

    @property
    def type(self) -> str:
        return ADAPTER_TYPE


def spark_session(parameters: dict[str, Any]) -> Any:
    """The SparkSession dbt-spark's session cursor runs SQL in: the same builder, so the
    existing session is returned once there is one (a Spark Connect session when the
    parameters hold `spark.remote`)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in parameters.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def expand_jars(parameters: dict[str, str]) -> None:
    """`spark.jars` with its patterns (`<folder>/*.jar`) expanded, which a SparkSession's
    builder does not do; one sentence when a pattern matches no jar (Delta Lake's, before
    `make install` fetched them), where Spark would fail only on the first Delta table."""
    jars = []
    for pattern in filter(None, (p.strip() for p in parameters.get("spark.jars", "").split(","))):
        found = sorted(glob.glob(pattern))
        if not found:
            raise DbtRuntimeError(
                f"spark.jars names {pattern}, and there is no such jar: run `make install` "
                "(it fetches Delta Lake's jars from Maven Central once) or set "
                "LAKEHOUSE_DELTA_JARS to the folder that holds them."
            )
        jars += found
    if jars:
        parameters["spark.jars"] = ",".join(jars)


def check_remote(url: str) -> None:
    """One sentence when no Spark Connect server answers at `spark.remote` (the client would
    retry for minutes before failing)."""
    if not url:
        return
    address = urlsplit(url.replace("sc://", "http://", 1))
    if not accepts(address.hostname or "localhost", address.port or 15002, timeout=5):
        raise DbtRuntimeError(
            f"no Spark Connect server answers at {url}: start the project's cluster with "
            "`lakehouse spark start`, or set SPARK_HOST and SPARK_CONNECT_PORT to a server's."
        )


def ship_project_code(session: Any) -> None:
    """Send the `ml` and `common` packages to a Spark Connect session's executors, which run the
    ML models' scoring closures (mapInPandas) and cannot be assumed to have the project."""
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "mobility_lakehouse_code.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            for package in SHIPPED_PACKAGES:
                root = Path(import_module(package).__file__ or "").parent
                for path in root.rglob("*.py"):
                    zipped.write(path, path.relative_to(root.parent))
        session.addArtifacts(str(archive), pyfile=True)


class SparkSessionConnectionManager(SparkConnectionManager):
    TYPE = ADAPTER_TYPE
    _prepared: ClassVar[set[int]] = set()  # the sessions (by id) quieted or given the code
    _lock = threading.Lock()

    @classmethod
    def open(cls, connection: Connection) -> Connection:
        parameters = connection.credentials.server_side_parameters
        check_remote(parameters.get("spark.remote", ""))
        connection = super().open(connection)
        session = spark_session(parameters)
        with cls._lock:
            if id(session) in cls._prepared:
                return connection
            cls._prepared.add(id(session))
            if is_remote(session):
                # A Connect session has no JVM in this process (JVM_ATTRIBUTE_NOT_SUPPORTED):
                # the server's log settings apply there.
                ship_project_code(session)
                return connection
            jvm = session._jvm
            for logger in QUIETED_LOGGERS:
                jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
                    logger, jvm.org.apache.logging.log4j.Level.ERROR
                )
        return connection


def is_remote(session: Any) -> bool:
    """Whether the session is a Spark Connect client."""
    return type(session).__module__.startswith("pyspark.sql.connect.")


class SessionPythonJobHelper(PythonJobHelper):
    """Runs a compiled Python model in the SparkSession that dbt's SQL runs in: the code
    dbt-spark generates expects a global `spark` and writes the model's DataFrame itself."""

    def __init__(self, parsed_model: dict, credentials: SparkSessionCredentials) -> None:
        self.model = parsed_model["unique_id"]
        self.parameters = credentials.server_side_parameters

    def submit(self, compiled_code: str) -> Any:
        code = compile(compiled_code, f"<{self.model}>", "exec")
        exec(code, {"__name__": self.model, "spark": spark_session(self.parameters)})


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
        # dbt declares the class Hashable, but its Mapping base sets `__hash__` to None: at
        # runtime it is not abstract (dbt builds it the same way), mypy sees Hashable's.
        return AdapterTrackingRelationInfo(  # type: ignore[abstract]
            adapter_name=ADAPTER_TYPE,
            base_adapter_version=import_module("dbt.adapters.__about__").version,
            adapter_version=import_module(f"dbt.adapters.{ADAPTER_TYPE}.__version__").version,
            model_adapter_details=cls._get_adapter_specific_run_info(config),
        )
