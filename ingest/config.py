"""Project settings, read from the environment (and a `.env` file) with working defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dotenv import load_dotenv

# The demo data describe a fixed past period: the generator's default days end here, and so does
# the default telemetry simulation. Elementary's anomaly tests judge the data as of this instant
# (dbt var `custom_run_started_at`, overridden by $LAKEHOUSE_AS_OF; empty means the real clock).
DEMO_PERIOD_END = datetime(2026, 2, 2, tzinfo=UTC)


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


def load_settings() -> Settings:
    """Read settings from the environment, after loading `.env` from the working directory."""
    load_dotenv(override=False)
    lakehouse_dir = Path(os.environ.get("LAKEHOUSE_DIR", "lakehouse")).expanduser().resolve()
    return Settings(lakehouse_dir=lakehouse_dir)
