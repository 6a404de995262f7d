"""VesselArrival milestones -> the AIS sentences a receiver would hear, encoded with pyais's encoder.

A track per ship: underway off the port, its type 5 (IMO, name; ETA not given), then at each milestone the
fixes that make `ais.AisFeed` see it: stopped at the anchorage's or the berth's centre at the milestone's
time and again `dwell` later, and underway outside every geofence at a departure. Each sentence carries an
NMEA 4 tag block with the receiver's time (`c:`, Unix seconds), as shore receivers forward it. Used by the
simulator's `--format ais` and the round-trip tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from baystream.producers.feeds.ais import ArrivalRules
from baystream.producers.feeds.geofences import ANCHORAGES, HOLDING_AREA, berth_named

OFFSHORE = (33.600, -118.300)
"""Where tracks start: south of the breakwater, outside every geofence."""
CHANNEL = (33.722, -118.272)
"""Underway between the anchorage and the berths, outside every geofence."""


def mmsi_of(imo: str) -> int:
    """A made-up MMSI per IMO number (the simulator's ships have none)."""
    return 200_000_000 + int(imo)


def _tagged(sentence: str, when: datetime) -> str:
    block = f"c:{int(when.timestamp())},s:baystream"
    checksum = reduce(lambda acc, ch: acc ^ ord(ch), block, 0)
    return f"\\{block}*{checksum:02X}\\{sentence}"


def _centre(polygon: tuple[tuple[float, float], ...]) -> tuple[float, float]:
    return (sum(p[0] for p in polygon) / len(polygon), sum(p[1] for p in polygon) / len(polygon))


def write_ais(events: Iterable[Mapping[str, Any]], rules: ArrivalRules | None = None) -> list[str]:
    """The sentences (tag block + !AIVDM, one a line) of the ACTUAL VesselArrival events given, in time order."""
    from pyais.encode import encode_dict

    dwell = (rules or ArrivalRules()).dwell
    timed: list[tuple[datetime, int, list[str]]] = []
    order = 0
    last: dict[str, datetime] = {}

    def add(when: datetime, data: dict[str, Any]) -> None:
        nonlocal order
        order += 1
        seq = order % 10 if data["type"] == 5 else None
        sentences = encode_dict(data, talker_id="AI", sentence_type="VDM", radio_channel="A", seq_id=seq)
        timed.append((when, order, [_tagged(s, when) for s in sentences]))

    def fix(imo: str, when: datetime, point: tuple[float, float], speed: float) -> None:
        add(
            when,
            {
                "type": 1,
                "mmsi": mmsi_of(imo),
                "lat": point[0],
                "lon": point[1],
                "speed": speed,
                "second": when.second % 60,
            },
        )

    for event in sorted(
        (e for e in events if e["type"] == "VesselArrival" and e["classifier"] == "ACTUAL"),
        key=lambda e: e["event_time"],
    ):
        imo, when = event["vessel_imo"], event["event_time"].replace(microsecond=0)
        previous = last.get(imo)
        if previous is None:
            fix(imo, when - timedelta(minutes=30), OFFSHORE, 12.0)
            add(
                when - timedelta(minutes=20),
                {
                    "type": 5,
                    "mmsi": mmsi_of(imo),
                    "imo": int(imo),
                    "shipname": event["vessel_name"],
                    "shiptype": 70,
                    "month": 0,
                    "day": 0,
                    "hour": 24,
                    "minute": 60,
                },
            )
            previous = when - timedelta(minutes=10)
        if event["event_type"] == "DEPARTED":
            fix(imo, when, CHANNEL, 8.0)
            last[imo] = when
            continue
        if event["location_type"] == "ANCHORAGE":
            point = _centre(ANCHORAGES[event["port"]])
        elif event["location_type"] == "HOLDING_AREA":
            point = HOLDING_AREA
        else:
            point = berth_named(event["facility"], event["berth"]).centre
        fix(imo, previous + (when - previous) / 2, CHANNEL, 8.0)  # underway from wherever it was
        fix(imo, when, point, 0.0)
        fix(imo, when + dwell, point, 0.0)
        last[imo] = when + dwell
    timed.sort(key=lambda item: (item[0], item[1]))
    return [s for _, _, sentences in timed for s in sentences]
