"""Check digits and formats of port identifiers: ISO 6346 containers, IMO numbers, UN/LOCODEs, SCACs."""

from __future__ import annotations

import re
from functools import lru_cache

ISO6346_PATTERN = re.compile(r"[A-Z]{3}[UJZ][0-9]{7}")
_LETTER_VALUES = {}
_value = 10
for _letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    if _value % 11 == 0:
        _value += 1
    _LETTER_VALUES[_letter] = _value
    _value += 1
UNLOCODE_PATTERN = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
SCAC_PATTERN = re.compile(r"[A-Z]{2,4}")
CHASSIS_PATTERN = re.compile(r"[A-Z]{3}Z[0-9]{4,7}")
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FACILITY_PATTERN = re.compile(r"[A-Z0-9]{2,10}")
IMO_PATTERN = re.compile(r"[0-9]{7}")
"""The shape of an IMO number (its check digit is `imo_problem`'s); the patterns are public for the OpenAPI
documents, which state the same formats the validators check. They are matched whole (`fullmatch`): no
`^...$`, whose `$` also matches before a trailing newline, and `[0-9]`, not `\\d`, which takes any
Unicode digit (an Arabic-Indic or superscript one)."""

MAX_IDENTIFIER = 64
IDENTIFIER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:/#+-]{0,63}")
"""A party's own reference (visit, truck, appointment, call, train, voyage, berth, location, ISO type,
source): 1 to 64 characters of ASCII letters, digits, space and `._:/#+-`, starting with a letter or digit.
No control characters, no quotes or markup: these end up in logs, metric labels and dashboards."""
MAX_TEXT = 200
"""A name in words (vessel name, rail destination): 1 to 200 characters of printable Unicode."""
IDENTIFIER_FIELDS = frozenset(
    {"visit_id", "truck_id", "appointment_id", "call_id", "train_id", "voyage", "berth", "location", "iso_type"}
    | {"source"}
)
"""The string fields of the input events checked with `identifier_problem`."""
TEXT_FIELDS = frozenset({"vessel_name", "destination"})
"""The string fields of the input events checked with `text_problem`."""


def schema_pattern(pattern: re.Pattern[str]) -> str:
    """A pattern above as a JSON Schema `pattern`: anchored, since JSON Schema searches (and its `$`, unlike
    Python's, never matches before a trailing newline)."""
    return f"^{pattern.pattern}$"


# ISO 6346 weights character i by 2**i. The serial's share is tabled per 3-digit half and the owner's
# share cached per owner code, so a check digit costs two lookups and an addition (the hot publish path).
ISO6346_SERIAL_HIGH = tuple(sum(int(c) << (4 + i) for i, c in enumerate(f"{n:03d}")) for n in range(1000))
"""The share in the weighted sum of a serial's first three digits (serial // 1000)."""
ISO6346_SERIAL_LOW = tuple(sum(int(c) << (7 + i) for i, c in enumerate(f"{n:03d}")) for n in range(1000))
"""The share of its last three digits (serial % 1000)."""


@lru_cache(maxsize=4096)
def iso6346_owner_share(owner: str) -> int:
    """The share in the weighted sum of an owner code with its category letter (e.g. MSCU)."""
    return sum(_LETTER_VALUES[c] << i for i, c in enumerate(owner))


def iso6346_check_digit(first_ten: str) -> int:
    """Check digit of owner code + category (4 letters) + 6-digit serial."""
    return iso6346_digit_of(first_ten[:4], int(first_ten[4:10]))


def iso6346_digit_of(owner: str, serial: int) -> int:
    """Check digit of an owner code with its category letter (e.g. MSCU) and a serial below 1,000,000."""
    total = iso6346_owner_share(owner) + ISO6346_SERIAL_HIGH[serial // 1000] + ISO6346_SERIAL_LOW[serial % 1000]
    return total % 11 % 10


@lru_cache(maxsize=65536)
def container_number_problem(value: str) -> str | None:
    """None for a valid ISO 6346 container number, else what is wrong with it (cached: containers recur)."""
    if not ISO6346_PATTERN.fullmatch(value):
        return "expected an ISO 6346 container number: 3-letter owner, U/J/Z, 6 digits, check digit"
    digits = int(value[4:])  # the serial and its check digit: 7 ASCII digits, as the pattern says
    expected = iso6346_digit_of(value[:4], digits // 10)
    if digits % 10 != expected:
        return f"ISO 6346 check digit of {value[:10]} is {expected}, not {value[10]}"
    return None


def with_check_digit(first_ten: str) -> str:
    """Complete a container number with its check digit (simulator, tests)."""
    return f"{first_ten}{iso6346_check_digit(first_ten)}"


def imo_check_digit(first_six: str) -> int:
    return sum(int(d) * w for d, w in zip(first_six, (7, 6, 5, 4, 3, 2), strict=True)) % 10


def imo_problem(value: str) -> str | None:
    """None for a valid IMO number (7 digits, optional 'IMO' prefix not allowed), else the problem."""
    if not IMO_PATTERN.fullmatch(value):
        return "expected an IMO number of 7 digits"
    expected = imo_check_digit(value[:6])
    if int(value[6]) != expected:
        return f"IMO check digit of {value[:6]} is {expected}, not {value[6]}"
    return None


def unlocode_problem(value: str) -> str | None:
    return None if UNLOCODE_PATTERN.fullmatch(value) else "expected a UN/LOCODE: 2-letter country + 3 letters/digits"


def scac_problem(value: str) -> str | None:
    return None if SCAC_PATTERN.fullmatch(value) else "expected a SCAC of 2 to 4 capital letters"


def chassis_problem(value: str) -> str | None:
    if CHASSIS_PATTERN.fullmatch(value):
        return None
    return "expected a chassis id: 3-letter owner prefix, Z, 4 to 7 digits (e.g. DCLZ400123)"


def uuid_problem(value: str) -> str | None:
    return None if UUID_PATTERN.fullmatch(value) else "expected a UUID like 0b6f3c1e-2a4d-4c1b-9a55-3f0e2d1c4b7a"


def facility_problem(value: str) -> str | None:
    return None if FACILITY_PATTERN.fullmatch(value) else "expected an SMDG facility code: 2-10 capitals or digits"


def identifier_problem(value: str) -> str | None:
    """None for a party's reference within IDENTIFIER_PATTERN, else what is wrong with it."""
    if IDENTIFIER_PATTERN.fullmatch(value):
        return None
    if len(value) > MAX_IDENTIFIER:
        return f"longer than {MAX_IDENTIFIER} characters ({len(value)})"
    return f"expected 1 to {MAX_IDENTIFIER} ASCII letters, digits, spaces or ._:/#+- starting with a letter or digit"


def text_problem(value: str) -> str | None:
    """None for a name of printable Unicode text of at most MAX_TEXT characters, else the problem."""
    if len(value) > MAX_TEXT:
        return f"longer than {MAX_TEXT} characters ({len(value)})"
    if not value.isprintable() or value.strip() != value:
        return "expected printable text without control characters or leading/trailing spaces"
    return None
