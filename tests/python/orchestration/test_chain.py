"""The DAG chain over a small data set, run with `airflow dags test`, against a plain build.

Bronze ingestion, Silver, Gold and ML run one after the other, each producing its asset; Silver
and Gold then hold the same rows as a plain `dbt build` of the same Bronze in a lakehouse of
its own. A failing error-severity dbt test in Silver fails the Silver DAG and produces no Silver
asset, so Gold, which only that asset schedules, does not run. Last, the UI (the api-server
alone, scheduling nothing) in headless Chromium shows the DAGs and their last runs.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from common.settings import Settings
from ops import airflow

from ..conftest import REPO_ROOT
from ..pipeline import BIN, INGEST, LAKEHOUSE_CLI, environment, own_topic, run
from .conftest import Airflow, make_airflow

pytestmark = pytest.mark.integration
CHAIN = ["lakehouse_bronze", "lakehouse_silver", "lakehouse_gold", "lakehouse_ml"]
GENERATE = [LAKEHOUSE_CLI, "generate", "mobility", "--trips", "30000", "--days", "10"]
SIMULATE = [LAKEHOUSE_CLI, "simulate", "--vehicles", "10", "--minutes", "30"]
# The plain build to compare with: Silver and Gold, whose rows are compared (ML is the slowest
# stage and adds nothing to Silver or Gold).
BUILD_SILVER_AND_GOLD = [str(BIN / "dbt"), "build", "--exclude", "path:models/ml"]
# The failing-test run needs Bronze, not the chain's data: a few days of files, no telemetry.
GENERATE_SMALL = [*GENERATE[:4], "3000", "--days", "3", "--zones", "5"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--disable-sync", "--no-first-run"),
]
# A Silver model's error-severity test that fails: every trip is a failing row.
FAILING_TEST = "select * from {{ ref('stg_mobility__trips') }}\n"
ERROR_LINE = re.compile(r"\[error|Traceback|Error:|Exception|exit code|dbt command failed", re.I)


def _asset_events(instance: Airflow, asset: str) -> int:
    with sqlite3.connect(instance.lakehouse / "airflow" / "airflow.db") as db:
        return db.execute(
            "select count(*) from asset_event join asset on asset.id = asset_event.asset_id "
            "where asset.name = ?",
            (asset,),
        ).fetchone()[0]


def _task_states(instance: Airflow, dag_id: str) -> dict[str, str]:
    with sqlite3.connect(instance.lakehouse / "airflow" / "airflow.db") as db:
        rows = db.execute(
            "select task_id, state from task_instance where dag_id = ? and run_id = "
            "(select run_id from dag_run where dag_id = ? order by id desc limit 1)",
            (dag_id, dag_id),
        ).fetchall()
    return dict(rows)


def _row_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('silver', 'gold') order by all"
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
            for schema, name in tables
        }


@pytest.fixture(scope="module")
def chain(airflow_home: Airflow, broker_settings) -> Airflow:
    """The whole chain, DAG by DAG, over a small data set landed from files and the topic."""
    airflow_home.env = own_topic(airflow_home.env, broker_settings)
    run([*GENERATE, "--zones", "10"], airflow_home.env)
    run(SIMULATE, airflow_home.env)
    for dag_id in CHAIN:
        result = airflow_home.run("dags", "test", dag_id, check=False)
        assert result.returncode == 0, _failure(airflow_home, dag_id, result.stdout)
    return airflow_home


def _failure(instance: Airflow, dag_id: str, output: str) -> str:
    """Why `airflow dags test` failed: its whole output is kept in the lakehouse, and the message
    shows the failing tasks' error lines (Airflow logs the task's own error there, long before the
    run's end), then the end."""
    log = instance.lakehouse / "airflow" / f"dags-test-{dag_id}.log"
    log.write_text(output)
    errors = [line for line in output.splitlines() if ERROR_LINE.search(line)]
    return (
        f"airflow dags test {dag_id} failed (whole output: {log}).\nError lines:\n"
        + "\n".join(line[:2000] for line in errors[:80])
        + f"\nEnd:\n{output[-3000:]}"
    )


