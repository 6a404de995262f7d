"""json_form.dumps's fast path (used for simulator files) writes exactly what the general path writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from baystream.producers.simulator import simulate
from baystream.schemas.json_form import dumps, to_json
from tests.schemas.strategies import any_event


def _general(record: dict[str, Any]) -> str:
    return json.dumps(to_json(record), separators=(",", ":"))


def test_simulated_events_serialize_as_the_general_path() -> None:
    events = list(simulate("congested-2021", 6, 4))
    assert all(dumps(e) == _general(e) for e in events)
    odd = events[0] | {"vessel_name": 'NÖRD "X"\n\u2603', "berth": None}
    assert dumps(odd) == _general(odd)
    assert odd["type"] == "VesselArrival"
    assert dumps(odd | {"voyage": 1.5}) == _general(odd | {"voyage": 1.5})  # not a plain value: general path


@settings(max_examples=300)
@given(any_event)
def test_any_event_serializes_as_the_general_path(record: dict[str, Any]) -> None:
    assert dumps(record) == _general(record)
