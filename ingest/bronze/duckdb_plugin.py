"""dbt-duckdb plugin that exposes Bronze Delta tables as dbt sources.

Configured in `profiles.yml` (`plugins: [{module: ingest.bronze.duckdb_plugin, alias: bronze}]`)
and used by sources with `meta: {plugin: bronze, delta_table_path: ...}`. It differs from
dbt-duckdb's built-in `delta` plugin only in reading local tables through `open_dataset`.
"""

from __future__ import annotations

from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig

from ingest.bronze.delta import open_dataset, table_exists


class Plugin(BasePlugin):
    def load(self, source_config: SourceConfig):
        path = source_config["delta_table_path"]
        if "://" not in path and not table_exists(Path(path)):
            raise FileNotFoundError(
                f"Bronze table {path} does not exist yet: run `lakehouse ingest csv` first."
            )
        return open_dataset(path)

    def default_materialization(self) -> str:
        return "view"
