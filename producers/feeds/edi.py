"""One way in for an EDI interchange, whoever received it: `baystream ingest` and the gateway both read here.

EDIFACT is read as Latin-1 (syntax levels UNOA to UNOC: every byte is a character, so no body is refused for
its encoding before the envelope is checked); X12 as bytes. All or nothing: every event, or one FeedError
naming the interchange, message and segment (docs/feeds.md).
"""

from __future__ import annotations

from typing import Any

EDI_FEEDS = ("edifact", "x12")


def read_edi(feed: str, payload: bytes) -> list[dict[str, Any]]:
    """Every event of `payload` read as `feed` (one of EDI_FEEDS), or FeedError."""
    from baystream.producers.feeds.edifact import read_edifact
    from baystream.producers.feeds.x12 import read_x12

    if feed == "edifact":
        return read_edifact(payload.decode("latin-1"))
    if feed == "x12":
        return read_x12(payload)
    raise ValueError(f"not an EDI feed: {feed!r}; expected one of {', '.join(EDI_FEEDS)}")
