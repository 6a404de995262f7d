"""`Combiner`: the latest partial of every engine merged into facility, port and complex indicators.

Windows are applied here, relative to the newest watermark of all partials, so N engines over disjoint
event sets give what one engine over all of them gives: partials hold only counts and sums.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from baystream.schemas.complex import COMPLEX_ID, PORT_CODES, facility_scope
from baystream.schemas.json_form import format_time
from baystream.streams.config import RANK, IndicatorConfig
from baystream.streams.engine.air import origin_values
from baystream.streams.engine.facility import FacilityAggregates
from baystream.streams.engine.index import congestion_index
from baystream.streams.engine.series import HOUR_MS, MINUTE_MS
from baystream.streams.engine.totals import Limits, Totals
from baystream.streams.model import Alert, IndicatorValue

ALERT_NAMESPACE = uuid.UUID("5b6f1c1e-7d3a-4a8e-9a57-2f0d9c4e8b21")
ALIGNED_MS: Final = 15 * MINUTE_MS
"""Partials whose watermarks are all within this of each other are aligned: the merged index is one the
events had. Live, every partition's watermark trails the newest by seconds; while a worker catches up on a
backlog, they can be hours apart, and only then does the level hold wait."""


def alert_id(scope: str, level: str, as_of: datetime) -> str:
    """Deterministic: a replay or a retry raises the same alert with the same id."""
    return str(uuid.uuid5(ALERT_NAMESPACE, f"{scope}|{level}|{as_of.isoformat()}"))


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class Combiner:
    """Merges partials (one per source) and remembers each scope's level to raise alerts."""

    def __init__(self, config: IndicatorConfig):
        self.config = config
        self._partials: dict[str, Mapping[str, Any]] = {}
        self._levels: dict[str, str] = {}
        self._lower_since: dict[str, int] = {}
        """Per scope: since when (event ms) its index has stood below its level's band less the hysteresis."""
        self._cache: list[IndicatorValue] | None = None
        self._countries: set[str] = set()
        """Countries of last ports seen, for the trade-lane series (docs/indicators.md)."""

    def update(self, source: str, partial: Mapping[str, Any]) -> None:
        """Replace the partial of `source`: idempotent, so replays and retries are harmless."""
        self._partials[source] = partial
        self._cache = None

    @property
    def watermark(self) -> int | None:
        marks = self._watermarks()
        return max(marks) if marks else None

    def _watermarks(self) -> list[int]:
        return [p["watermark"] for p in self._partials.values() if p.get("watermark") is not None]

    @property
    def aligned(self) -> bool:
        """Whether every partial's watermark is within `ALIGNED_MS` of the newest (one source always is)."""
        marks = self._watermarks()
        return not marks or max(marks) - min(marks) <= ALIGNED_MS

    def _facility_totals(self, watermark: int) -> tuple[dict[str, Totals], dict[str, str]]:
        config = self.config
        limits = Limits.at(watermark, config)
        totals: dict[str, Totals] = {}
        ports: dict[str, str] = {}
        for code, facility in config.facilities.items():
            totals[code] = Totals(
                berths=facility.berths,
                inventory=facility.chassis,
                near_dock=code == config.near_dock_yard,
            )
            ports[code] = facility.port
        for partial in self._partials.values():
            for code, part in partial.get("facilities", {}).items():
                if code not in totals:
                    totals[code] = Totals()
                    ports[code] = part["port"]
                if isinstance(part, FacilityAggregates):  # `PartitionEngine.live_partial`: no air part
                    totals[code].add_live(part, limits)
                    continue
                totals[code].add_partial(part, limits)
                totals[code].air.add_partial(part.get("air"), watermark, config.air)
        return totals, ports

    def _values(self, scope: str, t: Totals, complex_t: Totals, as_of: datetime, aligned: bool) -> list[IndicatorValue]:
        values = t.values()
        index = self._index_value(scope, t, values, complex_t, as_of, aligned)
        values.update(t.air.values(self.config.air))  # after the index: none of them enters it
        values.update(origin_values(t.air.origins, self._countries))
        return [*[IndicatorValue(scope, name, value, None, as_of) for name, value in values.items()], index]

    def _index_value(
        self, scope: str, t: Totals, values: dict[str, float | None], complex_t: Totals, as_of: datetime, aligned: bool
    ) -> IndicatorValue:
        """The scope's congestion_index from its indicator `values`, with its level (and the hold's memory)."""
        berths = t.berths / complex_t.berths if complex_t.berths else 0.0
        index = congestion_index({**values, **t.index_inputs()}, self.config, berths)
        level = self._held(scope, index, as_of, aligned) if index is not None else None
        return IndicatorValue(scope, "congestion_index", index, level, as_of)

    def _held(self, scope: str, index: float, as_of: datetime, aligned: bool) -> str:
        """The level of `index`, with the hysteresis; a level is left downwards only once the index has
        stood below it for `levels.hold_hours` of event time (docs/indicators.md): a daily swing of the
        gates' hour does not take a scope in crisis out of its level and back every day. While the partials
        are not `aligned`, the level follows the index at once: a peak seen then may be one of the merge
        alone, and the hold would keep its false alarm."""
        previous = self._levels.get(scope)
        level = self.config.level(index, previous)
        if previous is None or RANK[level] >= RANK.get(previous, 0) or not aligned:
            self._lower_since.pop(scope, None)
            return level
        now = round(as_of.timestamp() * 1000)
        since = self._lower_since.setdefault(scope, now)
        return level if now - since >= self.config.hold_hours * HOUR_MS else previous

    def _scopes(self, watermark: int) -> tuple[list[tuple[str, Totals]], Totals]:
        """The totals of every facility, port and the complex (in that order), and the complex's again."""
        totals, ports = self._facility_totals(watermark)
        port_totals: dict[str, Totals] = {port: Totals() for port in PORT_CODES}
        everything = Totals()
        for code, t in totals.items():
            port_totals.setdefault(ports[code], Totals()).add(t)
            everything.add(t)
        scopes = [(facility_scope(ports[code], code), t) for code, t in totals.items()]
        return [*scopes, *port_totals.items(), (COMPLEX_ID, everything)], everything

    def indicators(self) -> list[IndicatorValue]:
        """Every indicator of every facility, port and the complex, as of the newest watermark (sorted)."""
        if self._cache is not None:
            return list(self._cache)
        watermark = self.watermark
        if watermark is None:
            return []
        as_of, aligned = _time(watermark), self.aligned
        scopes, everything = self._scopes(watermark)
        for _, t in scopes:
            self._countries.update(t.air.origins)
        out: list[IndicatorValue] = []
        for scope, t in scopes:
            out.extend(self._values(scope, t, everything, as_of, aligned))
        out.sort(key=lambda v: (v.scope, v.indicator))
        self._cache = out
        return list(out)

    def _indexes(self) -> list[IndicatorValue]:
        """The congestion_index of every scope, and nothing else: what the levels need. The air figures and
        the other indicators are left out (a replay checks levels every quarter hour: docs/benchmarks.md), so
        a combiner may be given `PartitionEngine.live_partial()`, which has no air part."""
        if self._cache is not None:
            return [v for v in self._cache if v.indicator == "congestion_index"]
        watermark = self.watermark
        if watermark is None:
            return []
        as_of, aligned = _time(watermark), self.aligned
        scopes, everything = self._scopes(watermark)
        return [self._index_value(scope, t, t.values(), everything, as_of, aligned) for scope, t in scopes]

    def take_alerts(self) -> list[Alert]:
        """Level changes since the last call.

        The first level of a scope is remembered, not raised: it is where the scope stands, not a change
        (an alert for each of the 16 scopes whenever a combiner starts from nothing tells nobody anything).
        Levels are classified with the configured hysteresis (`IndicatorConfig.level`), so an index hovering
        at a bound does not raise an alert each time it crosses.
        """
        alerts = []
        for value in sorted(self._indexes(), key=lambda v: v.scope):
            if value.level is None or value.value is None:
                continue
            previous = self._levels.get(value.scope)
            if previous == value.level:
                continue
            self._levels[value.scope] = value.level
            if previous is None:
                continue
            message = (
                f"{value.scope}: congestion {previous} -> {value.level} "
                f"(index {value.value:.1f}) as of {format_time(value.as_of)}"
            )
            alerts.append(
                Alert(
                    alert_id(value.scope, value.level, value.as_of),
                    value.scope,
                    previous,
                    value.level,
                    value.value,
                    value.as_of,
                    message,
                )
            )
        return alerts

    def to_state(self) -> dict[str, Any]:
        """The level memory (with the holds running) and the countries of the trade lanes (partials come back
        from the engines)."""
        levels, lower = dict(self._levels), dict(self._lower_since)
        return {"levels": levels, "countries": sorted(self._countries), "lower_since": lower}

    @classmethod
    def from_state(cls, state: Mapping[str, Any], config: IndicatorConfig) -> Combiner:
        combiner = cls(config)
        combiner._levels = dict(state.get("levels", {}))
        combiner._lower_since = dict(state.get("lower_since", {}))
        combiner._countries = set(state.get("countries", []))
        return combiner
