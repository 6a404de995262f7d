"""Reference data of the San Pedro Bay port complex: its id, its two ports, their terminals and rail yard.

One source for every folder: the simulator builds its terminals from it, the indicator engine its facility
defaults (berths, pool chassis) and the dashboard its tile order and names. It lives in schemas/ because
these codes are the contract's: the `port` (UN/LOCODE) and `facility` (SMDG terminal code) of every event,
and the scope ids of every indicator (`USLAX/APMT`, `USLAX`, `SPB`). Plain data, no imports beyond the
standard library, so any module (the compiled simulator included) can read it. The figures are described
in docs/domain.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Port:
    """One of the complex's two ports."""

    code: str
    """UN/LOCODE, the `port` of events and the scope id of the port's indicators."""
    name: str


@dataclass(frozen=True)
class Terminal:
    """A container terminal: where vessels berth, trucks gate in and out, on-dock trains load."""

    code: str
    """SMDG terminal code, the `facility` of events."""
    port: str
    name: str
    berths: tuple[str, ...]
    """Berth names; their count is how many vessels the terminal can work at once."""
    on_dock_rail: bool
    chassis: int
    """Gray-pool chassis on hand when counting starts (the terminal's share of the Pool of Pools)."""

    @property
    def scope(self) -> str:
        """The facility scope id of its indicators, `<port>/<code>`."""
        return facility_scope(self.port, self.code)


@dataclass(frozen=True)
class RailYard:
    """A near-dock rail yard: boxes reach it by truck and leave it by train."""

    code: str
    port: str
    name: str
    railroad: str
    chassis: int
    """Gray-pool chassis on hand when counting starts."""

    @property
    def scope(self) -> str:
        return facility_scope(self.port, self.code)


COMPLEX_ID: Final = "SPB"
"""Scope id of the whole complex's indicators."""
COMPLEX_NAME: Final = "San Pedro Bay complex"

LOS_ANGELES: Final = Port("USLAX", "Port of Los Angeles")
LONG_BEACH: Final = Port("USLGB", "Port of Long Beach")
PORTS: Final[tuple[Port, ...]] = (LOS_ANGELES, LONG_BEACH)
PORT_CODES: Final[tuple[str, ...]] = tuple(p.code for p in PORTS)
PORT_NAMES: Final[dict[str, str]] = {p.code: p.name for p in PORTS}

_LA, _LB = LOS_ANGELES.code, LONG_BEACH.code
TERMINALS: Final[tuple[Terminal, ...]] = (
    Terminal("APMT", _LA, "APM Terminals", ("401", "402", "403", "404", "405", "406"), True, 4000),
    Terminal("ETS", _LA, "Everport", ("226", "228", "230", "232"), True, 2500),
    Terminal("EAGLE", _LA, "Fenix Marine Services", ("302", "303", "304", "305"), True, 3000),
    Terminal("TRAP", _LA, "TraPac", ("136", "139", "144", "147"), True, 2500),
    Terminal("WBCT", _LA, "West Basin Container Terminal", ("100", "102", "121", "125"), True, 2500),
    Terminal("YUSEN", _LA, "Yusen Terminals", ("212", "214", "218"), True, 2000),
    Terminal("ITS", _LB, "International Transportation Service", ("G230", "G232", "G236"), True, 2000),
    Terminal("LBCT", _LB, "Long Beach Container Terminal", ("E24", "E26", "E28"), True, 3000),
    Terminal("SSAPCT", _LB, "Pacific Container Terminal", ("J243", "J245", "J247", "J266"), True, 3000),
    Terminal("SSATA", _LB, "SSA Pier A", ("A90", "A92", "A94"), True, 2000),
    Terminal("MATU", _LB, "SSA C60 (Matson)", ("C60", "C62"), False, 1000),
    Terminal("TTI", _LB, "Total Terminals International", ("T132", "T136", "T140", "T144"), True, 3000),
)
"""The 12 container terminals, Los Angeles first, in the order people expect to see them."""
TERMINAL_BY_CODE: Final[dict[str, Terminal]] = {t.code: t for t in TERMINALS}

ICTF: Final = RailYard("ICTF", _LB, "UP ICTF (near-dock rail)", "UP", 3500)
"""The Intermodal Container Transfer Facility, Union Pacific's near-dock yard."""
RAIL_YARDS: Final[tuple[RailYard, ...]] = (ICTF,)

FACILITIES: Final[tuple[Terminal | RailYard, ...]] = (*TERMINALS, *RAIL_YARDS)
"""Every facility of the complex that the indicators know: terminals, then rail yards."""

POOL_CHASSIS: Final = sum(f.chassis for f in FACILITIES)
"""Gray-pool chassis of the Pool of Pools, spread over the 12 terminals and the ICTF (about 34,000)."""


def facility_scope(port: str, code: str) -> str:
    """The scope id of a facility's indicators: `USLAX/APMT`."""
    return f"{port}/{code}"


def facility_names() -> dict[str, str]:
    """Display name of every known facility, by scope id."""
    return {f.scope: f.name for f in FACILITIES}
