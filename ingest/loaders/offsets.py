"""Where Bronze stands in each partition of the topic: the offsets every events commit records.

Each Bronze commit of the lander records, per partition, the next offset to read and a
fingerprint of the last message it landed (`OFFSETS_KEY` in the commit's metadata). When the
group assigns a partition, those marks say where to resume; the fingerprint tells a topic that
still holds those messages from one that was deleted and re-created (its offsets started again).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, Message, TopicPartition

from ingest.bronze import store
from ingest.kafka import BrokerUnreachable
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


def start_offsets(
    probe: Consumer, topic: str, events_table: Path, committed: list[TopicPartition]
) -> dict[int, int]:
    """Where to start each partition just assigned: the later of the group's committed offset
    and Bronze's mark, within what the partition holds.

    Bronze's mark counts only if the partition still holds, just before it, the message Bronze
    landed last (same fingerprint): a topic deleted and re-created starts its offsets again,
    and is then read from its start (its committed offsets are as stale as the mark).
    `probe` is a consumer outside the group, used to read watermarks and that message.
    """
    partitions = [tp.partition for tp in committed]
    watermarks = {p: probe.get_watermark_offsets(TopicPartition(topic, p), 10) for p in partitions}
    verified, recreated = _verified_marks(probe, topic, events_table, watermarks)
    starts = {}
    for tp in committed:
        low, high = watermarks[tp.partition]
        start = max(tp.offset, verified.get(tp.partition, -1))
        if tp.partition in recreated or start < low or start > high:
            start = low  # re-created, never read, or aged out by retention
        starts[tp.partition] = start
    return starts


def _verified_marks(
    probe: Consumer, topic: str, events_table: Path, watermarks: dict[int, tuple[int, int]]
) -> tuple[dict[int, int], set[int]]:
    """Bronze's next offset for the partitions whose landed message is still where Bronze saw
    it (or aged out), and the partitions that were re-created."""
    marks = bronze_high_water_marks(events_table, topic)
    marks = {p: m for p, m in marks.items() if p in watermarks and m.next_offset > 0}
    verified, recreated, to_read = {}, set(), {}
    for partition, mark in marks.items():
        low, high = watermarks[partition]
        if mark.next_offset > high:
            recreated.add(partition)  # the partition holds fewer messages than Bronze landed
        elif mark.next_offset - 1 < low:
            verified[partition] = mark.next_offset  # the landed message aged out
        else:
            to_read[partition] = mark
    for partition, message in _read_at(probe, topic, to_read).items():
        mark = to_read[partition]
        at_mark = position(message)[1] == mark.next_offset - 1
        if not at_mark or fingerprint(message.value()) == mark.last_sha256:  # gap: compacted
            verified[partition] = mark.next_offset
        else:
            recreated.add(partition)
    for partition in recreated:
        log.warning(
            "%s[%d] does not hold the message Bronze landed at offset %d: the topic was "
            "re-created, so it is read from its start", topic, partition,
            marks[partition].next_offset - 1,
        )  # fmt: skip
    return verified, recreated


def _read_at(probe: Consumer, topic: str, marks: dict[int, Mark]) -> dict[int, Message]:
    """The message just before each mark (or the next one, where that offset holds none)."""
    if not marks:
        return {}
    probe.assign([TopicPartition(topic, p, m.next_offset - 1) for p, m in marks.items()])
    found: dict[int, Message] = {}
    deadline = time.monotonic() + 30
    while len(found) < len(marks) and time.monotonic() < deadline:
        for message in probe.consume(num_messages=100, timeout=0.5):
            if message.error() is None:
                partition, offset = position(message)
                if offset >= marks[partition].next_offset - 1:
                    found.setdefault(partition, message)
    probe.unassign()
    if len(found) < len(marks):
        raise BrokerUnreachable(
            f"could not read {topic} to check where Bronze stands in it: is the broker up?"
        )
    return found
