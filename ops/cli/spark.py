"""`lakehouse spark`: the project's Spark cluster on loopback (master, two workers, Connect and
Thrift)."""

from __future__ import annotations

import typer

from common.settings import load_settings
from ops import spark
from ops.cli.output import console

app = typer.Typer(
    help="The Spark cluster on loopback: master, two workers, Spark Connect and Thrift.",
    no_args_is_help=True,
)


@app.command("start")
def start_command() -> None:
    """Start the master, two workers and the Connect and Thrift server; wait until they answer."""
    console.print(spark.start(load_settings().lakehouse_dir))


@app.command("stop")
def stop_command() -> None:
    """Stop the cluster; its tables and catalog stay in $LAKEHOUSE_DIR/spark/cluster."""
    console.print(spark.stop(load_settings().lakehouse_dir))


@app.command("status")
def status_command() -> None:
    """Say which of the cluster's processes run and whether Connect and Thrift answer."""
    console.print(spark.status(load_settings().lakehouse_dir))
