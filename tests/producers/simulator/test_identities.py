"""Identifiers: valid check digits, UUID-4 event ids unique per run, repeatable for a seed."""

from __future__ import annotations

import random
import uuid

from hypothesis import given
from hypothesis import strategies as st

from baystream.producers.simulator.facilities import CARRIER_OWNER_CODES
from baystream.producers.simulator.identities import EventIds, Identities, container_number, digits
from baystream.schemas.identifiers import (
    chassis_problem,
    container_number_problem,
    imo_problem,
    scac_problem,
    with_check_digit,
)


@given(st.sampled_from(["normal", "congested-2021"]), st.integers(0, 2**32), st.integers(0, 2**42))
def test_event_ids_are_uuid4_text_unique_and_repeatable(scenario: str, seed: int, start_ms: int) -> None:
    run = EventIds(scenario, seed, start_ms)
    ids = [run.next() for _ in range(500)]
    assert len(set(ids)) == 500
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 4 for i in ids)
    assert all(uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    again = EventIds(scenario, seed, start_ms)
    assert [again.next() for _ in range(500)] == ids


def test_event_ids_of_other_runs_differ() -> None:
    runs = [("normal", 1, 0), ("normal", 2, 0), ("normal", 1, 60_000), ("chassis-shortage", 1, 0)]
    heads = {EventIds(*run).next()[:24] for run in runs}  # the run's part: 8-4-4-4 hex digits
    assert len(heads) == len(runs)


@given(st.integers(0, 2**32), st.sampled_from([None, *CARRIER_OWNER_CODES]))
def test_container_numbers_carry_the_iso6346_check_digit(seed: int, carrier: str | None) -> None:
    ids = Identities(random.Random(seed))
    for _ in range(200):
        number = ids.container(carrier)
        assert number == with_check_digit(number[:10])
        assert container_number_problem(number) is None


def test_known_check_digits() -> None:
    assert container_number("CSQU", 305438) == "CSQU3054383"  # docs/domain.md's examples
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


@given(st.sampled_from([6, 8, 9]), st.integers(-5, 2 * 10**9))
def test_digits_zero_pads_like_a_format(width: int, n: int) -> None:
    assert digits(n, width) == f"{n:0{width}d}"


def test_event_ids_carry_across_the_4096_boundary() -> None:
    run = EventIds("normal", 1, 0)
    run._count = 0xFFE  # two before a change of the high digits
    assert [run.next()[-12:] for _ in range(4)] == ["000000000ffe", "000000000fff", "000000001000", "000000001001"]
