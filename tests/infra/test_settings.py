"""Settings: sections, defaults, TOML (sectioned and flat), environment precedence, secrets, clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from baystream.infra.cli import main
from baystream.infra.errors import BaystreamError, BrokerError, ConfigurationError, ContractError
from baystream.infra.kafka_config import BrokerNotConfigured, consumer_config, producer_config
from baystream.infra.settings import KafkaSettings, Settings, SettingsError, load_settings
from baystream.producers.publisher import PublishError
from baystream.schemas.errors import DecodeError, InvalidEvent


def test_defaults_serve_the_demo() -> None:
    settings = load_settings(env={})
    assert settings.kafka.bootstrap is None and settings.kafka.partitions == 3 and settings.kafka.properties == {}
    assert (settings.dashboard.port, settings.gateway.port, settings.worker.app_id) == (
        8080,
        8081,
        "baystream-indicators",
    )


def test_environment_overrides_toml(tmp_path: Path) -> None:
    path = tmp_path / "baystream.toml"
    path.write_text('bootstrap = "k1:9092"\npartitions = 6\n[kafka]\n"security.protocol" = "SSL"\n')
    env = {"BAYSTREAM_PARTITIONS": "12", "BAYSTREAM_KAFKA_SASL_MECHANISM": "PLAIN"}
    settings = load_settings(env=env, config_file=path)
    assert settings.kafka.bootstrap == "k1:9092"
    assert settings.kafka.partitions == 12
    assert settings.kafka.properties == {"security.protocol": "SSL", "sasl.mechanism": "PLAIN"}


def test_sections_in_toml_and_the_same_settings_by_flat_name(tmp_path: Path) -> None:
    sectioned = tmp_path / "sections.toml"
    sectioned.write_text(
        "metrics_port = 9500\n"
        '[kafka]\nbootstrap = "k1:9092"\n[kafka.properties]\n"sasl.mechanism" = "PLAIN"\n'
        "[worker]\nweb_port = 7000\nbatch_size = 100\n[dashboard]\nport = 8090\n"
        '[[dashboard.webhooks]]\nurl = "http://h/x"\n[gateway]\nburst = 5\n'
    )
    flat = tmp_path / "flat.toml"
    flat.write_text(
        'metrics_port = 9500\nbootstrap = "k1:9092"\nworker_web_port = 7000\nworker_batch_size = 100\n'
        'dashboard_port = 8090\ngateway_burst = 5\n[[webhooks]]\nurl = "http://h/x"\n'
        '[kafka]\n"sasl.mechanism" = "PLAIN"\n'
    )
    one, two = load_settings(env={}, config_file=sectioned), load_settings(env={}, config_file=flat)
    assert one == two
    assert (one.worker.web_port, one.worker.batch_size, one.dashboard.port, one.gateway.burst) == (7000, 100, 8090, 5)
    assert one.dashboard.webhooks == ({"url": "http://h/x"},) and one.metrics_port == 9500
    assert one.kafka.properties == {"sasl.mechanism": "PLAIN"}
    env = {"BAYSTREAM_DASHBOARD_PORT": "8100", "BAYSTREAM_WORKER_WEB_PORT": "7100"}
    assert load_settings(env=env, config_file=sectioned).dashboard.port == 8100
    assert Settings().with_overrides(dashboard_port=8100, bootstrap="k").dashboard.port == 8100


def test_bad_values_and_typos_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="'partitions': expected int, got 'many'"):
        load_settings(env={"BAYSTREAM_PARTITIONS": "many"})
    path = tmp_path / "bad.toml"
    path.write_text("partitons = 3\n")
    with pytest.raises(SettingsError, match="unknown setting 'partitons'; did you mean partitions"):
        load_settings(env={}, config_file=path)
    path.write_text("[dashboard]\nprot = 3\n")
    with pytest.raises(SettingsError, match=r"\[dashboard\]: unknown setting 'prot'; did you mean port"):
        load_settings(env={}, config_file=path)
    path.write_text("[kafka]\nacks = 'all'\n")
    with pytest.raises(SettingsError, match=r"properties go under \[kafka.properties\]"):
        load_settings(env={}, config_file=path)
    path.write_text('bootstrap = "a:1"\n[kafka]\nbootstrap = "b:1"\n')
    with pytest.raises(SettingsError, match=r"sets 'kafka\.bootstrap' a second time"):
        load_settings(env={}, config_file=path)


def test_an_unknown_variable_is_reported_like_a_toml_typo() -> None:
    with pytest.raises(
        SettingsError, match="BAYSTREAM_PARTITONS: not a Baystream setting; did you mean BAYSTREAM_PARTITIONS"
    ):
        load_settings(env={"BAYSTREAM_PARTITONS": "6"})
    with pytest.raises(SettingsError, match="BAYSTREAM_WEBHOOKS: not a Baystream setting"):
        load_settings(env={"BAYSTREAM_WEBHOOKS": "[]"})  # a list of tables: TOML only
    other = {
        "BAYSTREAM_CONFIG": "",
        "BAYSTREAM_TEST_ENGINES": "tansu",
        "BAYSTREAM_SIMULATOR_COMPILED": "0",
        "BAYSTREAM_DECODERS_COMPILED": "0",
        "BAYSTREAM_CHECKS_COMPILED": "0",
    }
    assert load_settings(env=other) == Settings()


def test_secrets_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "kafka-password"
    secret.write_text("s3cret\n")
    env = {"BAYSTREAM_KAFKA_SASL_PASSWORD_FILE": str(secret), "BAYSTREAM_SCHEMA_REGISTRY_FILE": str(secret)}
    settings = load_settings(env=env)
    assert settings.kafka.properties == {"sasl.password": "s3cret"} and settings.kafka.schema_registry == "s3cret"
    assert load_settings(env={"BAYSTREAM_GATEWAY_KEYS_FILE": "keys.toml"}).gateway.keys_file == "keys.toml"
    with pytest.raises(
        SettingsError, match="both BAYSTREAM_KAFKA_SASL_PASSWORD and BAYSTREAM_KAFKA_SASL_PASSWORD_FILE"
    ):
        load_settings(env={**env, "BAYSTREAM_KAFKA_SASL_PASSWORD": "x"})
    with pytest.raises(SettingsError, match="BAYSTREAM_KAFKA_SASL_PASSWORD_FILE: cannot read"):
        load_settings(env={"BAYSTREAM_KAFKA_SASL_PASSWORD_FILE": str(tmp_path / "missing")})


def test_secrets_never_printed(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        env={
            "BAYSTREAM_KAFKA_SASL_USERNAME": "apikey",
            "BAYSTREAM_KAFKA_SASL_PASSWORD": "hunter2",
            "BAYSTREAM_KAFKA_SASL_JAAS_CONFIG": "org.apache... password=hunter3",
            "BAYSTREAM_SCHEMA_REGISTRY": "https://key:hunter4@psrc.example.com",
            "BAYSTREAM_GATEWAY_KEYS": '{"p": {"key_sha256": "hunter5"}}',
        }
    )
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings: %s", settings)
    for shown in (repr(settings), str(settings), f"{settings}", repr(settings.kafka), caplog.text):
        assert not any(f"hunter{n}" in shown for n in range(2, 6)), shown
        assert "apikey" in shown and "https://***@psrc.example.com" in shown
    assert settings.kafka.properties["sasl.password"] == "hunter2"  # the clients still get it


def test_client_configs_are_built_in_one_place() -> None:
    settings = Settings(
        kafka=KafkaSettings(bootstrap="k1:9092", properties={"security.protocol": "SASL_SSL"}, embedded=True)
    )
    producer = producer_config(settings)
    assert producer["partitioner"] == "murmur2_random"
    assert producer["acks"] == "all" and producer["enable.idempotence"] is True
    assert producer["security.protocol"] == "SASL_SSL"
    assert consumer_config(settings, "g")["session.timeout.ms"] == 6000
    assert consumer_config(settings.with_overrides(embedded=False), "g")["session.timeout.ms"] == 45000
    with pytest.raises(SettingsError, match="unknown setting 'bootstrp'; did you mean bootstrap"):
        settings.with_overrides(bootstrp="x")


def test_no_bootstrap_is_a_clear_error() -> None:
    with pytest.raises(BrokerNotConfigured, match="BAYSTREAM_BOOTSTRAP"):
        producer_config(Settings())


def test_one_root_with_three_branches() -> None:
    for error, branch in [
        (SettingsError, ConfigurationError),
        (BrokerNotConfigured, ConfigurationError),
        (InvalidEvent, ContractError),
        (DecodeError, ContractError),
        (PublishError, BrokerError),
    ]:
        assert issubclass(error, branch) and issubclass(branch, BaystreamError)


def test_the_cli_prints_one_line_for_any_baystream_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BAYSTREAM_PARTITONS", "6")
    assert main(["topics", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "BAYSTREAM_PARTITONS: not a Baystream setting" in err
    monkeypatch.delenv("BAYSTREAM_PARTITONS")
    monkeypatch.delenv("BAYSTREAM_BOOTSTRAP", raising=False)
    monkeypatch.delenv("BAYSTREAM_CONFIG", raising=False)
    assert main(["topics", "list"]) == 2
    assert capsys.readouterr().err.startswith("baystream topics: no Kafka broker configured")
