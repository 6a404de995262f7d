"""Realistic, valid and deterministic identifiers: vessels (IMO with check digit), boxes (ISO 6346),
chassis, trucks and trucking companies (SCAC), all drawn from one seeded random generator."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Final

from baystream.producers.simulator.facilities import CARRIER_OWNER_CODES, LESSOR_OWNER_CODES
from baystream.schemas.identifiers import (
    ISO6346_SERIAL_HIGH,
    ISO6346_SERIAL_LOW,
    imo_check_digit,
    iso6346_owner_share,
)


def container_number(owner: str, serial: int) -> str:
    """`owner` (4 letters, e.g. MSCU) + 6-digit serial + ISO 6346 check digit."""
    return f"{owner}{digits(serial, 6)}{_check_digit(owner, serial)}"


def _check_digit(owner: str, serial: int) -> int:
    """`schemas.identifiers.iso6346_digit_of`: the same sum over its tables, with the owner shares kept here
    so the compiled build runs it natively (a call into the interpreted function costs ~2,300
    instructions, a third of a container number). tests/producers/simulator/test_identities.py holds it
    to `schemas.identifiers.with_check_digit` for every owner and serial hypothesis draws."""
    share = _OWNER_SHARES.get(owner)
    if share is None:
        share = _OWNER_SHARES[owner] = iso6346_owner_share(owner)
    return (share + _SERIAL_HIGH[serial // 1000] + _SERIAL_LOW[serial % 1000]) % 11 % 10


_UPPER: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_CITIES: Final = (
    "ALGECIRAS",
    "BUSAN",
    "COLOMBO",
    "DENVER",
    "ESSEN",
    "GENOA",
    "HAMBURG",
    "KOBE",
    "LIMA",
    "MADRID",
    "NINGBO",
    "OSAKA",
    "PUSAN",
    "QINGDAO",
    "SANTOS",
    "TOKYO",
    "VALENCIA",
    "XIAMEN",
    "YANTIAN",
    "ZURICH",
    "SEATTLE",
    "OAKLAND",
    "TACOMA",
    "DALIAN",
    "SHANGHAI",
    "TIANJIN",
    "MANILA",
    "JAKARTA",
    "KLANG",
    "CHENNAI",
)
_WORDS: Final = (
    "AMBITION",
    "BRILLIANCE",
    "COURAGE",
    "DESTINY",
    "EMERALD",
    "FORTUNE",
    "GLORY",
    "HARMONY",
    "INFINITY",
    "JADE",
    "LIBERTY",
    "MAJESTY",
    "NOBILITY",
    "OCEAN",
    "PRIDE",
    "QUEST",
    "RADIANCE",
    "SERENITY",
    "TRIUMPH",
    "UNITY",
    "VICTORY",
    "WISDOM",
    "ZENITH",
    "APEX",
    "BEACON",
    "CONSTANT",
    "DYNASTY",
    "EXCELLENCE",
    "FAITH",
)
_GIVEN: Final = (
    "ALINA",
    "BEATRICE",
    "CARLOTTA",
    "DIANA",
    "ELENA",
    "FLAVIA",
    "GIULIA",
    "HELENA",
    "ISABELLA",
    "JULIA",
    "LAURA",
    "MAYA",
    "NOA",
    "OLIVIA",
    "PAOLA",
    "ROSA",
    "SOFIA",
    "TINA",
    "VITA",
    "ZOE",
    "ANNA",
    "CLARA",
)
_PATTERNS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "MAEU": ("MAERSK {}", _CITIES),
    "HLCU": ("{} EXPRESS", _CITIES),
    "MSCU": ("MSC {}", _GIVEN),
    "EGLV": ("EVER {}", _WORDS),
    "CMDU": ("CMA CGM {}", _WORDS),
    "HDMU": ("HMM {}", _CITIES),
    "ONEY": ("ONE {}", _WORDS),
    "COSU": ("COSCO SHIPPING {}", _WORDS),
    "YMLU": ("YM {}", _WORDS),
    "ZIMU": ("ZIM {}", _CITIES),
    "OOLU": ("OOCL {}", _CITIES),
    "MATS": ("MATSON {}", _WORDS),
}


_SERIAL_HIGH: Final[tuple[int, ...]] = ISO6346_SERIAL_HIGH
_SERIAL_LOW: Final[tuple[int, ...]] = ISO6346_SERIAL_LOW
"""Final here, so the compiled build reads them without a lookup."""
_OWNER_SHARES: Final[dict[str, int]] = {}
_THREE_DIGITS: Final = tuple(f"{n:03d}" for n in range(1000))
_THREE_HEX: Final = tuple(f"{n:03x}" for n in range(4096))
_LIMITS: Final = {6: 10**6, 8: 10**8, 9: 10**9}


def digits(n: int, width: int) -> str:
    """`n` zero-padded to `width` (6, 8 or 9) digits: table lookups, the hot path's cheapest formatting
    (a %-format costs ~1,500 instructions here, an f-string format spec more)."""
    if n < 0 or n >= _LIMITS[width]:
        return str(n).zfill(width)
    low = _THREE_DIGITS[n // 1000 % 1000] + _THREE_DIGITS[n % 1000]
    if width == 6:
        return low
    high = _THREE_DIGITS[n // 1_000_000]
    return (high[1:] if width == 8 else high) + low


class EventIds:
    """Event ids of one run: UUID text (version 4, RFC 4122 variant) whose first 74 bits name the run and
    whose last 48 count its events.

    A run is its scenario, seed and start: the same run gives the same ids (a replay deduplicates), another
    run other ids (the run's part is a hash of the three). A counter instead of 122 random bits per
    event: ids are made for every event, and one format of an int is a fifth of the cost of drawing and
    formatting random bits.
    """

    def __init__(self, scenario: str, seed: int, start_ms: int):
        run = hashlib.blake2b(f"{scenario}|{seed}|{start_ms}".encode(), digest_size=16).hexdigest()
        self._prefix = f"{run[:8]}-{run[8:12]}-4{run[13:16]}-{'89ab'[int(run[16], 16) % 4]}{run[17:20]}-"
        self._count = int(run[20:30], 16)  # a 40-bit start: ids look drawn; 2**47 events still fit
        self._head = ""
        """The prefix and the 9 high hex digits of the count: they change every 4,096 events."""

    def next(self) -> str:
        n = self._count
        self._count = n + 1
        low = n & 0xFFF
        if low == 0 or not self._head:
            self._head = f"{self._prefix}{n >> 12:09x}"
        return self._head + _THREE_HEX[low]


@dataclass(frozen=True)
class Vessel:
    imo: str
    name: str
    carrier: str


class Identities:
    """Issues identifiers; everything comes from `rng`, so a seed repeats every id."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._imos: set[str] = set()
        self._names: set[str] = set()
        self._serials: dict[str, int] = {}
        self._visit = 0
        self._call = 0
        self._train = 0
        owners = [*LESSOR_OWNER_CODES]
        self._owners = {carrier: (*codes, *owners) for carrier, codes in CARRIER_OWNER_CODES.items()}
        self._all_owners = tuple(sorted({c for codes in self._owners.values() for c in codes}))
        self.truckers = self._truckers(320)

    def vessel(self, carrier: str) -> Vessel:
        rng = self._rng
        while True:
            first = str(rng.randrange(930_000, 990_000))
            imo = f"{first}{imo_check_digit(first)}"
            if imo not in self._imos:
                self._imos.add(imo)
                break
        pattern, words = _PATTERNS.get(carrier, ("{}", _WORDS))
        name = pattern.format(rng.choice(words))
        while name in self._names:
            name = pattern.format(rng.choice(words) + " " + rng.choice(("I", "II", "III", "IV", "V", "VI")))
        self._names.add(name)
        return Vessel(imo, name, carrier)

    def container(self, carrier: str | None = None) -> str:
        """A new ISO 6346 number (owner code of the carrier or a lessor, serial, check digit)."""
        random = self._rng.random
        owners = self._owners.get(carrier, self._all_owners) if carrier else self._all_owners
        owner = owners[int(random() * len(owners))]
        serial = self._serials.get(owner)
        if serial is None:
            serial = int(random() * 400_000)
        serial = (serial + 1 + int(random() * 3)) % 1_000_000
        self._serials[owner] = serial
        return container_number(owner, serial)

    def visit_id(self, facility: str) -> str:
        self._visit += 1
        return f"{facility}-V{digits(self._visit, 8)}"

    def train_id(self, railroad: str, yard: str) -> str:
        self._train += 1
        return f"{railroad}-{yard}-{self._train:05d}"

    def _truckers(self, count: int) -> tuple[str, ...]:
        found: set[str] = set()
        while len(found) < count:
            size = self._rng.choice((4, 4, 4, 3))
            found.add("".join(self._rng.choice(_UPPER) for _ in range(size)))
        return tuple(sorted(found))

    def chassis_id(self, prefix: str) -> str:
        """Next chassis of a provider: prefix (3 letters + Z) and a 6-digit serial."""
        serial = self._serials.get(prefix)
        if serial is None:
            serial = self._rng.randrange(100_000, 300_000)
        serial += 1
        self._serials[prefix] = serial
        return prefix + digits(serial, 6)  # 34,000 at the start of every run
