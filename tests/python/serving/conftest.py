"""The serving tests share one small built lakehouse (`built`, tests/python/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _lakehouse_env(request, monkeypatch):
    """Tests that use the built lakehouse read its registry and snapshot in-process too."""
    if "built" in request.fixturenames:
        _, env = request.getfixturevalue("built")
        monkeypatch.setenv("LAKEHOUSE_DIR", env["LAKEHOUSE_DIR"])
        monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
