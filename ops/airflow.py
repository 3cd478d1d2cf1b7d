"""Apache Airflow for the pipeline's DAGs (orchestration/dags/), on loopback.

Airflow runs from its own virtualenv (`AIRFLOW_VENV`, default `.venv-airflow` in the checkout,
made by `make airflow-env` from orchestration/constraints.txt): Airflow 3.3 needs an older
FastAPI than the project pins. Its home, sqlite metadata database, logs and pids live in
`$LAKEHOUSE_DIR/airflow/`. The DAGs call the project's `lakehouse` and `dbt` by path, so a task
runs in the project's environment; Cosmos renders the dbt stages from a manifest `dbt parse`
writes to `$LAKEHOUSE_DIR/airflow/dbt/` when Airflow starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.errors import LakehouseError
from common.settings import Settings, env, env_int
from ops import pids

# The processes `start` runs, in order; Airflow 3 needs no triggerer without deferrable tasks.
PROCESSES = ("api-server", "scheduler", "dag-processor")
POOL = "lakehouse_duckdb"  # DuckDB allows one writer: every dbt task takes the pool's one slot
CHAIN = ("lakehouse_bronze", "lakehouse_silver", "lakehouse_gold", "lakehouse_ml")


class AirflowError(LakehouseError):
    """Airflow could not be set up, started, stopped or run; the message says why."""


def venv(settings: Settings) -> Path:
    """Airflow's own virtualenv."""
    return Path(env("AIRFLOW_VENV") or settings.project_dir / ".venv-airflow").expanduser()


def home(settings: Settings) -> Path:
    return settings.lakehouse_dir / "airflow"


def port() -> int:
    return env_int("LAKEHOUSE_AIRFLOW_PORT", 1, 65_535)


def url() -> str:
    return f"http://127.0.0.1:{port()}"


def environment(settings: Settings) -> dict[str, str]:
    """The environment of every Airflow process (and so of its tasks): offline, loopback, no
    example DAGs, sqlite under `$LAKEHOUSE_DIR/airflow/`, the project's settings passed on."""
    folder = home(settings)
    dags = settings.project_dir / "orchestration" / "dags"
    return {
        **os.environ,
        "PYTHONPATH": str(dags),  # the DAG files share lakehouse_stages.py
        "LAKEHOUSE_DIR": str(settings.lakehouse_dir),
        "DBT_PROJECT_DIR": str(settings.project_dir),
        "DBT_PROFILES_DIR": str(settings.profiles_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "LAKEHOUSE_INGEST_SCHEDULE": env("LAKEHOUSE_INGEST_SCHEDULE"),
        "AIRFLOW_HOME": str(folder),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",  # the machine's cores
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url()}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{folder / 'airflow.db'}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port()),
        "AIRFLOW__API__BASE_URL": url(),
        # Loopback only, one user: the simple auth manager lets everyone in as admin.
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(folder / "logs"),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",  # no usage metrics to scarf.sh
        "AIRFLOW__COSMOS__PROPAGATE_LOGS": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(folder / "cosmos"),
        # The selectors cache hashes every file of the checkout (virtualenvs included) on each
        # parse: 8 s per stage; the manifest makes it unneeded.
        "AIRFLOW__COSMOS__ENABLE_CACHE_DBT_YAML_SELECTORS": "False",
        "SCARF_ANALYTICS": "false",
        "DO_NOT_TRACK": "true",
    }


