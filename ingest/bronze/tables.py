"""The Bronze tables dbt reads, created empty up front so sources resolve before data lands."""

from __future__ import annotations

from pathlib import Path

from ingest.bronze import store
from ingest.contracts.bronze import source_tables


def ensure_bronze_tables(bronze_dir: Path) -> list[str]:
    """Create every Bronze source table that does not exist yet; returns the names created."""
    return [
        name
        for name, schema in source_tables().items()
        if store.create_empty(bronze_dir / name, schema)
    ]
