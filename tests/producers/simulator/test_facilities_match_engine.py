"""The simulator's complex and the engine's facility defaults describe the same terminals."""

from __future__ import annotations

from baystream.producers.simulator.facilities import ICTF, ICTF_CHASSIS, ICTF_PORT, TERMINALS
from baystream.streams.config import DEFAULT_FACILITIES


def test_terminals_berths_ports_and_chassis_agree() -> None:
    simulated = {t.code: (t.port, len(t.berths), t.chassis) for t in TERMINALS}
    simulated[ICTF] = (ICTF_PORT, 0, ICTF_CHASSIS)
    configured = {f.code: (f.port, f.berths, f.chassis) for f in DEFAULT_FACILITIES.values()}
    assert simulated == configured
