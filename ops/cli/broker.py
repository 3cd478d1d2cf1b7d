"""`lakehouse broker`: the embedded Apache Kafka broker (KRaft) on loopback."""

from __future__ import annotations

import typer

from common.settings import load_settings
from ingest.kafka import KafkaSettings
from ops import broker
from ops.cli.output import console

app = typer.Typer(
    help="The embedded Apache Kafka broker (KRaft) on loopback.", no_args_is_help=True
)


@app.command("start")
def start_command() -> None:
    """Start the embedded broker and wait until it answers (unless KAFKA_BOOTSTRAP_SERVERS
    names a cluster); its storage is formatted on the first start."""
    console.print(broker.start(KafkaSettings.from_env(), load_settings().lakehouse_dir))


@app.command("stop")
def stop_command() -> None:
    """Stop the embedded broker; its topics and offsets stay in $LAKEHOUSE_DIR/broker/data."""
    console.print(broker.stop(load_settings().lakehouse_dir))


@app.command("status")
def status_command() -> None:
    """Say whether the embedded broker runs, or which cluster is configured."""
    console.print(broker.status(KafkaSettings.from_env(), load_settings().lakehouse_dir))
