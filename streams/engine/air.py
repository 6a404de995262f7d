"""Air, trade and look-ahead: what each port call burns, where it came from, and what is expected.

`Calls` (engine side) keeps, per call (facility, `call_id`), its milestones, the newest ACTUAL value of
each new `VesselArrival` field, its newest ESTIMATED and PLANNED berth arrival, its TEU moved and its laden
discharges by hour; and per facility the gate moves with `zero_emission` known, by quarter hour. Its
partial holds only what the combiner needs to apply windows relative to the newest watermark.

`AirTotals` (combiner side) adds partials up per scope and turns them into the indicators of
docs/indicators.md ("Air, trade and look-ahead"). None of them enters the congestion index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from baystream.streams.config import AirConfig
from baystream.streams.engine.concerns import call_status, milestone_slot
from baystream.streams.engine.series import DAY_MS, DAY_QUARTERS, HOUR_MS, QUARTER_MS, add_count, prune

WEEK_HOURS: Final = 7 * 24
CORRIDOR_DAYS: Final = 30
LOOK_AHEAD_MS: Final = 72 * HOUR_MS
KEEP_MS: Final = (CORRIDOR_DAYS + 1) * DAY_MS
"""A call is forgotten this long after its last event (green_corridor_share looks 30 days back)."""
CORRIDOR_PORT: Final = "CNSHA"
LOW_CARBON_FUELS: Final = frozenset({"LNG", "METHANOL", "AMMONIA", "BIOFUEL"})
FIELDS = ("last_port", "teu_capacity", "fuel", "shore_power")
"""The call's fields: for each, the newest ACTUAL value reported wins (ties: the one applied last)."""

# A call row: milestones as Vessels keeps them (first time of each), then the rest.
ANCHOR_IN, ANCHOR_OUT, BERTH_IN, BERTH_OUT, LAST = 0, 1, 2, 3, 4
VALUE = {name: 5 + 2 * i for i, name in enumerate(FIELDS)}
"""Index of each field's value in a call row; its event time follows it."""
ESTIMATED, PLANNED, TEU_MOVED, LADEN = 13, 14, 15, 16
HOLD_IN, HOLD_OUT = 17, 18
ROW_SIZE: Final = 19
_SLOT = {0: ANCHOR_IN, 1: ANCHOR_OUT, 2: BERTH_IN, 3: BERTH_OUT, 5: HOLD_IN, 6: HOLD_OUT}
"""Vessels' milestone slots (concerns.milestone_slot) in a row here."""


def teu_of(iso_type: str) -> int:
    """An ISO size-type starting with 2 (20 ft) is 1 TEU, any other 2."""
    return 1 if iso_type.startswith("2") else 2


def _status(call: list[Any]) -> str | None:
    """waiting (at anchor or held offshore), at_berth or None, as `vessels_waiting` and `berth_utilization`
    count them: Vessels' rule on this row's milestones."""
    status = call_status([call[i] for i in (ANCHOR_IN, ANCHOR_OUT, BERTH_IN, BERTH_OUT, LAST, HOLD_IN, HOLD_OUT)])
    return "waiting" if status == "held" else status


Touch = Callable[[str, str], object]
"""Makes sure a facility has aggregates (so it has a partial), given its code and port."""


