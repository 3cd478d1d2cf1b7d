"""Running the pipeline's commands in a temporary lakehouse, for the integration tests."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ingest.kafka import KafkaSettings

from .conftest import REPO_ROOT

BIN = Path(sys.executable).parent
LAKEHOUSE_CLI = str(BIN / "lakehouse")
LAND = [LAKEHOUSE_CLI, "land", "--until-idle", "2"]
INGEST = [LAKEHOUSE_CLI, "ingest", "csv"]
BUILD = [str(BIN / "dbt"), "build"]


def run(
    args: list[str], env: dict[str, str], expect: int = 0, cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess:
    """Run a command to completion; it must exit with `expect`."""
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    # The ends of the outputs say what failed (dbt prints its failures last); CI logs show
    # a part of a long message only.
    assert result.returncode == expect, (
        f"{' '.join(args)} exited with {result.returncode}.\n"
        f"stderr (end):\n{_tail(result.stderr)}\nstdout (end):\n{_tail(result.stdout)}"
    )
    return result


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def environment(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A lakehouse directory under `tmp_path` and the environment the commands run with."""
    if not (REPO_ROOT / "dbt_packages" / "elementary").is_dir():
        pytest.fail("dbt packages are not installed: run `make deps` first.")
    lakehouse = tmp_path / "lakehouse"
    env = {
        **os.environ,
        "LAKEHOUSE_DIR": str(lakehouse),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    return lakehouse, env


def own_topic(env: dict[str, str], broker: KafkaSettings) -> dict[str, str]:
    """`env` with the broker's address and a topic and lander group of its own."""
    return env | {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "KAFKA_TOPIC_TELEMETRY": f"telemetry-{uuid.uuid4().hex[:8]}",
        "KAFKA_GROUP_ID": f"lander-{uuid.uuid4().hex[:8]}",
    }


def report_test_results(lakehouse: Path) -> list[dict]:
    """The test results Elementary's report (`lakehouse report`) shows: its page embeds its data
    as base64 JSON, results grouped by model."""
    html = (lakehouse / "reports" / "elementary_report.html").read_text()
    data = json.loads(base64.b64decode(re.search(r"atob\('([^']+)'\)", html).group(1)))  # type: ignore[union-attr]
    return [result for results in data["test_results"].values() for result in results]
