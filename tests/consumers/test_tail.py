"""`baystream tail`: JSON lines per record, --max, --follow, and undecodable records reported."""

from __future__ import annotations

import json
import subprocess
import sys

from confluent_kafka import Producer

from baystream.infra.kafka_config import producer_config
from baystream.infra.settings import Settings
from baystream.infra.topics import create_topics
from baystream.producers.publisher import Publisher
from baystream.schemas.json_form import parse_event
from tests.cli import baystream, cli_env
from tests.events import event


def test_max_stops_after_n_records(broker_settings: Settings) -> None:
    with Publisher(broker_settings) as publisher:
        publisher.publish_all(parse_event(event("RailDeparture")) for _ in range(3))
    result = baystream(broker_settings, "tail", "rail-departures", "--from-beginning", "--max", "2")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_undecodable_records_are_named_on_stderr(broker_settings: Settings) -> None:
    producer = Producer(producer_config(broker_settings))
    producer.produce("dead-letter", b"\x01garbage", b"k")
    producer.flush(10)
    result = baystream(broker_settings, "tail", "dead-letter", "--from-beginning")
    assert result.returncode == 1
    assert "unknown wire format" in result.stderr and "dead-letter[" in result.stderr


def test_follow_prints_new_records_as_they_arrive(broker_settings: Settings) -> None:
    create_topics(broker_settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "baystream", "tail", "vessel-arrivals", "--follow", "--max", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(broker_settings),
    )
    try:
        assert process.stderr is not None  # publish only once it reads at the end, or it may start past the event
        for line in process.stderr:  # librdkafka may log before it
            if "waiting for new records" in line:
                break
        else:
            raise AssertionError(f"tail ended without reaching the end: {process.wait()}")
        sent = event("VesselArrival", event_type="DEPARTED", location_type="BERTH", berth="401")
        with Publisher(broker_settings) as publisher:
            publisher.publish_all([parse_event(sent)])
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert json.loads(out)["event_id"] == sent["event_id"]
    finally:
        if process.poll() is None:
            process.kill()


def test_unknown_topic_is_a_clear_error(broker_settings: Settings) -> None:
    result = baystream(broker_settings, "tail", "no-such-topic")
    assert result.returncode == 1 and "does not exist" in result.stderr
