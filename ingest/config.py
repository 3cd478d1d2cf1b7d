"""Project settings, read from the environment (and a `.env` file) with working defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv


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
