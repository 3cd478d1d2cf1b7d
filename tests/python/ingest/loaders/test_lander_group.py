"""Landers as members of one consumer group: they share the partitions, and a rebalance in the
middle of a run (a member joins, a member is SIGKILLed) loses and duplicates nothing in Bronze."""

from __future__ import annotations

import pytest
from confluent_kafka import ConsumerGroupState, KafkaException
from confluent_kafka.admin import AdminClient

from ingest.kafka import KafkaSettings, ensure_topic

from ...streaming import (
    assert_exactly_once,
    bronze_commits,
    land_process,
    messages_in_topic,
    stream,
    wait_for,
)

pytestmark = pytest.mark.integration
# Longer than the lander's session timeout: a survivor waits for a dead member's partitions.
UNTIL_IDLE = "10"


def _landed(output: str) -> int:
    """The events a `lakehouse land` run says it landed."""
    return int(output.split("Landed ")[1].split(" ")[0].replace(",", ""))


def _members_with_partitions(kafka: KafkaSettings) -> int:
    """Members of the lander group that hold partitions, once the group is stable."""
    admin = AdminClient(kafka.connection_config())
    future = admin.describe_consumer_groups([kafka.group_id])[kafka.group_id]
    try:
        group = future.result(timeout=5)
    except KafkaException:
        return 0
    if group.state != ConsumerGroupState.STABLE:
        return 0
    return sum(1 for m in group.members if m.assignment and m.assignment.topic_partitions)


def test_two_landers_share_the_partitions(kafka, lakehouse_dir):
    ensure_topic(kafka)
    landers = [
        land_process(lakehouse_dir, "--until-idle", "8", "--batch-size", "500") for _ in range(2)
    ]
    wait_for(lambda: _members_with_partitions(kafka) == 2, "both landers to hold partitions")
    ids = stream(kafka, vehicles=60, steps=200)
    outputs = [process.communicate(timeout=120) for process in landers]
    assert [p.returncode for p in landers] == [0, 0], outputs
    landed = [_landed(out) for out, _ in outputs]
    assert all(count > 0 for count in landed), f"one lander landed nothing: {landed}"
    assert_exactly_once(lakehouse_dir, messages_in_topic(kafka), ids)


def test_a_member_joining_and_a_member_killed_mid_run_lose_and_duplicate_nothing(
    kafka, lakehouse_dir
):
    ids = stream(kafka, vehicles=100, steps=400)
    options = ("--until-idle", UNTIL_IDLE, "--batch-size", "200")
    first, second = land_process(lakehouse_dir, *options), land_process(lakehouse_dir, *options)
    wait_for(lambda: bronze_commits(lakehouse_dir) > 10, "the first landers to commit")
    third = land_process(lakehouse_dir, *options)  # joins: the group rebalances
    seen = bronze_commits(lakehouse_dir)
    wait_for(lambda: bronze_commits(lakehouse_dir) > seen + 10, "commits after the join")
    assert first.poll() is None, "the first lander finished before it could be killed"
    first.kill()  # its partitions go to the others once its session times out
    first.wait()
    landed = []
    for survivor in (second, third):
        out, err = survivor.communicate(timeout=180)
        assert survivor.returncode == 0, err
        landed.append(_landed(out))
    assert landed[1] > 0, "the lander that joined was given no partition"
    assert_exactly_once(lakehouse_dir, messages_in_topic(kafka), ids)
