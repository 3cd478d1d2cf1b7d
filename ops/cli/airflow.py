"""`lakehouse airflow`: Apache Airflow with the pipeline's DAGs, on loopback."""

from __future__ import annotations

from typing import Annotated

import typer

from common.settings import load_settings
from ops import airflow
from ops.cli.output import console, table

app = typer.Typer(
    help="Apache Airflow with the pipeline's DAGs (orchestration/dags/) on loopback.",
    no_args_is_help=True,
)


@app.command("start")
def start_command() -> None:
    """Migrate Airflow's database, then start its api-server (UI), scheduler and dag-processor."""
    console.print(airflow.start(load_settings()))


@app.command("stop")
def stop_command() -> None:
    """Stop the Airflow processes `start` started."""
    console.print(airflow.stop(load_settings()))


@app.command("status")
def status_command() -> None:
    """Say whether Airflow runs, where, and its processes' pids."""
    console.print(airflow.status(load_settings()))


@app.command("run")
def run_command(
    timeout: Annotated[
        int, typer.Option(min=60, max=86_400, help="Seconds to wait for the whole chain.")
    ] = 3600,
) -> None:
    """Trigger the ingestion DAG and wait for the chain it schedules (Silver, Gold, ML)."""
    settings = load_settings()
    with console.status("Airflow: lakehouse_bronze triggered, waiting for the chain..."):
        chain = airflow.orchestrate(settings, timeout)
    caption = (
        f"trigger to end {chain.total:.0f} s; Silver start to end (the dbt stages) "
        f"{chain.dbt_stages:.0f} s"
    )
    result = table("Airflow chain", ["DAG", "state", "seconds"], caption=caption)
    for dag_id, state in chain.states.items():
        result.add_row(dag_id, state, f"{chain.seconds[dag_id]:.0f}")
    console.print(result)
    if len(chain.states) < len(airflow.CHAIN) or set(chain.states.values()) != {"success"}:
        raise airflow.AirflowError(f"the chain did not succeed; see {airflow.url()}.")
