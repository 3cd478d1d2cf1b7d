"""What the pipeline's DAGs share: paths, the data assets, and a dbt stage through Cosmos.

Runs inside Airflow's own virtualenv, which does not hold the project's packages: tasks call the
project's `lakehouse` and `dbt` executables by path (the checkout's `.venv`). `ops.airflow` starts
Airflow with the project's settings in the environment (LAKEHOUSE_DIR, DBT_PROJECT_DIR, ...).

A dbt stage is one `dbt build --selector <stage>` (selectors.yml) in the DuckDB pool of one slot,
and after it the stage's models rendered by Cosmos from the manifest, by folder, as tasks that
run nothing: they show what the build covered and take its outcome (success, or upstream failed).
One build per stage runs the project's on-run-start hook and Elementary's on-run-end upload once
per stage, instead of once per model as Cosmos's default layout (a dbt process per node) would.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset, TaskGroup
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    LoadMode,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
    TestBehavior,
)
from cosmos.constants import DbtResourceType, TestIndirectSelection
from cosmos.operators.local import DbtBuildLocalOperator

REPO = Path(os.environ.get("DBT_PROJECT_DIR") or Path(__file__).resolve().parents[2])
BIN = REPO / ".venv" / "bin"
LAKEHOUSE = str(BIN / "lakehouse")
DBT = BIN / "dbt"
LAKEHOUSE_DIR = Path(os.environ.get("LAKEHOUSE_DIR") or REPO / "lakehouse")
MANIFEST = LAKEHOUSE_DIR / "airflow" / "dbt" / "manifest.json"
POOL = "lakehouse_duckdb"  # one slot: DuckDB allows one writer
START = datetime(2026, 1, 1)
TAGS = ["lakehouse"]

# The data assets: each stage's DAG is scheduled by what the one before it produces.
BRONZE_MOBILITY = Asset(name="bronze_mobility", uri="lakehouse://bronze/mobility")
BRONZE_TELEMETRY = Asset(name="bronze_telemetry", uri="lakehouse://bronze/telemetry")
SILVER = Asset(name="silver", uri="lakehouse://silver")
GOLD = Asset(name="gold", uri="lakehouse://gold")
ML = Asset(name="ml", uri="lakehouse://ml")  # models registered, scores, monitoring

# What each stage renders, in groups, in the select syntax Cosmos applies to the manifest itself.
# The builds use dbt's own selectors (selectors.yml) of the stages' names; tests/python/
# orchestration/ checks that both select the same models, and each model once in all.
SCORING = ["ml_driving_style_scores", "ml_demand_forecasts", "ml_surge_predictions"]
Selection = tuple[list[str], list[str]]  # select, exclude
STAGES: dict[str, dict[str, Selection]] = {
    "silver": {
        # One group: every Bronze copy depends on Elementary's tables (macros/observability.sql),
        # and Cosmos wires a group's tasks only to tasks of the same group.
        "silver_models": (
            [
                "resource_type:seed",
                "path:models/staging",
                "path:models/intermediate",
                "package:elementary",
            ],
            [],
        ),
    },
    "gold": {"gold_models": (["path:models/marts"], [])},
    "ml": {
        "training": (["path:models/ml"], ["path:models/ml/monitoring", *SCORING]),
        "scoring": (SCORING, []),
        "monitoring": (["path:models/ml/monitoring"], []),
    },
}

PROFILE = ProfileConfig(
    profile_name="mobility_lakehouse",
    target_name=os.environ.get("DBT_TARGET", "dev"),
    profiles_yml_filepath=REPO / "profiles.yml",
)
DEFAULT_ARGS: dict[str, Any] = {"owner": "lakehouse", "retries": 0}


def _rendered(
    dag: Any, task_group: TaskGroup | None, node: Any, task_id: str, **_: Any
) -> EmptyOperator:
    """A dbt node shown as a task that runs nothing: its stage's build task built it."""
    return EmptyOperator(
        task_id=task_id,
        dag=dag,
        task_group=task_group,
        doc_md=f"`{node.unique_id}` ({node.file_path.name}): built by this stage's `dbt_build`.",
    )


def dbt_stage(selector: str, outlet: Asset, label: str) -> DbtBuildLocalOperator:
    """`dbt build --selector <selector>` (one dbt process), then the stage's models rendered."""
    build = DbtBuildLocalOperator(
        task_id=f"dbt_build_{selector}",
        doc_md=f"`dbt build --selector {selector}` ({label}); a failing error-severity test "
        "fails this task, so neither the models shown after it nor the next DAG run.",
        project_dir=str(REPO),
        profile_config=PROFILE,
        dbt_executable_path=str(DBT),
        selector=selector,
        install_deps=False,  # the checkout's dbt_packages/ (lakehouse deps): offline
        # dbt's partial parse state: the checkout's target/ (`lakehouse airflow start` parses
        # there), then the last build's, kept here.
        cache_dir=LAKEHOUSE_DIR / "airflow" / "cosmos" / selector,
        # dbt writes its artifacts into the copy of the project Cosmos runs it in, whatever
        # DBT_TARGET_PATH says: Cosmos puts the partial parse state there and, after the build,
        # caches it with the manifest beside it (a build writing elsewhere failed on the
        # missing manifest after dbt passed).
        env={"DBT_TARGET_PATH": "target"},
        emit_datasets=False,  # the stage's asset below, not one per model
        pool=POOL,
        outlets=[outlet],
    )
    for group_id, (select, exclude) in STAGES[selector].items():
        build >> _rendered_group(group_id, select, exclude)
    return build


def _rendered_group(group_id: str, select: list[str], exclude: list[str]) -> DbtTaskGroup:
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=REPO,
            manifest_path=MANIFEST,
            project_name="mobility_lakehouse",
            install_dbt_deps=False,
        ),
        profile_config=PROFILE,
        execution_config=ExecutionConfig(
            dbt_executable_path=str(DBT),
            # Only matters where Cosmos renders tests per node, which these groups do not.
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            select=select,
            exclude=exclude,
            test_behavior=TestBehavior.NONE,  # the build ran them
            node_converters={
                DbtResourceType.MODEL: _rendered,
                DbtResourceType.SEED: _rendered,
                DbtResourceType("operation"): _skipped,
            },
            normalize_task_id=lambda node: node.name,
            emit_datasets=False,
            should_detach_multiple_parents_tests=True,
        ),
    )


def _skipped(**_: Any) -> None:
    """Hooks (Elementary's on-run-start and -end) are not shown: every build runs them."""
    return None


def dbt_dag(
    dag_id: str, selector: str, schedule: Any, outlet: Asset, label: str, doc_md: str | None
) -> DAG:
    """A stage's DAG: scheduled by the assets before it, one dbt build, the models rendered."""
    with DAG(
        dag_id=dag_id,
        description=f"dbt build --selector {selector}: {label}",
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=[*TAGS, selector, "dbt"],
        doc_md=doc_md,
    ) as dag:
        dbt_stage(selector, outlet, label)
    return dag
