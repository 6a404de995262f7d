"""The additive aggregates one engine keeps per facility (terminal, rail yard or chassis location).

Counters of open entities (vessels waiting, trucks in, imports on terminal, chassis out...) and time
buckets of completions. Everything here adds up across engines; `partial` is its JSON form.
"""

from __future__ import annotations

from typing import Any, Final

from baystream.streams.engine.series import (
    DAY_QUARTERS,
    HOUR_MINUTES,
    HOUR_MS,
    MINUTE_MS,
    QUARTER_MS,
    Histogram,
    Samples,
    Tally,
    counts_out,
    samples_in,
    samples_out,
    tally_in,
    triples,
)

RAIL_IN_DAYS: Final = 7
"""Rail-bound arrivals are counted over this many days (the congestion index's rail backlog in days)."""
COUNTERS = (
    "waiting",
    "at_berth",
    "trucks_in",
    "on_terminal",
    "rail_backlog",
    "checkouts",
    "returns",
    "chassis_out",
    "held",
    "rail_on_terminal",
)
"""held: calls held offshore (also in waiting); rail_on_terminal: rail-bound imports on their discharge terminal
(the terminal's part of rail_backlog, without the near-dock yard's)."""
SERIES: dict[str, tuple[int, int]] = {
    "anchor_wait": (QUARTER_MS, DAY_QUARTERS),
    "turn": (MINUTE_MS, HOUR_MINUTES),
    "import_dwell": (QUARTER_MS, DAY_QUARTERS),
    "rail_dwell": (QUARTER_MS, DAY_QUARTERS),
    "street_dwell": (QUARTER_MS, DAY_QUARTERS),
    "import_dwell_truck": (QUARTER_MS, DAY_QUARTERS),
    "import_dwell_rail": (QUARTER_MS, DAY_QUARTERS),
    "visit": (MINUTE_MS, HOUR_MINUTES),
    "dry_runs": (QUARTER_MS, DAY_QUARTERS),
    "rail_in": (HOUR_MS, 24 * RAIL_IN_DAYS),
    "rail_drayed": (HOUR_MS, 24 * RAIL_IN_DAYS),
}
"""Each completion series: (bucket size in ms, window in buckets) of the indicator it feeds."""
SHORT = (MINUTE_MS, HOUR_MINUTES)
"""Buckets and window of gate moves and of the turn-time histogram (the p90)."""
DISCHARGE_BUCKET_MS: Final = HOUR_MS
"""Imports on terminal are counted per hour of discharge (long_dwell_share is exact to the hour)."""


LONG, TRUCK, RAIL_LONG, RAIL_OLD = 0, 1, 1, 2
"""The limits the discharge tallies keep sums up to: `disc`'s LONG and TRUCK, `rail_disc`'s TRUCK, RAIL_LONG
and RAIL_OLD (the long dwellers of each kind, and the aged rail backlog; `Totals.add_live`)."""
DISC_LIMITS, RAIL_LIMITS = 2, 3


def oldest_bucket(now_ms: int, spec: tuple[int, int]) -> int:
    size, window = spec
    return now_ms // size - window + 1


