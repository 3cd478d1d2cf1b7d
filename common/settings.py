"""Every environment variable the project reads, its default and its meaning, in one place.

Values come from the environment, after a `.env` file (in the working directory, then in the
dbt project's directory) has filled in what the environment lacks. Python code reads them
through `env()` or `load_settings()`; dbt reads its own through `env_var(...)` in
`profiles.yml` and `dbt_project.yml`, with the same defaults (tests/python/test_settings.py
compares them, and `.env.example` and docs/configuration.md with this list).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dotenv import load_dotenv

from common.errors import InvalidSetting

# The demo data describe a fixed past period: the generator's default days end here, and so does
# the default telemetry simulation. Elementary's anomaly tests judge the data as of this instant
# (dbt var `custom_run_started_at`, from LAKEHOUSE_AS_OF; empty means the real clock).
DEMO_PERIOD_END = datetime(2026, 2, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Variable:
    name: str
    default: str  # "" means unset
    meaning: str
    read_by: str  # "python", "dbt" (profiles.yml, dbt_project.yml) or "both"


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "LAKEHOUSE_DIR",
        "lakehouse",
        "landing files, Bronze, the warehouse, MLflow, services' data and reports",
        "both",
    ),
    Variable(
        "BRONZE_FORMAT",
        "delta",
        "format of new Bronze tables: delta, or parquet (for a Spark without Delta Lake)",
        "both",
    ),
    Variable(
        "LAKEHOUSE_AS_OF",
        DEMO_PERIOD_END.strftime("%Y-%m-%dT%H:%M:%S"),
        "the instant Elementary's anomaly tests judge the data at; empty: the real clock",
        "dbt",
    ),
    Variable(
        "DBT_TARGET",
        "dev",
        "dbt target in profiles.yml: dev (DuckDB), spark_local, spark_connect or spark (Thrift)",
        "dbt",
    ),
    Variable("DBT_THREADS", "2", "dbt threads", "dbt"),
    Variable("DUCKDB_MEMORY_LIMIT", "6GB", "DuckDB's memory limit during dbt runs", "dbt"),
    Variable(
        "DBT_PROJECT_DIR",
        "",
        "the dbt project (default: found from the working directory, else the checkout)",
        "python",
    ),
    Variable(
        "DBT_PROFILES_DIR",
        "",
        "where profiles.yml is (default: the dbt project's directory)",
        "python",
    ),
    Variable(
        "DBT_TARGET_PATH", "", "dbt's artifacts (default: target/ in the dbt project)", "python"
    ),
    Variable(
        "DBT_PACKAGES_MIRROR",
        "~/.cache/dbt-mirror",
        "offline copy of the dbt packages, as <package>/<version>/",
        "python",
    ),
    Variable(
        "MLFLOW_TRACKING_URI",
        "",
        "MLflow tracking and registry (default: sqlite:///$LAKEHOUSE_DIR/mlflow.db)",
        "python",
    ),
    Variable(
        "KAFKA_BOOTSTRAP_SERVERS",
        "",
        "an existing Kafka cluster to use (default: the embedded broker)",
        "python",
    ),
    Variable(
        "KAFKA_SECURITY_PROTOCOL", "", "librdkafka security.protocol for that cluster", "python"
    ),
    Variable("KAFKA_SASL_MECHANISM", "", "librdkafka sasl.mechanism", "python"),
    Variable("KAFKA_SASL_USERNAME", "", "librdkafka sasl.username", "python"),
    Variable("KAFKA_SASL_PASSWORD", "", "librdkafka sasl.password", "python"),
    Variable("KAFKA_SSL_CA_LOCATION", "", "librdkafka ssl.ca.location", "python"),
    Variable("KAFKA_TOPIC_TELEMETRY", "vehicle.telemetry", "the telemetry topic", "python"),
    Variable(
        "KAFKA_TOPIC_PARTITIONS",
        "6",
        "partitions of the telemetry topic when it is created",
        "python",
    ),
    Variable("KAFKA_GROUP_ID", "lakehouse-lander", "the lander's consumer group", "python"),
    Variable("LAKEHOUSE_BROKER_PORT", "19092", "the embedded broker's loopback port", "python"),
    Variable(
        "AIRFLOW_VENV",
        "",
        "Airflow's own virtualenv (default: .venv-airflow in the checkout; make airflow-env)",
        "python",
    ),
    Variable("LAKEHOUSE_AIRFLOW_PORT", "8280", "Airflow's UI and API loopback port", "python"),
    Variable(
        "LAKEHOUSE_INGEST_SCHEDULE",
        "@hourly",
        "when Airflow runs the Bronze ingestion DAG (cron or preset, UTC); empty: on demand only",
        "python",
    ),
    Variable(
        "LAKEHOUSE_KAFKA_JARS",
        "~/.cache/mobility-lakehouse/kafka-4.1.1",
        "Apache Kafka's jars for the embedded broker, fetched there by `make install`",
        "python",
    ),
    Variable(
        "KAFKA_HOME",
        "",
        "a Kafka installation whose scripts run the embedded broker (default: the fetched jars)",
        "python",
    ),
    Variable("LAKEHOUSE_BROKER_HEAP", "512m", "the embedded broker's Java heap", "python"),
    Variable(
        "SERVING_HOST", "127.0.0.1", "the prediction API's address (`lakehouse serve`)", "python"
    ),
    Variable("SERVING_PORT", "8000", "the prediction API's port", "python"),
    Variable(
        "SERVING_MODEL_ALIAS",
        "champion",
        "the MLflow alias whose versions the API serves",
        "python",
    ),
    Variable(
        "SERVING_RELOAD_SECONDS",
        "5",
        "how often the API checks the alias and the feature snapshot for a change",
        "python",
    ),
    Variable(
        "SERVING_LOG_FLUSH_SECONDS",
        "1",
        "the API writes its prediction log to Bronze this often (a SIGKILL loses at most that)",
        "python",
    ),
    Variable(
        "LAKEHOUSE_DELTA_JARS",
        "~/.cache/mobility-lakehouse/delta-4.4.0",
        "Delta Lake's jars for Spark, fetched there by `make install`",
        "both",
    ),
    Variable("SPARK_DRIVER_MEMORY", "6g", "the spark_local target's driver memory", "dbt"),
    Variable(
        "SPARK_SHUFFLE_PARTITIONS",
        "4",
        "shuffle partitions of the spark_local target and of the cluster's server",
        "both",
    ),
    Variable("SPARK_HOST", "localhost", "the spark and spark_connect targets' server host", "dbt"),
    Variable(
        "SPARK_PORT",
        "10000",
        "the spark target's Thrift server port (`lakehouse spark start` serves Thrift there)",
        "both",
    ),
    Variable(
        "SPARK_CONNECT_PORT",
        "15002",
        "the spark_connect target's Spark Connect port (`lakehouse spark start` serves it there)",
        "both",
    ),
    Variable(
        "LAKEHOUSE_SPARK_MASTER_PORT",
        "7077",
        "the port of the standalone master `lakehouse spark start` runs",
        "python",
    ),
    Variable(
        "LAKEHOUSE_SPARK_WORKER_MEMORY",
        "1g",
        "memory of each of the cluster's two workers (and of the executor each runs)",
        "python",
    ),
    Variable(
        "LAKEHOUSE_SPARK_SERVER_MEMORY",
        "2g",
        "driver memory of the cluster's Connect and Thrift server",
        "python",
    ),
    Variable("SPARK_USER", "", "the spark target's user", "dbt"),
    Variable("SPARK_AUTH", "NONE", "the spark target's authentication", "dbt"),
    Variable("SPARK_SCHEMA", "main", "the spark target's default schema", "dbt"),
)
_BY_NAME = {v.name: v for v in VARIABLES}
BRONZE_FORMATS = ("delta", "parquet")
_loaded = False


def env(name: str) -> str:
    """The value of a listed variable: the environment's (or `.env`'s), else its default."""
    _load_dotenv()
    return os.environ.get(name, _BY_NAME[name].default)


def env_int(name: str, minimum: int, maximum: int) -> int:
    """A listed variable as a whole number within [minimum, maximum]."""
    value = env(name).strip()
    try:
        number = int(value)
    except ValueError:
        raise InvalidSetting(f"{name} must be a whole number, not {value!r}.") from None
    if not minimum <= number <= maximum:
        raise InvalidSetting(f"{name} must be between {minimum} and {maximum}, not {number}.")
    return number


def bronze_format() -> str:
    """BRONZE_FORMAT, checked: the format new Bronze tables are written in."""
    value = env("BRONZE_FORMAT").strip().lower() or "delta"
    if value not in BRONZE_FORMATS:
        raise InvalidSetting(
            f"BRONZE_FORMAT must be one of {', '.join(BRONZE_FORMATS)}, not {value!r}."
        )
    return value


def lakehouse_dir() -> Path:
    """LAKEHOUSE_DIR, absolute; it must be a directory (or not exist yet)."""
    path = Path(env("LAKEHOUSE_DIR")).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise InvalidSetting(
            f"LAKEHOUSE_DIR={path} is a file, not a directory: point it elsewhere."
        )
    return path


def mlflow_tracking_uri() -> str:
    return env("MLFLOW_TRACKING_URI") or f"sqlite:///{lakehouse_dir() / 'mlflow.db'}"


def dbt_project_dir() -> Path:
    """DBT_PROJECT_DIR; else the nearest directory at or above the working directory holding a
    dbt_project.yml; else the checkout this package is installed from."""
    configured = env("DBT_PROJECT_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    for folder in (Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[1]):
        if (folder / "dbt_project.yml").is_file():
            return folder
    raise InvalidSetting(
        "no dbt project found: run the command inside the repository or set DBT_PROJECT_DIR."
    )


@dataclass(frozen=True)
class Settings:
    """Where the lakehouse lives on disk; every path derives from `LAKEHOUSE_DIR`."""

    lakehouse_dir: Path

    @property
    def landing_dir(self) -> Path:
        return self.lakehouse_dir / "landing"

    @property
    def bronze_dir(self) -> Path:
        return self.lakehouse_dir / "bronze"

    @property
    def reports_dir(self) -> Path:
        return self.lakehouse_dir / "reports"

    @property
    def warehouse_path(self) -> Path:
        return self.lakehouse_dir / "warehouse.duckdb"

    @property
    def packages_mirror(self) -> Path:
        return Path(env("DBT_PACKAGES_MIRROR")).expanduser()

    @property
    def project_dir(self) -> Path:
        return dbt_project_dir()

    @property
    def profiles_dir(self) -> Path:
        return Path(env("DBT_PROFILES_DIR") or self.project_dir).expanduser().resolve()

    @property
    def target_path(self) -> Path:
        return Path(env("DBT_TARGET_PATH") or self.project_dir / "target").expanduser().resolve()


def load_settings() -> Settings:
    """The settings, after loading `.env` (working directory first, then the dbt project's)."""
    return Settings(lakehouse_dir=lakehouse_dir())


def _load_dotenv() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    load_dotenv(Path.cwd() / ".env", override=False)
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "dbt_project.yml").is_file():
        load_dotenv(checkout / ".env", override=False)