def airflow(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `airflow <args>` from Airflow's virtualenv; a failure names its output's end."""
    binary = venv(settings) / "bin" / "airflow"
    if not binary.is_file():
        raise AirflowError(
            f"Airflow is not installed in {venv(settings)}: run `make airflow-env` (it installs "
            "orchestration/requirements.txt with orchestration/constraints.txt)."
        )
    result = subprocess.run(
        [str(binary), *args], env=environment(settings), capture_output=True, text=True
    )
    if check and result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).splitlines()[-15:])
        raise AirflowError(f"`airflow {' '.join(args)}` exited with {result.returncode}:\n{tail}")
    return result


def parse_manifest(settings: Settings) -> Path:
    """`dbt parse` (in full: partial parsing misses changes to selectors.yml) and copy the
    manifest to `$LAKEHOUSE_DIR/airflow/dbt/`, where the DAGs render from. Its
    partial_parse.msgpack stays in dbt's target path, where Cosmos picks it up for a stage's
    first build instead of parsing the project again."""
    folder = home(settings) / "dbt"
    folder.mkdir(parents=True, exist_ok=True)
    dbt = Path(sys.executable).parent / "dbt"
    # The profile and target flags as Cosmos passes them: dbt's partial parsing state records
    # them, and a build whose flags differ parses the project again.
    flags = ["--profile", "mobility_lakehouse", "--target", env("DBT_TARGET")]
    result = subprocess.run(
        [str(dbt), "parse", "--no-partial-parse", "--quiet", *flags],
        cwd=settings.project_dir,
        env=environment(settings),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise AirflowError(f"`dbt parse` failed, so the DAGs cannot render:\n{result.stdout}")
    manifest = folder / "manifest.json"
    shutil.copyfile(settings.target_path / "manifest.json", manifest)
    return manifest


def setup(settings: Settings) -> str:
    """Migrate the metadata database, create the DuckDB pool, write the dbt manifest."""
    home(settings).mkdir(parents=True, exist_ok=True)
    parse_manifest(settings)
    airflow(settings, "db", "migrate")
    airflow(settings, "pools", "set", POOL, "1", "DuckDB allows one writer: dbt runs one at a time")
    return f"Airflow metadata database ready in {home(settings)}"


def _files(settings: Settings, process: str) -> tuple[Path, Path]:
    folder = home(settings)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{process}.pid", folder / f"{process}.log"


def running_pid(settings: Settings, process: str) -> int | None:
    return pids.running_pid(_files(settings, process)[0])


def _healthy(timeout: float = 1.0) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url()}/api/v2/monitor/health", timeout=timeout) as answer:
            return answer.status == 200
    except OSError:
        return False


def start(
    settings: Settings, processes: tuple[str, ...] = PROCESSES, timeout: float = 180.0
) -> str:
    """Set up, then start the api-server (UI), scheduler and dag-processor in the background
    (`processes`: the api-server alone shows the runs recorded so far and schedules nothing)."""
    if all(running_pid(settings, p) for p in processes):
        return f"Airflow is already running on {url()}"
    setup(settings)
    binary = str(venv(settings) / "bin" / "airflow")
    for process in processes:
        if running_pid(settings, process):
            continue
        pid_file, log_file = _files(settings, process)
        args = [binary, process]
        if process == "api-server":
            args += ["--host", "127.0.0.1", "--port", str(port()), "--workers", "1"]
        with log_file.open("ab") as log:
            child = subprocess.Popen(
                args,
                env=environment(settings),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # keeps running after this command returns
            )
        pid_file.write_text(str(child.pid))
    deadline = time.monotonic() + timeout
    while not _healthy():
        dead = [p for p in processes if not running_pid(settings, p)]
        if dead or time.monotonic() > deadline:
            stop(settings)
            logs = ", ".join(str(_files(settings, p)[1]) for p in dead or processes)
            raise AirflowError(f"Airflow did not start on {url()}; see {logs}.")
        time.sleep(0.5)
    return f"Airflow running on {url()} (UI and API; logs and pids in {home(settings)})"


def stop(settings: Settings, timeout: float = 20.0) -> str:
    """Stop every Airflow process `start` started (their process groups: workers included)."""
    stopped = []
    for process in reversed(PROCESSES):
        pid = running_pid(settings, process)
        pid_file, _ = _files(settings, process)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while running_pid(settings, process) and time.monotonic() < deadline:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)  # reap it when this process started it
                time.sleep(0.1)
            if running_pid(settings, process):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            stopped.append(f"{process} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    return f"Airflow stopped: {', '.join(stopped)}" if stopped else "Airflow is not running"


def status(settings: Settings) -> str:
    states = [f"{p} {'pid ' + str(pid) if (pid := running_pid(settings, p)) else 'stopped'}"
              for p in PROCESSES]  # fmt: skip
    health = "healthy" if _healthy() else "not answering"
    return f"Airflow on {url()}: {health}; {', '.join(states)}"


def _runs(settings: Settings, dag_id: str) -> list[dict]:
    result = airflow(settings, "dags", "list-runs", dag_id, "--output", "json")
    tables = [line for line in result.stdout.splitlines() if line.startswith("[")]
    return json.loads(tables[-1]) if tables else []  # warnings come before the JSON


@dataclass(frozen=True)
class ChainRun:
    """One run of the chain: each DAG's state and seconds, and the spans measured."""

    states: dict[str, str]
    seconds: dict[str, float]
    total: float  # from the trigger to the end of the last DAG run
    dbt_stages: float  # from the start of the Silver run to the end of the last DAG run


def orchestrate(settings: Settings, timeout: float = 3600.0) -> ChainRun:
    """Trigger the ingestion DAG and wait until the asset-scheduled chain after it ends."""
    if not _healthy():
        raise AirflowError(f"Airflow is not running on {url()}: run `make airflow` first.")
    triggered = datetime.now(UTC)
    airflow(settings, "dags", "trigger", CHAIN[0])
    states: dict[str, str] = {}
    seconds: dict[str, float] = {}
    spans: dict[str, tuple[datetime, datetime]] = {}
    deadline = time.monotonic() + timeout
    for dag_id in CHAIN:
        while True:
            runs = [r for r in _runs(settings, dag_id) if _after(r, triggered)]
            ended = [r for r in runs if r.get("state") in ("success", "failed")]
            if ended:
                run = max(ended, key=lambda r: r.get("end_date") or "")
                break
            if time.monotonic() > deadline:
                raise AirflowError(f"{dag_id} did not finish within {timeout:.0f} s; see {url()}.")
            time.sleep(2)
        states[dag_id] = run["state"]
        spans[dag_id] = (
            datetime.fromisoformat(run["start_date"]),
            datetime.fromisoformat(run["end_date"]),
        )
        seconds[dag_id] = (spans[dag_id][1] - spans[dag_id][0]).total_seconds()
        if states[dag_id] != "success":
            break  # what depends on it does not run
    end = max(finish for _, finish in spans.values())
    first_dbt = spans.get(CHAIN[1], (end, end))[0]
    return ChainRun(
        states, seconds, (end - triggered).total_seconds(), (end - first_dbt).total_seconds()
    )


def _after(run: dict, moment: datetime) -> bool:
    started = run.get("start_date") or ""
    return bool(started) and datetime.fromisoformat(started) >= moment
