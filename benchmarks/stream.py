"""`make bench-stream`: simulator, producer, lander and raw-consume rates on one broker,
and the embedded broker's start-up time and memory.

Each phase runs in its own process (`python -m benchmarks.stream <phase> <json>`), so its
peak RSS is its own. Rates are steady state: from the first message to the last.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.harness import machine_description, measure_output
from common.settings import Settings
from ingest.kafka import KafkaSettings, ensure_topic
from ops import broker, kafka_jvm


def run_stream_benchmark(
    settings: Settings, vehicles: int, minutes: float, console: Console
) -> None:
    kafka = KafkaSettings.from_env()
    kafka = replace(kafka, topic=f"bench.telemetry.{uuid.uuid4().hex[:8]}")
    work = settings.lakehouse_dir / "bench" / "stream"
    work.mkdir(parents=True, exist_ok=True)
    console.print(f"Machine: {machine_description()}")
    started = time.perf_counter()
    console.print(broker.start(kafka, settings.lakehouse_dir))
    start_seconds = time.perf_counter() - started
    pid = None if kafka.external else broker.running_pid(settings.lakehouse_dir)
    ensure_topic(kafka)
    steps = round(minutes * 60)
    args = {"vehicles": vehicles, "steps": steps, "topic": kafka.topic, "lakehouse": str(work)}
    phases = {}
    try:
        for phase, label in (
            ("simulate", "simulator only (no Kafka)"),
            ("produce", "simulator + producer"),
            ("consume", "raw consume (poll and discard)"),
            ("land", "lander into Bronze"),
        ):
            console.print(f"  {label} ...")
            out, step = measure_output(
                [sys.executable, "-m", "benchmarks.stream", phase, json.dumps(args)],
                {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers},
            )
            result = json.loads(out)
            phases[phase] = {**result, "peak_rss_mb": step.peak_rss_mb, "label": label}
            args["events"] = result["events"]  # what the topic holds, for the later phases
        broker_rss = kafka_jvm.rss_mb(pid) if pid else None
    finally:
        if not kafka.external:
            console.print(broker.stop(settings.lakehouse_dir))

    table = Table(
        title=f"Streaming: {vehicles} vehicles x {steps} s", caption=machine_description()
    )
    for column in ("phase", "events", "seconds", "events/s", "peak RSS MB"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for result in phases.values():
        table.add_row(
            result["label"],
            f"{result['events']:,}",
            f"{result['seconds']:.2f}",
            f"{result['events'] / result['seconds']:,.0f}",
            f"{result['peak_rss_mb']:,.0f}",
        )
    console.print(table)
    rate = {k: v["events"] / v["seconds"] for k, v in phases.items()}
    console.print(f"Lander / raw consume: {rate['land'] / rate['consume']:.2f}")
    broker_figures = {"start_seconds": start_seconds, "rss_mb": broker_rss}
    if pid:
        console.print(
            f"Broker (Apache Kafka {kafka_jvm.KAFKA_VERSION}): ready in {start_seconds:.1f} s, "
            f"{broker_rss or 0:,.0f} MB resident (JVM) after the run"
        )
    report = settings.reports_dir / "bench_stream.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        json.dumps(
            {"machine": machine_description(), "phases": phases, "broker": broker_figures},
            indent=2,
        )
    )
    console.print(f"Written to {report}")


def _simulate(args: dict) -> dict:
    from ingest.upstream.telemetry.simulator import SimulationConfig, VehicleSimulator

    simulator = VehicleSimulator(SimulationConfig(vehicles=args["vehicles"]))
    started = time.perf_counter()
    events = sum(
        len(b) for b in simulator.batches(args["steps"], max(1, 20_000 // args["vehicles"]))
    )
    return {"events": events, "seconds": time.perf_counter() - started}


def _produce(args: dict) -> dict:
    from ingest.upstream.telemetry.producer import KafkaStreamer
    from ingest.upstream.telemetry.simulator import SimulationConfig, VehicleSimulator

    kafka = replace(KafkaSettings.from_env(), topic=args["topic"])
    simulator = VehicleSimulator(SimulationConfig(vehicles=args["vehicles"]))
    streamer = KafkaStreamer(kafka)
    started = time.perf_counter()
    events = 0
    for batch in simulator.batches(args["steps"], max(1, 20_000 // args["vehicles"])):
        streamer.send(batch)
        events += len(batch)
    if streamer.flush() or streamer.failed:
        raise RuntimeError("the producer could not deliver every event")
    return {"events": events, "seconds": time.perf_counter() - started}


def _consume(args: dict) -> dict:
    from confluent_kafka import Consumer, TopicPartition

    from ingest.loaders.lander import CONSUMER_TUNING

    kafka = replace(KafkaSettings.from_env(), topic=args["topic"])
    partitions = ensure_topic(kafka)
    consumer = Consumer(  # the lander's fetch settings: the ratio is the lander's own cost
        kafka.client_config(
            **{"group.id": "bench-raw", "enable.auto.commit": False, **CONSUMER_TUNING}
        )
    )
    consumer.assign([TopicPartition(kafka.topic, p, 0) for p in range(partitions)])
    events, first = 0, 0.0
    while batch := consumer.consume(10_000, timeout=3):
        first = first or time.perf_counter()
        events += len(batch)
        last = time.perf_counter()
    consumer.close()
    return {"events": events, "seconds": last - first}


def _land(args: dict) -> dict:
    from ingest.loaders.lander import Lander

    kafka = replace(KafkaSettings.from_env(), topic=args["topic"], group_id="bench-lander")
    report = Lander(kafka, Path(args["lakehouse"])).run(max_events=args["events"])
    return {"events": report.landed, "seconds": report.steady_seconds}


if __name__ == "__main__":
    phase, arguments = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps({"simulate": _simulate, "produce": _produce, "consume": _consume,
                      "land": _land}[phase](arguments)))  # fmt: skip
