"""Bodies to batches: the three body forms, source stamping, every problem with its index."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baystream.producers.gateway.batch import BadBody, check_batch, split_body
from baystream.producers.gateway.identities import Identity, Role, hash_key
from tests.events import ALL_TYPES, event

FIELDS = sorted(
    {"type", "event_id", "event_time", "port", "facility", "trucker", "size", "container_ids", "x"}
    | {name for t in ALL_TYPES for name in event(t)}
)

TRUCKER = Identity("abcd-trucking", Role.TRUCKER, "ABCD", hash_key("k"))


def test_one_object_an_array_and_ndjson() -> None:
    a, b = event("GateMove"), event("GateMove")
    assert split_body(json.dumps(a).encode(), "application/json") == [a]
    assert split_body(json.dumps([a, b]).encode(), "application/json") == [a, b]
    ndjson = f"{json.dumps(a)}\n\n{json.dumps(b)}\n".encode()
    assert split_body(ndjson, "application/x-ndjson") == [a, b]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"{", "application/json", "not JSON"),
        (b"[]", "application/json", "no events"),
        (b"\n\n", "application/x-ndjson", "no events"),
        (b'{"a": 1}\nnope\n', "application/x-ndjson", "line 2"),
        (b"\xff\xfe", "application/json", "UTF-8"),
    ],
)
def test_bad_bodies(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(BadBody, match=message):
        split_body(body, content_type)


def test_source_is_stamped_from_the_identity_never_the_body() -> None:
    without = event("GateMove")
    del without["source"]
    forged = event("GateMove", source="EVIL")
    checked = check_batch([without, forged], TRUCKER)
    assert not checked.invalid and not checked.forbidden
    assert [r["source"] for r in checked.records] == ["ABCD", "ABCD"]


def test_every_problem_of_every_item_with_its_index() -> None:
    items = [
        event("GateMove"),
        event("GateMove", container_id="CSQU3054384", direction="SIDEWAYS"),
        "not an object",
        event("GateMove", port={"nested": 1}),
    ]
    checked = check_batch(items, TRUCKER)
    got = {(p.index, p.error.field) for p in checked.invalid}
    assert got == {(1, "container_id"), (1, "direction"), (2, "type"), (3, "port")}
    assert {p.event_type for p in checked.invalid} == {"GateMove", "unknown"}


def test_forbidden_items_are_listed_after_validation() -> None:
    items = [event("GateMove"), event("GateMove", trucker="EFGH"), event("RailDeparture")]
    checked = check_batch(items, TRUCKER)
    assert not checked.invalid
    assert [(p.index, p.error.field) for p in checked.forbidden] == [(1, "trucker"), (2, "type")]
    assert checked.forbidden[0].as_dict() == {
        "index": 1,
        "field": "trucker",
        "reason": "abcd-trucking publishes only as itself (trucker ABCD)",
        "got": "EFGH",
    }


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@given(st.sampled_from(ALL_TYPES), st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4))
@settings(max_examples=300, deadline=None)
def test_any_json_in_any_field_is_answered_never_raised(type_name: str, changes: dict[str, object]) -> None:
    """Every item ends as a record or with its problems listed: a bad body can never become a 500."""
    item = {**event(type_name), **changes}
    checked = check_batch([item, changes], TRUCKER)
    assert len(checked.records) + len({p.index for p in checked.invalid}) == 2  # each item: a record or problems
    for problem in checked.invalid:
        assert problem.error.reason and json.dumps(problem.as_dict())
