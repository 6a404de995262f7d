"""The one way a time is read from text (JSON events, query parameters, command-line options), and the
range of times the contract holds: a time outside it is a field error, never an OverflowError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MAX_TIME_TEXT = 64
"""Longest time string read: an ISO-8601 time with fractions and an offset is 35 characters."""
TIME_MIN = datetime(1970, 1, 1, tzinfo=UTC)
"""Earliest time of the contract (Kafka record timestamps start at the epoch)."""
TIME_MAX = datetime(3000, 1, 1, tzinfo=UTC)
"""First time past the contract: far enough for any port, near enough that windows and horizons added to a
time (days, weeks) never leave Python's datetime range (year 9999)."""
TIME_RANGE = "1970-01-01T00:00:00Z to 2999-12-31T23:59:59.999Z"


class BadTime(ValueError):
    """A time string that is not an ISO-8601 time with a timezone within the contract's range."""


def parse_time(text: str) -> datetime:
    """ISO-8601 with a timezone, to an aware UTC datetime with millisecond precision, within TIME_MIN and
    TIME_MAX; BadTime (a ValueError) with a short reason otherwise, never an OverflowError."""
    if not isinstance(text, str) or len(text) > MAX_TIME_TEXT:
        raise BadTime("expected an ISO-8601 UTC time like 2024-05-01T12:00:00Z")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise BadTime("expected an ISO-8601 UTC time like 2024-05-01T12:00:00Z") from None
    if parsed.tzinfo is None:
        raise BadTime("expected an ISO-8601 time with a timezone (Z or an offset), like 2024-05-01T12:00:00Z")
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is past year 9999 in UTC
        parsed = TIME_MAX if parsed.year > 1 else TIME_MIN - timedelta(days=1)
    if not TIME_MIN <= parsed < TIME_MAX:
        raise BadTime(f"expected a time from {TIME_RANGE}")
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)
