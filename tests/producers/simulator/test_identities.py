"""Identifiers: valid check digits, the same UUID text as the uuid module, repeatable for a seed."""

from __future__ import annotations

import random
import uuid

from hypothesis import given
from hypothesis import strategies as st

from producers.simulator.facilities import CARRIER_OWNER_CODES
from producers.simulator.identities import Identities, container_number
from schemas.identifiers import chassis_problem, container_number_problem, imo_problem, scac_problem, with_check_digit


@given(st.integers(0, 2**32))
def test_event_ids_are_the_uuid4_of_the_drawn_bits(seed: int) -> None:
    ids = Identities(random.Random(seed))
    twin = random.Random(seed)
    Identities(twin)  # consume what the constructor draws
    for _ in range(20):
        assert ids.event_id() == str(uuid.UUID(int=twin.getrandbits(128), version=4))


@given(st.integers(0, 2**32), st.sampled_from([None, *CARRIER_OWNER_CODES]))
def test_container_numbers_carry_the_iso6346_check_digit(seed: int, carrier: str | None) -> None:
    ids = Identities(random.Random(seed))
    for _ in range(200):
        number = ids.container(carrier)
        assert number == with_check_digit(number[:10])
        assert container_number_problem(number) is None


def test_known_check_digits() -> None:
    assert container_number("CSQU", 305438) == "CSQU3054383"  # DOMAIN.md's examples
    assert container_number("APZU", 481209) == "APZU4812090"


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3), st.integers(0, 999_999))
def test_table_check_digit_matches_the_schema_rule(owner: str, serial: int) -> None:
    assert container_number(owner + "U", serial) == with_check_digit(f"{owner}U{serial:06d}")


def test_vessels_trucks_and_chassis_are_valid_and_unique() -> None:
    ids = Identities(random.Random(3))
    vessels = [ids.vessel(carrier) for carrier in CARRIER_OWNER_CODES for _ in range(15)]
    assert all(imo_problem(v.imo) is None for v in vessels)
    assert len({v.imo for v in vessels}) == len(vessels)
    assert len({v.name for v in vessels}) == len(vessels)
    assert all(scac_problem(t) is None for t in ids.truckers)
    chassis = [ids.chassis_id(prefix) for prefix in ("DCLZ", "TRCZ", "FLXZ") for _ in range(100)]
    assert all(chassis_problem(c) is None for c in chassis) and len(set(chassis)) == 300


def test_same_seed_same_identities() -> None:
    a, b = Identities(random.Random(11)), Identities(random.Random(11))
    assert [a.container("MSCU") for _ in range(50)] == [b.container("MSCU") for _ in range(50)]
    assert a.vessel("MAEU") == b.vessel("MAEU")
