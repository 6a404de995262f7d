"""The complex's reference data: valid codes, one facility per scope, and every folder reading the same data."""

from __future__ import annotations

from baystream.consumers.dashboard.scopes import describe, known_scopes
from baystream.producers.simulator import facilities as simulated
from baystream.schemas import complex as ref
from baystream.schemas import identifiers as ids
from baystream.streams.config import IndicatorConfig


def test_codes_are_valid_contract_codes_and_unique() -> None:
    assert [ids.unlocode_problem(p.code) for p in ref.PORTS] == [None, None]
    facilities = ref.FACILITIES
    for facility in facilities:
        assert ids.facility_problem(facility.code) is None
        assert facility.port in ref.PORT_CODES
    assert len({f.code for f in facilities}) == len(facilities)
    assert len({b for t in ref.TERMINALS for b in t.berths}) == sum(len(t.berths) for t in ref.TERMINALS)


def test_the_complex_as_described_in_the_domain_docs() -> None:
    by_port = {p: [t.code for t in ref.TERMINALS if t.port == p] for p in ref.PORT_CODES}
    assert by_port == {
        "USLAX": ["APMT", "ETS", "EAGLE", "TRAP", "WBCT", "YUSEN"],
        "USLGB": ["ITS", "LBCT", "SSAPCT", "SSATA", "MATU", "TTI"],
    }
    assert ref.POOL_CHASSIS == 34_000
    assert [t.code for t in ref.TERMINALS if not t.on_dock_rail] == ["MATU"]
    assert ref.ICTF.scope == "USLGB/ICTF" and ref.ICTF.railroad == "UP"


def test_simulator_engine_and_dashboard_read_the_same_terminals() -> None:
    config = IndicatorConfig()
    for terminal in ref.TERMINALS:
        spec = simulated.TERMINAL_BY_CODE[terminal.code]
        assert (spec.port, spec.berths, spec.chassis) == (terminal.port, terminal.berths, terminal.chassis)
        facility = config.facilities[terminal.code]
        assert (facility.port, facility.berths, facility.chassis) == (
            terminal.port,
            len(terminal.berths),
            terminal.chassis,
        )
        assert describe(terminal.scope).name == terminal.name
    assert len(simulated.TERMINALS) == len(ref.TERMINALS)
    assert config.facilities[ref.ICTF.code].chassis == simulated.ICTF_CHASSIS == ref.ICTF.chassis
    assert describe(ref.ICTF.scope).name == ref.ICTF.name
    assert known_scopes()[0] == ref.COMPLEX_ID and describe(ref.COMPLEX_ID).kind == "complex"
