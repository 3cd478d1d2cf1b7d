"""`lakehouse airflow` without Airflow running: status, a missing virtualenv, the environment."""

from __future__ import annotations

import pytest

from common.settings import Settings
from ops import airflow


@pytest.fixture
def settings(lakehouse_dir, monkeypatch) -> Settings:
    monkeypatch.setenv("LAKEHOUSE_AIRFLOW_PORT", "1")  # nothing answers there
    return Settings(lakehouse_dir=lakehouse_dir)


def test_status_and_stop_when_not_running(settings):
    assert "not answering" in airflow.status(settings)
    assert "api-server stopped" in airflow.status(settings)
    assert airflow.stop(settings) == "Airflow is not running"


def test_a_missing_virtualenv_names_the_make_target(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_VENV", str(tmp_path / "nowhere"))
    with pytest.raises(airflow.AirflowError, match="make airflow-env"):
        airflow.airflow(settings, "version")


def test_orchestrate_needs_a_running_airflow(settings):
    with pytest.raises(airflow.AirflowError, match="make airflow"):
        airflow.orchestrate(settings)


def test_airflow_is_offline_on_loopback_under_the_lakehouse(settings):
    env = airflow.environment(settings)
    assert env["AIRFLOW_HOME"] == str(settings.lakehouse_dir / "airflow")
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith(
        f"sqlite:///{settings.lakehouse_dir}"
    )
