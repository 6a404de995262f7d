"""Round trips, for many seeds: simulated events -> feed (our writers) -> adapter -> the same events.

Field for field, except what a feed cannot carry: the air and trade fields, the event id (feeds carry none;
the adapter names the content, producers/feeds/common.py) and what is finer than the feed: times to the
second (DTM 204, Q5 HHMMSS, the NMEA tag block), ship names to AIS's 20 characters. Estimates are left out:
the writers write what happened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baystream.producers.feeds.ais import calls_of, read_ais
from baystream.producers.feeds.ais_writer import write_ais
from baystream.producers.feeds.common import to_second
from baystream.producers.feeds.edifact import read_edifact
from baystream.producers.feeds.edifact_writer import write_edifact
from baystream.producers.feeds.x12 import read_x12
from baystream.producers.feeds.x12_writer import write_x12
from baystream.producers.simulator import scenario_names, simulate

RUNS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Each example simulates days of the complex (about 4 s on the test machine): eight seeds a run, new ones
every run (hypothesis draws them afresh), keep the suite's time in bounds."""
EDIFACT_RUNS = settings(RUNS, max_examples=6)
"""pydifact reads about a thousand segments a second (bench/feeds.py): fewer, smaller examples."""
NOT_IN_FEEDS = ("last_port", "teu_capacity", "fuel", "shore_power", "zero_emission", "queue_arrival_time")
"""The air and trade fields and the gate queue's arrival (docs/schemas.md): none of these feeds has a place
for them."""
SEEDS = st.integers(0, 2**31 - 1)
SCENARIOS = st.sampled_from(scenario_names())


def _simulated(scenario: str, seed: int, hours: float, types: set[str], each: int) -> list[dict[str, Any]]:
    """The first `each` events of every one of `types` in `hours` of a run, in event-time order."""
    taken: dict[str, int] = defaultdict(int)
    out = []
    for event in simulate(scenario, hours, seed):
        if event["type"] in types and taken[event["type"]] < each and event["classifier"] == "ACTUAL":
            taken[event["type"]] += 1
            out.append(event)
    return out


def _as_fed(event: dict[str, Any], name_length: int | None = None) -> dict[str, Any]:
    out = {**event, "event_id": None, "event_time": to_second(event["event_time"])}
    out.update((name, None) for name in NOT_IN_FEEDS if name in event)
    if name_length is not None:
        out["vessel_name"] = event["vessel_name"][:name_length].rstrip()  # AIS pads with spaces: never trailing
    return out


def _per_source(events: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by[event["source"]].append(event)
    return by


def _round_trip(
    events: list[dict[str, Any]], write: Callable[[list[dict[str, Any]], str, int], Any], read: Any
) -> None:
    for number, (source, sent) in enumerate(_per_source(events).items(), start=1):
        back = read(write(sent, source, number))
        assert [{**e, "event_id": None} for e in back] == [_as_fed(e) for e in sent]


@EDIFACT_RUNS
@given(scenario=SCENARIOS, seed=SEEDS, directory=st.sampled_from(["95B", "00B"]))
def test_codeco_and_coarri_give_back_the_gate_moves_and_container_events(
    scenario: str, seed: int, directory: str
) -> None:
    events = _simulated(scenario, seed, 30, {"GateMove", "ContainerEvent"}, 120)
    assert {e["type"] for e in events} == {"GateMove", "ContainerEvent"}
    _round_trip(events, lambda sent, source, n: write_edifact(sent, source, str(n), directory), read_edifact)


@RUNS
@given(scenario=SCENARIOS, seed=SEEDS)
def test_x12_322_gives_back_gate_moves_container_events_and_trains(scenario: str, seed: int) -> None:
    events = _simulated(scenario, seed, 72, {"GateMove", "ContainerEvent", "RailDeparture"}, 150)
    assert {e["type"] for e in events} == {"GateMove", "ContainerEvent", "RailDeparture"}
    _round_trip(events, lambda sent, source, n: write_x12(sent, source, n), read_x12)


@EDIFACT_RUNS
@given(
    seed=SEEDS,
    truck=st.from_regex(r"[A-C0-9][A-C0-9 +:-]{0,11}", fullmatch=True).filter(lambda s: s.strip() == s),
)
def test_edifact_release_characters_round_trip(seed: int, truck: str) -> None:
    """Service characters in a value (+ and :, the ones a truck id may hold, docs/schemas.md) are escaped by
    pydifact's serializer and read back; ' and ? are covered by the hand-written samples."""
    events = [{**e, "truck_id": truck} for e in _simulated("normal", seed, 6, {"GateMove"}, 20)]
    _round_trip(events, lambda sent, source, n: write_edifact(sent, source, str(n)), read_edifact)


@RUNS
@given(scenario=SCENARIOS, seed=SEEDS)
def test_ais_tracks_give_back_the_vessel_milestones(scenario: str, seed: int) -> None:
    events = _simulated(scenario, seed, 96, {"VesselArrival"}, 100_000)
    assert events
    back, rejected = read_ais(write_ais(events), calls_of(events))
    assert rejected == []
    seen = [e for e in events if e["location_type"] != "HOLDING_AREA"]  # offshore: outside every geofence
    key = lambda e: (e["event_time"], e["vessel_imo"], e["location_type"], e["event_type"])  # noqa: E731
    assert sorted(({**e, "event_id": None} for e in back), key=key) == sorted(
        (_as_fed(e, name_length=20) for e in seen), key=key
    )
