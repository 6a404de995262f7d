"""The San Pedro Bay complex as the simulator sees it: the reference terminals plus their services and carriers.

Codes, ports, berths, on-dock rail and pool chassis come from the complex's reference data
(schemas/complex.py, the same the indicator engine and the dashboard read); what only the model needs is
here: weekly calls, carriers and moves per call, chosen so that a normal week moves ~20 M TEU a year and
keeps berths 50-60% busy at the scenario's berth productivity (docs/simulator.md, Calibration).
On-dock rail exists everywhere but at Matson's C60. The UP ICTF is the near-dock yard; containers reach it
by truck.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from baystream.schemas import complex as reference


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
    """Gray-pool chassis on hand at the start (with ICTF_CHASSIS, the ~34,000 of the Pool of Pools)."""
    moves_per_call: int = 4000
    """Mean container moves (discharge + load) of one call."""


_SERVICES: Final[dict[str, tuple[int, tuple[str, ...], int]]] = {
    "APMT": (8, ("MAEU", "HLCU", "MSCU"), 4000),
    "ETS": (5, ("EGLV", "CMDU"), 4000),
    "EAGLE": (5, ("CMDU", "HDMU"), 4000),
    "TRAP": (5, ("ONEY", "HDMU"), 4000),
    "WBCT": (5, ("COSU", "YMLU", "EGLV"), 4000),
    "YUSEN": (3, ("ONEY", "ZIMU"), 4000),
    "ITS": (4, ("ONEY", "HDMU"), 4000),
    "LBCT": (4, ("OOLU", "COSU"), 4000),
    "SSAPCT": (5, ("COSU", "MSCU", "CMDU"), 4000),
    "SSATA": (4, ("MSCU", "ZIMU"), 4000),
    "MATU": (2, ("MATS",), 2000),
    "TTI": (4, ("MSCU", "HDMU"), 4000),
}
"""Per terminal code: weekly calls, carriers (SCAC) of its services, mean moves per call."""


def _spec(terminal: reference.Terminal) -> TerminalSpec:
    calls, carriers, moves = _SERVICES[terminal.code]
    return TerminalSpec(
        terminal.code, terminal.port, terminal.berths, terminal.on_dock_rail, calls, carriers, terminal.chassis, moves
    )


TERMINALS: Final[tuple[TerminalSpec, ...]] = tuple(_spec(t) for t in reference.TERMINALS)
TERMINAL_BY_CODE: Final = {t.code: t for t in TERMINALS}

ICTF: Final = reference.ICTF.code
ICTF_PORT: Final = reference.ICTF.port
ICTF_RAILROAD: Final = reference.ICTF.railroad
ICTF_CHASSIS: Final = reference.ICTF.chassis

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


LAST_PORTS: Final[tuple[tuple[str, float], ...]] = (
    ("CNSHA", 0.12),
    ("CNNGB", 0.10),
    ("CNYTN", 0.10),
    ("CNXMN", 0.08),
    ("HKHKG", 0.05),
    ("TWKHH", 0.08),
    ("KRPUS", 0.12),
    ("JPTYO", 0.07),
    ("VNSGN", 0.10),
    ("SGSIN", 0.06),
    ("USOAK", 0.06),
    ("USSEA", 0.06),
)
"""Previous ports of call and their share of calls: mostly East and Southeast Asia, China 40% (calls carry
about as many boxes each, so about 40% of the discharged boxes too), some loops via Oakland or Seattle."""
FUELS: Final[tuple[tuple[str, float], ...]] = (
    ("VLSFO", 0.60),
    ("MGO", 0.25),
    ("HFO_SCRUBBER", 0.08),
    ("LNG", 0.04),
    ("METHANOL", 0.02),
    ("BIOFUEL", 0.01),
)
"""A ship's usual fuel: mostly very-low-sulphur fuel or gas oil, a few LNG or methanol ships."""
CORRIDOR_FUELS: Final = ("LNG", "METHANOL", "BIOFUEL", "AMMONIA")
"""What a green-corridor call from Shanghai burns."""
