"""The cockpit's telemetry on a worker thread: readings go to the topic through the project's
producer (`KafkaStreamer`) while the window keeps drawing; the window reads `state()`."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

from ingest.kafka import BrokerUnreachable, KafkaSettings, ensure_topic
from ingest.upstream.telemetry.producer import KafkaStreamer

CONNECT_TIMEOUT_S = 2.0
FLUSH_S = 30.0  # stopping waits this long at most for the last deliveries
RETRY_S = 5.0  # while the broker is absent, look for it again this often


@dataclass(frozen=True)
class StreamState:
    """What the streaming panel shows. `unsent` readings came while no broker answered."""

    topic: str
    connected: bool
    sent: int
    delivered: int
    failed: int
    queued: int
    unsent: int
    problem: str | None


class StreamWorker:
    """Sends event batches from a queue on its own thread; `close()` flushes and stops it."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.kafka = kafka
        self._batches: queue.SimpleQueue[list[tuple[str, str]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._streamer: KafkaStreamer | None = None
        self._sent = self._unsent = self._undelivered = 0
        self._problem: str | None = None
        self._thread = threading.Thread(target=self._run, name="cockpit-stream", daemon=True)
        self._thread.start()

    def send(self, events: list[tuple[str, str]]) -> None:
        """Queue events for the topic; never blocks."""
        self._batches.put(events)

    def state(self) -> StreamState:
        with self._lock:
            streamer = self._streamer
            return StreamState(
                topic=self.kafka.topic,
                connected=streamer is not None,
                sent=self._sent,
                delivered=streamer.delivered if streamer else 0,
                failed=(streamer.failed if streamer else 0) + self._undelivered,
                queued=streamer.queued if streamer else 0,
                unsent=self._unsent,
                problem=self._problem or _failures(streamer),
            )

    def close(self) -> StreamState:
        """Send what is queued, flush the producer (up to `FLUSH_S`), stop the thread."""
        self._batches.put(None)
        self._thread.join(FLUSH_S + CONNECT_TIMEOUT_S + 5)
        return self.state()

    def _run(self) -> None:
        next_try = 0.0
        while True:
            if self._streamer is None and time.monotonic() >= next_try:
                self._connect()
                next_try = time.monotonic() + RETRY_S
            try:
                batch = self._batches.get(timeout=0.2)
            except queue.Empty:
                if self._streamer:
                    self._streamer.poll()  # serve the delivery reports
                continue
            if batch is None:
                break
            if self._streamer is None:
                with self._lock:
                    self._unsent += len(batch)
                continue
            self._streamer.send(batch)
            with self._lock:
                self._sent += len(batch)
        if self._streamer is not None:
            undelivered = self._streamer.flush(FLUSH_S)
            with self._lock:
                self._undelivered = undelivered

    def _connect(self) -> None:
        try:
            ensure_topic(self.kafka, CONNECT_TIMEOUT_S)
        except BrokerUnreachable as error:
            with self._lock:
                self._problem = f"Not streaming: {error}"
            return
        streamer = KafkaStreamer(self.kafka, client_id="lakehouse-cockpit")
        with self._lock:
            self._streamer, self._problem = streamer, None


def _failures(streamer: KafkaStreamer | None) -> str | None:
    if streamer is None or not streamer.failed:
        return None
    return f"{streamer.failed:,} events were not delivered: {streamer.last_error}"
