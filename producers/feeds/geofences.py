"""Geofences of San Pedro Bay for the AIS feed: the two ports' anchorages and each terminal's berths.

Approximate, placed by hand from the general layout of the harbour on public maps and charts (the
anchorages outside the San Pedro breakwater, each terminal's quay); good to a few hundred metres, enough to
tell where a ship is, not for navigation. A terminal's quay is a line with the water on one side; its berths
(names from `schemas.complex`, in quay order) are equal slices of a strip `QUAY_DEPTH_M` wide along it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from baystream.schemas.complex import TERMINALS

Point = tuple[float, float]
"""(latitude, longitude) in degrees."""

QUAY_DEPTH_M = 150.0
"""How far from the quay line a ship alongside lies, at most (a post-Panamax is ~50 m wide)."""

HOLDING_AREA: Point = (32.95, -118.70)
"""A ship held offshore by the queuing system (up to 150 nm out): about 50 nm south of the ports, outside
every geofence, so AIS reports no milestone for it (docs/feeds.md)."""

ANCHORAGES: dict[str, tuple[Point, ...]] = {
    # port: polygon (lat, lon), outside the breakwater, south of the Los Angeles and Long Beach entrances
    "USLAX": ((33.690, -118.290), (33.715, -118.290), (33.715, -118.230), (33.690, -118.230)),
    "USLGB": ((33.695, -118.200), (33.730, -118.200), (33.730, -118.120), (33.695, -118.120)),
}
"""Anchorage polygons by the port (UN/LOCODE) whose anchorage it is."""

QUAYS: dict[str, tuple[Point, Point, float]] = {
    # terminal: (quay start, quay end, bearing of the water side in degrees from north)
    "WBCT": ((33.7640, -118.2770), (33.7580, -118.2770), 90.0),
    "TRAP": ((33.7680, -118.2700), (33.7680, -118.2610), 180.0),
    "YUSEN": ((33.7650, -118.2560), (33.7590, -118.2560), 270.0),
    "ETS": ((33.7580, -118.2600), (33.7530, -118.2600), 270.0),
    "EAGLE": ((33.7450, -118.2660), (33.7390, -118.2660), 270.0),
    "APMT": ((33.7420, -118.2530), (33.7280, -118.2470), 250.0),
    "SSATA": ((33.7730, -118.2320), (33.7730, -118.2250), 180.0),
    "TTI": ((33.7600, -118.2430), (33.7530, -118.2430), 90.0),
    "MATU": ((33.7640, -118.2130), (33.7640, -118.2090), 180.0),
    "ITS": ((33.7560, -118.2050), (33.7510, -118.2050), 270.0),
    "LBCT": ((33.7620, -118.2250), (33.7620, -118.2180), 180.0),
    "SSAPCT": ((33.7420, -118.1950), (33.7350, -118.1950), 90.0),
}
"""Each terminal's quay, by SMDG code (the terminals of `schemas.complex`)."""

_M_PER_DEG_LAT = 111_320.0


def _m_per_deg_lon(lat: float) -> float:
    return _M_PER_DEG_LAT * math.cos(math.radians(lat))


@dataclass(frozen=True)
class Berth:
    """One berth: its terminal, port and name, and its polygon (4 corners, lat/lon)."""

    facility: str
    port: str
    name: str
    polygon: tuple[Point, ...]

    @property
    def centre(self) -> Point:
        return (sum(p[0] for p in self.polygon) / 4, sum(p[1] for p in self.polygon) / 4)


def inside(point: Point, polygon: tuple[Point, ...]) -> bool:
    """Ray casting: is the point inside the polygon (small areas: lat/lon as plane coordinates)."""
    lat, lon = point
    result = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        (lat_i, lon_i), (lat_j, lon_j) = polygon[i], polygon[j]
        if (lat_i > lat) != (lat_j > lat) and lon < (lon_j - lon_i) * (lat - lat_i) / (lat_j - lat_i) + lon_i:
            result = not result
        j = i
    return result


@cache
def berths() -> tuple[Berth, ...]:
    """Every berth polygon of every terminal with a quay."""
    out = []
    for terminal in TERMINALS:
        if terminal.code not in QUAYS:
            continue
        (a_lat, a_lon), (b_lat, b_lon), bearing = QUAYS[terminal.code]
        off_lat = QUAY_DEPTH_M * math.cos(math.radians(bearing)) / _M_PER_DEG_LAT
        off_lon = QUAY_DEPTH_M * math.sin(math.radians(bearing)) / _m_per_deg_lon(a_lat)
        n = len(terminal.berths)
        for i, name in enumerate(terminal.berths):
            s = (a_lat + (b_lat - a_lat) * i / n, a_lon + (b_lon - a_lon) * i / n)
            e = (a_lat + (b_lat - a_lat) * (i + 1) / n, a_lon + (b_lon - a_lon) * (i + 1) / n)
            polygon = (s, e, (e[0] + off_lat, e[1] + off_lon), (s[0] + off_lat, s[1] + off_lon))
            out.append(Berth(terminal.code, terminal.port, name, polygon))
    return tuple(out)


@cache
def berth_named(facility: str, name: str) -> Berth:
    return next(b for b in berths() if b.facility == facility and b.name == name)


def port_of(facility: str) -> str:
    return next(t.port for t in TERMINALS if t.code == facility)


Zone = tuple[str, str, str | None]
"""(location type, port or facility, berth): ("ANCHORAGE", "USLAX", None) or ("BERTH", "APMT", "401")."""


def zone_of(point: Point) -> Zone | None:
    """The anchorage or berth a position is in, or None (underway, elsewhere)."""
    for port, polygon in ANCHORAGES.items():
        if inside(point, polygon):
            return ("ANCHORAGE", port, None)
    for berth in berths():
        if inside(point, berth.polygon):
            return ("BERTH", berth.facility, berth.name)
    return None
