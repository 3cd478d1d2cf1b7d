"""The `lakehouse` command: its command groups, and the one handler of user errors.

Every error a user can cause is a `common.errors.LakehouseError`; the root group catches it and
prints its sentence and nothing else, ending with the error's exit code. An operating system
error (a directory that cannot be written) is one sentence too.
"""

from __future__ import annotations

from typing import Annotated

import typer
from typer import _click
from typer.core import TyperGroup

from common.errors import LakehouseError
from ingest.kafka import show_client_logs
from ops.cli import airflow, broker, cockpit, generate, ingest, serve, spark, telemetry, warehouse
from ops.cli.output import error


class LakehouseGroup(TyperGroup):
    """The root command group: a `LakehouseError` anywhere below ends in one sentence."""

    # Typer vendors its own click (`typer._click`): the context is that one's, as
    # `TyperGroup.invoke` declares it, not the `click` package's.
    def invoke(self, ctx: _click.Context) -> object:
        try:
            return super().invoke(ctx)
        except LakehouseError as problem:
            error(str(problem))
            ctx.exit(problem.exit_code)
        except OSError as problem:  # a directory that cannot be written, a full disk
            where = f": {problem.filename}" if problem.filename else ""
            error(
                f"{problem.strerror or problem}{where} (check LAKEHOUSE_DIR and its permissions)."
            )
            ctx.exit(1)


app = typer.Typer(
    cls=LakehouseGroup,
    help="Mobility lakehouse: synthetic sources, Bronze ingestion, the broker, dbt, the API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show the Kafka client's own log lines too.")
    ] = False,
) -> None:
    """Mobility lakehouse: synthetic sources, Bronze ingestion, the broker, dbt helpers."""
    if verbose:
        show_client_logs()


app.add_typer(generate.app, name="generate")
app.add_typer(ingest.app, name="ingest")
app.add_typer(broker.app, name="broker")
app.add_typer(airflow.app, name="airflow")
app.add_typer(spark.app, name="spark")
app.command("init")(ingest.init_command)
app.command("simulate")(telemetry.simulate_command)
app.command("land")(telemetry.land_command)
app.command("deps")(warehouse.deps_command)
app.command("report")(warehouse.report_command)
app.command("summary")(warehouse.summary_command)
app.command("serve")(serve.serve_command)
app.command("cockpit")(cockpit.cockpit_command)