def test_chain_passes_and_each_dag_produces_its_asset(chain: Airflow):
    for asset in ("bronze_mobility", "bronze_telemetry", "silver", "gold", "ml"):
        assert _asset_events(chain, asset) == 1, asset
    for dag_id in CHAIN:
        states = _task_states(chain, dag_id)
        assert states and set(states.values()) == {"success"}, (dag_id, states)


def test_chain_builds_the_same_silver_and_gold_as_a_plain_dbt_build(chain: Airflow, tmp_path):
    lakehouse, env = environment(tmp_path)
    lakehouse.mkdir()
    shutil.copytree(chain.lakehouse / "bronze", lakehouse / "bronze")
    run(BUILD_SILVER_AND_GOLD, env)
    orchestrated = _row_counts(chain.lakehouse / "warehouse.duckdb")
    assert orchestrated["silver.stg_mobility__trips"] > 0
    assert orchestrated["gold.fct_trips"] > 0
    assert orchestrated == _row_counts(lakehouse / "warehouse.duckdb")


def _project_with_failing_test(tmp_path: Path) -> Path:
    """A copy of the dbt project and the DAGs whose Silver has one failing test more."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml", "packages.yml", "selectors.yml"):
        shutil.copy(REPO_ROOT / name, project / name)
    for name in ("models", "macros", "seeds", "tests", "orchestration"):
        shutil.copytree(REPO_ROOT / name, project / name, ignore=shutil.ignore_patterns("*.pyc"))
    for name in ("dbt_packages", ".venv"):
        (project / name).symlink_to(REPO_ROOT / name)
    (project / "tests" / "dbt" / "assert_always_fails.sql").write_text(FAILING_TEST)
    return project


@pytest.fixture
def failing(airflow_venv: Path, tmp_path: Path) -> Iterator[Airflow]:
    instance = make_airflow(tmp_path, project_dir=_project_with_failing_test(tmp_path))
    run(GENERATE_SMALL, instance.env)
    run(INGEST, instance.env)
    yield instance


def test_a_failing_dbt_test_stops_what_depends_on_it(failing: Airflow):
    result = failing.run("dags", "test", "lakehouse_silver", check=False)
    assert result.returncode != 0
    # The build failed on the injected test alone (dbt's summary; Cosmos repeats it).
    failed = set(re.findall(r"Failure in test (\w+)", result.stdout))
    assert failed == {"assert_always_fails"}, result.stdout[-6000:]
    states = _task_states(failing, "lakehouse_silver")
    assert states.pop("dbt_build_silver") == "failed"
    assert set(states.values()) == {"upstream_failed"}, states
    # No Silver asset event: Gold, which only that asset schedules, does not run.
    assert _asset_events(failing, "silver") == 0
    with duckdb.connect(str(failing.lakehouse / "warehouse.duckdb"), read_only=True) as con:
        gold = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'gold'"
        ).fetchone()[0]
    assert gold == 0


def test_the_ui_shows_the_dags_and_their_last_runs(chain: Airflow):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium and chromium-driver.")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in chain.env.items():
            patch.setenv(name, value)
        settings = Settings(lakehouse_dir=chain.lakehouse)
        airflow.start(settings, processes=("api-server",))
        try:
            screenshot = chain.lakehouse / "reports" / "airflow-dags.png"
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"{airflow.url()}/dags?tags=lakehouse")
                for dag_id in CHAIN:
                    page.get_by_text(dag_id, exact=True).first.wait_for(timeout=60_000)
                text = page.inner_text("body")
                page.screenshot(path=str(screenshot), full_page=True)
                browser.close()
        finally:
            airflow.stop(settings)
    assert all(dag_id in text for dag_id in CHAIN)
    assert screenshot.stat().st_size > 10_000
