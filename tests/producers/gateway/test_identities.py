"""Keys, roles and the rule each role obeys: every role's own case, and the cases that must be refused."""

from __future__ import annotations

import hashlib

import pytest

from baystream.producers.gateway.identities import (
    Identity,
    KeyRing,
    KeysError,
    Role,
    hash_key,
    identity_from_entry,
    new_key,
    permission_problem,
)
from baystream.schemas.json_form import parse_event
from tests.events import event


def ident(role: Role, code: str, key: str = "k", port: str | None = None) -> Identity:
    return Identity(f"p-{code}", role, code, hash_key(key), port)


def record(type_name: str, **fields: object) -> dict[str, object]:
    return parse_event(event(type_name, **fields))


def test_hash_key_is_hex_sha256() -> None:
    # sha256("abc") is the FIPS 180-2 test vector.
    assert hash_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_key("abc") == hashlib.sha256(b"abc").hexdigest()


def test_new_keys_are_distinct_and_long() -> None:
    keys = {new_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(len(k) >= 40 for k in keys)


def test_keyring_finds_the_holder_and_refuses_others() -> None:
    a, b = ident(Role.TRUCKER, "ABCD", "key-a"), ident(Role.TERMINAL, "APMT", "key-b")
    ring = KeyRing([a, b])
    assert ring.authenticate("key-a") is a
    assert ring.authenticate("key-b") is b
    assert ring.authenticate("key-c") is None
    assert ring.authenticate("") is None
    assert ring.authenticate(None) is None


def test_keyring_refuses_a_shared_key() -> None:
    with pytest.raises(KeysError, match="share one key"):
        KeyRing([ident(Role.TRUCKER, "ABCD", "same"), ident(Role.TRUCKER, "EFGH", "same")])


@pytest.mark.parametrize(
    ("role", "code", "type_name", "fields"),
    [
        (Role.TERMINAL, "APMT", "GateMove", {"facility": "APMT", "trucker": "ZZZZ"}),
        (Role.TERMINAL, "APMT", "VesselArrival", {"facility": "APMT"}),
        (Role.TERMINAL, "APMT", "ContainerEvent", {"facility": "APMT"}),
        (Role.TRUCKER, "ABCD", "GateMove", {"trucker": "ABCD", "facility": "LBCT"}),
        (Role.CARRIER, "MAEU", "VesselArrival", {"carrier": "MAEU"}),
        (Role.CHASSIS_PROVIDER, "TRAC", "ChassisCheckout", {"provider": "TRAC"}),
        (Role.RAILROAD, "BNSF", "RailDeparture", {"railroad": "BNSF"}),
    ],
)
def test_each_role_publishes_its_own_events(role: Role, code: str, type_name: str, fields: dict[str, str]) -> None:
    assert permission_problem(ident(role, code), record(type_name, **fields)) is None


@pytest.mark.parametrize(
    ("role", "code", "type_name", "fields", "field"),
    [
        (Role.TRUCKER, "ABCD", "GateMove", {"trucker": "EFGH"}, "trucker"),
        (Role.TRUCKER, "ABCD", "ChassisCheckout", {"trucker": "ABCD"}, "type"),
        (Role.TERMINAL, "APMT", "GateMove", {"facility": "LBCT"}, "facility"),
        (Role.TERMINAL, "APMT", "RailDeparture", {"facility": "APMT"}, "type"),
        (Role.CARRIER, "MAEU", "VesselArrival", {"carrier": "CMDU"}, "carrier"),
        (Role.CARRIER, "MAEU", "ContainerEvent", {}, "type"),
        (Role.CHASSIS_PROVIDER, "DCLI", "ChassisCheckout", {"provider": "FLEXIVAN"}, "provider"),
        (Role.RAILROAD, "UP", "RailDeparture", {"railroad": "BNSF"}, "railroad"),
    ],
)
def test_outside_the_role_is_refused_naming_the_field(
    role: Role, code: str, type_name: str, fields: dict[str, str], field: str
) -> None:
    problem = permission_problem(ident(role, code), record(type_name, **fields))
    assert problem is not None
    assert problem.field == field


def test_a_party_bound_to_a_port_publishes_only_there() -> None:
    terminal = ident(Role.TERMINAL, "APMT", port="USLAX")
    assert permission_problem(terminal, record("GateMove", port="USLAX")) is None
    problem = permission_problem(terminal, record("GateMove", port="USLGB"))
    assert problem is not None and problem.field == "port"


def test_entry_parsing() -> None:
    digest = hash_key("x")
    got = identity_from_entry("abcd", {"key_sha256": digest.upper(), "role": "Chassis Provider", "provider": "DCLI"})
    assert got == Identity("abcd", Role.CHASSIS_PROVIDER, "DCLI", digest, None)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"role": "trucker", "scac": "ABCD"}, "key_sha256"),
        ({"key_sha256": "12", "role": "trucker", "scac": "ABCD"}, "64 hex"),
        ({"key_sha256": "0" * 64, "role": "pilot", "scac": "ABCD"}, "role 'pilot'"),
        ({"key_sha256": "0" * 64, "role": "trucker"}, "needs 'scac'"),
        ({"key_sha256": "0" * 64, "role": "trucker", "scac": "abcd1"}, "SCAC"),
        ({"key_sha256": "0" * 64, "role": "railroad", "railroad": "CSX"}, "UP, BNSF"),
        ({"key_sha256": "0" * 64, "role": "trucker", "scac": "ABCD", "facility": "APMT"}, "unknown field"),
        ({"key_sha256": "0" * 64, "role": "terminal", "facility": "APMT", "port": "LA"}, "UN/LOCODE"),
        ("not a table", "expected a table"),
    ],
)
def test_bad_entries_name_the_entry_and_the_problem(entry: object, message: str) -> None:
    with pytest.raises(KeysError) as info:
        identity_from_entry("the-party", entry)
    assert "'the-party'" in str(info.value)
    assert message in str(info.value)
