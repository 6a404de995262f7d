"""The San Pedro Bay complex as the simulator sees it (DOMAIN.md): terminals, berths, rail yards, carriers.

Berths and pool chassis per location match the indicator engine's facility defaults (streams/config.py);
weekly calls are chosen so that a normal week keeps berths 50-60% busy. On-dock rail exists everywhere
but at Matson's C60. The UP ICTF is the near-dock yard; containers reach it by truck.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class TerminalSpec:
    """A container terminal: SMDG code, port, berth names, on-dock rail, weekly services and their carriers."""

    code: str
    port: str
    berths: tuple[str, ...]
    on_dock_rail: bool
    weekly_calls: int
    carriers: tuple[str, ...]
    chassis: int
    """Gray-pool chassis on hand at the start (the ~34,000 of the Pool of Pools, ICTF_CHASSIS more at the ICTF)."""
    moves_per_call: int = 2800
    """Mean container moves (discharge + load) of one call."""


TERMINALS: Final[tuple[TerminalSpec, ...]] = (
    TerminalSpec("APMT", "USLAX", ("401", "402", "403", "404", "405", "406"), True, 8, ("MAEU", "HLCU", "MSCU"), 4000),
    TerminalSpec("ETS", "USLAX", ("226", "228", "230", "232"), True, 5, ("EGLV", "CMDU"), 2500),
    TerminalSpec("EAGLE", "USLAX", ("302", "303", "304", "305"), True, 5, ("CMDU", "HDMU"), 3000),
    TerminalSpec("TRAP", "USLAX", ("136", "139", "144", "147"), True, 5, ("ONEY", "HDMU"), 2500),
    TerminalSpec("WBCT", "USLAX", ("100", "102", "121", "125"), True, 5, ("COSU", "YMLU", "EGLV"), 2500),
    TerminalSpec("YUSEN", "USLAX", ("212", "214", "218"), True, 3, ("ONEY", "ZIMU"), 2000),
    TerminalSpec("ITS", "USLGB", ("G230", "G232", "G236"), True, 4, ("ONEY", "HDMU"), 2000),
    TerminalSpec("LBCT", "USLGB", ("E24", "E26", "E28"), True, 4, ("OOLU", "COSU"), 3000),
    TerminalSpec("SSAPCT", "USLGB", ("J243", "J245", "J247", "J266"), True, 5, ("COSU", "MSCU", "CMDU"), 3000),
    TerminalSpec("SSATA", "USLGB", ("A90", "A92", "A94"), True, 4, ("MSCU", "ZIMU"), 2000),
    TerminalSpec("MATU", "USLGB", ("C60", "C62"), False, 2, ("MATS",), 1000, moves_per_call=1500),
    TerminalSpec("TTI", "USLGB", ("T132", "T136", "T140", "T144"), True, 4, ("MSCU", "HDMU"), 3000),
)
TERMINAL_BY_CODE: Final = {t.code: t for t in TERMINALS}

ICTF: Final = "ICTF"
ICTF_PORT: Final = "USLGB"
ICTF_RAILROAD: Final = "UP"
ICTF_CHASSIS: Final = 3500

RAILROADS: Final = ("UP", "BNSF")
DESTINATIONS: Final[dict[str, tuple[str, ...]]] = {
    "UP": ("Chicago Global IV", "Dallas Mesquite", "Kansas City", "Salt Lake City", "Houston Englewood"),
    "BNSF": ("Chicago Logistics Park", "Memphis", "Kansas City Logistics Park", "Dallas Alliance"),
}

CHASSIS_PROVIDERS: Final[tuple[tuple[str, str, str, float], ...]] = (
    ("DCLI", "DCLZ", "DCLI", 0.5),
    ("TRAC", "TRCZ", "TRAC", 0.3),
    ("FLEXIVAN", "FLXZ", "FLXV", 0.2),
)
"""(provider, chassis id prefix, source SCAC, share of the pool fleet)."""

ISO_TYPES: Final[tuple[tuple[str, str, float], ...]] = (
    ("22G1", "20", 0.2),
    ("42G1", "40", 0.15),
    ("45G1", "40", 0.6),
    ("L5G1", "45", 0.05),
)
"""(ISO size-type, chassis size it rides on, share of boxes)."""

CARRIER_OWNER_CODES: Final[dict[str, tuple[str, ...]]] = {
    "MAEU": ("MSKU", "MRKU", "MAEU"),
    "HLCU": ("HLXU", "HLBU"),
    "MSCU": ("MSCU", "MEDU", "TGHU"),
    "EGLV": ("EGHU", "EISU", "EMCU"),
    "CMDU": ("CMAU", "CGMU", "APZU"),
    "HDMU": ("HDMU", "KOCU"),
    "ONEY": ("ONEU", "NYKU", "KKFU"),
    "COSU": ("CSNU", "CBHU", "CCLU"),
    "YMLU": ("YMLU", "YMMU"),
    "ZIMU": ("ZIMU", "ZCSU"),
    "OOLU": ("OOLU", "OOCU"),
    "MATS": ("MATU",),
}
"""BIC owner codes (prefix + category U) of each carrier's boxes, plus lessors shared by all."""
LESSOR_OWNER_CODES: Final = ("TCLU", "TGBU", "CAIU", "SEGU", "FCIU", "TRHU", "BMOU", "GESU")
