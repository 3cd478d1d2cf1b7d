"""dbt-duckdb plugin that exposes the Bronze tables as dbt sources, Delta or Parquet.

Configured in `profiles.yml` (`plugins: [{module: ingest.bronze.duckdb_plugin, alias: bronze}]`)
and used by sources with `meta: {plugin: bronze, bronze_table_path: ...}`. Local tables are read
through `ingest.bronze.store` (whichever format they are in; for Delta, through pyarrow's own
filesystem rather than dbt-duckdb's built-in `delta` plugin); remote ones (`s3://...`) as Delta.
"""

from __future__ import annotations

from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig

from ingest.bronze import delta
from ingest.bronze.store import open_dataset, table_exists


class Plugin(BasePlugin):
    def load(self, source_config: SourceConfig):
        path = source_config["bronze_table_path"]
        if "://" in path:
            return delta.open_dataset(path)
        if not table_exists(Path(path)):
            raise FileNotFoundError(
                f"Bronze table {path} does not exist yet: run `lakehouse ingest csv` first."
            )
        return open_dataset(path)

    def default_materialization(self) -> str:
        return "view"
