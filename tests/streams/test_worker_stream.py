"""The worker against a real broker: stream equals replay, restarts, two workers, bad input.

Each test gets a broker of its own (on Kafka: the shared cluster with its topics recreated), since
`congestion-latest` is a catalog topic and workers of different tests must not see each other's values.
Workers run as `baystream worker` processes, as users run them.
"""

from __future__ import annotations

import signal
import time
import uuid
from typing import Any

import pytest
from confluent_kafka import Producer

from baystream.infra.broker import free_port
from baystream.infra.kafka_config import producer_config
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.producers.simulator import simulate
from baystream.schemas.json_form import parse_event
from baystream.schemas.wire import Codec
from baystream.streams.app import ensure_topics
from baystream.streams.config import IndicatorConfig
from baystream.streams.faust_internals import STOP_OVERDUE_EXIT
from baystream.streams.replay import replay
from tests.events import event
from tests.streams.worker_harness import (
    WorkerProcess,
    as_values,
    coordinator_lost,
    differences,
    input_fully_committed,
    latest,
    publish,
    same,
    wait_for_values,
    wait_until,
)


@pytest.fixture
def own_broker(isolated_broker: Settings) -> Settings:
    ensure_topics(isolated_broker.with_overrides(app_id="unused"))
    return isolated_broker


@pytest.fixture(scope="module")
def day() -> list[dict[str, Any]]:
    """A simulated day and a half of the complex, in event-time order."""
    return list(simulate("normal", 36, seed=7))


def expected(events: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[float | None, str | None]]:
    """What `indicators replay` ends with (levels checked once: only the final values matter here)."""
    return as_values(replay(events, IndicatorConfig(), check_every_minutes=10**9).indicators)


def assert_matches_replay(
    settings: Settings, events: list[dict[str, Any]], worker: WorkerProcess, metrics_port: int | None = None
) -> None:
    """congestion-latest comes to equal the replay of `events` (the worker's output and metrics shown when not)."""
    want = expected(events)
    got = wait_for_values(settings, want)
    if not same(got, want):
        shown = worker.metrics(metrics_port) if metrics_port else ""
        raise AssertionError("\n".join([*differences(got, want), worker.output()[-3000:], shown]))


def restored_positions(output: str) -> dict[str, int]:
    """Partition -> position of its restored checkpoint (0: none), from the worker's last restore line."""
    line = output.rsplit("restored input partitions from their checkpoints: ", 1)[-1].splitlines()[0]
    parts = (part.split(" at ") for part in line.split(", "))
    return {name: 0 if at == "the start" else int(at) for name, at in parts}


def test_stream_and_replay_agree(own_broker: Settings, day: list[dict[str, Any]], fresh_name: str) -> None:
    publish(own_broker, day)
    worker = WorkerProcess(own_broker, fresh_name)
    try:
        want = expected(day)
        got = wait_for_values(own_broker, want)
        assert same(got, want), differences(got, want)
        assert worker.stop(signal.SIGTERM, timeout=15) == 0  # a clean stop, in time
    finally:
        worker.close()


def test_a_killed_worker_restarts_from_its_checkpoints(
    own_broker: Settings, day: list[dict[str, Any]], fresh_name: str
) -> None:
    half = len(day) // 2
    publish(own_broker, day[:half])
    first = WorkerProcess(own_broker, fresh_name, "--checkpoint-interval", "0.5")
    try:
        assert_matches_replay(own_broker, day[:half], first)
        time.sleep(1.5)  # a checkpoint after the first half
        publish(own_broker, day[half:])
        first.stop(signal.SIGKILL)  # most likely in the middle of the second half
    finally:
        first.close()
    port = free_port()
    second = WorkerProcess(own_broker, fresh_name, metrics_port=port)
    try:
        assert_matches_replay(own_broker, day, second, port)
        # restored, not recomputed from nothing: what the checkpoints held is not processed again. (On Tansu a
        # checkpoint may not come back, see docs/worker.md: that partition is replayed from the start.)
        restored = restored_positions(second.output())
        processed = second.counter(port, "baystream_events_processed_total")
        assert 0 < processed <= len(day) - sum(restored.values()), (processed, restored)
        if not own_broker.kafka.embedded:
            assert sum(restored.values()) > 0, restored
    finally:
        second.close()


def test_a_restarted_worker_reports_partitions_it_has_nothing_new_to_read_for(
    own_broker: Settings, day: list[dict[str, Any]], fresh_name: str
) -> None:
    """Killed after a checkpoint and commit covered everything but before a partial reported it: the combiner
    holds nothing newer than before, and the restarted worker has no record to read. It must still report
    every partition it restored (the worker's partials are held back here to make that moment last)."""
    publish(own_broker, day)
    first = WorkerProcess(own_broker, fresh_name, "--partial-interval", "100000", "--checkpoint-interval", "0.5")
    try:
        wait_until(lambda: input_fully_committed(own_broker, fresh_name), 90, "the first worker committed all input")
        first.stop(signal.SIGKILL)
    finally:
        first.close()
    assert latest(own_broker) == {}  # no partial was ever sent, so nothing was published
    second = WorkerProcess(own_broker, fresh_name)
    try:
        assert_matches_replay(own_broker, day, second)
    finally:
        second.close()


