"""The additive aggregates one engine keeps per facility (terminal, rail yard or chassis location).

Counters of open entities (vessels waiting, trucks in, imports on terminal, chassis out...) and minute
buckets of completions. Everything here adds up across engines; `partial` is its JSON form.
"""

from __future__ import annotations

from typing import Any

from streams.engine.series import (
    DAY_MINUTES,
    HOUR_MINUTES,
    Counts,
    Samples,
    counts_in,
    counts_out,
    prune,
    samples_in,
    samples_out,
)

COUNTERS = (
    "waiting",
    "at_berth",
    "trucks_in",
    "on_terminal",
    "rail_backlog",
    "checkouts",
    "returns",
    "chassis_out",
)
SAMPLE_WINDOWS = {
    "anchor_wait": DAY_MINUTES,
    "turn": HOUR_MINUTES,
    "import_dwell": DAY_MINUTES,
    "rail_dwell": DAY_MINUTES,
    "street_dwell": DAY_MINUTES,
}
"""Each completion series and the window (minutes) its indicator looks back over."""


class FacilityAggregates:
    """Counters and minute buckets of one facility, as seen by one engine."""

    __slots__ = ("counters", "disc", "gate_moves", "port", "samples", "turn_bins")

    def __init__(self, port: str):
        self.port = port
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.samples: dict[str, Samples] = {name: {} for name in SAMPLE_WINDOWS}
        self.turn_bins: dict[int, dict[int, int]] = {}
        """completion minute -> {turn time rounded to whole minutes: visits}, for the p90"""
        self.gate_moves: Counts = {}
        self.disc: Counts = {}
        """discharge minute -> imports still on terminal (long_dwell_share)"""

    def prune(self, now_minute: int) -> None:
        """Forget buckets no window relative to `now_minute` or a later watermark can include."""
        for name, window in SAMPLE_WINDOWS.items():
            prune(self.samples[name], now_minute - window + 1)
        prune(self.turn_bins, now_minute - HOUR_MINUTES + 1)
        prune(self.gate_moves, now_minute - HOUR_MINUTES + 1)

    def partial(self, now_minute: int, long_minutes: int) -> dict[str, Any]:
        """JSON-able aggregates; buckets outside every window relative to `now_minute` are left out."""
        long_limit = now_minute - long_minutes
        out: dict[str, Any] = {"port": self.port, **self.counters}
        out["long_base"] = sum(n for minute, n in self.disc.items() if minute <= long_limit)
        out["disc"] = counts_out(self.disc, long_limit + 1)
        for name, window in SAMPLE_WINDOWS.items():
            out[name] = samples_out(self.samples[name], now_minute - window + 1)
        oldest = now_minute - HOUR_MINUTES + 1
        out["turn_bins"] = [
            [minute, b, n] for minute, bins in self.turn_bins.items() if minute >= oldest for b, n in bins.items()
        ]
        out["gate_moves"] = counts_out(self.gate_moves, oldest)
        return out

    def to_state(self) -> dict[str, Any]:
        out: dict[str, Any] = {"port": self.port, "counters": dict(self.counters)}
        out["samples"] = {name: samples_out(series, -(2**62)) for name, series in self.samples.items()}
        out["turn_bins"] = [[minute, b, n] for minute, bins in self.turn_bins.items() for b, n in bins.items()]
        out["gate_moves"] = counts_out(self.gate_moves, -(2**62))
        out["disc"] = counts_out(self.disc, -(2**62))
        return out

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FacilityAggregates:
        agg = cls(state["port"])
        agg.counters.update(state["counters"])
        for name, rows in state["samples"].items():
            agg.samples[name] = samples_in(rows)
        for minute, b, n in state["turn_bins"]:
            agg.turn_bins.setdefault(int(minute), {})[int(b)] = int(n)
        agg.gate_moves = counts_in(state["gate_moves"])
        agg.disc = counts_in(state["disc"])
        return agg
