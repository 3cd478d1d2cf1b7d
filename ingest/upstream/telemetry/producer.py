"""`KafkaStreamer`: the vehicles' producer - idempotent, batching, keyed by vehicle, with
back-pressure."""

from __future__ import annotations

from confluent_kafka import KafkaError, Producer

from ingest.kafka import KafkaSettings


class KafkaStreamer:
    """Produce `(key, value)` events to one topic.

    Idempotence with `acks=all` means a retried send is written once; the key (the vehicle)
    keeps each vehicle's events in order on one partition. When the local queue is full the
    streamer waits for deliveries instead of failing (back-pressure). Delivery failures are
    counted, not raised, so a run ends with an honest tally.
    """

    def __init__(self, settings: KafkaSettings, client_id: str = "lakehouse-simulator") -> None:
        self.topic = settings.topic
        self.delivered = 0
        self.failed = 0
        self.last_error: KafkaError | None = None
        self._producer = Producer(
            settings.client_config(
                **{
                    "client.id": client_id,
                    "enable.idempotence": True,
                    "acks": "all",
                    "compression.type": "lz4",
                    "linger.ms": 50,
                    "batch.size": 1_000_000,
                    "queue.buffering.max.messages": 500_000,
                    "on_delivery": self._on_delivery,
                }
            )
        )

    def _on_delivery(self, error: KafkaError | None, _message: object) -> None:
        if error is None:
            self.delivered += 1
        else:
            self.failed += 1
            self.last_error = error

    def send(self, events: list[tuple[str, str]]) -> None:
        produce, poll = self._producer.produce, self._producer.poll
        for key, value in events:
            while True:
                try:
                    produce(self.topic, value=value, key=key)
                    break
                except BufferError:  # queue full: let deliveries drain it
                    poll(0.05)
        poll(0)

    def poll(self, timeout: float = 0.0) -> None:
        """Serve the delivery reports that arrived (the tallies above move)."""
        self._producer.poll(timeout)

    @property
    def queued(self) -> int:
        """Events produced and not yet delivered (or failed): the producer's queue."""
        return len(self._producer)

    def flush(self, timeout: float = 30.0) -> int:
        """Wait for outstanding deliveries; returns how many are still undelivered."""
        return self._producer.flush(timeout)
