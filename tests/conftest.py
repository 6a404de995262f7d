"""Fixtures shared by every test area: the embedded broker (one per session) and settings pointing at it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from infra.broker import EmbeddedBroker
from infra.settings import Settings
from infra.topics import create_topics


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    """A real Kafka-protocol broker (Tansu) on a free port, stopped when the session ends."""
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture(scope="session")
def broker_settings(broker: EmbeddedBroker) -> Settings:
    """Settings for the session broker, with the catalog topics created."""
    settings = Settings(bootstrap=broker.bootstrap, embedded=True, table_store="memory://", metrics_port=0)
    create_topics(settings)
    return settings


_fresh = itertools.count()


@pytest.fixture
def fresh_name(request: pytest.FixtureRequest) -> str:
    """A name no other test uses (topics, groups, app ids), so tests sharing the broker stay apart."""
    return f"t{next(_fresh)}-{request.node.name[:30].replace('[', '-').replace(']', '')}"
