"""What every feed reader shares: where an error is, event ids, times, and validation by the contract.

Feeds carry no event id, so each event gets a name-based UUID (version 5) of its content: the same gate move
reported twice (a resent interchange, a replacement message) gets the same id, and the engine's
deduplication drops the second. Every event is checked by the contract's own validation
(`schemas.validation`), as any other publication is; a problem is a `FeedError` naming where it came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from baystream.schemas.fields import NO_DEFAULT, fields_of
from baystream.schemas.json_form import dumps
from baystream.schemas.validation import validate

EVENT_ID_NAMESPACE = uuid.UUID("5b1f0d3e-6a63-4d0c-9a1e-0f6b2a7c9e41")
"""Namespace of the ids of events read from feeds (docs/feeds.md)."""


class FeedError(ValueError):
    """A feed that cannot become events: `where` names the interchange, message and segment (or sentence)."""

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")


def event_id_of(record: Mapping[str, Any]) -> str:
    """The name-based id of an event: a UUID5 of its JSON form without the id."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, dumps({**record, "event_id": None})))


def finish(record: dict[str, Any], where: str) -> dict[str, Any]:
    """Fill the fields a feed does not carry with their schema defaults, stamp the event id and check the
    event as any publication is checked; FeedError naming `where`."""
    for info in fields_of(record["type"]):
        if info.name not in record:
            record[info.name] = None if info.default is NO_DEFAULT else info.default
    record["event_id"] = event_id_of(record)
    errors = validate(record)
    if errors:
        raise FeedError(where, "; ".join(str(e) for e in errors))
    return record


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def to_second(value: datetime) -> datetime:
    """A time as feeds carry it: whole seconds (what the round trips compare)."""
    return value.replace(microsecond=0)