class FacilityAggregates:
    """Counters and time buckets of one facility, as seen by one engine."""

    __slots__ = ("counters", "disc", "gate_moves", "open_in", "port", "rail_disc", "samples", "turn_bins")

    def __init__(self, port: str):
        self.port = port
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.samples: dict[str, Samples] = {name: Samples() for name in SERIES}
        self.turn_bins = Histogram()
        """completion minute -> {turn time rounded to whole minutes: visits}, for the p90"""
        self.gate_moves = Tally(limits=1)
        """completion minute -> gate moves; its limit: the minute before the window"""
        self.disc = Tally(limits=DISC_LIMITS)
        """discharge hour -> imports still on terminal (long_dwell_share); limits: `LONG`, `TRUCK`"""
        self.rail_disc = Tally(limits=RAIL_LIMITS)
        """discharge hour -> rail-bound imports still on terminal (their part of `disc`); limits: `TRUCK`,
        `RAIL_LONG`, `RAIL_OLD`"""
        self.open_in = Tally(limits=1)
        """gate IN hour -> visits still open (a visit open past the timeout is a lost OUT); limit: the timeout"""

    def prune(self, now_ms: int) -> None:
        """Forget buckets no window relative to `now_ms` or a later watermark can include."""
        for name, spec in SERIES.items():
            self.samples[name].prune(oldest_bucket(now_ms, spec))
        oldest = oldest_bucket(now_ms, SHORT)
        self.turn_bins.prune(oldest)
        self.gate_moves.prune(oldest)

    def partial(
        self, now_ms: int, long_hours: int, visit_hours: int, truck_hours: int, rail_hours: int
    ) -> dict[str, Any]:
        """JSON-able aggregates; buckets outside every window relative to `now_ms` are left out.

        Hour histograms (discharges of imports on terminal, gate INs of open visits) are split: what is
        past its threshold relative to `now_ms` is one sum (it stays past it for any later watermark),
        the rest goes by hour so the combiner can apply the newest watermark. Truck-bound and rail-bound
        imports are split at their own thresholds (`rail_hours`: the longest of the rail thresholds).
        """
        hour = now_ms // DISCHARGE_BUCKET_MS
        long_limit = hour - long_hours
        out: dict[str, Any] = {"port": self.port, **self.counters}
        out["long_base"] = sum([n for h, n in self.disc.cells.items() if h <= long_limit])
        out["disc"] = counts_out(self.disc.cells, long_limit + 1)
        rail = self.rail_disc.cells
        truck = {h: n - rail.get(h, 0) for h, n in self.disc.cells.items() if n != rail.get(h, 0)}
        for name, counts, limit in (("truck", truck, hour - truck_hours), ("rail", rail, hour - rail_hours)):
            out[name + "_base"] = sum([n for h, n in counts.items() if h <= limit])
            out[name + "_disc"] = counts_out(counts, limit + 1)
        visit_limit = now_ms // HOUR_MS - visit_hours
        out["stale_visits"] = sum([n for hour, n in self.open_in.cells.items() if hour <= visit_limit])
        out["open_in"] = counts_out(self.open_in.cells, visit_limit + 1)
        for name, spec in SERIES.items():
            out[name] = samples_out(self.samples[name], oldest_bucket(now_ms, spec))
        oldest = oldest_bucket(now_ms, SHORT)
        out["turn_bins"] = self._bins_out(oldest)
        out["gate_moves"] = counts_out(self.gate_moves.cells, oldest)
        return out

    def _bins_out(self, oldest: int) -> list[int]:
        """Flat [minute, turn minutes, visits, ...] of the completion minutes from `oldest` on."""
        out: list[int] = []
        for minute, bins in self.turn_bins.cells.items():
            if minute >= oldest:
                for rounded, n in bins.items():
                    out.extend((minute, rounded, n))
        return out

    def to_state(self) -> dict[str, Any]:
        out: dict[str, Any] = {"port": self.port, "counters": dict(self.counters)}
        out["samples"] = {name: samples_out(series, -(2**62)) for name, series in self.samples.items()}
        out["turn_bins"] = self._bins_out(-(2**62))
        out["gate_moves"] = counts_out(self.gate_moves.cells, -(2**62))
        out["disc"] = counts_out(self.disc.cells, -(2**62))
        out["rail_disc"] = counts_out(self.rail_disc.cells, -(2**62))
        out["open_in"] = counts_out(self.open_in.cells, -(2**62))
        return out

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FacilityAggregates:
        agg = cls(state["port"])
        agg.counters.update(state["counters"])
        for name, rows in state["samples"].items():
            agg.samples[name] = samples_in(rows)
        bins: dict[int, dict[int, int]] = {}
        for minute, b, n in triples(state["turn_bins"]):
            bins.setdefault(int(minute), {})[int(b)] = int(n)
        agg.turn_bins = Histogram(bins)
        agg.gate_moves = tally_in(state["gate_moves"], 1)
        agg.disc = tally_in(state["disc"], DISC_LIMITS)
        agg.rail_disc = tally_in(state.get("rail_disc", []), RAIL_LIMITS)  # rebuilt by the engine for older states
        agg.open_in = tally_in(state["open_in"], 1)
        return agg
