"""Scope ids: kind, port, display name, and the order tiles appear in."""

from __future__ import annotations

from baystream.consumers.dashboard.scopes import describe, known_scopes, ordered


def test_kinds_ports_and_names() -> None:
    assert describe("SPB").kind == "complex" and describe("SPB").port is None
    assert (describe("USLGB").kind, describe("USLGB").name) == ("port", "Port of Long Beach")
    apmt = describe("USLAX/APMT")
    assert (apmt.kind, apmt.port, apmt.name) == ("facility", "USLAX", "APM Terminals")
    assert describe("USLGB/NEWCO").name == "NEWCO"  # a terminal not in docs/domain.md still gets a tile


def test_domain_order_first_then_the_rest_alphabetically() -> None:
    scopes = known_scopes()
    assert scopes[:4] == ["SPB", "USLAX", "USLGB", "USLAX/APMT"] and scopes[-1] == "USLGB/TTI"
    assert len(scopes) == 15
    assert ordered({"USLGB/ICTF", "USLGB/TTI", "SPB", "USLAX/ZZZ", "USLAX/APMT"}) == [
        "SPB",
        "USLAX/APMT",
        "USLGB/TTI",
        "USLAX/ZZZ",
        "USLGB/ICTF",
    ]
