"""Known answers from docs/domain.md and properties of the check digits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from baystream.schemas import identifiers as ids
from tests.schemas.strategies import container, imo


def test_known_container_numbers_are_valid() -> None:
    assert ids.container_number_problem("CSQU3054383") is None
    assert ids.container_number_problem("APZU4812090") is None


def test_container_check_digit_by_hand() -> None:
    # C=13 S=30 Q=28 U=32, digits 3 0 5 4 3 8; weights 2**i:
    # 13*1 + 30*2 + 28*4 + 32*8 + 3*16 + 0*32 + 5*64 + 4*128 + 3*256 + 8*512
    # = 13 + 60 + 112 + 256 + 48 + 0 + 320 + 512 + 768 + 4096 = 6185; 6185 = 11*562 + 3 -> 3
    values = [13, 30, 28, 32, 3, 0, 5, 4, 3, 8]
    total = sum(v * 2**i for i, v in enumerate(values))
    assert total == 6185
    assert total % 11 % 10 == 3 == ids.iso6346_check_digit("CSQU305438")


def test_wrong_check_digit_says_the_right_one() -> None:
    problem = ids.container_number_problem("CSQU3054384")
    assert problem is not None and "is 3, not 4" in problem


@given(container, st.integers(1, 9))
def test_any_other_check_digit_is_rejected(number: str, shift: int) -> None:
    assert ids.container_number_problem(number) is None
    wrong = number[:10] + str((int(number[10]) + shift) % 10)
    assert ids.container_number_problem(wrong) is not None


def test_imo_known_answer() -> None:
    # 9*7 + 3*6 + 2*5 + 1*4 + 4*3 + 8*2 = 63 + 18 + 10 + 4 + 12 + 16 = 123 -> check digit 3
    assert ids.imo_check_digit("932148") == 3
    assert ids.imo_problem("9321483") is None
    assert ids.imo_problem("9321484") == "IMO check digit of 932148 is 3, not 4"
    assert ids.imo_problem("93214") is not None


@given(imo)
def test_generated_imo_numbers_are_valid(number: str) -> None:
    assert ids.imo_problem(number) is None


def test_formats() -> None:
    assert ids.unlocode_problem("USLAX") is None
    assert ids.unlocode_problem("uslax") is not None
    assert ids.scac_problem("MAEU") is None
    assert ids.scac_problem("MAERSK") is not None
    assert ids.chassis_problem("DCLZ400123") is None
    assert ids.chassis_problem("DCLI400123") is not None
    assert ids.uuid_problem("0b6f3c1e-2a4d-4c1b-9a55-3f0e2d1c4b7a") is None
    assert ids.uuid_problem("not-a-uuid") is not None
