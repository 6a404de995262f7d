"""What the dashboard knows: latest value per (scope, indicator), bounded history, recent alerts.

Pure Python, no Kafka and no I/O: the reader feeds it decoded records in any order and any number of
times (the latest topic and the time-series topic carry the same records; a restart replays them), and
every update is idempotent, so replays and duplicates never change what it shows.
"""

from __future__ import annotations

import bisect
import fnmatch
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from baystream.schemas.json_form import format_time

INDICATOR_FIELDS = ("scope", "indicator", "value", "level", "as_of", "computed_at")
ALERT_FIELDS = ("alert_id", "scope", "previous_level", "level", "congestion_index", "as_of", "message")


def api_form(record: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """A record's fields as JSON-ready values (times as ISO-8601 UTC); nulls stay explicit."""
    return {
        name: format_time(record[name]) if isinstance(record.get(name), datetime) else record.get(name)
        for name in fields
    }


@dataclass(frozen=True)
class Point:
    """One value of one indicator in a chart."""

    as_of: datetime
    value: float | None
    level: str | None

    def as_json(self) -> dict[str, Any]:
        return {"as_of": format_time(self.as_of), "value": self.value, "level": self.level}


@dataclass
class _Series:
    """Points of one (scope, indicator), one per time bucket (the newest as_of in a bucket wins), sorted."""

    buckets: list[int] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)

    def add(self, bucket: int, point: Point, capacity: int) -> None:
        i = bisect.bisect_left(self.buckets, bucket)
        if i < len(self.buckets) and self.buckets[i] == bucket:
            if point.as_of >= self.points[i].as_of:
                self.points[i] = point
            return
        if len(self.buckets) >= capacity and i == 0:
            return  # older than everything kept in a full series: it would fall off at once
        self.buckets.insert(i, bucket)
        self.points.insert(i, point)
        if len(self.buckets) > capacity:
            del self.buckets[0], self.points[0]


class DashboardStore:
    """The dashboard's state; mutate it from one thread (the event loop), read it from the same one."""

    def __init__(self, history_points: int = 480, resolution_s: float = 60.0, alert_capacity: int = 200):
        if history_points < 1 or resolution_s <= 0 or alert_capacity < 1:
            raise ValueError("history_points, resolution_s and alert_capacity must be positive")
        self.history_points = history_points
        self.resolution_s = resolution_s
        self._latest: dict[tuple[str, str], dict[str, Any]] = {}
        self._history: dict[tuple[str, str], _Series] = {}
        self._alerts: deque[dict[str, Any]] = deque(maxlen=alert_capacity)
        self._alert_ids: set[str] = set()

    def add_indicator(self, record: Mapping[str, Any]) -> bool:
        """Take one CongestionIndicator; True if it changed what is shown (value, level or as_of).

        A republication of the same value (the worker publishes everything on a cadence) only refreshes
        `computed_at`, and returns False: nothing to tell the browsers.
        """
        key = (record["scope"], record["indicator"])
        as_of: datetime = record["as_of"]
        bucket = int(as_of.timestamp() // self.resolution_s)
        series = self._history.setdefault(key, _Series())
        series.add(bucket, Point(as_of, record["value"], record["level"]), self.history_points)
        current = self._latest.get(key)
        if current is not None and _order(current) >= _order(record):
            return False
        self._latest[key] = {name: record.get(name) for name in INDICATOR_FIELDS}
        return current is None or any(current[n] != record[n] for n in ("value", "level", "as_of"))

    def add_alert(self, record: Mapping[str, Any]) -> bool:
        """Take one CongestionAlert; False for an alert_id already held (replays repeat ids)."""
        alert_id = record["alert_id"]
        if alert_id in self._alert_ids:
            return False
        if len(self._alerts) == self._alerts.maxlen:
            self._alert_ids.discard(self._alerts[0]["alert_id"])
        self._alerts.append({name: record.get(name) for name in ALERT_FIELDS})
        self._alert_ids.add(alert_id)
        return True

    def latest(
        self, scopes: Iterable[str] | None = None, indicators: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """Latest records, optionally only some scopes (ids or patterns: `USLAX/*`) and indicators, sorted."""
        patterns = list(scopes) if scopes is not None else None
        wanted_indicators = set(indicators) if indicators is not None else None
        return [
            record
            for (scope, indicator), record in sorted(self._latest.items())
            if _matches(scope, patterns) and (wanted_indicators is None or indicator in wanted_indicators)
        ]

    def history(self, scope: str, indicator: str, since: datetime | None = None) -> list[Point] | None:
        """Points of one indicator of one scope, oldest first (None if never seen); `since` is inclusive."""
        series = self._history.get((scope, indicator))
        if series is None:
            return None
        if since is None:
            return list(series.points)
        start = bisect.bisect_left(series.buckets, int(since.timestamp() // self.resolution_s))
        return [p for p in series.points[start:] if p.as_of >= since]

    def alerts(self, limit: int | None = None, scopes: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Recent alerts, newest (by as_of) first; `scopes` as in `latest`."""
        patterns = list(scopes) if scopes is not None else None
        chosen = [a for a in self._alerts if _matches(a["scope"], patterns)]
        chosen.sort(key=lambda a: a["as_of"], reverse=True)
        return chosen if limit is None else chosen[:limit]

    def scopes(self) -> set[str]:
        """Every scope with at least one value."""
        return {scope for scope, _ in self._latest}

    def newest_as_of(self) -> datetime | None:
        """The newest event time of any value held: how current the dashboard is."""
        return max((r["as_of"] for r in self._latest.values()), default=None)

    def counts(self) -> dict[str, int]:
        return {
            "indicators": len(self._latest),
            "scopes": len(self.scopes()),
            "history_points": sum(len(s.points) for s in self._history.values()),
            "alerts": len(self._alerts),
        }


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _order(record: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """Which of two values of one key is newer: event time first, then publication time."""
    return record["as_of"], record.get("computed_at") or _EPOCH


def _matches(scope: str, patterns: list[str] | None) -> bool:
    """No filter, or the scope is one of the ids or matches one of the patterns (`USLAX/*`)."""
    return patterns is None or any(fnmatch.fnmatchcase(scope, p) for p in patterns)