def test_a_checkpoint_lost_from_the_table_means_a_replay_never_a_skip(
    own_broker: Settings, day: list[dict[str, Any]], fresh_name: str
) -> None:
    """The offsets a worker commits are covered by a checkpoint, but the checkpoint a restarted worker gets
    back from the table can be older or missing (Tansu understates end offsets, so Faust's recovery may stop
    short). State and reading position must agree whatever comes back: here every checkpoint is deleted
    (tombstones in the changelog) after the first half was committed, so the restart must replay from the start."""
    half = len(day) // 2
    publish(own_broker, day[:half])
    first = WorkerProcess(own_broker, fresh_name, "--checkpoint-interval", "0.5")
    try:
        wait_until(lambda: input_fully_committed(own_broker, fresh_name), 90, "the first worker committed all input")
        first.stop(signal.SIGKILL)
    finally:
        first.close()
    producer = Producer(producer_config(own_broker))
    for number in range(own_broker.kafka.partitions):
        producer.produce(f"{fresh_name}-checkpoints-changelog", None, f'"p{number}"'.encode(), partition=number)
    assert producer.flush(10) == 0
    publish(own_broker, day[half:])
    port = free_port()
    second = WorkerProcess(own_broker, fresh_name, metrics_port=port)
    try:
        assert_matches_replay(own_broker, day, second, port)
        processed = second.counter(port, "baystream_events_processed_total")
        if processed != len(day):  # all of it, once
            shown = f"{second.metrics(port)}\n{second.output()[-3000:]}"
            raise AssertionError(f"processed {processed} of {len(day)}\n{shown}")
    finally:
        second.close()


def test_two_workers_share_the_partitions_and_agree_with_one(
    own_broker: Settings, day: list[dict[str, Any]], fresh_name: str
) -> None:
    publish(own_broker, day)
    workers = [WorkerProcess(own_broker, fresh_name, "--stop-timeout", "10") for _ in range(2)]
    try:
        want = expected(day)
        got = wait_for_values(own_broker, want)
        assert same(got, want), differences(got, want)
        held = [w.output().rsplit("assigned input partitions", 1)[-1] for w in workers]
        assert all("[]" not in h.split("\n")[0] for h in held), held
        for worker in workers:  # Ctrl-C stops both within their deadline: cleanly, unless the cluster lost
            code = worker.stop(signal.SIGINT, timeout=15)  # the group coordinator (then status 3, as a crash)
            assert code == 0 or (code == STOP_OVERDUE_EXIT and coordinator_lost(worker.output())), (
                code,
                worker.output()[-3000:],
            )
    finally:
        for worker in workers:
            worker.close()


def test_bad_records_go_to_dead_letter_and_leave_the_indicators_alone(
    own_broker: Settings, day: list[dict[str, Any]], fresh_name: str
) -> None:
    codec = Codec()
    valid = parse_event(event("GateMove", facility="APMT"))
    bad_container = dict(valid, event_id=str(uuid.uuid4()), container_id="CSQU3054384")  # wrong check digit
    garbage = b"\x07not avro at all"
    unknown_schema = b"\xc3\x01" + bytes(range(8)) + b"\x02\x04"
    bad_values = [garbage, codec.encode(bad_container, "gate-moves"), unknown_schema]
    producer = Producer(producer_config(own_broker))
    for value in bad_values:
        producer.produce("gate-moves", value, b"APMT")
    assert producer.flush(10) == 0
    publish(own_broker, day)
    worker = WorkerProcess(own_broker, fresh_name)
    try:
        want = expected(day)
        got = wait_for_values(own_broker, want)
        assert same(got, want), differences(got, want)
        letters = [codec.decode(m.value()) for m in read_topic(own_broker, "dead-letter", idle_timeout=3.0)]
    finally:
        worker.close()
    assert [(d["topic"], d["value"], d["key"], d["producer"]) for d in letters] == [
        ("gate-moves", value, b"APMT", "worker") for value in bad_values
    ]
    assert [d["stage"] for d in letters] == ["decode", "validate", "decode"]
    assert "neither C301 nor 00" in letters[0]["reason"]
    assert "container_id" in letters[1]["reason"]
    assert "unknown schema fingerprint" in letters[2]["reason"]
    assert [d["offset"] for d in letters] == [0, 1, 2]
