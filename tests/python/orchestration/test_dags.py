"""The DAGs load, chain by assets, and render every dbt model and seed exactly once, as the
stages' dbt selectors build them."""

from __future__ import annotations

import itertools
import json
import subprocess
from collections import Counter

import pytest

from ..conftest import REPO_ROOT
from ..pipeline import BIN
from .conftest import Airflow

pytestmark = pytest.mark.integration
CHAIN = ["lakehouse_bronze", "lakehouse_silver", "lakehouse_gold", "lakehouse_ml"]
STAGES = {"lakehouse_silver": "silver", "lakehouse_gold": "gold", "lakehouse_ml": "ml"}


@pytest.fixture(scope="module")
def dagbag(airflow_home: Airflow) -> dict:
    return airflow_home.dagbag()


def _rendered(dag: dict) -> list[str]:
    """The dbt nodes a DAG shows: its tasks inside the rendered groups (`group.node`)."""
    return [task.split(".")[-1] for task in dag["tasks"] if "." in task]


def test_dags_import_without_errors(dagbag):
    assert dagbag["errors"] == {}
    assert sorted(dagbag["dags"]) == sorted(CHAIN)


def test_dags_have_no_cycles(dagbag):
    for dag_id, dag in dagbag["dags"].items():
        edges = dag["tasks"]
        indegree = Counter(d for downstream in edges.values() for d in downstream)
        ready = [t for t in edges if indegree[t] == 0]
        seen = 0
        while ready:
            task = ready.pop()
            seen += 1
            for d in edges[task]:
                indegree[d] -= 1
                if indegree[d] == 0:
                    ready.append(d)
        assert seen == len(edges), f"{dag_id} has a cycle"


def test_every_rendered_task_descends_from_its_stage_build(dagbag):
    """Every task of a stage's DAG runs after its build: none is left without a path from it
    (Cosmos wires a rendered node only to parents it renders in the same group)."""
    for dag_id, selector in STAGES.items():
        edges = dagbag["dags"][dag_id]["tasks"]
        build = f"dbt_build_{selector}"
        reached, todo = {build}, [build]
        while todo:
            for downstream in edges[todo.pop()]:
                if downstream not in reached:
                    reached.add(downstream)
                    todo.append(downstream)
        assert reached == set(edges), (dag_id, sorted(set(edges) - reached))


def test_each_stage_is_scheduled_by_the_assets_of_the_one_before(dagbag):
    dags = dagbag["dags"]
    outlets = {d: {a for names in dags[d]["outlets"].values() for a in names} for d in CHAIN}
    assert outlets["lakehouse_bronze"] == {"bronze_mobility", "bronze_telemetry"}
    assert "CronTriggerTimetable" in dags["lakehouse_bronze"]["schedule"] or (
        "NullTimetable" in dags["lakehouse_bronze"]["schedule"]
    )
    for before, after in itertools.pairwise(CHAIN):
        schedule = dags[after]["schedule"]
        assert "AssetTriggeredTimetable" in schedule
        for asset in outlets[before]:
            assert f"name='{asset}'" in schedule, (after, asset)
    # DuckDB allows one writer: every dbt build takes the one-slot pool.
    assert {p for d in STAGES for p in dags[d]["pools"]} == {"lakehouse_duckdb"}


def test_every_dbt_model_is_rendered_exactly_once(dagbag, airflow_home: Airflow):
    manifest = json.loads((airflow_home.lakehouse / "airflow/dbt/manifest.json").read_text())
    nodes = Counter(
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed") and n["config"].get("enabled", True)
    )
    rendered = Counter(name for d in STAGES for name in _rendered(dagbag["dags"][d]))
    assert rendered == nodes


def test_each_dag_renders_what_its_dbt_build_selects(dagbag, airflow_home: Airflow):
    for dag_id, selector in STAGES.items():
        listed = subprocess.run(
            [str(BIN / "dbt"), "--quiet", "ls", "--selector", selector,
             *("--resource-type", "model", "--resource-type", "seed", "--output", "name")],
            env=airflow_home.env, cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert sorted(_rendered(dagbag["dags"][dag_id])) == sorted(listed), selector
        assert f"dbt_build_{selector}" in dagbag["dags"][dag_id]["tasks"]
