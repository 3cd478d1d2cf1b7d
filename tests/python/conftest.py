"""Shared fixtures: small generated data sets in temporary lakehouse directories."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.mobility.generator import GeneratorConfig, generate_mobility

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def small_config() -> GeneratorConfig:
    """A data set small enough for unit tests, with every kind of bad record present."""
    return GeneratorConfig(
        trips=4_000, days=3, start_date=date(2026, 3, 2), zones=8, seed=7, bad_fraction=0.08
    )


@pytest.fixture
def lakehouse_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "lakehouse"
    directory.mkdir()
    monkeypatch.setenv("LAKEHOUSE_DIR", str(directory))
    return directory


@pytest.fixture
def landed(lakehouse_dir: Path, small_config: GeneratorConfig) -> Path:
    """A lakehouse directory whose landing/ holds the small data set."""
    generate_mobility(small_config, lakehouse_dir / "landing")
    return lakehouse_dir
