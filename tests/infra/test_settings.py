"""Settings: defaults, TOML, environment precedence, pass-through Kafka properties, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from baystream.infra.kafka_config import BrokerNotConfigured, consumer_config, producer_config
from baystream.infra.settings import Settings, SettingsError, load_settings


def test_defaults_serve_the_demo() -> None:
    settings = load_settings(env={})
    assert settings.bootstrap is None and settings.partitions == 3 and settings.kafka == {}


def test_environment_overrides_toml(tmp_path: Path) -> None:
    path = tmp_path / "baystream.toml"
    path.write_text('bootstrap = "k1:9092"\npartitions = 6\n[kafka]\n"security.protocol" = "SSL"\n')
    env = {"BAYSTREAM_PARTITIONS": "12", "BAYSTREAM_KAFKA_SASL_MECHANISM": "PLAIN"}
    settings = load_settings(env=env, config_file=path)
    assert settings.bootstrap == "k1:9092"
    assert settings.partitions == 12
    assert settings.kafka == {"security.protocol": "SSL", "sasl.mechanism": "PLAIN"}


def test_bad_values_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="'partitions': expected int, got 'many'"):
        load_settings(env={"BAYSTREAM_PARTITIONS": "many"})
    path = tmp_path / "bad.toml"
    path.write_text("partitons = 3\n")
    with pytest.raises(SettingsError, match="unknown setting 'partitons'"):
        load_settings(env={}, config_file=path)


def test_client_configs_are_built_in_one_place() -> None:
    settings = Settings(bootstrap="k1:9092", kafka={"security.protocol": "SASL_SSL"}, embedded=True)
    producer = producer_config(settings)
    assert producer["partitioner"] == "murmur2_random"
    assert producer["acks"] == "all" and producer["enable.idempotence"] is True
    assert producer["security.protocol"] == "SASL_SSL"
    assert consumer_config(settings, "g")["session.timeout.ms"] == 6000
    assert consumer_config(settings.with_overrides(embedded=False), "g")["session.timeout.ms"] == 45000


def test_no_bootstrap_is_a_clear_error() -> None:
    with pytest.raises(BrokerNotConfigured, match="BAYSTREAM_BOOTSTRAP"):
        producer_config(Settings())
