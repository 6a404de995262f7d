"""One settings object for every process: defaults serve the demo, `BAYSTREAM_*` and a TOML file override.

Precedence: defaults < TOML file (`BAYSTREAM_CONFIG` or `--config`) < environment variables.
Kafka client properties for SASL/SSL pass through untouched: `BAYSTREAM_KAFKA_SECURITY_PROTOCOL=SASL_SSL`
becomes `security.protocol=SASL_SSL`; in TOML, put them under a `[kafka]` table with their Kafka names.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "BAYSTREAM_"
KAFKA_ENV_PREFIX = "BAYSTREAM_KAFKA_"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    """Everything a Baystream process may be configured with."""

    bootstrap: str | None = None
    """Kafka bootstrap servers; None means the embedded Tansu broker (demo, tests)."""
    schema_registry: str | None = None
    """Schema Registry URL; when set, values use the Confluent wire format."""
    kafka: Mapping[str, str] = field(default_factory=dict)
    """Extra librdkafka properties (SASL/SSL and the like), passed to every client."""
    embedded: bool = False
    """True when `bootstrap` points at the embedded broker (short group timeouts)."""
    partitions: int = 3
    """Partitions of every input topic (all input topics of the Faust app share one count)."""
    replication_factor: int = 1
    session_timeout_ms: int = 45000
    """Consumer group session timeout on a real cluster; the embedded broker uses 6000."""
    client_id: str = "baystream"
    app_id: str = "baystream-indicators"
    """Faust application id (consumer group of the workers)."""
    state_dir: str = "state"
    """Where workers keep their RocksDB stores."""
    table_store: str = "rocksdb://"
    """Faust table store: rocksdb:// in production, memory:// in tests."""
    worker_web_port: int = 6066
    publish_interval_s: float = 5.0
    """Steady cadence at which the worker publishes all indicators."""
    metrics_port: int | None = None
    """Prometheus /metrics port of the process (0 disables); None: the service's own default, so services on one
    machine do not collide (infra/metrics.py DEFAULT_METRICS_PORTS, docs/metrics.md)."""
    metrics_host: str = "127.0.0.1"
    """Address /metrics binds to: 0.0.0.0 in containers, so Prometheus can scrape from another one."""
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8080
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8081
    gateway_keys_file: str | None = None
    """TOML or JSON file of the gateway's API keys (party -> key_sha256, role, identity); docs/gateway.md."""
    gateway_keys: str | None = None
    """The same keys as JSON text (BAYSTREAM_GATEWAY_KEYS), added to those of the file."""
    gateway_max_body_bytes: int = 1_048_576
    gateway_rate_per_s: float = 20.0
    """Requests per second per API key (token bucket refill), with bursts up to `gateway_burst`."""
    gateway_burst: int = 40
    gateway_idempotency_window_s: float = 900.0
    """How long an accepted event_id is remembered, so a retried batch is not published twice."""
    gateway_ack_timeout_s: float = 30.0
    """How long a request waits for the broker's acknowledgements before answering 503."""
    indicator_config: str | None = None
    """TOML file with facility configuration and congestion-index bounds (defaults from DOMAIN.md)."""
    webhooks: tuple[Mapping[str, Any], ...] = ()
    """Alert webhook subscriptions: {url, scopes (optional list), min_level (GREEN/AMBER/RED)}."""

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some settings changed (tests, the embedded broker's address)."""
        return dataclasses.replace(self, **changes)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, raw: Any) -> Any:
    """Turn a TOML or environment value into the field's type, naming the setting on failure."""
    default = _FIELDS[name].default
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return text in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if _FIELDS[name].type == "int | None":
            return None if raw in (None, "") else int(raw)
    except (TypeError, ValueError):
        kind = "int" if _FIELDS[name].type == "int | None" else type(default).__name__
        raise SettingsError(f"setting {name!r}: expected {kind}, got {raw!r}") from None
    if name == "webhooks":
        if not isinstance(raw, list) or not all(isinstance(w, dict) and "url" in w for w in raw):
            raise SettingsError("setting 'webhooks': expected a list of tables with a 'url'")
        return tuple(raw)
    if name == "kafka":
        if not isinstance(raw, dict):
            raise SettingsError("setting 'kafka': expected a table of Kafka client properties")
        return {str(k): str(v) for k, v in raw.items()}
    return None if raw in (None, "") else str(raw)


def load_settings(env: Mapping[str, str] | None = None, config_file: str | Path | None = None) -> Settings:
    """Build the settings from a TOML file (optional) and the environment."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = config_file or env.get("BAYSTREAM_CONFIG")
    if path:
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"config file {path}: {exc}") from exc
        for key, raw in data.items():
            if key not in _FIELDS:
                raise SettingsError(f"config file {path}: unknown setting {key!r}")
            values[key] = _coerce(key, raw)
    kafka = dict(values.get("kafka", {}))
    for key, raw in env.items():
        if key.startswith(KAFKA_ENV_PREFIX):
            kafka[key[len(KAFKA_ENV_PREFIX) :].lower().replace("_", ".")] = raw
        elif key.startswith(ENV_PREFIX) and key != "BAYSTREAM_CONFIG":
            name = key[len(ENV_PREFIX) :].lower()
            if name in _FIELDS and name not in {"kafka", "webhooks"}:
                values[name] = _coerce(name, raw)
    values["kafka"] = kafka
    return Settings(**values)
