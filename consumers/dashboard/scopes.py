"""Scope ids (facility `USLAX/APMT`, port `USLAX`, complex `SPB`) and the order people expect to see them in.

The 12 container terminals of San Pedro Bay (../shared/DOMAIN.md) give the dashboard a stable tile order and
readable names; scopes that appear in the data but are not listed here still get a tile, after these.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPLEX = "SPB"
PORT_NAMES = {"USLAX": "Port of Los Angeles", "USLGB": "Port of Long Beach"}
TERMINALS: tuple[tuple[str, str, str], ...] = (
    ("USLAX", "APMT", "APM Terminals"),
    ("USLAX", "ETS", "Everport"),
    ("USLAX", "EAGLE", "Fenix Marine Services"),
    ("USLAX", "TRAP", "TraPac"),
    ("USLAX", "WBCT", "West Basin Container Terminal"),
    ("USLAX", "YUSEN", "Yusen Terminals"),
    ("USLGB", "ITS", "International Transportation Service"),
    ("USLGB", "LBCT", "Long Beach Container Terminal"),
    ("USLGB", "SSAPCT", "Pacific Container Terminal"),
    ("USLGB", "SSATA", "SSA Pier A"),
    ("USLGB", "MATU", "SSA C60 (Matson)"),
    ("USLGB", "TTI", "Total Terminals International"),
)
OTHER_FACILITIES = {"USLGB/ICTF": "UP ICTF (near-dock rail)"}
"""Facilities that are not container terminals but appear in the indicators (DOMAIN.md "Rail")."""
_TERMINAL_NAMES = {f"{port}/{code}": name for port, code, name in TERMINALS} | OTHER_FACILITIES
_ORDER = [COMPLEX, *PORT_NAMES, *(f"{port}/{code}" for port, code, _ in TERMINALS)]


@dataclass(frozen=True)
class ScopeInfo:
    """What the dashboard shows about a scope besides its indicators."""

    scope: str
    kind: str
    """'complex', 'port' or 'facility'."""
    port: str | None
    name: str


def describe(scope: str) -> ScopeInfo:
    """Kind, port and display name of a scope id."""
    if scope == COMPLEX:
        return ScopeInfo(scope, "complex", None, "San Pedro Bay complex")
    if "/" in scope:
        port = scope.split("/", 1)[0]
        return ScopeInfo(scope, "facility", port, _TERMINAL_NAMES.get(scope, scope.split("/", 1)[1]))
    return ScopeInfo(scope, "port", scope, PORT_NAMES.get(scope, scope))


def ordered(scopes: set[str] | list[str]) -> list[str]:
    """Known scopes in DOMAIN.md order (complex, ports, terminals), then the others (rail yards) alphabetically."""
    known = [s for s in _ORDER if s in scopes]
    return known + sorted(set(scopes) - set(_ORDER))


def known_scopes() -> list[str]:
    """Every scope the dashboard shows a tile for before any data arrives."""
    return list(_ORDER)
