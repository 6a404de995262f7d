"""Kafka client configuration, built in one place for producers, consumers, admin and Faust."""

from __future__ import annotations

from typing import Any

from baystream.infra.errors import ConfigurationError
from baystream.infra.settings import Settings

EMBEDDED_SESSION_TIMEOUT_MS = 6000
"""Tansu holds a group join for about half the session timeout: keep it short on the embedded broker."""


class BrokerNotConfigured(ConfigurationError):
    """No bootstrap address: the user must start a broker or point at a cluster."""

    def __init__(self) -> None:
        super().__init__(
            "no Kafka broker configured: set BAYSTREAM_BOOTSTRAP=host:port "
            "(start one with `baystream broker`), or use `make run` for the embedded demo"
        )


def bootstrap(settings: Settings) -> str:
    """The bootstrap servers, or a clear error saying how to get some."""
    if not settings.kafka.bootstrap:
        raise BrokerNotConfigured()
    return settings.kafka.bootstrap


def session_timeout_ms(settings: Settings) -> int:
    return EMBEDDED_SESSION_TIMEOUT_MS if settings.kafka.embedded else settings.kafka.session_timeout_ms


def common_config(settings: Settings) -> dict[str, Any]:
    """Properties every librdkafka client shares: address, identity, SASL/SSL pass-through."""
    config: dict[str, Any] = {"bootstrap.servers": bootstrap(settings), "client.id": settings.kafka.client_id}
    config.update(settings.kafka.properties)
    return config


def producer_config(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """Idempotent, acks=all, and partitioned like Java clients and Faust (murmur2)."""
    config = common_config(settings)
    config.update(
        {
            "enable.idempotence": True,
            "acks": "all",
            "partitioner": "murmur2_random",
            "linger.ms": 5,
            "compression.type": "lz4",
        }
    )
    config.update(overrides)
    return config


def consumer_config(settings: Settings, group_id: str | None, **overrides: Any) -> dict[str, Any]:
    """A consumer; `group_id=None` gives a group-less reader that assigns partitions itself."""
    config = common_config(settings)
    config.update(
        {
            "group.id": group_id or f"{settings.kafka.client_id}-reader",
            "enable.auto.commit": group_id is not None,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": session_timeout_ms(settings),
            "heartbeat.interval.ms": max(1000, session_timeout_ms(settings) // 3),
        }
    )
    config.update(overrides)
    return config


def admin_config(settings: Settings) -> dict[str, Any]:
    return common_config(settings)


_SASL_SSL_TO_AIOKAFKA = {
    "security.protocol": "security_protocol",
    "sasl.mechanism": "sasl_mechanism",
    "sasl.mechanisms": "sasl_mechanism",
    "sasl.username": "sasl_plain_username",
    "sasl.password": "sasl_plain_password",
}


def faust_broker_url(settings: Settings) -> str:
    """The Faust broker URL (`kafka://h1:p,h2:p`)."""
    return "kafka://" + bootstrap(settings).replace("kafka://", "")


def faust_security(settings: Settings) -> dict[str, str]:
    """SASL settings in aiokafka's names, for Faust's broker_credentials."""
    return {_SASL_SSL_TO_AIOKAFKA[k]: v for k, v in settings.kafka.properties.items() if k in _SASL_SSL_TO_AIOKAFKA}
