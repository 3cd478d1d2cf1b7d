"""The serving tests share one small built lakehouse (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .server import build_lakehouse


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, broker_settings) -> tuple[Path, dict]:
    """A lakehouse after generate, simulate, land, ingest and `dbt build`, and its environment."""
    return build_lakehouse(tmp_path_factory.mktemp("serving"), broker_settings)


@pytest.fixture(autouse=True)
def _lakehouse_env(request, monkeypatch):
    """Tests that use the built lakehouse read its registry and snapshot in-process too."""
    if "built" in request.fixturenames:
        _, env = request.getfixturevalue("built")
        monkeypatch.setenv("LAKEHOUSE_DIR", env["LAKEHOUSE_DIR"])
        monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
