"""A request body to a checked batch: split (one object, a JSON array, NDJSON, or an EDI interchange), stamp,
validate, authorize.

All or nothing: every item is checked before anything is published, and every problem of every item is
reported with its index (0-based, in body order; for NDJSON the line's index among non-blank lines; for an
interchange the event's place among those its messages give, in order). An EDIFACT or X12 body is read by
the feeds' own reader (producers/feeds/edi.py) into events in the JSON form, which then take the JSON
events' path: `source` stamped from the identity, validated, authorized, deduplicated, published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from baystream.producers.feeds.common import FeedError
from baystream.producers.feeds.edi import read_edi
from baystream.producers.gateway.identities import Identity, permission_problem
from baystream.schemas.catalog import INPUT_TYPES
from baystream.schemas.errors import FieldError, InvalidEvent
from baystream.schemas.json_form import JsonInputError, loads, parse_event, split_lines, to_json

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"})
EDI_TYPES = {"application/edifact": "edifact", "application/edi-x12": "x12"}
"""Content type (RFC 1767 registrations, lower case) -> the feed its body is read as."""


class BadBody(ValueError):
    """A body that is not one event, an array of events, or NDJSON (answered with 400)."""


class BadInterchange(BadBody):
    """An EDIFACT or X12 body that cannot become events: `where` names interchange, message and segment."""

    def __init__(self, feed: str, where: str, reason: str):
        self.feed, self.where, self.reason = feed, where, reason
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class ItemProblem:
    """One problem of one item of a batch."""

    index: int
    error: FieldError
    event_type: str
    """The item's type when it is a known input type, else "unknown" (a bounded metric label)."""

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, **self.error.as_dict()}


@dataclass
class CheckedBatch:
    records: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[ItemProblem] = field(default_factory=list)
    forbidden: list[ItemProblem] = field(default_factory=list)


def split_body(body: bytes, content_type: str) -> list[Any]:
    """The items of a body; NDJSON or EDI when the content type says so, else JSON (an object or an array).

    The JSON form's one reader (`loads`: UTF-8, depth limit) and its one line splitter (`\n` only)."""
    feed = EDI_TYPES.get(content_type.lower())
    if feed is not None:
        items = _interchange_items(feed, body)
    elif content_type.lower() in NDJSON_TYPES:
        items = []
        blank = b" \t\r"
        for number, line in enumerate((li for li in split_lines(body) if li.strip(blank)), start=1):
            try:
                items.append(loads(line))
            except JsonInputError as exc:
                raise BadBody(f"NDJSON line {number} (non-blank lines counted from 1): {exc}") from None
    else:
        try:
            parsed = loads(body)
        except JsonInputError as exc:
            raise BadBody(f"body: {exc}") from None
        items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        raise BadBody("no events in the body")
    return items


def _interchange_items(feed: str, body: bytes) -> list[Any]:
    """The events of an interchange in the JSON form, as a JSON body would hold them (BadInterchange)."""
    try:
        events = read_edi(feed, body)
    except FeedError as exc:
        raise BadInterchange(feed, exc.where, exc.reason) from None
    return [to_json(event) for event in events]


def _event_type(item: Any) -> str:
    type_name = item.get("type") if isinstance(item, Mapping) else None
    return type_name if type_name in INPUT_TYPES else "unknown"


def check_batch(items: list[Any], identity: Identity) -> CheckedBatch:
    """Stamp `source` from the identity, validate against the contract, then check the role's rule."""
    checked = CheckedBatch()
    for index, item in enumerate(items):
        stamped = {**item, "source": identity.code} if isinstance(item, Mapping) else item
        try:
            record = parse_event(stamped)
        except InvalidEvent as exc:
            checked.invalid.extend(ItemProblem(index, e, _event_type(item)) for e in exc.errors)
            continue
        problem = permission_problem(identity, record)
        if problem is not None:
            checked.forbidden.append(ItemProblem(index, problem, record["type"]))
        checked.records.append(record)
    return checked