class Calls:
    """Per-call facts for the air, trade and look-ahead indicators, and zero-emission gate moves."""

    def __init__(self, touch: Touch):
        self._touch = touch
        self.calls: dict[str, list[Any]] = {}
        """facility|call_id -> row (see ROW_SIZE and the indexes above)"""
        self.gates: dict[str, dict[int, list[int]]] = {}
        """facility -> quarter hour -> [zero-emission moves, moves with zero_emission known]"""

    def _call(self, facility: str, call_id: str, port: str, ts: int) -> list[Any]:
        key = facility + "|" + call_id
        call = self.calls.get(key)
        if call is None:
            self._touch(facility, port)
            call = self.calls[key] = [None] * ROW_SIZE
            call[LAST], call[TEU_MOVED], call[LADEN] = ts, 0, {}
        elif ts > call[LAST]:
            call[LAST] = ts
        return call

    def vessel(self, event: dict[str, Any], ts: int) -> None:
        """An ACTUAL VesselArrival: its milestone and the newest values of the call's fields."""
        call = self._call(event["facility"], event["call_id"], event["port"], ts)
        slot = _SLOT[milestone_slot(event)]
        if call[slot] is None or ts < call[slot]:
            call[slot] = ts
        for name, index in VALUE.items():
            value = event.get(name)
            if value is not None and (call[index + 1] is None or ts >= call[index + 1]):
                call[index], call[index + 1] = value, ts

    def expected(self, event: dict[str, Any], ts: int) -> None:
        """An ESTIMATED or PLANNED VesselArrival: a berth ARRIVED is the call's newest expected berthing."""
        if event["event_type"] != "ARRIVED" or event["location_type"] != "BERTH":
            return
        slot = ESTIMATED if event.get("classifier") == "ESTIMATED" else PLANNED
        self._call(event["facility"], event["call_id"], event["port"], ts)[slot] = ts

    def container(self, event: dict[str, Any], ts: int) -> None:
        """Every DISCHARGED or LOADED box adds its TEU to its call; a laden discharge counts by hour."""
        call = self._call(event["facility"], event["call_id"], event["port"], ts)
        call[TEU_MOVED] += teu_of(event["iso_type"])
        if event["event_type"] == "DISCHARGED" and not event["empty"]:
            add_count(call[LADEN], ts // HOUR_MS)

    def gate(self, event: dict[str, Any], ts: int) -> None:
        zero = event.get("zero_emission")
        if zero is None:
            return
        facility = event["facility"]
        buckets = self.gates.get(facility)
        if buckets is None:
            buckets = self.gates[facility] = {}
        cell = buckets.get(ts // QUARTER_MS)
        if cell is None:
            cell = buckets[ts // QUARTER_MS] = [0, 0]
        cell[0] += 1 if zero else 0
        cell[1] += 1

    def prune(self, now_ms: int) -> None:
        """Forget quiet calls that are over, laden hours and gate buckets older than every window."""
        oldest_hour = now_ms // HOUR_MS - WEEK_HOURS + 1
        stale = [k for k, c in self.calls.items() if c[LAST] < now_ms - KEEP_MS and _status(c) is None]
        for key in stale:
            del self.calls[key]
        for call in self.calls.values():
            prune(call[LADEN], oldest_hour)
        for buckets in self.gates.values():
            prune(buckets, now_ms // QUARTER_MS - DAY_QUARTERS + 1)

    def partial(self, now_ms: int) -> dict[str, dict[str, Any]]:
        """Per facility: ships burning now, departed calls, laden discharges by origin, gates, expected calls."""
        out: dict[str, dict[str, Any]] = {}

        def of(facility: str) -> dict[str, Any]:
            part = out.get(facility)
            if part is None:
                part = out[facility] = {
                    "anchor": [],
                    "berth": [],
                    "departed": [],
                    "laden": [],
                    "gates": [],
                    "expected": [],
                }
            return part

        oldest_hour = now_ms // HOUR_MS - WEEK_HOURS + 1
        for key, call in self.calls.items():
            part = of(key.split("|", 1)[0])
            status, teu = _status(call), call[VALUE["teu_capacity"]]
            if status == "waiting":
                part["anchor"].append(teu)
            elif status == "at_berth" and call[VALUE["shore_power"]] is not True:
                part["berth"].append(teu)
            if call[BERTH_OUT] is not None:
                part["departed"].append(_departed(call))
            last_port = call[VALUE["last_port"]]
            if last_port is not None:
                laden = part["laden"]
                for hour, n in call[LADEN].items():
                    if hour >= oldest_hour:
                        laden.extend((hour, last_port[:2], n))
            expected = call[ESTIMATED] if call[ESTIMATED] is not None else call[PLANNED]
            if call[BERTH_IN] is None and expected is not None and expected > now_ms:
                part["expected"].append(expected)
        for facility, buckets in self.gates.items():
            flat = of(facility)["gates"]
            for quarter, (zero, known) in buckets.items():
                flat.extend((quarter, zero, known))
        return out

    def to_state(self) -> dict[str, Any]:
        calls = {
            key: [*call[:LADEN], {str(h): n for h, n in call[LADEN].items()}, *call[LADEN + 1 :]]
            for key, call in self.calls.items()
        }
        gates = {f: {str(q): cell for q, cell in b.items()} for f, b in self.gates.items()}
        return {"calls": calls, "gates": gates}

    def load(self, state: Mapping[str, Any]) -> None:
        for key, row in state.get("calls", {}).items():
            rest = [*row[LADEN + 1 :], *[None] * (ROW_SIZE - len(row))]  # rows saved before HOLD_IN: none held
            self.calls[key] = [*row[:LADEN], {int(h): int(n) for h, n in row[LADEN].items()}, *rest]
        for facility, buckets in state.get("gates", {}).items():
            self.gates[facility] = {int(q): list(cell) for q, cell in buckets.items()}


def _departed(call: list[Any]) -> list[Any]:
    """[berth departure ms, ms at anchor, ms at berth, teu_capacity, TEU moved, shore_power, corridor]:
    corridor is 0 (not from CNSHA), 1 (from CNSHA) or 2 (from CNSHA, plugged in, on a low-carbon fuel)."""
    berthed, left = call[BERTH_IN], call[BERTH_OUT]
    waited = [t for t in (call[ANCHOR_IN], call[HOLD_IN]) if t is not None and berthed is not None and t <= berthed]
    at_anchor = berthed - min(waited) if waited else 0
    at_berth = max(0, left - berthed) if berthed is not None else 0
    shore = call[VALUE["shore_power"]]
    corridor = 0
    if call[VALUE["last_port"]] == CORRIDOR_PORT:
        corridor = 2 if shore is True and call[VALUE["fuel"]] in LOW_CARBON_FUELS else 1
    return [left, at_anchor, at_berth, call[VALUE["teu_capacity"]], call[TEU_MOVED], shore, corridor]


@dataclass
class AirTotals:
    """Additive figures of one scope for the air, trade and look-ahead indicators."""

    anchor_kw: float = 0.0
    berth_kw: float = 0.0
    ship_kwh: float = 0.0
    teu_moved: int = 0
    shore: list[int] = field(default_factory=lambda: [0, 0])
    zero_emission: list[int] = field(default_factory=lambda: [0, 0])
    corridor: list[int] = field(default_factory=lambda: [0, 0])
    origins: dict[str, int] = field(default_factory=dict)
    """Laden discharges of the last 7 days by country of the call's last port."""
    expected: int = 0

    def add_partial(self, part: Mapping[str, Any] | None, now_ms: int, config: AirConfig) -> None:
        """Add one engine's air partial of a facility, windows relative to `now_ms` (the newest watermark)."""
        if not part:
            return
        kw = config.kw
        self.anchor_kw += sum([kw(teu) for teu in part["anchor"]])
        self.berth_kw += sum([kw(teu) for teu in part["berth"]])
        week_ago, month_ago = now_ms - 7 * DAY_MS, now_ms - CORRIDOR_DAYS * DAY_MS
        for left, at_anchor, at_berth, teu, moved, shore, corridor in part["departed"]:
            if week_ago < left <= now_ms:
                hours = (at_anchor + (0 if shore is True else at_berth)) / HOUR_MS
                self.ship_kwh += hours * kw(teu)
                self.teu_moved += moved
                if shore is not None:
                    self.shore[0] += 1 if shore else 0
                    self.shore[1] += 1
            if corridor and month_ago < left <= now_ms:
                self.corridor[0] += 1 if corridor == 2 else 0
                self.corridor[1] += 1
        oldest_hour = now_ms // HOUR_MS - WEEK_HOURS + 1
        flat = part["laden"]
        for i in range(0, len(flat), 3):
            if flat[i] >= oldest_hour:
                self.origins[flat[i + 1]] = self.origins.get(flat[i + 1], 0) + flat[i + 2]
        oldest_quarter = now_ms // QUARTER_MS - DAY_QUARTERS + 1
        flat = part["gates"]
        for i in range(0, len(flat), 3):
            if flat[i] >= oldest_quarter:
                self.zero_emission[0] += flat[i + 1]
                self.zero_emission[1] += flat[i + 2]
        self.expected += sum([1 for t in part["expected"] if now_ms < t <= now_ms + LOOK_AHEAD_MS])

    def add(self, other: AirTotals) -> None:
        self.anchor_kw += other.anchor_kw
        self.berth_kw += other.berth_kw
        self.ship_kwh += other.ship_kwh
        self.teu_moved += other.teu_moved
        for mine, theirs in ((self.shore, other.shore), (self.zero_emission, other.zero_emission)):
            mine[0] += theirs[0]
            mine[1] += theirs[1]
        self.corridor[0] += other.corridor[0]
        self.corridor[1] += other.corridor[1]
        for country, n in other.origins.items():
            self.origins[country] = self.origins.get(country, 0) + n
        self.expected += other.expected

    def values(self, config: AirConfig) -> dict[str, float | None]:
        """The indicators (kg per hour, kg per TEU, shares of 0..1, a count)."""
        co2, nox = config.factors["co2"], config.factors["nox"]
        known = sum(self.origins.values())
        return {
            "anchor_co2_kg_per_hour": self.anchor_kw * co2 / 1000,
            "anchor_nox_kg_per_hour": self.anchor_kw * nox / 1000,
            "berth_co2_kg_per_hour": self.berth_kw * co2 / 1000,
            "berth_nox_kg_per_hour": self.berth_kw * nox / 1000,
            "ship_co2_kg_per_teu": self.ship_kwh * co2 / 1000 / self.teu_moved if self.teu_moved else None,
            "shore_power_share": _share(self.shore),
            "zero_emission_truck_share": _share(self.zero_emission),
            "china_import_share": self.origins.get("CN", 0) / known if known else None,
            "green_corridor_share": _share(self.corridor),
            "arrivals_expected_72h": float(self.expected),
        }


def _share(cell: list[int]) -> float | None:
    return cell[0] / cell[1] if cell[1] else None


AIR_INDICATORS = tuple(AirTotals().values(AirConfig()))
"""The names, in the order `values` gives them."""
ORIGIN_PREFIX = "laden_imports_7d_from_"
"""`laden_imports_7d_from_<country>`: laden discharges of the last 7 days whose call's last port lies in that
country (ISO 3166 code, the first two letters of the UN/LOCODE); what `GET /api/trade-lanes` reads."""


def origin_values(origins: Mapping[str, int], countries: set[str]) -> dict[str, float | None]:
    """One series per country seen so far (0 once its boxes left the window, so a lane does not linger)."""
    return {ORIGIN_PREFIX + country: float(origins.get(country, 0)) for country in sorted(countries)}
