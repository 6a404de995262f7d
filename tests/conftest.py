"""Fixtures shared by every test area: the brokers (one per engine per session) and settings pointing at them.

A test that takes one of the broker fixtures runs on every engine (tests/brokers.py), and is marked
`integration` by the fixture, not by hand.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from baystream.infra.settings import Settings
from baystream.infra.topics import create_topics
from tests.brokers import Broker, EngineUnderTest, engines, settings_for, start_broker

BROKER_FIXTURES = {"engine", "broker_settings", "isolated_broker", "stoppable_broker"}

# Property tests check properties, not speed: hypothesis' 200 ms deadline per example failed them on a machine
# shared with brokers and JVMs (a 30 ms example took 299 ms once); likewise the too-slow health check of the
# data generation. Speed is measured in bench/.
hypothesis_settings.register_profile("baystream", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("baystream")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test on a broker is an integration test (`-m 'not integration'` runs the rest).

    Under pytest-xdist (`make test` runs `-n 2 --dist loadgroup`), every test of one engine goes to the same
    process: that process alone starts the engine's broker, and test names (`fresh_name`) stay unique on it.
    """
    for item in items:
        if BROKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
            callspec = getattr(item, "callspec", None)
            if callspec is not None and "engine" in callspec.params:
                item.add_marker(pytest.mark.xdist_group(f"engine-{callspec.params['engine']}"))


@pytest.fixture(scope="session", params=engines())
def engine(request: pytest.FixtureRequest) -> Iterator[EngineUnderTest]:
    """The broker of one engine, shared by the session: Tansu, a 3-broker Apache Kafka cluster, or external."""
    name = str(request.param)
    if name == "external":
        bootstrap = os.environ["BAYSTREAM_TEST_BOOTSTRAP"]
        settings = settings_for("kafka", bootstrap)
        create_topics(settings)
        yield EngineUnderTest(name, None, settings)
        return
    broker = start_broker(name)
    try:
        settings = settings_for(name, broker.bootstrap)
        create_topics(settings)
        yield EngineUnderTest(name, broker, settings)
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def broker_settings(engine: EngineUnderTest) -> Settings:
    """Settings for the session's broker of this engine, with the catalog topics created."""
    return engine.settings


@pytest.fixture
def isolated_broker(engine: EngineUnderTest) -> Iterator[Settings]:
    """Settings on a broker whose catalog topics hold nothing of other tests (see EngineUnderTest.isolated)."""
    with engine.isolated() as settings:
        yield settings


@pytest.fixture
def stoppable_broker(engine: EngineUnderTest) -> Iterator[tuple[Broker, Settings]]:
    """A broker of this engine that the test may stop (Kafka: a 1-broker cluster of its own)."""
    if engine.name == "external":
        pytest.skip("an external cluster (BAYSTREAM_TEST_BOOTSTRAP) is not the tests' to stop")
    broker = start_broker(engine.name, brokers=1)
    try:
        yield broker, settings_for(engine.name, broker.bootstrap).with_overrides(replication_factor=1)
    finally:
        broker.stop()


_fresh = itertools.count()


@pytest.fixture
def fresh_name(request: pytest.FixtureRequest) -> str:
    """A name no other test uses (topics, groups, app ids), so tests sharing the broker stay apart."""
    return f"t{next(_fresh)}-{request.node.name[:30].replace('[', '-').replace(']', '')}"
