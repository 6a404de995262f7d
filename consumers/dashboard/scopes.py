"""Scope ids (facility `USLAX/APMT`, port `USLAX`, complex `SPB`) and the order people expect to see them in.

The complex, its ports and its 12 container terminals (schemas/complex.py, described in docs/domain.md)
give the dashboard a stable tile order and readable names; scopes that appear in the data but are not
listed there still get a tile, after these.
"""

from __future__ import annotations

from dataclasses import dataclass

from baystream.schemas.complex import COMPLEX_ID, COMPLEX_NAME, PORT_NAMES, TERMINALS, facility_names

_FACILITY_NAMES = facility_names()
_ORDER = [COMPLEX_ID, *PORT_NAMES, *(t.scope for t in TERMINALS)]


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
    if scope == COMPLEX_ID:
        return ScopeInfo(scope, "complex", None, COMPLEX_NAME)
    if "/" in scope:
        port = scope.split("/", 1)[0]
        return ScopeInfo(scope, "facility", port, _FACILITY_NAMES.get(scope, scope.split("/", 1)[1]))
    return ScopeInfo(scope, "port", scope, PORT_NAMES.get(scope, scope))


def ordered(scopes: set[str] | list[str]) -> list[str]:
    """Known scopes in docs/domain.md order (complex, ports, terminals), then the others (rail yards) alphabetically."""
    known = [s for s in _ORDER if s in scopes]
    return known + sorted(set(scopes) - set(_ORDER))


def known_scopes() -> list[str]:
    """Every scope the dashboard shows a tile for before any data arrives."""
    return list(_ORDER)
