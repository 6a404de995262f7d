"""Daily figures of a stream that begins in the middle of things (a file cut after its warm-up)."""

from __future__ import annotations

from datetime import timedelta

from baystream.producers.simulator import DEFAULT_START, simulate
from baystream.producers.simulator.summary import daily_figures


def test_a_stream_cut_mid_run_counts_every_move_and_times_only_whole_visits() -> None:
    cut = DEFAULT_START + timedelta(hours=20)
    events = [e for e in simulate("normal", 30, seed=2) if e["event_time"] >= cut]
    gates = [e for e in events if e["type"] == "GateMove"]
    seen_in = {e["visit_id"] for e in gates if e["direction"] == "IN"}
    whole = [e for e in gates if e["direction"] == "OUT" and e["visit_id"] in seen_in]
    cut_short = [e for e in gates if e["direction"] == "OUT" and e["visit_id"] not in seen_in]
    assert cut_short and whole  # the cut did leave visits without their IN
    days = daily_figures(events)
    assert sum(d.gate_moves for d in days) == len(gates)
    assert sum(len(d.turn_minutes) for d in days) == len(whole)
    assert all(m >= 0 for d in days for m in d.turn_minutes)
