"""Keys files (TOML, JSON) and the environment form; the demo parties only on the embedded broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baystream.infra.settings import Settings
from baystream.producers.gateway.identities import KeysError, Role, hash_key
from baystream.producers.gateway.keys import DEMO_KEYS, load_keyring, read_keys_file

TOML = f"""
[abcd-trucking]
key_sha256 = "{hash_key("trucker-key")}"
role = "trucker"
scac = "ABCD"

[apm-terminals]
key_sha256 = "{hash_key("terminal-key")}"
role = "terminal"
facility = "APMT"
port = "USLAX"
"""


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(TOML)
    trucker, terminal = read_keys_file(path)
    assert (trucker.party, trucker.role, trucker.code, trucker.port) == ("abcd-trucking", Role.TRUCKER, "ABCD", None)
    assert (terminal.role, terminal.code, terminal.port) == (Role.TERMINAL, "APMT", "USLAX")


def test_json_file_and_environment_add_up(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"up": {"key_sha256": hash_key("u"), "role": "railroad", "railroad": "UP"}}))
    env = json.dumps({"dcli": {"key_sha256": hash_key("d"), "role": "chassis_provider", "provider": "DCLI"}})
    ring, demo = load_keyring(Settings().with_overrides(gateway_keys_file=str(path), gateway_keys=env))
    assert not demo
    assert ring.authenticate("u").party == "up"  # type: ignore[union-attr]
    assert ring.authenticate("d").party == "dcli"  # type: ignore[union-attr]


def test_errors_name_the_origin(tmp_path: Path) -> None:
    bad = tmp_path / "keys.toml"
    bad.write_text('[x]\nrole = "trucker"\n')
    with pytest.raises(KeysError, match=r"keys file .*keys.toml: API key entry 'x'"):
        read_keys_file(bad)
    with pytest.raises(KeysError, match="not valid TOML"):
        bad.write_text("[x")
        read_keys_file(bad)
    with pytest.raises(KeysError, match="No such file"):
        read_keys_file(tmp_path / "missing.toml")
    with pytest.raises(KeysError, match="BAYSTREAM_GATEWAY_KEYS: not valid JSON"):
        load_keyring(Settings().with_overrides(gateway_keys="{"))


def test_demo_parties_only_on_the_embedded_broker() -> None:
    ring, demo = load_keyring(Settings().with_overrides(embedded=True))
    assert demo
    assert {ring.authenticate(key).party for key, _ in DEMO_KEYS.values()} == set(DEMO_KEYS)  # type: ignore[union-attr]
    ring, demo = load_keyring(Settings().with_overrides(bootstrap="kafka:9092"))
    assert not demo and len(ring) == 0
