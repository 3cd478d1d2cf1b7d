"""Counts per layer and test results, for the summary that ends `make demo`."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import astuple, dataclass
from pathlib import Path

import duckdb
import pyarrow.dataset as pads

from common.queries import one_row
from common.settings import Settings
from ingest.bronze import store
from ingest.contracts.bronze import CSV_ENTITIES, DEAD_LETTERS_TABLE, EVENTS_TABLE, REJECTS_TABLE
from ingest.contracts.entities import ENTITIES
from ingest.loaders.csv_loader import data_lines

# The staging model of each CSV entity, `<source>__<entity>`.
STAGING_MODELS = {
    entity: f"mobility__{entity}" if entity in ENTITIES else f"telemetry__{entity}"
    for entity in CSV_ENTITIES
}


@dataclass(frozen=True)
class LayerCounts:
    entity: str
    landing_files: int | None
    landing_rows: int | None
    bronze: int
    bronze_rejects: int
    silver: int | None
    silver_rejected: int | None
    duplicates: int | None

    def values(self) -> tuple:
        return astuple(self)[1:]


def layer_counts(settings: Settings) -> list[LayerCounts]:
    """Rows of each entity in landing, Bronze, Silver, rejected, and removed as duplicates.

    For telemetry, "bronze rejects" are the dead letters (messages that are not events).
    """
    silver = _silver_counts(settings.warehouse_path)
    rows = []
    for entity, model in STAGING_MODELS.items():
        files = [f for f in sorted((settings.landing_dir / entity).glob("*.csv")) if f.is_file()]
        rows.append(
            LayerCounts(
                entity,
                len(files),
                sum(data_lines(f) for f in files),
                store.count_rows(settings.bronze_dir / entity),
                store.count_rows(
                    settings.bronze_dir / REJECTS_TABLE, pads.field("entity") == entity
                ),
                *silver.get(model, (None, None, None)),
            )
        )
    rows.append(
        LayerCounts(
            "telemetry",
            None,
            None,
            store.count_rows(settings.bronze_dir / EVENTS_TABLE),
            store.count_rows(settings.bronze_dir / DEAD_LETTERS_TABLE),
            *silver.get("telemetry__events", (None, None, None)),
        )
    )
    return rows


def test_results(run_results: Path) -> Counter:
    """Statuses of the tests in dbt's last run_results.json, plus the number of models built."""
    if not run_results.is_file():
        return Counter()
    results = json.loads(run_results.read_text())["results"]
    counts = Counter(r["status"] for r in results if r["unique_id"].startswith("test."))
    counts["models"] = sum(
        r["unique_id"].startswith("model.") and r["status"] == "success" for r in results
    )
    return counts


def _silver_counts(warehouse: Path) -> dict[str, tuple[int, int, int]]:
    """Silver, rejected and superseded rows per staging model (`<source>__<entity>`)."""
    if not warehouse.is_file():
        return {}
    counts: dict[str, tuple[int, int, int]] = {}
    models = [*STAGING_MODELS.values(), "telemetry__events"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for model in models:
            query = f"""
                select
                    (select count(*) from silver.stg_{model}),
                    (select count(*) from silver.stg_{model}_rejected),
                    (select count(*) filter (where is_superseded)
                     from silver.stg_{model.removesuffix("s")}_versions)
                """
            try:
                silver, rejected, superseded = one_row(con.execute(query))
            except duckdb.CatalogException:
                continue  # not built yet
            counts[model] = (silver, rejected, superseded)
    return counts
