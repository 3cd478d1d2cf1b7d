"""Airflow for the orchestration tests: its own virtualenv (`make airflow-env`, from the pinned
orchestration/constraints.txt; kept at .venv-airflow between runs) and a home of its own in a
temporary lakehouse, set up through the project's `ops.airflow`."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from common.settings import Settings
from ops import airflow

from ..conftest import REPO_ROOT, free_port
from ..pipeline import environment


@dataclass
class Airflow:
    """Airflow set up in `lakehouse`, with `env` as the environment of its commands."""

    lakehouse: Path
    env: dict[str, str]

    @property
    def settings(self) -> Settings:
        return Settings(lakehouse_dir=self.lakehouse)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """`airflow <args>` with Airflow's environment for this lakehouse."""
        binary = airflow.venv(self.settings) / "bin" / "airflow"
        result = subprocess.run(
            [str(binary), *args], env=self._airflow_env(), capture_output=True, text=True
        )
        if check:
            assert result.returncode == 0, f"airflow {' '.join(args)}:\n{result.stdout[-4000:]}"
        return result

    def dagbag(self) -> dict:
        python = airflow.venv(self.settings) / "bin" / "python"
        report = self.lakehouse / "dagbag.json"
        subprocess.run(
            [str(python), str(Path(__file__).with_name("dagbag_report.py")), str(report)],
            env=self._airflow_env(),
            capture_output=True,
            check=True,
        )
        return json.loads(report.read_text())

    def _airflow_env(self) -> dict[str, str]:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.env.items():
                patch.setenv(name, value)
            return airflow.environment(self.settings)


def make_airflow(tmp_path: Path, project_dir: Path = REPO_ROOT) -> Airflow:
    """Airflow's metadata database, pool and dbt manifest for a lakehouse under `tmp_path`."""
    lakehouse, env = environment(tmp_path)
    env |= {
        # The checkout's Airflow, also for a copy of the project.
        "AIRFLOW_VENV": os.environ.get("AIRFLOW_VENV") or str(REPO_ROOT / ".venv-airflow"),
        "DBT_PROJECT_DIR": str(project_dir),
        "LAKEHOUSE_AIRFLOW_PORT": str(free_port()),
        "LAKEHOUSE_INGEST_SCHEDULE": "",  # no scheduled run while a test looks
    }
    env.pop("AIRFLOW_HOME", None)
    lakehouse.mkdir(parents=True, exist_ok=True)
    result = Airflow(lakehouse, env)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        airflow.setup(result.settings)
    return result


@pytest.fixture(scope="session")
def airflow_venv() -> Path:
    """Airflow's own virtualenv, made from the pins when missing (cached between runs)."""
    subprocess.run(["make", "--no-print-directory", "-s", "airflow-env"], cwd=REPO_ROOT, check=True)
    return REPO_ROOT / ".venv-airflow"


@pytest.fixture(scope="module")
def airflow_home(airflow_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    instance = make_airflow(tmp_path_factory.mktemp("airflow"))
    yield instance
    with pytest.MonkeyPatch.context() as patch:
        for name, value in instance.env.items():
            patch.setenv(name, value)
        airflow.stop(instance.settings)
