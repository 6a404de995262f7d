"""The Publisher: routing per the catalog, murmur2 partitioning, and delivery errors surfaced."""

from __future__ import annotations

import pytest

from baystream.infra.broker import free_port
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.producers.publisher import Publisher, PublishError, route
from baystream.schemas.errors import InvalidEvent
from baystream.schemas.json_form import parse_event
from baystream.schemas.wire import Codec
from tests.events import event


def test_routing_follows_the_catalog() -> None:
    assert route(parse_event(event("GateMove", facility="TTI"))) == ("gate-moves", "TTI")
    assert route(parse_event(event("ChassisCheckout", chassis_id="TRCZ123456"))) == ("chassis-checkouts", "TRCZ123456")


def test_invalid_events_are_refused_before_producing(broker_settings: Settings) -> None:
    with Publisher(broker_settings) as publisher, pytest.raises(InvalidEvent, match="vessel_imo"):
        publisher.publish(parse_event(event("VesselArrival")) | {"vessel_imo": "1234568"})


def test_same_key_same_partition_as_java_clients(broker_settings: Settings) -> None:
    # murmur2 (Java/Faust partitioner) puts every event of one facility on one partition
    events = [parse_event(event("GateMove", facility="WBCT", visit_id=f"P-{i}")) for i in range(20)]
    with Publisher(broker_settings) as publisher:
        assert publisher.publish_all(events) == 20
    ids = {e["event_id"] for e in events}
    codec = Codec()
    partitions = {
        m.partition() for m in read_topic(broker_settings, "gate-moves") if codec.decode(m.value())["event_id"] in ids
    }
    assert len(partitions) == 1


def test_undelivered_events_raise_on_flush() -> None:
    dead = Settings().with_overrides(bootstrap=f"127.0.0.1:{free_port()}")
    publisher = Publisher(dead, **{"message.timeout.ms": 500, "log_level": 0})
    publisher.publish(parse_event(event("GateMove")))
    with pytest.raises(PublishError, match="not delivered") as info:
        publisher.flush(timeout=5)
    assert info.value.failures[0].topic == "gate-moves"


def test_acknowledgements_reach_the_metrics_by_flush(broker_settings: Settings) -> None:
    from prometheus_client import REGISTRY

    labels = {"topic": "container-events", "event_type": "ContainerEvent"}

    def published() -> float:
        return REGISTRY.get_sample_value("baystream_events_published_total", labels) or 0.0

    before = published()
    with Publisher(broker_settings) as publisher:
        assert publisher.publish_all(parse_event(event("ContainerEvent")) for _ in range(7)) == 7
    assert published() - before == 7
