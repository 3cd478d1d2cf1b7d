"""Where Bronze stands in each partition of the topic: the offsets every events commit records.

Each Bronze commit of the lander records, per partition, the next offset to read and a
fingerprint of the last message it landed (`OFFSETS_KEY` in the commit's metadata). On start,
those marks say where to resume; the fingerprint tells a topic that still holds those messages
from one that was deleted and re-created (its offsets started again).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, Message, TopicPartition

from ingest.bronze import store
from ingest.loaders.messages import fingerprint, position

OFFSETS_KEY = "lakehouse.offsets"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mark:
    """Where Bronze stands in one partition: the next offset, and a fingerprint of the last
    landed message (to recognise a re-created topic whose offsets started again)."""

    next_offset: int
    last_sha256: str


def bronze_high_water_marks(events_table: Path, topic: str) -> dict[int, Mark]:
    """Per partition, the next offset after the last one committed to Bronze."""
    marks: dict[int, Mark] = {}
    for commit in store.commits(events_table):
        offsets = json.loads(commit.get(OFFSETS_KEY, "{}")).get(topic, {})
        for partition, (offset, sha) in offsets.items():
            current = marks.get(int(partition))
            if current is None or offset > current.next_offset:
                marks[int(partition)] = Mark(offset, sha)
    return marks


def verified_marks(
    consumer: Consumer, topic: str, events_table: Path, partitions: int
) -> dict[int, int]:
    """Bronze's next offset per partition, for partitions where the topic is the same.

    The check reads the message just before the mark. The offset that arrives decides
    (not ListOffsets, which some brokers answer wrongly): the mark itself minus one ->
    compare fingerprints; later -> the message aged out by retention, trust the mark;
    earlier, or nothing (the fetch was reset to the start of a shorter partition) -> the
    topic was re-created and is read from its committed offset or its start.
    """
    marks = bronze_high_water_marks(events_table, topic)
    marks = {p: m for p, m in marks.items() if p < partitions and m.next_offset > 0}
    if not marks:
        return {}
    consumer.assign([TopicPartition(topic, p, m.next_offset - 1) for p, m in marks.items()])
    first: dict[int, Message] = {}
    deadline = time.monotonic() + 5
    while len(first) < len(marks) and time.monotonic() < deadline:
        for message in consumer.consume(num_messages=1000, timeout=0.5):
            if message.error() is None:
                first.setdefault(position(message)[0], message)
    consumer.unassign()
    verified = {}
    for partition, mark in marks.items():
        read = first.get(partition)
        wanted = mark.next_offset - 1
        if read is not None and _holds_mark(read, wanted, mark):
            verified[partition] = mark.next_offset
        else:
            log.warning(
                "%s[%d] does not hold at offset %d the message Bronze landed there: the "
                "topic was re-created, so it is read from its committed offset or its start",
                topic, partition, wanted,
            )  # fmt: skip
    return verified


def _holds_mark(message: Message, wanted: int, mark: Mark) -> bool:
    """Whether the first message read from `wanted` on confirms the mark: it is the landed
    message itself, or a later one (the landed message aged out)."""
    offset = position(message)[1]
    return offset > wanted or (
        offset == wanted and fingerprint(message.value()) == mark.last_sha256
    )
